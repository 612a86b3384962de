"""Shell tool results that wrap the command's output in a small header (Codex):

    Exit code: 1
    Wall time: 0.4 seconds
    Output:
    <the output>

or the older JSON form `{"output": "...", "metadata": {"exit_code": 1, ...}}`. Only the output is
compressed; the header is kept as it was, and a non-zero exit code makes the result an error result.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import orjson

_HEADER_END = "\nOutput:\n"
_EXIT = re.compile(r"(?:Exit code:|exited with code)\s*(-?\d+)", re.I)
HEADER_CHARS = 400


@dataclass(frozen=True, slots=True)
class Envelope:
    inner: str
    failed: bool
    rebuild: Callable[[str], str]


def open_envelope(text: str) -> Envelope | None:
    cut = text.find(_HEADER_END, 0, HEADER_CHARS)
    if cut >= 0:
        header = text[: cut + len(_HEADER_END)]
        exit_code = _EXIT.search(header)
        return Envelope(
            inner=text[len(header) :],
            failed=exit_code is not None and exit_code.group(1) != "0",
            rebuild=lambda inner: header + inner,
        )
    if text.startswith('{"output":'):
        try:
            value = orjson.loads(text)
        except orjson.JSONDecodeError:
            return None
        if not isinstance(value, dict) or not isinstance(value.get("output"), str):
            return None
        metadata = value.get("metadata")
        code = metadata.get("exit_code") if isinstance(metadata, dict) else None
        return Envelope(
            inner=value["output"],
            failed=code not in (0, None),
            # orjson keeps key order, so the rebuilt JSON differs from the original only in "output".
            rebuild=lambda inner: orjson.dumps({**value, "output": inner}).decode(),
        )
    return None
