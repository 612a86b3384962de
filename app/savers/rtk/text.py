"""Line helpers every filter shares: the omission marker and the error-line test."""

from __future__ import annotations

import re

# A line that reports a failure. Filters of error-safe kinds must keep every such line; the engine
# checks it. Kept narrow on purpose: words like "error" inside identifiers (`error_kinds.py`) do not count.
ERROR_LINE = re.compile(
    r"(^|\s|\[)(error|ERROR|Error|FAILED|FAIL|failed|fatal|FATAL|panic|Traceback)(\b|:|\[)"
    r"|^E\s{2,}|^npm ERR!|^\s*--- FAIL"
)


def omitted(count: int, what: str = "lines") -> str:
    """The marker left where lines were dropped, so the model knows something was there."""
    return f"… {count} {what} omitted"


def clip(line: str, width: int = 200) -> str:
    """One over-long line (minified code, a base64 blob) cut to `width` characters."""
    if len(line) <= width:
        return line
    return f"{line[:width]}… (+{len(line) - width} chars)"


def error_lines(text: str) -> list[str]:
    return [line.strip() for line in text.split("\n") if ERROR_LINE.search(line)]
