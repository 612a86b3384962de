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


_PROGRESS_TAIL = re.compile(r"\s+\[\s*\d+%\]$")


def is_error_line(line: str) -> bool:
    # Plain substring tests first: five times faster than the regex on lines that cannot match.
    low = line.lower()
    return (
        "err" in low
        or "fail" in low
        or "fatal" in low
        or "panic" in low
        or "traceback" in low
        or line[:1] == "E"
    ) and ERROR_LINE.search(line) is not None


def error_lines(text: str) -> list[str]:
    """The error lines of `text`, without what a filter may shorten around them: the rulers of
    `=== 2 failed ===` and the padding and percentage of a `pytest -v` line."""
    return [_PROGRESS_TAIL.sub("", line).strip(" =_-\t") for line in text.split("\n") if is_error_line(line)]
