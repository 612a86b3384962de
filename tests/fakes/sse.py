"""Tiny Server-Sent Events helpers shared by the fake upstreams.

Deliberately independent of ``app.formats.sse`` so that the fakes never share a bug with
the code they are used to test.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson

DONE: bytes = b"data: [DONE]\n\n"
"""The OpenAI end-of-stream sentinel, exactly as api.openai.com frames it."""


def encode_data(payload: Any) -> bytes:
    """Frame ``payload`` as one ``data:`` event: compact JSON, ``\\n\\n`` terminator."""
    return b"data: " + orjson.dumps(payload) + b"\n\n"


def encode_event(payload: Any, event: str | None = None) -> bytes:
    """Frame ``payload`` with an optional ``event:`` line (Anthropic-style streams)."""
    head = b"event: " + event.encode() + b"\n" if event else b""
    return head + encode_data(payload)


@dataclass(frozen=True, slots=True)
class SSEEvent:
    data: str
    event: str | None = None


def parse_events(raw: bytes | str) -> list[SSEEvent]:
    """Parse a complete SSE body into events (enough of the spec for test assertions)."""
    text = raw.decode() if isinstance(raw, bytes) else raw
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    events: list[SSEEvent] = []
    for block in text.split("\n\n"):
        data_lines: list[str] = []
        event: str | None = None
        for line in block.split("\n"):
            if not line or line.startswith(":"):
                continue
            field, _, value = line.partition(":")
            value = value.removeprefix(" ")
            if field == "data":
                data_lines.append(value)
            elif field == "event":
                event = value
        if data_lines:
            events.append(SSEEvent(data="\n".join(data_lines), event=event))
    return events
