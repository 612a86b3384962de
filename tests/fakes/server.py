"""The plumbing every fake upstream shares: a real aiohttp server on a real TCP socket.

``FakeServer`` owns the lifecycle (``start`` / ``stop`` / ``async with``, ``host``, ``port``,
``base_url``), the behaviour script (``script``, ``pending``, ``reset``, ``default_behaviour``) and
the request log (``requests``, a list of ``RecordedRequest``). Each fake subclasses it and adds its
vendor's routes, auth rules, error bodies, headers and stream framing.

The module also holds the wire helpers the fakes have in common: the text splitter and word counter
token counts come from, the mid-body drop, the SSE writer and the TCP abort.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Generic, Protocol, Self, TypeVar

import orjson
from aiohttp import web
from multidict import CIMultiDict, CIMultiDictProxy

__all__ = [
    "FakeServer",
    "RecordedRequest",
    "abort",
    "check_behaviour",
    "count_words",
    "seconds",
    "split_text",
]

_PIECE = re.compile(r"\s*\S+|\s+")


# --------------------------------------------------------------------------- recorded requests


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the fake received it.

    ``headers`` is case-insensitive (``req.headers["authorization"]``); ``path`` excludes the query,
    ``query`` holds it; ``json`` is the parsed body or ``None`` when the body is empty or not JSON;
    ``received_at`` is ``time.monotonic()`` (the clock ``asyncio`` loops use).
    """

    method: str
    path: str
    headers: CIMultiDictProxy[str]
    body: bytes
    json: Any
    received_at: float
    query: Mapping[str, str] = field(default_factory=dict)

    def header(self, name: str, default: str | None = None) -> str | None:
        return self.headers.get(name, default)


# --------------------------------------------------------------------------- behaviours


class ServerBehaviour(Protocol):
    """What the shared plumbing reads from every fake's ``Behaviour``."""

    @property
    def delay_first_byte(self) -> float: ...

    @property
    def chunks(self) -> int | None: ...

    @property
    def chunk_interval(self) -> float: ...

    @property
    def drop_after_chunks(self) -> int | None: ...


B = TypeVar("B", bound=ServerBehaviour)
R = TypeVar("R", bound=RecordedRequest)


def check_behaviour(behaviour: ServerBehaviour, counts: Sequence[str] = ("drop_after_chunks",)) -> None:
    """The checks every ``Behaviour.__post_init__`` starts with (``counts``: fields that must be >= 0)."""
    if behaviour.chunks is not None and behaviour.chunks < 1:
        raise ValueError("chunks must be >= 1")
    for name in counts:
        value = getattr(behaviour, name)
        if value is not None and value < 0:
            raise ValueError(f"{name} must be >= 0")
    if behaviour.delay_first_byte < 0 or behaviour.chunk_interval < 0:
        raise ValueError("delays must be >= 0")


# --------------------------------------------------------------------------- wire helpers


def seconds(value: float) -> str:
    """``7`` -> ``"7"``, ``1.5`` -> ``"1.5"`` (never exponent notation)."""
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def count_words(text: str) -> int:
    return len(text.split())


def split_text(text: str, chunks: int | None = None) -> list[str]:
    """Split ``text`` into content deltas whose concatenation is exactly ``text``.

    Default: one delta per word, the leading whitespace glued to the word (``"Hello"``, ``" from"``),
    which is how OpenAI tokens look. With ``chunks`` fewer than words, words are grouped evenly;
    with more, the text is cut into (at most ``len(text)``) even character slices.
    """
    if not text:
        return []
    pieces: list[str] = _PIECE.findall(text)
    if chunks is None or chunks == len(pieces):
        return pieces
    if chunks < len(pieces):
        return ["".join(group) for group in _even_slices(pieces, chunks)]
    return ["".join(group) for group in _even_slices(list(text), min(chunks, len(text)))]


def _even_slices(items: list[str], n: int) -> list[list[str]]:
    size, extra = divmod(len(items), n)
    out: list[list[str]] = []
    start = 0
    for i in range(n):
        end = start + size + (1 if i < extra else 0)
        out.append(items[start:end])
        start = end
    return out


def abort(request: web.Request, resp: web.StreamResponse) -> web.StreamResponse:
    """Close the TCP connection abruptly (RST-ish, no chunked terminator, no end-of-stream event)."""
    transport = request.transport
    if transport is not None:
        transport.abort()
    # Make aiohttp treat the response as finished so it does not try to write the EOF chunk.
    resp.force_close()
    return resp


# --------------------------------------------------------------------------- the server


class FakeServer(Generic[B, R]):
    """A fake upstream on a real TCP socket; subclasses add their routes in ``_routes``.

    ``B`` is the fake's ``Behaviour``, ``R`` its ``RecordedRequest`` (``record_type``).
    ``base_url`` is ``http://host:port`` plus ``api_prefix`` (``/v1`` unless a subclass says
    otherwise); ``root_url`` is the same without the prefix.
    """

    api_prefix: ClassVar[str] = "/v1"

    def __init__(
        self,
        *,
        models: Sequence[str],
        api_key: str | None,
        default_behaviour: B,
        record_type: type[R],
    ) -> None:
        self.models: tuple[str, ...] = tuple(models)
        self.api_key = api_key
        self.requests: list[R] = []
        self.record_type = record_type
        self.default_behaviour: B = default_behaviour
        self.base_url = ""
        self.root_url = ""
        self.host = ""
        self.port = 0
        self._script: deque[B] = deque()
        self._runner: web.AppRunner | None = None

    # ---- lifecycle

    def _routes(self, router: web.UrlDispatcher) -> None:
        """Add this fake's routes (including its catch-all)."""
        raise NotImplementedError

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        if self._runner is not None:
            raise RuntimeError(f"{type(self).__name__} already started")
        app = web.Application(client_max_size=64 * 1024 * 1024)
        self._routes(app.router)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.25)
        await runner.setup()
        site = web.TCPSite(runner, host, port)
        await site.start()
        self._runner = runner
        bound = runner.addresses[0]
        self.host, self.port = str(bound[0]), int(bound[1])
        self.root_url = f"http://{self.host}:{self.port}"
        self.base_url = f"{self.root_url}{self.api_prefix}"

    async def stop(self) -> None:
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    # ---- scripting

    def script(self, *behaviours: B) -> None:
        """Queue behaviours; each accepted request pops one, then ``default_behaviour``."""
        self._script.extend(behaviours)

    @property
    def pending(self) -> int:
        """How many scripted behaviours are still queued."""
        return len(self._script)

    def reset(self) -> None:
        self._script.clear()
        self.requests.clear()

    def _next_behaviour(self) -> B:
        return self._script.popleft() if self._script else self.default_behaviour

    # ---- plumbing

    async def _record(self, request: web.Request) -> R:
        body = await request.read()
        parsed: Any = None
        if body:
            try:
                parsed = orjson.loads(body)
            except orjson.JSONDecodeError:
                parsed = None
        rec = self.record_type(
            method=request.method,
            path=request.path,
            headers=CIMultiDictProxy(CIMultiDict(request.headers)),
            body=body,
            json=parsed,
            received_at=time.monotonic(),
            query=dict(request.query),
        )
        self.requests.append(rec)
        return rec

    @staticmethod
    def _elapsed_ms(rec: RecordedRequest) -> int:
        return max(1, int((time.monotonic() - rec.received_at) * 1000))

    @staticmethod
    async def _wait_first_byte(behaviour: ServerBehaviour) -> None:
        if behaviour.delay_first_byte:
            await asyncio.sleep(behaviour.delay_first_byte)

    @staticmethod
    async def _send_body(
        request: web.Request, behaviour: ServerBehaviour, status: int, body: bytes, headers: Mapping[str, str]
    ) -> web.StreamResponse:
        """A whole body, or with ``drop_after_chunks`` set: the promised length, then an abort
        (after the headers for 0, after half the body otherwise)."""
        if behaviour.drop_after_chunks is None:
            return web.Response(status=status, body=body, headers=headers)
        resp = web.StreamResponse(status=status, headers=headers)
        resp.content_length = len(body)
        await resp.prepare(request)
        if behaviour.drop_after_chunks > 0:
            await resp.write(body[: len(body) // 2])
        return abort(request, resp)

    @staticmethod
    async def _send_events(
        request: web.Request,
        behaviour: ServerBehaviour,
        status: int,
        headers: Mapping[str, str],
        events: Sequence[bytes],
        *,
        trailer: bytes | None = None,
    ) -> web.StreamResponse:
        """Stream framed ``events`` (then ``trailer``), paced by ``chunk_interval``; with
        ``drop_after_chunks`` set, abort the connection after that many events instead."""
        resp = web.StreamResponse(status=status, headers=headers)
        await resp.prepare(request)
        drop = behaviour.drop_after_chunks
        if drop is not None:
            events = events[:drop]
        try:
            if behaviour.chunk_interval > 0:
                for i, event in enumerate(events):
                    if i:
                        await asyncio.sleep(behaviour.chunk_interval)
                    await resp.write(event)
            elif events:
                await resp.write(b"".join(events))
            if drop is not None:
                return abort(request, resp)
            if trailer is not None:
                if behaviour.chunk_interval > 0:
                    await asyncio.sleep(behaviour.chunk_interval)
                await resp.write(trailer)
            await resp.write_eof()
        except ConnectionError:
            pass  # the client went away mid-stream; nothing left to do
        return resp
