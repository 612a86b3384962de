"""git status (long form): one line per group, paths kept, git's hints dropped.

    staged: M app/a.py, A app/b.py
    unstaged: M c.py, D d.py
    untracked: e.py, docs/

At most GROUP_PATHS paths a group (the reference keeps 10; listing a few more costs little and the
model usually acts on exactly these paths).
"""

from __future__ import annotations

import re

GROUP_PATHS = 30

_GROUPS = {
    "Changes to be committed:": "staged",
    "Changes not staged for commit:": "unstaged",
    "Untracked files:": "untracked",
    "Unmerged paths:": "unmerged",
    "Ignored files:": "ignored",
}
_STATES = {
    "modified": "M",
    "new file": "A",
    "deleted": "D",
    "renamed": "R",
    "copied": "C",
    "typechange": "T",
    "both modified": "UU",
    "both added": "AA",
    "deleted by us": "DU",
    "deleted by them": "UD",
    "added by us": "AU",
    "added by them": "UA",
}
_ENTRY = re.compile(
    r"^\t(?:([a-z ]+):\s+)?(.+?)(?:\s+\((?:modified content|new commits|untracked content)[^)]*\))?$"
)


def compress(text: str) -> str:
    out: list[str] = []
    group: str | None = None
    entries: list[str] = []

    def flush() -> None:
        if group is not None and entries:
            shown = entries[:GROUP_PATHS]
            more = f", … +{len(entries) - GROUP_PATHS} more" if len(entries) > GROUP_PATHS else ""
            out.append(f"{group}: {', '.join(shown)}{more}")

    for line in text.split("\n"):
        if line in _GROUPS:
            flush()
            group, entries = _GROUPS[line], []
            continue
        entry = _ENTRY.match(line)
        if group is not None and entry:
            state, path = entry.group(1), entry.group(2)
            code = _STATES.get(state or "", state or "")
            entries.append(f"{code} {path}" if code else path)
            continue
        stripped = line.strip()
        if not stripped or (stripped.startswith("(use ") and stripped.endswith(")")):
            continue
        if stripped.startswith('no changes added to commit (use "git add'):
            continue
        flush()
        group, entries = None, []
        out.append(stripped)
    flush()
    return "\n".join(out)
