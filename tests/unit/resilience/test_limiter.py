from __future__ import annotations

import asyncio
import random
from collections import deque

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.resilience.limiter import (
    AccountLimiter,
    LimiterFull,
    LimiterSettings,
    LimiterTimeout,
    LimiterView,
    Slot,
)

KEY = "prov:acct:proxy0"


async def settle(rounds: int = 6) -> None:
    """Let every ready callback run: a grant needs one loop turn to resume its waiter."""
    for _ in range(rounds):
        await asyncio.sleep(0)


class LoopClock:
    """Moves the running loop's clock forward on demand, so timeouts fire without real waiting."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        loop = asyncio.get_running_loop()
        self._real = loop.time
        self.offset = 0.0
        monkeypatch.setattr(loop, "time", self.time)

    def time(self) -> float:
        return self._real() + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += seconds


@pytest.fixture
async def clock(monkeypatch: pytest.MonkeyPatch) -> LoopClock:
    return LoopClock(monkeypatch)


def start(limiter: AccountLimiter, key: str = KEY, **kwargs: float | int | None) -> asyncio.Task[Slot]:
    return asyncio.create_task(limiter.acquire(key, **kwargs))  # type: ignore[arg-type]


def view(limiter: AccountLimiter, key: str = KEY) -> tuple[int, int]:
    v = limiter.view(key)
    return v.in_flight, v.queued


# -- settings --------------------------------------------------------------------------------------


def test_defaults_are_the_reference_numbers() -> None:
    assert LimiterSettings() == LimiterSettings(max_concurrency=3, max_queue=20, wait_timeout_s=30.0)


@pytest.mark.parametrize(
    "kwargs",
    [{"max_concurrency": 0}, {"max_queue": -1}, {"wait_timeout_s": -0.1}],
)
def test_settings_reject_nonsense(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        LimiterSettings(**kwargs)  # type: ignore[arg-type]


def test_limit_below_one_is_rejected() -> None:
    with pytest.raises(ValueError):
        AccountLimiter().try_acquire(KEY, limit=0)


# -- try_acquire, release, views --------------------------------------------------------------------


def test_try_acquire_respects_the_limit_and_release_frees() -> None:
    limiter = AccountLimiter()
    slots = [limiter.try_acquire(KEY) for _ in range(3)]
    assert all(isinstance(s, Slot) and s.key == KEY for s in slots)
    assert limiter.try_acquire(KEY) is None
    assert limiter.view(KEY) == LimiterView(KEY, 3, 3, 0)
    slots[0].release()  # type: ignore[union-attr]
    assert view(limiter) == (2, 0)
    again = limiter.try_acquire(KEY)
    assert again is not None
    for s in [again, *slots]:
        s.release()  # type: ignore[union-attr]
    assert limiter.idle()
    assert limiter.views() == ()


def test_release_is_idempotent() -> None:
    limiter = AccountLimiter(LimiterSettings(max_concurrency=2))
    a = limiter.try_acquire(KEY)
    b = limiter.try_acquire(KEY)
    assert a is not None and b is not None
    for _ in range(3):
        a.release()
    assert view(limiter) == (1, 0)  # b is still counted: a double release never frees someone else's slot
    assert limiter.try_acquire(KEY) is not None
    assert limiter.try_acquire(KEY) is None


def test_sync_context_manager_releases_on_error() -> None:
    limiter = AccountLimiter()
    with pytest.raises(RuntimeError), limiter.try_acquire(KEY) as slot:  # type: ignore[union-attr]
        assert view(limiter) == (1, 0)
        raise RuntimeError("upstream failed")
    slot.release()  # again, harmless
    assert limiter.idle()


async def test_async_context_manager_releases() -> None:
    limiter = AccountLimiter()
    async with await limiter.acquire(KEY) as slot:
        assert slot.key == KEY
        assert view(limiter) == (1, 0)
    assert limiter.idle()


def test_per_key_limit_override_and_independent_keys() -> None:
    limiter = AccountLimiter()
    big = [limiter.try_acquire("p:big:x", limit=5) for _ in range(6)]
    small = [limiter.try_acquire("p:small:x", limit=1) for _ in range(2)]
    default = [limiter.try_acquire("p:default:x") for _ in range(4)]
    assert [s is not None for s in big] == [True] * 5 + [False]
    assert [s is not None for s in small] == [True, False]
    assert [s is not None for s in default] == [True] * 3 + [False]
    assert limiter.views() == (
        LimiterView("p:big:x", 5, 5, 0),
        LimiterView("p:default:x", 3, 3, 0),
        LimiterView("p:small:x", 1, 1, 0),
    )
    for s in big + small + default:
        if s is not None:
            s.release()
    assert limiter.idle()


def test_view_of_an_unknown_key_is_empty_and_not_remembered() -> None:
    limiter = AccountLimiter(LimiterSettings(max_concurrency=4))
    assert limiter.view("nobody") == LimiterView("nobody", 4, 0, 0)
    assert limiter.views() == ()
    assert limiter.idle()


async def test_raising_the_limit_serves_waiters_and_cutting_it_lets_holders_finish() -> None:
    limiter = AccountLimiter(LimiterSettings(max_concurrency=1))
    holder = limiter.try_acquire(KEY)
    assert holder is not None
    waiters = [start(limiter) for _ in range(3)]
    await settle()
    assert view(limiter) == (1, 3)
    assert limiter.try_acquire(KEY, limit=3) is None  # queued callers come first
    await settle()
    assert [w.done() for w in waiters] == [True, True, False]
    assert limiter.view(KEY) == LimiterView(KEY, 3, 3, 1)
    # Cut to 1: three holders keep going; nobody new gets in until in_flight < 1.
    assert limiter.try_acquire(KEY, limit=1) is None
    holder.release()
    waiters[0].result().release()
    await settle()
    assert not waiters[2].done()
    waiters[1].result().release()
    await settle()
    assert waiters[2].done()
    waiters[2].result().release()
    assert limiter.idle()


# -- queueing -----------------------------------------------------------------------------------------


async def test_limit_holds_under_200_concurrent_tasks() -> None:
    limiter = AccountLimiter(LimiterSettings(max_concurrency=3, max_queue=200))
    keys = ["p:a:x", "p:b:x"]
    current = dict.fromkeys(keys, 0)
    peak = dict.fromkeys(keys, 0)
    rng = random.Random(7)

    async def request(i: int) -> int:
        key = keys[i % 2]
        async with await limiter.acquire(key):
            current[key] += 1
            peak[key] = max(peak[key], current[key])
            assert limiter.view(key).in_flight <= 3
            await settle(rng.randint(0, 4))
            current[key] -= 1
        return i

    results = await asyncio.gather(*(request(i) for i in range(200)))
    assert sorted(results) == list(range(200))
    assert peak == dict.fromkeys(keys, 3)
    assert limiter.idle()


async def test_waiters_are_served_in_fifo_order() -> None:
    limiter = AccountLimiter(LimiterSettings(max_concurrency=2))
    holders = [limiter.try_acquire(KEY), limiter.try_acquire(KEY)]
    order: list[int] = []

    async def waiter(i: int) -> None:
        async with await limiter.acquire(KEY):
            order.append(i)
            await settle(2)

    tasks = []
    for i in range(8):
        tasks.append(asyncio.create_task(waiter(i)))
        await settle(1)  # each enqueues before the next starts
    assert view(limiter) == (2, 8)
    for h in holders:
        h.release()  # type: ignore[union-attr]
    await asyncio.gather(*tasks)
    assert order == list(range(8))
    assert limiter.idle()


async def test_try_acquire_does_not_jump_the_queue() -> None:
    limiter = AccountLimiter(LimiterSettings(max_concurrency=1))
    holder = limiter.try_acquire(KEY)
    assert holder is not None
    waiter = start(limiter)
    await settle()
    holder.release()  # the slot goes straight to the waiter, it is never free in between
    assert limiter.try_acquire(KEY) is None
    assert view(limiter) == (1, 0)
    slot = await waiter
    slot.release()
    assert limiter.idle()


async def test_full_queue_raises_at_once_and_changes_nothing() -> None:
    limiter = AccountLimiter(LimiterSettings(max_concurrency=1, max_queue=2))
    holder = limiter.try_acquire(KEY)
    assert holder is not None
    waiters = [start(limiter) for _ in range(2)]
    await settle()
    with pytest.raises(LimiterFull):
        await limiter.acquire(KEY)
    assert view(limiter) == (1, 2)
    holder.release()
    for w in waiters:
        (await w).release()
    assert limiter.idle()


async def test_zero_queue_means_skip_when_saturated() -> None:
    limiter = AccountLimiter(LimiterSettings(max_concurrency=1, max_queue=0))
    holder = await limiter.acquire(KEY)
    with pytest.raises(LimiterFull):
        await limiter.acquire(KEY)
    holder.release()
    assert limiter.idle()


async def test_timeout_raises_and_leaves_no_waiter(clock: LoopClock) -> None:
    limiter = AccountLimiter(LimiterSettings(max_concurrency=1, wait_timeout_s=30.0))
    holder = limiter.try_acquire(KEY)
    assert holder is not None
    first = start(limiter)  # settings' 30 s
    await settle()
    second = start(limiter, timeout=60.0)
    await settle()
    assert view(limiter) == (1, 2)
    clock.advance(29.0)
    await settle()
    assert not first.done()
    clock.advance(2.0)
    await settle()
    with pytest.raises(LimiterTimeout):
        await first
    assert view(limiter) == (1, 1)
    holder.release()
    (await second).release()
    assert limiter.idle()


async def test_timeout_of_the_only_waiter_forgets_the_key(clock: LoopClock) -> None:
    limiter = AccountLimiter(LimiterSettings(max_concurrency=1))
    holder = limiter.try_acquire(KEY)
    assert holder is not None
    task = start(limiter, timeout=0.0)
    await settle()
    with pytest.raises(LimiterTimeout):
        await task
    holder.release()
    assert limiter.idle()


async def test_grant_racing_the_deadline_keeps_the_granted_slot(clock: LoopClock) -> None:
    limiter = AccountLimiter(LimiterSettings(max_concurrency=1))
    holder = limiter.try_acquire(KEY)
    assert holder is not None
    task = start(limiter, timeout=10.0)
    await settle()
    clock.advance(11.0)
    # One loop turn moves the expired deadline into the ready queue behind this task, so the
    # grant below lands first and the deadline then cancels a waiter whose future already holds
    # a slot: the granted slot must be neither lost nor leaked.
    await asyncio.sleep(0)
    holder.release()
    assert view(limiter) == (1, 0)
    slot = await task
    assert isinstance(slot, Slot)
    assert view(limiter) == (1, 0)
    slot.release()
    assert limiter.idle()


# -- cancellation ---------------------------------------------------------------------------------------


async def test_cancel_while_waiting_leaves_no_trace() -> None:
    limiter = AccountLimiter(LimiterSettings(max_concurrency=1))
    holder = limiter.try_acquire(KEY)
    assert holder is not None
    a, b = start(limiter), start(limiter)
    await settle()
    assert view(limiter) == (1, 2)
    a.cancel()
    await settle()
    assert a.cancelled()
    assert view(limiter) == (1, 1)
    holder.release()
    slot = await b
    assert view(limiter) == (1, 0)
    slot.release()
    assert limiter.idle()


async def test_cancel_after_grant_before_resume_passes_the_slot_on() -> None:
    limiter = AccountLimiter(LimiterSettings(max_concurrency=1))
    holder = limiter.try_acquire(KEY)
    assert holder is not None
    a, b = start(limiter), start(limiter)
    await settle()
    holder.release()  # grants a's future synchronously ...
    a.cancel()  # ... and a is cancelled before it ever resumes
    await settle()
    assert a.cancelled()
    assert b.done()
    assert view(limiter) == (1, 0)
    b.result().release()
    assert limiter.idle()


async def test_cancel_after_grant_with_nobody_behind_returns_the_slot() -> None:
    limiter = AccountLimiter(LimiterSettings(max_concurrency=1))
    holder = limiter.try_acquire(KEY)
    assert holder is not None
    a = start(limiter)
    await settle()
    holder.release()
    a.cancel()
    await settle()
    assert a.cancelled()
    assert limiter.idle()


async def test_release_between_cancel_and_cleanup_skips_the_leaving_waiter() -> None:
    limiter = AccountLimiter(LimiterSettings(max_concurrency=1))
    holder = limiter.try_acquire(KEY)
    assert holder is not None
    a, b = start(limiter), start(limiter)
    await settle()
    a.cancel()  # a's future is cancelled, but its clean-up has not run yet
    assert view(limiter) == (1, 1)
    holder.release()
    assert view(limiter) == (1, 0)  # granted to b, not to the leaving a
    await settle()
    assert a.cancelled()
    (await b).release()
    assert limiter.idle()


async def test_cancel_of_a_holder_inside_the_context_releases() -> None:
    limiter = AccountLimiter(LimiterSettings(max_concurrency=1))
    entered = asyncio.Event()

    async def request() -> None:
        async with await limiter.acquire(KEY):
            entered.set()
            await asyncio.Event().wait()  # a stream the client walks away from

    task = asyncio.create_task(request())
    await entered.wait()
    assert view(limiter) == (1, 0)
    task.cancel()
    await settle()
    assert task.cancelled()
    assert limiter.idle()


async def test_outer_deadline_around_acquire_leaves_no_trace() -> None:
    limiter = AccountLimiter(LimiterSettings(max_concurrency=1))
    holder = limiter.try_acquire(KEY)
    assert holder is not None
    with pytest.raises(TimeoutError):
        async with asyncio.timeout(0.01):
            await limiter.acquire(KEY)
    assert view(limiter) == (1, 0)
    holder.release()
    assert limiter.idle()


# -- random storms ----------------------------------------------------------------------------------------


def check_invariants(limiter: AccountLimiter, held: dict[str, list[Slot]], max_queue: int) -> None:
    for v in limiter.views():
        assert v.in_flight == len(held.get(v.key, ()))
        assert v.in_flight <= v.limit
        # Nobody waits while a slot is free.
        assert v.queued == 0 or v.in_flight == v.limit
        assert v.queued <= max_queue
    for key, slots in held.items():
        if slots:
            assert limiter.view(key).in_flight == len(slots)


@pytest.mark.parametrize("seed", range(25))
async def test_random_storm_ends_idle(seed: int, clock: LoopClock) -> None:
    rng = random.Random(seed)
    limiter = AccountLimiter(LimiterSettings(max_concurrency=2, max_queue=4, wait_timeout_s=5.0))
    keys = [f"p:a{i}:x" for i in range(3)]
    held: dict[str, list[Slot]] = {k: [] for k in keys}
    tasks: list[asyncio.Task[Slot]] = []
    outcomes = {"granted": 0, "full": 0, "timeout": 0, "cancelled": 0, "tried": 0}

    def harvest() -> None:
        for t in [t for t in tasks if t.done()]:
            tasks.remove(t)
            if t.cancelled():
                outcomes["cancelled"] += 1
            elif isinstance(t.exception(), LimiterFull):
                outcomes["full"] += 1
            elif isinstance(t.exception(), LimiterTimeout):
                outcomes["timeout"] += 1
            else:
                slot = t.result()
                held[slot.key].append(slot)
                outcomes["granted"] += 1

    for _ in range(300):
        op = rng.random()
        key = rng.choice(keys)
        if op < 0.35:
            tasks.append(start(limiter, key, timeout=rng.choice([None, 1.0, 3.0])))
        elif op < 0.45:
            slot = limiter.try_acquire(key)
            if slot is not None:
                held[key].append(slot)
                outcomes["tried"] += 1
        elif op < 0.75:
            if held[key]:
                slot = held[key].pop(rng.randrange(len(held[key])))
                slot.release()
                if rng.random() < 0.2:
                    slot.release()
                # Sometimes cancel a waiter right after the release, before anyone resumes.
                if tasks and rng.random() < 0.3:
                    rng.choice(tasks).cancel()
        elif op < 0.85:
            if tasks:
                rng.choice(tasks).cancel()
        else:
            clock.advance(rng.choice([0.5, 2.0, 6.0]))
        # Partial progress (a grant or a clean-up may still be in flight), or a full settle and a check.
        if rng.random() < 0.5:
            await settle(rng.randint(0, 2))
        else:
            await settle()
            harvest()
            check_invariants(limiter, held, max_queue=4)

    # Drain: cancel whoever still waits, release everything held.
    for t in tasks:
        t.cancel()
    await settle()
    harvest()
    for slots in held.values():
        for slot in slots:
            slot.release()
    assert limiter.idle(), limiter.views()
    assert limiter.views() == ()
    # The storm really exercised the exits, not just the happy path.
    assert outcomes["granted"] > 0
    assert outcomes["timeout"] > 0
    assert outcomes["cancelled"] > 0


# Model-based: every operation on one key is mirrored on a plain FIFO model; grants, queue
# lengths and refusals must match it exactly.
OPS = st.lists(
    st.one_of(
        st.tuples(st.just("acquire"), st.integers(0, 0)),
        st.tuples(st.just("try"), st.integers(0, 0)),
        st.tuples(st.just("release"), st.integers(0, 50)),
        st.tuples(st.just("cancel"), st.integers(0, 50)),
        st.tuples(st.just("release_then_cancel_head"), st.integers(0, 50)),
    ),
    max_size=40,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=OPS, limit=st.integers(1, 3), max_queue=st.integers(0, 3))
async def test_matches_a_fifo_model(ops: list[tuple[str, int]], limit: int, max_queue: int) -> None:
    limiter = AccountLimiter(LimiterSettings(max_concurrency=limit, max_queue=max_queue))
    model_holders: set[int] = set()
    model_queue: deque[int] = deque()
    slots: dict[int, Slot] = {}
    tasks: dict[int, asyncio.Task[Slot]] = {}
    ids = iter(range(10_000))

    def model_release(i: int) -> None:
        model_holders.discard(i)
        if model_queue:
            model_holders.add(model_queue.popleft())

    def pick(pool: list[int], n: int) -> int | None:
        items = sorted(pool)
        return items[n % len(items)] if items else None

    for op, n in ops:
        if op == "acquire":
            i = next(ids)
            tasks[i] = asyncio.create_task(limiter.acquire(KEY))
            await settle()
            if len(model_holders) < limit and not model_queue:
                model_holders.add(i)
            elif len(model_queue) < max_queue:
                model_queue.append(i)
            else:
                assert isinstance(tasks.pop(i).exception(), LimiterFull)
        elif op == "try":
            i = next(ids)
            slot = limiter.try_acquire(KEY)
            if len(model_holders) < limit and not model_queue:
                assert slot is not None
                model_holders.add(i)
                slots[i] = slot
            else:
                assert slot is None
        elif op == "release":
            held = pick(list(slots), n)
            if held is not None:
                slots.pop(held).release()
                model_release(held)
        elif op == "cancel":
            waiting = pick(list(model_queue), n)
            if waiting is not None:
                tasks.pop(waiting).cancel()
                model_queue.remove(waiting)
        else:  # release a holder, then cancel the waiter that was just granted, before it resumes
            held = pick(list(slots), n)
            if held is not None and model_queue:
                slots.pop(held).release()
                model_holders.discard(held)
                head = model_queue.popleft()
                tasks.pop(head).cancel()
                if model_queue:
                    model_holders.add(model_queue.popleft())
        await settle()
        for i, t in list(tasks.items()):
            if t.done():
                assert i in model_holders, (op, i)
                slots[i] = tasks.pop(i).result()
        assert set(tasks) == set(model_queue)
        assert set(slots) == model_holders
        assert view(limiter) == (len(model_holders), len(model_queue))

    for t in tasks.values():
        t.cancel()
    await settle()
    for slot in slots.values():
        slot.release()
    assert limiter.idle()
