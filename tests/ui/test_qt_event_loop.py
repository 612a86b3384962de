"""The desktop loop: qasync's, with Qt timers that die when their handle is cancelled. Async tests in
tests/ui run on it (conftest.py), so these run on the loop the app uses."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import openai

from app.ui.qt_event_loop import GatewayEventLoop
from tests.component.conftest import start_gateway
from tests.fakes.openai_upstream import Behaviour, FakeOpenAI


def running() -> GatewayEventLoop:
    loop = asyncio.get_running_loop()
    assert isinstance(loop, GatewayEventLoop)
    return loop


async def test_a_cancelled_timer_is_gone_at_once_and_never_runs() -> None:
    loop = running()
    ran: list[int] = []
    before = loop.pending_timers
    handles = [loop.call_later(300, ran.append, i) for i in range(2000)]
    assert loop.pending_timers == before + 2000
    for handle in handles:
        handle.cancel()
        handle.cancel()  # twice is harmless
    assert loop.pending_timers == before
    await asyncio.sleep(0.02)
    assert ran == []


async def test_timeouts_fire_on_time_and_finished_ones_leave_nothing_behind() -> None:
    loop = running()
    before = loop.pending_timers
    for _ in range(1000):
        async with asyncio.timeout(200):  # what every upstream request does
            await asyncio.sleep(0)
    assert loop.pending_timers <= before + 1
    started = time.monotonic()
    try:
        async with asyncio.timeout(0.05):
            await asyncio.sleep(5)
    except TimeoutError:
        waited = time.monotonic() - started
    assert 0.04 <= waited < 0.5


async def test_callbacks_run_in_order_and_a_fired_handle_can_still_be_cancelled() -> None:
    loop = running()
    order: list[int] = []
    handles = [loop.call_soon(order.append, i) for i in range(20)]
    later = loop.call_later(0.01, order.append, 99)
    await asyncio.sleep(0.05)
    assert order == [*range(20), 99]
    for handle in (*handles, later):
        handle.cancel()  # after it ran: nothing to kill, nothing breaks


async def test_a_desktop_gateway_under_streaming_load_keeps_no_dead_timers(tmp_path: Path) -> None:
    # Each streamed chunk re-arms aiohttp's read timeout; with qasync's own loop every re-arm left a
    # Qt timer behind for minutes (about 69 per 64-chunk stream).
    loop = running()
    async with FakeOpenAI(models=("gpt-4o-mini",)) as fake:
        fake.default_behaviour = Behaviour(chunks=64)
        # Forty at once: past the default per-account limit (3 in flight, 20 queued).
        gw = await start_gateway(tmp_path, environ={"VANSROUTE_LIMITER_MAX_CONCURRENCY": "64"})
        try:
            gw.admin.add_provider(
                "fake", wire_format="openai", base_url=fake.base_url, models=None, key=_key()
            )
            await gw.wait_for_config()
            idle = loop.pending_timers
            async with openai.AsyncOpenAI(base_url=gw.v1, api_key=gw.key, max_retries=0) as client:

                async def one() -> str:
                    stream = await client.chat.completions.create(
                        model="fake/gpt-4o-mini", messages=[{"role": "user", "content": "hi"}], stream=True
                    )
                    return "".join([c.choices[0].delta.content or "" async for c in stream if c.choices])

                answers = await asyncio.gather(*(one() for _ in range(40)))
            assert all(answers)
            # What stays is live: a keep-alive timer per open connection (40 from the client, as many
            # upstream), not one per chunk (qasync's own loop kept 1,395 after 200 such streams).
            assert loop.pending_timers < idle + 3 * 40, (idle, loop.pending_timers)
        finally:
            await gw.runtime.stop()
            gw.store.db.close()


def _key() -> object:
    from app.services.admin import KeySource
    from tests.component.conftest import UPSTREAM_KEY

    return KeySource(value=UPSTREAM_KEY)


async def test_ready_callbacks_run_in_order_one_turn_at_a_time() -> None:
    loop = running()
    order: list[str] = []
    errors: list[object] = []
    loop.set_exception_handler(lambda _loop, context: errors.append(context.get("exception")))
    try:

        def chain(n: int) -> None:
            order.append(f"chain{n}")
            if n < 3:
                loop.call_soon(chain, n + 1)  # queued while draining: runs on a later turn

        def boom() -> None:
            raise RuntimeError("callback failed")

        loop.call_soon(chain, 1)
        skipped = loop.call_soon(order.append, "cancelled")
        loop.call_soon(boom)
        loop.call_soon(order.append, "after-boom")
        skipped.cancel()
        await asyncio.sleep(0.02)
    finally:
        loop.set_exception_handler(None)
    assert order == ["chain1", "after-boom", "chain2", "chain3"]
    assert [str(e) for e in errors] == ["callback failed"]  # reported, and the rest still ran


async def test_call_soon_threadsafe_from_another_thread() -> None:
    loop = running()
    done: asyncio.Future[str] = loop.create_future()
    await asyncio.to_thread(lambda: loop.call_soon_threadsafe(done.set_result, "from a thread"))
    assert await asyncio.wait_for(done, 2) == "from a thread"
