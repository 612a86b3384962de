"""npm install: timing, http, verbose and progress lines dropped; deprecation warnings kept once each
and cut short; errors, `added N packages`, audit results kept."""

from __future__ import annotations

import re

from app.savers.rtk.text import clip

_NOISE = re.compile(r"^npm (timing|http|verb|sill|info)\b|^[⸨(][#░█ ]+[⸩)]|^\s*[|/\\-]\s*$|^npm notice\s*$")


def compress(text: str) -> str:
    out: list[str] = []
    seen: set[str] = set()
    for line in text.split("\n"):
        if not line.strip() or _NOISE.match(line):
            continue
        kept = clip(line.rstrip(), 200 if "deprecated" in line else 400)
        if kept in seen:
            continue
        seen.add(kept)
        out.append(kept)
    return "\n".join(out)
