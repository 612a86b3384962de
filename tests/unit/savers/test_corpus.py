"""Every fact of the real-tool corpus (bench/data/savers_corpus, made by bench/savers_corpus.py)
survives RTK, nothing comes out longer or empty, and the corpus as a whole shrinks by at least 60%
(characters here; bench/savers.py reports tokens)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest

from app.savers.rtk.detect import ToolCall
from app.savers.rtk.engine import compress_output

CORPUS = Path(__file__).parents[3] / "bench" / "data" / "savers_corpus"
MANIFEST: list[dict[str, Any]] = orjson.loads((CORPUS / "manifest.json").read_bytes())


@pytest.mark.parametrize("sample", MANIFEST, ids=[s["id"] for s in MANIFEST])
def test_facts_survive(sample: dict[str, Any]) -> None:
    text = (CORPUS / f"{sample['id']}.txt").read_text()
    out = compress_output(text, ToolCall("Bash", sample["command"]), sample["failed"])
    assert out.kind is not None, "every corpus sample is large enough to be compressed"
    assert len(out.text.strip()) > 0 and len(out.text) < len(text)
    missing = [fact for fact in sample["facts"] if fact not in out.text]
    assert missing == []


def test_the_corpus_shrinks_by_60_percent() -> None:
    before = after = 0
    for sample in MANIFEST:
        text = (CORPUS / f"{sample['id']}.txt").read_text()
        before += len(text)
        after += len(compress_output(text, ToolCall("Bash", sample["command"]), sample["failed"]).text)
    assert after <= 0.4 * before
