"""The one outbound HTTP client. aiohttp's exceptions are mapped to the app's error tree here, once.

One pooled ClientSession serves every direct upstream; an account behind a SOCKS proxy gets a session
of its own per proxy URL (aiohttp-socks works at the connector level); HTTP(S) proxies ride on the
shared session with aiohttp's `proxy=`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncGenerator, Mapping
from dataclasses import dataclass
from types import TracebackType

import aiohttp
from aiohttp_socks import ProxyConnectionError, ProxyConnector, ProxyError, ProxyTimeoutError

from app.core.errors import ProxyFailed, UpstreamHTTPError, UpstreamTimeout, UpstreamUnreachable

_log = logging.getLogger(__name__)

# Hop-by-hop and length headers are the transport's business, not to be relayed.
_DROP_RESPONSE_HEADERS = frozenset(
    {"connection", "keep-alive", "transfer-encoding", "content-length", "content-encoding", "date", "server"}
)


@dataclass(frozen=True, slots=True)
class Timeouts:
    """Reference defaults: connect 60 s, first byte 200 s, stall between chunks 360 s."""

    connect: float = 60.0
    first_byte: float = 200.0
    stall: float = 360.0


def _retry_after(headers: Mapping[str, str]) -> float | None:
    value = headers.get("Retry-After") or headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


class UpstreamResponse:
    """A successful (status < 400) upstream answer whose body has not been read yet."""

    __slots__ = ("_headers", "_resp", "status")

    def __init__(self, resp: aiohttp.ClientResponse) -> None:
        self._resp = resp
        self.status = resp.status
        self._headers: dict[str, str] | None = None

    @property
    def headers(self) -> dict[str, str]:
        """The upstream's headers minus hop-by-hop and length/encoding ones; built on first use (the
        relay paths do not need them, and filtering them cost a few µs per request)."""
        if self._headers is None:
            self._headers = {
                k: v for k, v in self._resp.headers.items() if k.lower() not in _DROP_RESPONSE_HEADERS
            }
        return self._headers

    @property
    def content_type(self) -> str:
        return self._resp.content_type

    async def read(self) -> bytes:
        try:
            return await self._resp.read()
        except (TimeoutError, aiohttp.ServerTimeoutError) as exc:
            raise UpstreamTimeout("upstream stalled while sending its answer") from exc
        except aiohttp.ClientError as exc:
            raise UpstreamUnreachable(f"upstream connection failed mid-answer: {type(exc).__name__}") from exc
        finally:
            self._resp.release()

    async def chunks(self) -> AsyncGenerator[bytes, None]:
        """Yields body bytes as they arrive; raises UpstreamTimeout/UpstreamUnreachable on a stall or drop."""
        try:
            async for chunk in self._resp.content.iter_any():
                yield chunk
        except (TimeoutError, aiohttp.ServerTimeoutError) as exc:
            raise UpstreamTimeout("upstream stream stalled") from exc
        except aiohttp.ClientError as exc:
            raise UpstreamUnreachable(f"upstream stream broke: {type(exc).__name__}") from exc
        finally:
            self._resp.release()

    def close(self) -> None:
        self._resp.close()

    async def __aenter__(self) -> UpstreamResponse:
        return self

    async def __aexit__(
        self, et: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._resp.release()


class Transport:
    def __init__(self, timeouts: Timeouts | None = None) -> None:
        self.timeouts = timeouts or Timeouts()
        self._session: aiohttp.ClientSession | None = None
        self._socks_sessions: dict[str, aiohttp.ClientSession] = {}

    def _client_timeout(self) -> aiohttp.ClientTimeout:
        # sock_read bounds the gap between two reads: exactly the stall timeout. The first byte gets its
        # own (shorter) bound around the wait for headers in send().
        return aiohttp.ClientTimeout(total=None, connect=self.timeouts.connect, sock_read=self.timeouts.stall)

    async def start(self) -> None:
        if self._session is None:
            connector = aiohttp.TCPConnector(limit=0, limit_per_host=0, ttl_dns_cache=300)
            self._session = aiohttp.ClientSession(
                connector=connector, timeout=self._client_timeout(), trust_env=False
            )

    async def close(self) -> None:
        sessions = [s for s in (self._session, *self._socks_sessions.values()) if s is not None]
        self._session = None
        self._socks_sessions.clear()
        for session in sessions:
            await session.close()

    def _session_for(self, proxy_url: str | None) -> tuple[aiohttp.ClientSession, str | None]:
        if self._session is None:
            raise RuntimeError("Transport.start() was not awaited")
        if proxy_url is None or proxy_url.startswith(("http://", "https://")):
            return self._session, proxy_url
        session = self._socks_sessions.get(proxy_url)
        if session is None:
            session = aiohttp.ClientSession(
                connector=ProxyConnector.from_url(proxy_url, limit=0),
                timeout=self._client_timeout(),
                trust_env=False,
            )
            self._socks_sessions[proxy_url] = session
        return session, None

    async def send(
        self,
        method: str,
        url: str,
        *,
        body: bytes,
        headers: Mapping[str, str],
        proxy_url: str | None = None,
    ) -> UpstreamResponse:
        """Sends a request; returns the open response, or raises the mapped error (status >= 400 too)."""
        session, http_proxy = self._session_for(proxy_url)
        try:
            async with asyncio.timeout(self.timeouts.first_byte):
                resp = await session.request(method, url, data=body, headers=headers, proxy=http_proxy)
        except TimeoutError as exc:
            raise UpstreamTimeout(f"upstream sent no answer within {self.timeouts.first_byte:g} s") from exc
        except (
            ProxyConnectionError,
            ProxyTimeoutError,
            ProxyError,
            aiohttp.ClientProxyConnectionError,
        ) as exc:
            raise ProxyFailed(f"proxy failed: {type(exc).__name__}") from exc
        except aiohttp.ClientConnectorError as exc:
            raise UpstreamUnreachable(f"cannot connect to upstream {exc.host}:{exc.port}") from exc
        except aiohttp.ServerTimeoutError as exc:
            raise UpstreamTimeout("upstream timed out") from exc
        except aiohttp.ClientError as exc:
            raise UpstreamUnreachable(f"upstream request failed: {type(exc).__name__}") from exc
        if resp.status >= 400:
            try:
                async with asyncio.timeout(self.timeouts.stall):
                    payload = await resp.read()
            except (TimeoutError, aiohttp.ClientError):
                payload = b""
            finally:
                resp.release()
            raise UpstreamHTTPError(
                f"upstream answered {resp.status}",
                status=resp.status,
                body=payload,
                content_type=resp.content_type or "application/json",
                retry_after=_retry_after(resp.headers),
                headers={k.lower(): v for k, v in resp.headers.items()},
            )
        return UpstreamResponse(resp)
