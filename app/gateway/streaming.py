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
    drop_event: Callable[[bytes], bool] | None = None,
) -> tuple[web.StreamResponse, RelayOutcome]:
    """Relays the upstream's bytes as they come. With `drop_event`, whole SSE events are relayed and
    those it matches left out (the usage chunk asked for on the client's behalf); the head and tail
    are always the upstream's own bytes, so usage is read from them either way."""
    response = web.StreamResponse(status=upstream.status, headers={**SSE_HEADERS, **(headers or {})})
    await response.prepare(request)
    head = bytearray()
    last: deque[bytes] = deque()
    kept = 0
    error: UpstreamError | None = None
    client_gone = False
    chunks = upstream.chunks()
    events = EventFilter(drop_event) if drop_event is not None else None
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


class EventFilter:
    """Splits a byte stream into SSE events (across chunk boundaries) and drops the matching ones."""

    def __init__(self, drop: Callable[[bytes], bool]) -> None:
        self._drop = drop
        self._held = b""

    def feed(self, chunk: bytes) -> bytes:
        data = self._held + chunk
        out = []
        start = 0
        for end in _EVENT_END.finditer(data):
            event = data[start : end.end()]
            if not self._drop(event):
                out.append(event)
            start = end.end()
        self._held = data[start:]
        if len(self._held) > _MAX_HELD:
            out.append(self._held)
            self._held = b""
        return b"".join(out)

    def close(self) -> bytes:
        held, self._held = self._held, b""
        return b"" if not held or self._drop(held) else held
