"""jest and vitest: failing suites and tests with their messages (Expected/Received, the assertion)
and first project location kept; passing tests and suites, code frames and node_modules stack frames
dropped; the summary kept."""

from __future__ import annotations

import re

from app.savers.rtk.text import clip

_PASS = re.compile(r"^\s*(PASS\s|✓|√|✔)")
_FRAME = re.compile(r"^\s*(>?\s*\d+\s*\||\|\s*\^|\|\s*$)")
# \u276f is vitest's frame arrow, \u00d7 its failed mark (escaped: they look like > and x).
_STACK = re.compile("^\\s*(at\\s|\u276f\\s)")
_SUMMARY = re.compile(
    r"^\s*(Tests?:|Test Suites:|Test Files|Snapshots:|Time:|Duration|Start at|Ran all test suites)"
)


def compress(text: str) -> str:
    out: list[str] = []
    stack_kept = False
    for line in text.split("\n"):
        stripped = line.rstrip()
        if not stripped.strip():
            continue
        if _PASS.match(stripped):
            continue
        if _FRAME.match(stripped):
            continue
        if _STACK.match(stripped):
            # The first frame in the project tells where; the rest (and node_modules) does not help.
            if not stack_kept and "node_modules" not in stripped and "node:internal" not in stripped:
                out.append("  " + stripped.strip())
                stack_kept = True
            continue
        if stripped.lstrip().startswith(("●", "\u00d7", "✕", "FAIL", "⎯")) or _SUMMARY.match(stripped):
            stack_kept = False
        out.append(clip(stripped, 300))
    return "\n".join(out)
