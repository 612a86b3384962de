"""git diff / git show / git log -p: file and hunk headers always kept, changed lines kept, context
trimmed to one line either side of a change, at most 100 lines a hunk and 500 in all (after that only
the headers: which files and hunks changed is the part the model cannot get back cheaply).

Dropped: `index` lines and the `---`/`+++` pair (the `diff --git` line already names both files).
"""

from __future__ import annotations

import re

from app.savers.rtk.git_log import header_field
from app.savers.rtk.text import clip, omitted

HUNK_LINES = 100
TOTAL_LINES = 500
CONTEXT = 1

_HUNK = re.compile(r"^@@ -\d+(?:,(\d+))? \+\d+(?:,(\d+))? @@")
_COMMIT = re.compile(r"^commit ([0-9a-f]{7,40})(.*)$")
_DROPPED_HEADERS = ("index ", "--- ", "+++ ")


def _keep_context(body: list[str]) -> list[str]:
    """Changed lines plus CONTEXT (one) context line around each; a gap inside the hunk becomes `⋯`."""
    changed = [line.startswith(("+", "-", "\\")) for line in body]
    last = len(body) - 1
    out: list[str] = []
    gap = False
    for i, line in enumerate(body):
        if changed[i] or (i > 0 and changed[i - 1]) or (i < last and changed[i + 1]):
            if gap and out:
                out.append("⋯")
            gap = False
            out.append(line if len(line) <= 300 else clip(line, 300))
        else:
            gap = True
    return out


def compress(text: str) -> str:
    lines = text.split("\n")
    out: list[str] = []
    budget = TOTAL_LINES
    skipped_bodies = 0
    i = 0
    in_commit_message = False
    while i < len(lines):
        line = lines[i]
        hunk = _HUNK.match(line)
        if hunk:
            old = int(hunk.group(1) or "1")
            new = int(hunk.group(2) or "1")
            out.append(line)
            i += 1
            body: list[str] = []
            # Consume exactly the hunk's lines, so a removed line that reads `--- x` is not a header.
            while i < len(lines) and (old > 0 or new > 0 or lines[i].startswith("\\")):
                row = lines[i]
                tag = row[:1]
                if row and tag not in " +-\\":
                    break  # the header's counts were wrong (output cut by `head`?): the hunk ended
                if tag == "-":
                    old -= 1
                elif tag == "+":
                    new -= 1
                elif tag == "\\":
                    pass
                else:
                    old -= 1
                    new -= 1
                body.append(row)
                i += 1
            kept = _keep_context(body)
            if budget <= 0:
                skipped_bodies += 1
                continue
            if len(kept) > HUNK_LINES:
                kept = [*kept[:HUNK_LINES], omitted(len(kept) - HUNK_LINES, "lines of this hunk")]
            kept = kept[:budget] if len(kept) > budget else kept
            budget -= len(kept)
            out.extend(kept)
            continue
        commit = _COMMIT.match(line)
        if commit:
            out.append(f"commit {commit.group(1)[:12]}{commit.group(2)}")
            in_commit_message = True
        elif line.startswith("diff --git "):
            in_commit_message = False
            out.append(line)
        elif line.startswith(_DROPPED_HEADERS):
            pass
        elif in_commit_message and out and out[-1].startswith("commit ") and header_field(line) is not None:
            out[-1] += f" | {header_field(line)}"  # author and date on the commit's line, as in git_log
        elif in_commit_message:
            stripped = line.strip()
            if stripped:
                out.append(stripped if not line.startswith("    ") else "  " + stripped)
        elif line.strip():
            out.append(line)
        i += 1
    if skipped_bodies:
        out.append(omitted(skipped_bodies, f"hunk bodies (over {TOTAL_LINES} lines)"))
    return "\n".join(out)
