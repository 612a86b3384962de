"""Gateway → account behind a real proxy → fake upstream: HTTP and SOCKS5 (with auth), a proxy that
dies mid-way (its accounts fail over, its breaker opens) and proxy credentials kept out of logs."""

from __future__ import annotations

import logging

import openai
import pytest

from app.resilience.breaker import breaker_key
from app.services.admin import KeySource
from tests.component.conftest import UPSTREAM_KEY, Gateway
from tests.fakes.openai_upstream import FakeOpenAI
from tests.fakes.proxies import HttpProxy, Socks5Proxy

MESSAGES = [{"role": "user", "content": "hi"}]
PROXY_PASSWORD = "pr0xy-s3cret-pw"

ProxyKind = type[HttpProxy] | type[Socks5Proxy]


async def ask(gw: Gateway) -> openai.types.chat.ChatCompletion:
    async with openai.AsyncOpenAI(base_url=gw.v1, api_key=gw.key, max_retries=0, timeout=10) as c:
        return await c.chat.completions.create(model="fake/gpt-4o-mini", messages=MESSAGES)


async def add_proxied(
    gw: Gateway, fake: FakeOpenAI, proxy_url: str, *, direct: bool, accounts: int = 1
) -> None:
    """Provider 'fake' with `accounts` accounts behind proxy_url (tried first) and, if `direct`, one without."""
    gw.admin.add_provider(
        "fake",
        wire_format="openai",
        base_url=fake.base_url,
        models=None,
        key=KeySource(value=UPSTREAM_KEY),
        label="direct",
        proxy_url=None if direct else proxy_url,
    )
    for i in range(accounts if direct else accounts - 1):
        gw.admin.add_account(
            "fake", key=KeySource(value=UPSTREAM_KEY), label=f"proxied-{i}", priority=10, proxy_url=proxy_url
        )
    await gw.wait_for_config()


@pytest.mark.parametrize(
    ("kind", "auth"), [(HttpProxy, False), (HttpProxy, True), (Socks5Proxy, False), (Socks5Proxy, True)]
)
async def test_requests_go_through_the_accounts_proxy(
    gateway: Gateway, fake_openai: FakeOpenAI, kind: ProxyKind, auth: bool
) -> None:
    creds = {"username": "vans", "password": PROXY_PASSWORD} if auth else {}
    async with kind(**creds) as proxy:
        await add_proxied(gateway, fake_openai, proxy.url, direct=False)
        for _ in range(2):
            reply = await ask(gateway)
            assert reply.choices[0].message.content
        assert proxy.relayed >= 1
        assert proxy.targets[0] == ("127.0.0.1", fake_openai.port)
        assert proxy.refused == 0
    assert len(fake_openai.chat_requests) == 2
    assert fake_openai.chat_requests[-1].header("Authorization") == f"Bearer {UPSTREAM_KEY}"
    # The proxy's own headers stop at the proxy.
    assert fake_openai.chat_requests[-1].header("Proxy-Authorization") is None


@pytest.mark.parametrize("kind", [HttpProxy, Socks5Proxy])
async def test_a_proxy_that_dies_fails_over_to_the_direct_account_and_opens_its_breaker(
    gateway: Gateway, fake_openai: FakeOpenAI, kind: ProxyKind, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    async with kind(username="vans", password=PROXY_PASSWORD) as proxy:
        await add_proxied(gateway, fake_openai, proxy.url, direct=True, accounts=3)
        assert (await ask(gateway)).choices[0].message.content
        assert proxy.relayed == 1  # the proxied accounts come first while the proxy lives
        direct_before = len(fake_openai.chat_requests)

        await proxy.kill()
        key = breaker_key("fake", proxy.url)
        states: dict[str, str] = {}
        for _ in range(5):
            reply = await ask(gateway)  # every request still answered, by the direct account
            assert reply.choices[0].message.content
            states = {b.key: b.state for b in gateway.runtime.resilience().breakers}
            if states.get(key) == "open":
                break
        assert states.get(key) == "open"
        assert states.get("fake:direct", "closed") == "closed"
        assert proxy.relayed == 1  # nothing went through the dead proxy
        assert len(fake_openai.chat_requests) > direct_before

        status_text = repr(gateway.runtime.resilience())
    assert PROXY_PASSWORD not in status_text
    assert PROXY_PASSWORD not in caplog.text
    assert "vans:" not in caplog.text


async def test_a_dead_proxy_alone_fails_with_no_credentials_in_the_error(
    gateway: Gateway, fake_openai: FakeOpenAI, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    async with Socks5Proxy(username="vans", password=PROXY_PASSWORD) as proxy:
        await add_proxied(gateway, fake_openai, proxy.url, direct=False)
        await proxy.kill()
        with pytest.raises(openai.APIStatusError) as info:
            await ask(gateway)
    assert info.value.status_code in (502, 503)
    body = info.value.response.text
    assert info.value.response.json()["error"]["code"] == "proxy_failed"
    assert PROXY_PASSWORD not in body
    assert "vans" not in body
    assert PROXY_PASSWORD not in caplog.text
    assert fake_openai.chat_requests == []
