"""What the token savers save on the real-tool corpus (bench/savers_corpus.py), what they keep, and
what they cost.

For every sample: tokens before and after RTK (cl100k offline tokenizer, app/formats/token_count.py),
the share of its facts still present in the compressed text, the kind detected from the command and
from the text alone, and the time RTK takes, as ms per 100 KB of input (the memo is bypassed: this is
the cost of a result seen for the first time). Then the same samples as one Anthropic request (one
turn with every tool result) through apply_savers: first pass, and the next turn's pass over the same
history (memo hits).

Samples whose command failed are passed as error results (is_error), as Claude Code sends them.

Run: .venv/bin/python -m bench.savers [--rounds N] [--show ID]
"""

from __future__ import annotations

import argparse
import platform
import statistics
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson

from app.core.records import WireFormat
from app.formats.token_count import count_text
from app.savers import SaverOptions, apply_savers
from app.savers.rtk.detect import ToolCall, detect
from app.savers.rtk.engine import clear_memo, compress_uncached

CORPUS = Path(__file__).parent / "data" / "savers_corpus"


def timed_ms(fn: Callable[[], object], rounds: int) -> float:
    """Median wall time of fn in milliseconds."""
    fn()
    samples = []
    for _ in range(rounds):
        start = time.perf_counter_ns()
        fn()
        samples.append((time.perf_counter_ns() - start) / 1e6)
    return statistics.median(samples)


def load() -> list[dict[str, Any]]:
    manifest = orjson.loads((CORPUS / "manifest.json").read_bytes())
    for sample in manifest:
        sample["text"] = (CORPUS / f"{sample['id']}.txt").read_text()
    return manifest


def turn_body(samples: list[dict[str, Any]]) -> dict[str, Any]:
    """One Anthropic request: an assistant turn calling Bash once per sample, a user turn with every
    result."""
    calls = [
        {"type": "tool_use", "id": f"toolu_{i}", "name": "Bash", "input": {"command": s["command"]}}
        for i, s in enumerate(samples)
    ]
    results = [
        {"type": "tool_result", "tool_use_id": f"toolu_{i}", "content": s["text"], "is_error": s["failed"]}
        for i, s in enumerate(samples)
    ]
    return {
        "model": "claude-sonnet-4-5",
        "max_tokens": 1024,
        "messages": [
            {"role": "user", "content": "Check the repository state and the failing builds."},
            {"role": "assistant", "content": calls},
            {"role": "user", "content": results},
        ],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--show", help="print one sample's compressed text and its missing facts")
    args = parser.parse_args()
    samples = load()
    rtk = compress_uncached  # the memo would make every round after the first a lookup

    if args.show:
        sample = next(s for s in samples if s["id"] == args.show)
        out = rtk(sample["text"], ToolCall("Bash", sample["command"]), sample["failed"])
        print(out.text)
        print("\nkind:", out.kind, "missing:", [f for f in sample["facts"] if f not in out.text])
        return

    rows = []
    by_kind: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])
    total_ms = 0.0
    total_chars = 0
    for sample in samples:
        call = ToolCall("Bash", sample["command"])
        out = rtk(sample["text"], call, sample["failed"])
        before, after = count_text(sample["text"]), count_text(out.text)
        kept = sum(1 for fact in sample["facts"] if fact in out.text)
        ms = timed_ms(lambda s=sample, c=call: rtk(s["text"], c, s["failed"]), args.rounds)
        total_ms += ms
        total_chars += len(sample["text"])
        per_100k = ms / (len(sample["text"]) / 100_000)
        by_text = detect(sample["text"], ToolCall())
        rows.append(
            (
                sample["id"],
                sample["kind"],
                str(out.kind or "-"),
                str(by_text),
                sample["failed"],
                before,
                after,
                kept,
                len(sample["facts"]),
                per_100k,
            )
        )
        agg = by_kind[sample["kind"]]
        agg[0] += before
        agg[1] += after
        agg[2] += kept
        agg[3] += len(sample["facts"])
        agg[4] += 1

    print(
        f"Machine: {platform.processor() or platform.machine()}, Python {platform.python_version()}, "
        f"{time.strftime('%Y-%m-%d')}\n"
    )
    print(
        "| sample | kind | applied | by text alone | error result | tokens before | after | saved | facts kept | ms / 100 KB |"
    )
    print("|---|---|---|---|---|---:|---:|---:|---:|---:|")
    for sid, kind, applied, by_text, failed, before, after, kept, facts, per in rows:
        saved = 1 - after / before if before else 0.0
        print(
            f"| {sid} | {kind} | {applied} | {by_text} | {'yes' if failed else ''} | {before} | {after} | "
            f"{saved:.0%} | {kept}/{facts} | {per:.2f} |"
        )
    print("\n| kind | samples | tokens before | after | saved | facts kept |")
    print("|---|---:|---:|---:|---:|---:|")
    tb = ta = tk = tf = 0
    for kind, (before, after, kept, facts, n) in sorted(by_kind.items()):
        tb, ta, tk, tf = tb + before, ta + after, tk + kept, tf + facts
        print(f"| {kind} | {n} | {before} | {after} | {1 - after / before:.0%} | {kept}/{facts} |")
    print(f"| **all** | {len(rows)} | {tb} | {ta} | **{1 - ta / tb:.0%}** | {tk}/{tf} |")
    # The npm sample is an install log at --loglevel=http, almost all of it fetch lines: it alone
    # would carry the overall figure, so the total is also given without it.
    npm = next((r for r in rows if r[0] == "npm-install"), None)
    if npm is not None:
        nb, na = tb - npm[5], ta - npm[6]
        print(
            f"| all but npm-install | {len(rows) - 1} | {nb} | {na} | **{1 - na / nb:.0%}** | {tk - npm[7]}/{tf - npm[8]} |"
        )
    print(
        f"\nRTK throughput over the corpus: {total_ms / (total_chars / 100_000):.2f} ms per 100 KB "
        f"({total_chars / 1000:.0f} KB in {total_ms:.1f} ms, first sight, no memo)"
    )

    body = turn_body(samples)
    options = SaverOptions()
    raw_kb = len(orjson.dumps(body)) / 1000

    def first_pass() -> object:
        clear_memo()
        return apply_savers(body, WireFormat.ANTHROPIC, options)

    first = timed_ms(first_pass, max(5, args.rounds // 3))
    apply_savers(body, WireFormat.ANTHROPIC, options)
    again = timed_ms(lambda: apply_savers(body, WireFormat.ANTHROPIC, options), args.rounds)
    result = apply_savers(body, WireFormat.ANTHROPIC, options)
    before_tokens, after_tokens = result.tokens(count_text)
    count_ms = timed_ms(lambda: result.tokens(count_text), 5)
    print(
        f"\nOne turn with all {len(samples)} results as an Anthropic request ({raw_kb:.0f} KB): "
        f"tool-result tokens {before_tokens} -> {after_tokens} ({1 - after_tokens / before_tokens:.0%} saved); "
        f"apply_savers {first:.1f} ms on first sight, {again:.2f} ms when the same history comes again "
        f"(memo); counting the tokens before/after with the offline tokenizer takes {count_ms:.1f} ms."
    )


if __name__ == "__main__":
    main()
