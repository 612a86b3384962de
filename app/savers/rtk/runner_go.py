"""go test: `=== RUN`/`PAUSE`/`CONT` lines and passing tests (with the output they printed) dropped;
failures with their output, `panic:` traces, package `ok`/`FAIL` lines and the final status kept.

With -v a test's output comes before its `--- PASS`/`--- FAIL` verdict, so it is held until the
verdict says whether it is kept."""

from __future__ import annotations

import re

from app.savers.rtk.text import clip

_START = re.compile(r"^\s*=== (RUN|PAUSE|CONT|NAME)\s")
_PASSED = re.compile(r"^\s*--- (PASS|SKIP):")


def compress(text: str) -> str:
    out: list[str] = []
    pending: list[str] = []
    for line in text.split("\n"):
        if not line.strip() or line == "PASS":
            continue
        if _START.match(line):
            continue
        if _PASSED.match(line):
            pending = []
            continue
        line = clip(line.rstrip(), 300)
        if line.startswith((" ", "\t")) and not line.lstrip().startswith("--- FAIL"):
            pending.append(line)
            continue
        out.extend(pending)
        pending = []
        out.append(line)
    out.extend(pending)
    return "\n".join(out)
