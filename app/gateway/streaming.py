"""Relaying an upstream SSE stream to the client as bytes, with a bounded look at its tail for usage."""

from __future__ import annotations

import contextlib
import logging
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
_TAIL_CHUNKS = 4


@dataclass(frozen=True, slots=True)
class RelayOutcome:
    tail: bytes
    error: UpstreamError | None
    client_gone: bool


async def relay_sse(
    request: web.Request,
    upstream: UpstreamResponse,
    *,
    error_event: Callable[[UpstreamError], bytes],
) -> tuple[web.StreamResponse, RelayOutcome]:
    response = web.StreamResponse(status=upstream.status, headers=SSE_HEADERS)
    await response.prepare(request)
    last: deque[bytes] = deque(maxlen=_TAIL_CHUNKS)
    error: UpstreamError | None = None
    client_gone = False
    chunks = upstream.chunks()
    try:
        async for chunk in chunks:
            last.append(chunk)
            await response.write(chunk)
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
    return response, RelayOutcome(tail=b"".join(last), error=error, client_gone=client_gone)
