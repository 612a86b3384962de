"""Compiler and build logs (gcc/clang, tsc, cargo build/check, make): every diagnostic line and its
location kept (`file:line:col: error: …`, `--> src/x.rs:3:5`, `file(3,5): error TS2322`), `= note`/
`help` lines kept; progress lines (`Compiling x`, `make[1]: Entering directory`, `[ 40%] Building`)
and the echoed source snippets under each diagnostic (`  12 |   int x = …` and the `^~~~` line) dropped,
repeated lines kept once."""

from __future__ import annotations

import re

from app.savers.rtk.text import clip

_PROGRESS = re.compile(
    r"^\s*(Compiling|Checking|Downloaded|Downloading|Fresh|Locking|Updating|Blocking|Adding|Documenting)\s"
    r"|^make(\[\d+\])?: (Entering|Leaving) directory|^\[\s*\d+%\]\s|^\s*(CC|CXX|LD|AR|GEN|CCLD)\s"
)
# gcc/clang `   12 |   code`, `      |   ^~~~`; rustc `3 |     let x`, `  |         ^^^ expected`.
_SNIPPET = re.compile(r"^\s*\d*\s*\|(\s|$)")


def compress(text: str) -> str:
    out: list[str] = []
    seen: set[str] = set()
    for line in text.split("\n"):
        if not line.strip() or _PROGRESS.match(line) or _SNIPPET.match(line):
            continue
        kept = clip(line.rstrip(), 400)
        if kept in seen:
            continue
        seen.add(kept)
        out.append(kept)
    return "\n".join(out)
