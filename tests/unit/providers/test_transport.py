from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from aiohttp import web

from app.core.errors import UpstreamHTTPError, UpstreamTimeout, UpstreamUnreachable
from app.core.records import WireFormat
from app.providers.auth import auth_headers
from app.providers.transport import Timeouts, Transport
from tests.fakes.openai_upstream import Behaviour, FakeOpenAI

BODY = b'{"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}'


@pytest.fixture
async def transport() -> AsyncIterator[Transport]:
    t = Transport(Timeouts(connect=2, first_byte=0.3, stall=0.3))
    await t.start()
    yield t
    await t.close()


@pytest.fixture
async def fake() -> AsyncIterator[FakeOpenAI]:
    async with FakeOpenAI(api_key="sk-t") as f:
        yield f


def headers() -> dict[str, str]:
    return {"Content-Type": "application/json", **auth_headers(WireFormat.OPENAI, "sk-t")}


def test_auth_header_per_format() -> None:
    assert auth_headers(WireFormat.OPENAI, "k") == {"Authorization": "Bearer k"}
    assert auth_headers(WireFormat.RESPONSES, "k") == {"Authorization": "Bearer k"}
    assert auth_headers(WireFormat.ANTHROPIC, "k")["x-api-key"] == "k"
    assert "anthropic-version" in auth_headers(WireFormat.ANTHROPIC, "k")
    assert auth_headers(WireFormat.GEMINI, "k") == {"x-goog-api-key": "k"}


async def test_success_reads_the_body(transport: Transport, fake: FakeOpenAI) -> None:
    resp = await transport.send("POST", fake.base_url + "/chat/completions", body=BODY, headers=headers())
    assert resp.status == 200
    assert b"chat.completion" in await resp.read()
    assert "content-length" not in {k.lower() for k in resp.headers}


async def test_error_status_raises_with_body_and_retry_after(transport: Transport, fake: FakeOpenAI) -> None:
    fake.script(Behaviour.rate_limited(retry_after=3))
    with pytest.raises(UpstreamHTTPError) as info:
        await transport.send("POST", fake.base_url + "/chat/completions", body=BODY, headers=headers())
    assert info.value.status == 429
    assert info.value.retry_after == 3
    assert b"rate_limit_exceeded" in info.value.body


async def test_refused_connection_is_unreachable(transport: Transport) -> None:
    with pytest.raises(UpstreamUnreachable, match="cannot connect"):
        await transport.send("POST", "http://127.0.0.1:9/v1/chat/completions", body=BODY, headers=headers())


async def test_no_first_byte_in_time_is_a_timeout(transport: Transport, fake: FakeOpenAI) -> None:
    fake.script(Behaviour(delay_first_byte=2))
    with pytest.raises(UpstreamTimeout, match="no answer within"):
        await transport.send("POST", fake.base_url + "/chat/completions", body=BODY, headers=headers())


async def test_stalled_stream_is_a_timeout(transport: Transport, fake: FakeOpenAI) -> None:
    fake.script(Behaviour(text="a b c", chunk_interval=1.0))
    body = BODY[:-1] + b', "stream": true}'
    resp = await transport.send("POST", fake.base_url + "/chat/completions", body=body, headers=headers())
    with pytest.raises(UpstreamTimeout):
        async for _ in resp.chunks():
            pass


async def test_dropped_stream_is_unreachable(transport: Transport, fake: FakeOpenAI) -> None:
    fake.script(Behaviour(text="a b c d", drop_after_chunks=2))
    body = BODY[:-1] + b', "stream": true}'
    resp = await transport.send("POST", fake.base_url + "/chat/completions", body=body, headers=headers())
    got = b""
    with pytest.raises(UpstreamUnreachable, match="stream broke"):
        async for chunk in resp.chunks():
            got += chunk
    assert got.startswith(b"data: ")


async def test_dead_socks_proxy_is_reported_as_a_proxy_failure(
    transport: Transport, fake: FakeOpenAI
) -> None:
    with pytest.raises(UpstreamUnreachable, match="proxy failed"):
        await transport.send(
            "POST",
            fake.base_url + "/chat/completions",
            body=BODY,
            headers=headers(),
            proxy_url="socks5://127.0.0.1:9",
        )


async def test_http_proxy_is_used(transport: Transport, fake: FakeOpenAI) -> None:
    seen: list[str] = []

    async def forward(request: web.Request) -> web.Response:
        # A plain-HTTP forward proxy receives the absolute URL in the request line.
        seen.append(str(request.url))
        return web.Response(status=200, body=b'{"ok": true}', content_type="application/json")

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", forward)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        resp = await transport.send(
            "POST",
            fake.base_url + "/chat/completions",
            body=BODY,
            headers=headers(),
            proxy_url=f"http://127.0.0.1:{port}",
        )
        assert await resp.read() == b'{"ok": true}'
    finally:
        await runner.cleanup()
    assert seen and seen[0].endswith("/v1/chat/completions")
    assert fake.requests == []  # it went to the proxy, not straight to the upstream


async def test_close_is_idempotent() -> None:
    t = Transport()
    await t.start()
    await t.close()
    await t.close()
    with pytest.raises(RuntimeError):
        await t.send("GET", "http://127.0.0.1:9/", body=b"", headers={})
    await asyncio.sleep(0)
