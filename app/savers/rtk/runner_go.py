"""go test: `=== RUN`/`PAUSE`/`CONT` and passing `--- PASS` lines dropped; failures with their
indented output, `panic:` traces, package `ok`/`FAIL` lines and the final status kept."""

from __future__ import annotations

import re

from app.savers.rtk.text import clip

_NOISE = re.compile(r"^\s*(=== (RUN|PAUSE|CONT|NAME)\s|--- (PASS|SKIP):|PASS$)")


def compress(text: str) -> str:
    out: list[str] = []
    passing_block = False
    for line in text.split("\n"):
        if not line.strip():
            continue
        if _NOISE.match(line):
            # Output indented under a passing test belongs to it; drop it with the test.
            passing_block = "--- PASS" in line or "--- SKIP" in line
            continue
        if passing_block and line.startswith((" ", "\t")):
            continue
        passing_block = False
        out.append(clip(line.rstrip(), 300))
    return "\n".join(out)
