"""Relaying an upstream SSE stream to the client as bytes, with a bounded look at its tail for usage."""

from __future__ import annotations

import contextlib
import logging
import re
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from aiohttp import web

from app.core.errors import UpstreamError
from app.providers.transport import UpstreamResponse

_log = logging.getLogger(__name__)

SSE_HEADERS = {
    "Content-Type": "text/event-stream; charset=utf-8",
    "Cache-Control": "no-cache",
    # Tell any reverse proxy in front of a team gateway not to buffer the stream.
    "X-Accel-Buffering": "no",
}
# Usage sits at the start (Anthropic's message_start) and at the end of a stream; a Responses
# `response.completed` event repeats the whole output, hence the generous tail.
_HEAD_BYTES = 8192
_TAIL_BYTES = 65536


@dataclass(frozen=True, slots=True)
class RelayOutcome:
    head: bytes
    tail: bytes
    error: UpstreamError | None
    client_gone: bool


async def relay_sse(
    request: web.Request,
    upstream: UpstreamResponse,
    *,
    error_event: Callable[[UpstreamError], bytes],
    headers: dict[str, str] | None = None,
    on_first_chunk: Callable[[], None] | None = None,
    drop_event: tuple[Callable[[bytes], bool], tuple[bytes, ...]] | None = None,
) -> tuple[web.StreamResponse, RelayOutcome]:
    """Relays the upstream's bytes as they come. With `drop_event` (a test and the markers every
    matching event contains), whole SSE events are relayed and those it matches left out (the usage chunk asked for on the client's behalf); the head and tail
    are always the upstream's own bytes, so usage is read from them either way."""
    response = web.StreamResponse(status=upstream.status, headers={**SSE_HEADERS, **(headers or {})})
    await response.prepare(request)
    head = bytearray()
    last: deque[bytes] = deque()
    kept = 0
    error: UpstreamError | None = None
    client_gone = False
    chunks = upstream.chunks()
    events = EventFilter(*drop_event) if drop_event is not None else None
    try:
        async for chunk in chunks:
            if len(head) < _HEAD_BYTES:
                head += chunk[: _HEAD_BYTES - len(head)]
            last.append(chunk)
            kept += len(chunk)
            while kept - len(last[0]) >= _TAIL_BYTES:
                kept -= len(last.popleft())
            if on_first_chunk is not None:
                on_first_chunk()  # time to first token, for the usage log
                on_first_chunk = None
            out = chunk if events is None else events.feed(chunk)
            if out:
                await response.write(out)
        if events is not None and (rest := events.close()):
            await response.write(rest)
    except UpstreamError as exc:
        # After the first byte there is no fallback: tell the client in its own stream format.
        error = exc
        with contextlib.suppress(ConnectionError):
            await response.write(error_event(exc))
    except ConnectionError:
        client_gone = True
        upstream.close()
    finally:
        await chunks.aclose()
    if not client_gone:
        with contextlib.suppress(ConnectionError):
            await response.write_eof()
    return response, RelayOutcome(
        head=bytes(head), tail=b"".join(last)[-_TAIL_BYTES:], error=error, client_gone=client_gone
    )


_EVENT_END = re.compile(rb"\r?\n\r?\n")
# An event this long without an end is not one we would drop: pass it on rather than hold the stream.
_MAX_HELD = 65536


def _last_event_end(data: bytes, upto: int | None = None) -> int:
    """Where the last complete event of `data[:upto]` ends (0: none is complete)."""
    stop = len(data) if upto is None else upto
    lf, crlf = data.rfind(b"\n\n", 0, stop), data.rfind(b"\r\n\r\n", 0, stop)
    return max(lf + 2 if lf >= 0 else 0, crlf + 4 if crlf >= 0 else 0)


class EventFilter:
    """Cuts a byte stream at SSE event ends (across chunk boundaries) and leaves out the events that
    `drop` matches. Every droppable event contains one of `markers`: only the events around a marker
    are looked at, so a stream without one costs two byte searches a chunk."""

    def __init__(self, drop: Callable[[bytes], bool], markers: tuple[bytes, ...]) -> None:
        if not markers or not all(markers):
            raise ValueError("EventFilter needs the marker(s) every droppable event contains")
        self._drop = drop
        self._marker = re.compile(b"|".join(re.escape(m) for m in markers))
        self._held = b""

    def feed(self, chunk: bytes) -> bytes:
        data = self._held + chunk if self._held else chunk
        end = _last_event_end(data)
        if len(data) - end > _MAX_HELD:
            end = len(data)  # no end in sight: pass it on rather than hold the stream
        self._held = data[end:]
        return self._filtered(data[:end])

    def close(self) -> bytes:
        held, self._held = self._held, b""
        return self._filtered(held)

    def _filtered(self, data: bytes) -> bytes:
        out: list[bytes] = []
        kept_from = 0  # data before this offset has been dealt with
        for found in self._marker.finditer(data):
            at = found.start()
            if at < kept_from:
                continue  # a second marker in an event already dropped
            event_start = max(_last_event_end(data, at), kept_from)
            end = _EVENT_END.search(data, at)
            event_end = end.end() if end is not None else len(data)
            if self._drop(data[event_start:event_end]):
                out.append(data[kept_from:event_start])
                kept_from = event_end
        if not out:
            return data
        out.append(data[kept_from:])
        return b"".join(out)
