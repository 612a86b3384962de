"""Fault injection through a running gateway: breakers, cooldowns, quota parking, dead proxies,
client disconnects. The gateway's policies run on a fake clock so hours pass in a test."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
import openai
import pytest

from app.core.clock import FakeClock, SystemClock
from app.core.events import (
    AccountDisabled,
    BreakerClosed,
    BreakerOpened,
    Event,
    QuotaParked,
    QuotaReactivated,
)
from app.core.tasks import running_tasks
from app.credentials.memory_store import MemorySecretStore
from app.resilience.breaker import BreakerProfile, Breakers
from app.resilience.cooldown import CooldownPolicy, Cooldowns
from app.resilience.limiter import AccountLimiter
from app.routing.execute import Guards
from app.services.admin import KeySource
from tests.component.conftest import Gateway, start_gateway
from tests.fakes.openai_upstream import Behaviour, FakeOpenAI

MESSAGES = [{"role": "user", "content": "hi"}]
QUOTA_BODY = {
    "error": {
        "message": "You exceeded your current quota, please check your plan and billing details.",
        "type": "insufficient_quota",
        "param": None,
        "code": "insufficient_quota",
    }
}


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(wall=datetime(2026, 3, 10, 12, 0, tzinfo=UTC))


@pytest.fixture
async def gw(tmp_path: Path, clock: FakeClock) -> AsyncIterator[Gateway]:
    gateway = await start_gateway(tmp_path, clock=clock)
    try:
        yield gateway
    finally:
        await gateway.runtime.stop()
        gateway.store.db.close()


@pytest.fixture
async def fake() -> AsyncIterator[FakeOpenAI]:
    async with FakeOpenAI(models=("gpt-4o-mini", "kimi-k2.7"), api_key="sk-up") as f:
        yield f


def events_of(gw: Gateway) -> list[Event]:
    seen: list[Event] = []
    gw.runtime.bus.subscribe(Event, seen.append)
    return seen


async def add(gw: Gateway, provider: str, base_url: str, accounts: int = 1, proxy: str | None = None) -> None:
    gw.admin.add_provider(
        provider, wire_format="openai", base_url=base_url, models=None, key=KeySource(value="sk-up")
    )
    for i in range(1, accounts):
        gw.admin.add_account(provider, key=KeySource(value="sk-up"), label=f"extra-{i}", proxy_url=proxy)
    await gw.wait_for_config()


async def ask(gw: Gateway, model: str = "fake/gpt-4o-mini") -> openai.types.chat.ChatCompletion:
    async with openai.AsyncOpenAI(base_url=gw.v1, api_key=gw.key, max_retries=0, timeout=10) as c:
        return await c.chat.completions.create(model=model, messages=MESSAGES)


async def test_a_5xx_burst_opens_the_breaker_and_a_probe_closes_it(
    gw: Gateway, fake: FakeOpenAI, clock: FakeClock
) -> None:
    seen = events_of(gw)
    await add(gw, "fake", fake.base_url, accounts=5)
    fake.script(*[Behaviour.server_error(500)] * 5)
    with pytest.raises(openai.InternalServerError):
        await ask(gw)  # the accounts fail one after another until the provider's breaker opens
    assert [type(e) for e in seen if isinstance(e, BreakerOpened)] == [BreakerOpened]
    calls = len(fake.chat_requests)
    with pytest.raises(openai.APIStatusError) as info:
        await ask(gw)
    assert info.value.status_code == 503
    assert len(fake.chat_requests) == calls  # failed fast, the upstream was spared
    assert int(info.value.response.headers["retry-after"]) > 0

    fake.reset()  # the provider has recovered
    # The fake listens on loopback, so the gateway treats it as a local model server: its breaker
    # opens after 2 failures and rests 60 s (a cloud API: 5 failures, 30 s).
    clock.advance(61)  # past the reset timeout: one probe goes through and closes the breaker
    for lock in gw.runtime._ctx.guards.cooldowns.locks():
        gw.runtime._ctx.guards.cooldowns.clear(lock.key)
    reply = await ask(gw)
    assert reply.choices[0].message.content
    assert any(isinstance(e, BreakerClosed) for e in seen)


async def test_rate_limits_never_open_the_breaker_and_say_when_to_retry(
    gw: Gateway, fake: FakeOpenAI
) -> None:
    seen = events_of(gw)
    await add(gw, "fake", fake.base_url, accounts=6)
    fake.script(*[Behaviour.rate_limited(retry_after=12)] * 6)
    with pytest.raises(openai.RateLimitError) as info:
        await ask(gw)
    assert info.value.response.headers["retry-after"] == "12"
    assert info.value.response.headers.get("x-vansroute-attempts") is None  # an error carries no route
    assert not any(isinstance(e, BreakerOpened) for e in seen)
    assert {v.state.value for v in gw.runtime._ctx.guards.breakers.views()} <= {"closed"}


async def test_response_headers_name_the_route(gw: Gateway, fake: FakeOpenAI) -> None:
    await add(gw, "fake", fake.base_url, accounts=2)
    fake.script(Behaviour.rate_limited(retry_after=5))
    async with openai.AsyncOpenAI(base_url=gw.v1, api_key=gw.key, max_retries=0) as c:
        raw = await c.chat.completions.with_raw_response.create(model="fake/gpt-4o-mini", messages=MESSAGES)
    assert raw.headers["x-vansroute-provider"] == "fake"
    assert raw.headers["x-vansroute-account"] == "extra-1"
    assert raw.headers["x-vansroute-attempts"] == "2"


async def test_exhausted_quota_parks_until_next_month_and_survives_a_restart(
    tmp_path: Path, fake: FakeOpenAI, clock: FakeClock
) -> None:
    secrets = MemorySecretStore()
    gw = await start_gateway(tmp_path, clock=clock, secrets=secrets)
    seen = events_of(gw)
    try:
        await add(gw, "kimchi", fake.base_url, accounts=2)
        fake.script(Behaviour(status=429, error_body=QUOTA_BODY))
        assert (await ask(gw, "kimchi/kimi-k2.7")).choices[0].message.content  # the second account answered
        parked = [e for e in seen if isinstance(e, QuotaParked)]
        assert len(parked) == 1 and parked[0].account_label == "default"
        assert parked[0].until == datetime(2026, 4, 1, tzinfo=UTC)  # Kimchi: the 1st of next month
        await gw.wait_for(lambda: any(a.parked_until for a in gw.store.accounts.list()))
        await gw.wait_for_config()
        fake.reset()
        for _ in range(3):
            await ask(gw, "kimchi/kimi-k2.7")
        assert all(r.header("Authorization") for r in fake.chat_requests)
        assert gw.runtime.status().accounts == 1  # the parked account sits out
    finally:
        await gw.runtime.stop()
        gw.store.db.close()

    # A restart on the 1st of next month: the start-up sweep brings the account back.
    later = FakeClock(wall=datetime(2026, 4, 1, 0, 0, 1, tzinfo=UTC))
    gw2 = await start_gateway(tmp_path, clock=later, secrets=secrets)
    try:
        await gw2.wait_for(lambda: not any(a.parked_until for a in gw2.store.accounts.list()))
        await gw2.wait_for_config()
        await gw2.wait_for(lambda: gw2.runtime.status().accounts == 2)
    finally:
        await gw2.runtime.stop()
        gw2.store.db.close()


async def test_the_sweep_reactivates_at_the_reset_time(
    gw: Gateway, fake: FakeOpenAI, clock: FakeClock
) -> None:
    seen = events_of(gw)
    await add(gw, "kimchi", fake.base_url, accounts=2)
    fake.script(Behaviour(status=429, error_body=QUOTA_BODY))
    await ask(gw, "kimchi/kimi-k2.7")
    await gw.wait_for(lambda: any(a.parked_until for a in gw.store.accounts.list()))
    keeper = gw.runtime._quota
    assert keeper is not None
    assert keeper.sweep(datetime(2026, 3, 31, 23, 59, tzinfo=UTC)) == ()
    woken = keeper.sweep(datetime(2026, 4, 1, 0, 0, tzinfo=UTC))
    assert len(woken) == 1
    assert any(isinstance(e, QuotaReactivated) for e in seen)


async def test_a_dead_proxy_only_takes_its_own_accounts_out(gw: Gateway, fake: FakeOpenAI) -> None:
    gw.admin.add_provider(
        "fake", wire_format="openai", base_url=fake.base_url, models=None, key=KeySource(value="sk-up")
    )
    for i in range(5):
        gw.admin.add_account(
            "fake",
            key=KeySource(value="sk-up"),
            label=f"proxied-{i}",
            priority=10,
            proxy_url="socks5://127.0.0.1:9",
        )
    await gw.wait_for_config()
    for _ in range(3):
        reply = await ask(gw)  # the proxied accounts fail (their proxy is dead), the direct one answers
        assert reply.choices[0].message.content
    views = {v.key.split(":")[1]: v.state.value for v in gw.runtime._ctx.guards.breakers.views()}
    assert views.get("direct", "closed") == "closed"
    assert "open" in views.values()  # the dead proxy's breaker
    assert len(fake.chat_requests) == 3


async def test_a_client_that_leaves_mid_stream_frees_its_slot(gw: Gateway, fake: FakeOpenAI) -> None:
    await add(gw, "fake", fake.base_url)
    fake.script(Behaviour(text=" ".join(["word"] * 50), chunk_interval=0.05))
    async with aiohttp.ClientSession() as s:
        resp = await s.post(
            gw.v1 + "/chat/completions",
            json={"model": "fake/gpt-4o-mini", "messages": MESSAGES, "stream": True},
            headers={"Authorization": f"Bearer {gw.key}"},
        )
        await resp.content.readline()
        resp.close()  # the client goes away after the first line
    limiter = gw.runtime._ctx.guards.limiter
    await gw.wait_for(limiter.idle, timeout=5)
    assert (await ask(gw)).choices[0].message.content


async def test_status_endpoint_needs_the_admin_token(gw: Gateway) -> None:
    async with aiohttp.ClientSession() as s:
        async with s.get(gw.url + "/vansroute/status", headers={"Authorization": f"Bearer {gw.key}"}) as resp:
            assert resp.status == 401  # a client key is not enough
        token = gw.runtime._ctx.admin_token
        async with s.get(gw.url + "/vansroute/status", headers={"Authorization": f"Bearer {token}"}) as resp:
            body = await resp.json()
    assert set(body) >= {"breakers", "limiter", "cooldowns", "state"}


@pytest.mark.slow
@pytest.mark.timeout(300)
async def test_soak_every_request_is_answered_and_nothing_leaks(gw: Gateway, fake: FakeOpenAI) -> None:
    """Thousands of requests with random upstream faults and client disconnects."""
    import random

    await add(gw, "fake", fake.base_url, accounts=3)
    # Real time, short cooldowns: locks expire while the soak runs, as they would in a day's work.
    real = SystemClock()
    gw.runtime._ctx.guards = Guards(
        clock=real,
        breakers=Breakers(real, default=BreakerProfile(window_s=1.0, reset_timeout_s=0.05)),
        limiter=AccountLimiter(),
        cooldowns=Cooldowns(real, CooldownPolicy(base_s=0.01, max_s=0.05, rate_limit_s=0.05, unknown_s=0.05)),
        publish=gw.runtime.bus.publish,
        all_locked_wait_s=0.1,
    )
    rng = random.Random(7)
    total = int(os.environ.get("VANSROUTE_SOAK_REQUESTS", "10000"))
    behaviours = [
        Behaviour(),
        Behaviour(text="a b c d", chunk_interval=0.001),
        Behaviour.server_error(502),
        Behaviour(delay_first_byte=0.02),
        Behaviour(text="a b c d e f", drop_after_chunks=2),
    ]
    fake.default_behaviour = Behaviour()
    outcomes: dict[str, int] = {}
    took: dict[str, float] = {}

    async def one(i: int, s: aiohttp.ClientSession, sem: asyncio.Semaphore) -> None:
        async with sem:
            fake.script(rng.choice(behaviours))
            started = time.monotonic()
            stream = rng.random() < 0.5
            try:
                async with s.post(
                    gw.v1 + "/chat/completions",
                    json={"model": "fake/gpt-4o-mini", "messages": MESSAGES, "stream": stream},
                    headers={"Authorization": f"Bearer {gw.key}"},
                    timeout=aiohttp.ClientTimeout(total=20),
                ) as resp:
                    if rng.random() < 0.1:
                        kind = "left"
                    else:
                        body = await resp.read()
                        assert body, "empty answer"
                        kind = str(resp.status)
            except aiohttp.ClientPayloadError:
                kind = "dropped"
            outcomes[kind] = outcomes.get(kind, 0) + 1
            took[kind] = took.get(kind, 0.0) + (time.monotonic() - started)

    sem = asyncio.Semaphore(16)
    async with aiohttp.ClientSession() as s:
        await asyncio.gather(*(one(i, s, sem) for i in range(total)))
        if len(fake.requests) > 1000:
            fake.requests.clear()
    print("soak outcomes", outcomes, "mean seconds", {k: round(v / outcomes[k], 3) for k, v in took.items()})
    assert sum(outcomes.values()) == total
    assert set(outcomes) <= {"200", "429", "502", "503", "left", "dropped"}, outcomes
    limiter = gw.runtime._ctx.guards.limiter
    await gw.wait_for(limiter.idle, timeout=10)
    # Only the gateway's own long-lived background tasks remain: nothing per request.
    assert {t.get_name() for t in running_tasks()} <= {
        "config-reloader",
        "quota-sweep",
        "usage-writer",
        "usage-retention",
    }


async def test_a_rejected_key_disables_the_account_until_the_user_reactivates_it(
    gw: Gateway, fake: FakeOpenAI
) -> None:
    seen = events_of(gw)
    await add(gw, "fake", fake.base_url, accounts=2)
    fake.script(Behaviour(status=401))
    assert (await ask(gw)).choices[0].message.content  # the second account answered
    assert any(isinstance(e, AccountDisabled) for e in seen)
    await gw.wait_for(lambda: any(not a.enabled for a in gw.store.accounts.list()))
    disabled = next(a for a in gw.store.accounts.list() if not a.enabled)
    assert disabled.label == "default" and disabled.disabled_reason
    await gw.wait_for(lambda: gw.runtime.status().accounts == 1)
    gw.admin.reactivate_account(disabled.id)
    await gw.wait_for(lambda: gw.runtime.status().accounts == 2)


async def test_services_expose_the_live_state_for_the_ui(gw: Gateway, fake: FakeOpenAI) -> None:
    await add(gw, "fake", fake.base_url, accounts=5)
    fake.script(*[Behaviour.server_error(500)] * 5)
    with pytest.raises(openai.InternalServerError):
        await ask(gw)
    state = gw.runtime.resilience()
    assert [(b.key, b.state) for b in state.breakers] == [("fake:direct", "open")]
    assert {c.reason for c in state.cooldowns} == {"server_error"}
    gw.runtime.reset_breaker("fake:direct")
    assert all(b.state == "closed" for b in gw.runtime.resilience().breakers)


async def test_a_slow_first_byte_times_out_and_the_next_account_answers(
    tmp_path: Path, fake: FakeOpenAI
) -> None:
    gw = await start_gateway(tmp_path, environ={"VANSROUTE_TIMEOUTS_FIRST_BYTE_S": "0.3"})
    try:
        await add(gw, "fake", fake.base_url, accounts=2)
        fake.script(Behaviour(delay_first_byte=2))
        reply = await ask(gw)
        assert reply.choices[0].message.content
        assert len(fake.chat_requests) == 2
        reasons = {c.reason for c in gw.runtime.resilience().cooldowns}
        assert reasons == {"timeout"}
    finally:
        await gw.runtime.stop()
        gw.store.db.close()
