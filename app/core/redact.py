"""A logging filter that masks anything shaped like a key, as a second line of defence.

The code never logs secrets on purpose; this catches the accident (an upstream error echoing a key,
a URL with a password) before it reaches a log file or a crash report.
"""

from __future__ import annotations

import logging
import re

_PATTERNS = (
    re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]{8,}"),
    re.compile(r"\b(vr-|sk-|sk-ant-|AIza)[A-Za-z0-9_-]{8,}"),
    re.compile(
        r"(?i)((?:api[_-]?key|x-api-key|x-goog-api-key|token|password)[\"']?\s*[:=]\s*[\"']?)[^\s\"',}]{4,}"
    ),
    re.compile(r"(://[^:/@\s]+:)[^@\s]+(@)"),
)


def redact(text: str) -> str:
    for pattern in _PATTERNS:
        text = pattern.sub(
            lambda m: (
                (m.group(1) if m.lastindex else "") + "***" + (m.group(2) if (m.lastindex or 0) >= 2 else "")
            ),
            text,
        )
    return text


class RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        if record.exc_info and record.exc_info[1] is not None:
            # Render the traceback now so the redacted text is what every handler prints.
            formatted = logging.Formatter().formatException(record.exc_info)
            record.exc_text = redact(formatted)
        return True
