"""cargo test: `Compiling`/`Running` progress and `test … ok` lines dropped; failed tests, their
captured output (`---- name stdout ----`, panics with locations), the failures list and every
`test result:` line kept. In backtraces (RUST_BACKTRACE=1) only the frames of the crate itself stay:
the standard library's and the test harness's frames are the same in every panic."""

from __future__ import annotations

import re

from app.savers.rtk.text import clip

_NOISE = re.compile(
    r"^\s*(Compiling|Checking|Downloaded|Downloading|Fresh|Locking|Updating|Blocking|Finished|Running|Doc-tests)\s"
    r"|^test \S+ \.\.\. (ok|ignored)$|^running \d+ tests?$"
)
_LIBRARY_FRAME = re.compile(
    r"^\s+\d+: (?:core::|std::|alloc::|test::|__rustc::|rust_begin_unwind|<(?:fn|alloc|core|std)\b|<F as )"
)
_LIBRARY_AT = re.compile(r"^\s+at (?:/rustc/|/builddir/|.*/\.rustup/|.*/library/(?:core|std|alloc|test)/)")


def compress(text: str) -> str:
    out: list[str] = []
    skip_at = False  # the `at file:line` under a dropped frame goes with it
    for line in text.split("\n"):
        if not line.strip() or _NOISE.match(line):
            continue
        if line.startswith(("note: run with `RUST_BACKTRACE", "note: Some details are omitted")):
            continue
        if _LIBRARY_FRAME.match(line):
            skip_at = True
            continue
        if skip_at and _LIBRARY_AT.match(line):
            continue
        skip_at = False
        out.append(clip(line.rstrip(), 300))
    return "\n".join(out)
