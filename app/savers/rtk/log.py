"""Anything else: repeated lines collapsed (see repeats.py), then output of 250 lines or more cut to
its first 120 and last 60 lines (the reference's smart truncation), keeping any error line from the
middle so a failure buried in a long log is not lost."""

from __future__ import annotations

from app.savers.rtk.repeats import collapse
from app.savers.rtk.text import clip, is_error_line, omitted

TRUNCATE_AT = 250
HEAD = 120
TAIL = 60
MIDDLE_ERRORS = 40


def compress(text: str) -> str:
    lines = collapse([line.rstrip() for line in text.split("\n")])
    if len(lines) < TRUNCATE_AT:
        return "\n".join(lines)
    middle = lines[HEAD:-TAIL]
    errors = [clip(line, 300) for line in middle if is_error_line(line)][:MIDDLE_ERRORS]
    marker = omitted(len(middle) - len(errors))
    kept_errors = [marker + ", error lines among them:", *errors] if errors else [marker]
    return "\n".join([*lines[:HEAD], *kept_errors, *lines[-TAIL:]])
