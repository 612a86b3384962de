"""cargo test: `Compiling`/`Running` progress and `test … ok` lines dropped; failed tests, their
captured output (`---- name stdout ----`, panics with locations), the failures list and every
`test result:` line kept."""

from __future__ import annotations

import re

from app.savers.rtk.text import clip

_NOISE = re.compile(
    r"^\s*(Compiling|Checking|Downloaded|Downloading|Fresh|Locking|Updating|Blocking|Finished|Running|Doc-tests)\s"
    r"|^test \S+ \.\.\. (ok|ignored)$|^running \d+ tests?$"
)


def compress(text: str) -> str:
    out: list[str] = []
    for line in text.split("\n"):
        if not line.strip() or _NOISE.match(line):
            continue
        if line.startswith("note: run with `RUST_BACKTRACE"):
            continue
        out.append(clip(line.rstrip(), 300))
    return "\n".join(out)
