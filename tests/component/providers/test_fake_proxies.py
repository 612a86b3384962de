"""The test proxies themselves: CONNECT tunnels, absolute-URI forwarding, SOCKS5 auth, kill()."""

from __future__ import annotations

import asyncio
import struct

import aiohttp
import pytest
from aiohttp_socks import ProxyConnector, ProxyError

from tests.fakes.openai_upstream import FakeOpenAI
from tests.fakes.proxies import HttpProxy, Socks5Proxy


async def test_http_proxy_forwards_absolute_uri_requests(fake_openai: FakeOpenAI) -> None:
    async with (
        HttpProxy() as proxy,
        aiohttp.ClientSession() as s,
        s.get(fake_openai.base_url + "/models", proxy=proxy.url) as resp,
    ):
        assert resp.status == 401  # the fake's answer (no key), relayed
    assert proxy.relayed == 1
    assert fake_openai.requests[-1].path.endswith("/models")


async def test_http_proxy_tunnels_connect(fake_openai: FakeOpenAI) -> None:
    async with HttpProxy() as proxy:
        reader, writer = await asyncio.open_connection("127.0.0.1", proxy.port)
        target = f"127.0.0.1:{fake_openai.port}"
        writer.write(f"CONNECT {target} HTTP/1.1\r\nHost: {target}\r\n\r\n".encode())
        assert (await reader.readuntil(b"\r\n\r\n")).startswith(b"HTTP/1.1 200")
        writer.write(f"GET /v1/models HTTP/1.1\r\nHost: {target}\r\nConnection: close\r\n\r\n".encode())
        answer = await reader.read()
        writer.close()
    assert answer.startswith(b"HTTP/1.1 401")
    assert proxy.relayed == 1


async def test_http_proxy_wants_its_credentials(fake_openai: FakeOpenAI) -> None:
    async with HttpProxy(username="user", password="pw") as proxy, aiohttp.ClientSession() as s:
        bare = proxy.url.replace("user:pw@", "")
        async with s.get(fake_openai.base_url + "/models", proxy=bare) as resp:
            assert resp.status == 407
        async with s.get(fake_openai.base_url + "/models", proxy=proxy.url) as resp:
            assert resp.status == 401
    assert (proxy.refused, proxy.relayed) == (1, 1)


@pytest.mark.parametrize("auth", [False, True])
async def test_socks5_proxy_relays(fake_openai: FakeOpenAI, auth: bool) -> None:
    creds = {"username": "user", "password": "p@ss:word"} if auth else {}
    async with Socks5Proxy(**creds) as proxy:
        connector = ProxyConnector.from_url(proxy.url)
        async with (
            aiohttp.ClientSession(connector=connector) as s,
            s.get(fake_openai.base_url + "/models") as resp,
        ):
            assert resp.status == 401
    assert proxy.relayed == 1


async def test_socks5_proxy_refuses_wrong_password(fake_openai: FakeOpenAI) -> None:
    async with Socks5Proxy(username="user", password="right") as proxy:
        wrong = proxy.url.replace(":right@", ":wrong@")
        async with aiohttp.ClientSession(connector=ProxyConnector.from_url(wrong)) as s:
            with pytest.raises(ProxyError):
                await s.get(fake_openai.base_url + "/models")
    assert (proxy.refused, proxy.relayed) == (1, 0)


async def test_socks5_proxy_reports_a_refused_target() -> None:
    async with Socks5Proxy() as proxy:
        probe = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
        closed_port = probe.sockets[0].getsockname()[1]
        probe.close()
        await probe.wait_closed()
        reader, writer = await asyncio.open_connection("127.0.0.1", proxy.port)
        writer.write(b"\x05\x01\x00")
        assert await reader.readexactly(2) == b"\x05\x00"
        writer.write(b"\x05\x01\x00\x01" + bytes([127, 0, 0, 1]) + struct.pack("!H", closed_port))
        reply = await reader.readexactly(10)
        writer.close()
    assert reply[:2] == b"\x05\x05"  # connection refused


@pytest.mark.parametrize("kind", [HttpProxy, Socks5Proxy])
async def test_a_killed_proxy_refuses_connections(kind: type[HttpProxy] | type[Socks5Proxy]) -> None:
    async with kind() as proxy:
        port = proxy.port
        await proxy.kill()
        with pytest.raises(OSError):
            await asyncio.open_connection("127.0.0.1", port)
