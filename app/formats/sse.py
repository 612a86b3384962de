"""Incremental Server-Sent Events parsing and writing (the WHATWG event-stream rules we need).

The parser takes bytes in whatever pieces the network delivers, including splits inside a line or
inside a multi-byte character, and yields whole events. Lines end in LF, CRLF or CR; comment lines
(starting with ':') are skipped; several `data:` lines join with LF. `DataStreamDecoder` is the
plumbing of the stream decoders whose format puts one JSON document in each event's data.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import orjson

from app.formats import ir

# The upstream's stream stopped before its terminal event: what a decoder reports, and what an
# encoder tells its client when the canonical stream stops without StreamEnd.
ENDED_EARLY = ir.StreamError(status=502, message="upstream stream ended early", kind="api_error")


@dataclass(frozen=True, slots=True)
class SSEEvent:
    data: str
    event: str | None = None
    id: str | None = None


class SSEParser:
    __slots__ = ("_buffer", "_data", "_event", "_id", "_pending_cr", "_started")

    def __init__(self) -> None:
        self._buffer = b""
        self._data: list[str] = []
        self._event: str | None = None
        self._id: str | None = None
        self._pending_cr = False
        self._started = False

    def feed(self, chunk: bytes) -> list[SSEEvent]:
        if not chunk:
            return []
        if self._pending_cr:
            # A CR ended the previous chunk: a LF at the start of this one belongs to it.
            self._pending_cr = False
            if chunk.startswith(b"\n"):
                chunk = chunk[1:]
        buffer = self._buffer + chunk
        if not self._started:
            # A UTF-8 byte-order mark may open the stream; it is not part of the first field name.
            if len(buffer) < 3 and b"\xef\xbb\xbf".startswith(buffer):
                self._buffer = buffer
                return []
            self._started = True
            if buffer.startswith(b"\xef\xbb\xbf"):
                buffer = buffer[3:]
        if b"\r" in buffer:
            if buffer.endswith(b"\r"):
                self._pending_cr = True
            buffer = buffer.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        lines = buffer.split(b"\n")
        self._buffer = lines.pop()
        events: list[SSEEvent] = []
        for raw in lines:
            event = self._line(raw)
            if event is not None:
                events.append(event)
        return events

    def close(self) -> list[SSEEvent]:
        """End of stream: a final event without its blank line is still delivered."""
        events: list[SSEEvent] = []
        if self._buffer:
            event = self._line(self._buffer)
            self._buffer = b""
            if event is not None:
                events.append(event)
        event = self._line(b"")
        if event is not None:
            events.append(event)
        return events

    def _line(self, raw: bytes) -> SSEEvent | None:
        if not raw:
            if not self._data:
                self._event = None
                return None
            event = SSEEvent("\n".join(self._data), self._event, self._id)
            self._data = []
            self._event = None
            return event
        if raw.startswith(b":"):
            return None
        name, sep, value = raw.partition(b":")
        if sep and value.startswith(b" "):
            value = value[1:]
        text = value.decode("utf-8", errors="replace")
        if name == b"data":
            self._data.append(text)
        elif name == b"event":
            self._event = text
        elif name == b"id":
            self._id = text
        return None


class DataStreamDecoder:
    """Upstream SSE bytes → canonical events, for a format whose events are known by their data alone
    (OpenAI Chat, Responses, Gemini): the subclass reads each event's data (`_event`) and says what
    the end of the bytes means (`_closed`, by default ENDED_EARLY unless `_finished`)."""

    def __init__(self) -> None:
        self._parser = SSEParser()
        self._finished = False  # StreamEnd or StreamError emitted

    def feed(self, chunk: bytes) -> list[ir.StreamEvent]:
        out: list[ir.StreamEvent] = []
        for event in self._parser.feed(chunk):
            self._event(event.data, out)
        return out

    def close(self) -> list[ir.StreamEvent]:
        out: list[ir.StreamEvent] = []
        for event in self._parser.close():
            self._event(event.data, out)
        self._closed(out)
        return out

    def _event(self, data: str, out: list[ir.StreamEvent]) -> None:
        raise NotImplementedError

    def _closed(self, out: list[ir.StreamEvent]) -> None:
        if not self._finished:
            self._finished = True
            out.append(ENDED_EARLY)


def encode_event(data: bytes, event: str | None = None) -> bytes:
    """One event: an optional `event:` line, one `data:` line (data must be single-line JSON)."""
    if event is None:
        return b"data: " + data + b"\n\n"
    return b"event: " + event.encode() + b"\ndata: " + data + b"\n\n"


def encode_json_event(payload: Mapping[str, Any], event: str | None = None) -> bytes:
    """One event whose data is `payload` as compact JSON (what every format streams)."""
    return encode_event(orjson.dumps(payload), event)
