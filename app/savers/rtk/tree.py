"""tree: box-drawing prefixes turned into two spaces a level (each `│   ├── ` costs several tokens),
the contents of node_modules-like directories dropped, the closing count kept."""

from __future__ import annotations

import re

from app.savers.rtk.paths import NOISE_DIRS
from app.savers.rtk.text import omitted

_PREFIX = re.compile(r"^((?:(?:│|\|)\s{2,3}|\s{4})*)(?:├──|└──|\|--|`--)\s(.*)$")


def compress(text: str) -> str:
    out: list[str] = []
    skip_below: int | None = None
    skipped = 0
    for line in text.split("\n"):
        match = _PREFIX.match(line)
        if match is None:
            if line.strip():
                out.append(line.strip())
            continue
        depth = len(match.group(1)) // 4
        name = match.group(2)
        if skip_below is not None:
            if depth > skip_below:
                skipped += 1
                continue
            if skipped:
                out.append("  " * (skip_below + 2) + omitted(skipped, "entries"))
            skip_below = None
        out.append("  " * (depth + 1) + name)
        if name.rstrip("/") in NOISE_DIRS:
            skip_below, skipped = depth, 0
    if skip_below is not None and skipped:
        out.append("  " * (skip_below + 2) + omitted(skipped, "entries"))
    return "\n".join(out)
