from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from app.core.clock import FakeClock, SystemClock
from app.core.errors import NoRouteAvailable, UpstreamHTTPError, UpstreamUnreachable
from app.core.events import AccountDisabled, BreakerOpened, Event, QuotaParked
from app.core.records import WireFormat
from app.resilience.breaker import Breakers
from app.resilience.cooldown import CooldownPolicy, Cooldowns
from app.resilience.limiter import AccountLimiter, LimiterSettings
from app.routing.execute import Exhausted, Guards, account_key, first_answer
from app.routing.snapshot import Candidate, Target

QUOTA_BODY = b'{"error": {"message": "You exceeded your current quota", "type": "insufficient_quota", "code": "insufficient_quota"}}'
RATE_BODY = b'{"error": {"message": "Rate limit reached for requests", "type": "requests", "code": "rate_limit_exceeded"}}'


def cands(n: int, provider: str = "p", limit: int | None = None) -> list[Candidate]:
    return [
        Candidate(
            Target(provider, WireFormat.OPENAI, "u", i, f"a{i}", 0, api_key="k", max_concurrency=limit), "m"
        )
        for i in range(n)
    ]


def make_guards(clock: FakeClock | SystemClock | None = None, **policy: float) -> tuple[Guards, list[Event]]:
    clock = clock or FakeClock(wall=datetime(2026, 3, 10, tzinfo=UTC))
    events: list[Event] = []
    guards = Guards(
        clock=clock,
        breakers=Breakers(clock),
        limiter=AccountLimiter(LimiterSettings(max_concurrency=1, max_queue=2, wait_timeout_s=0.2)),
        cooldowns=Cooldowns(clock, CooldownPolicy(**policy)) if policy else Cooldowns(clock),
        publish=events.append,
        all_locked_wait_s=0.5,
    )
    return guards, events


def rate_limited() -> UpstreamHTTPError:
    return UpstreamHTTPError("busy", status=429, body=RATE_BODY, headers={"retry-after": "20"})


async def test_first_success_wins_after_fallbacks_and_the_failed_account_cools_down() -> None:
    guards, _ = make_guards()
    seen: list[int] = []

    async def attempt(c: Candidate) -> str:
        seen.append(c.target.account_id)
        if c.target.account_id == 0:
            raise rate_limited()
        return f"ok{c.target.account_id}"

    outcome = await first_answer(cands(3), attempt, guards, model="m")
    assert (outcome.candidate.target.account_id, outcome.result, outcome.attempts) == (1, "ok1", 2)
    outcome.slot.release()
    # The rate-limited account is skipped on the next request, without a call.
    again = await first_answer(cands(3), attempt, guards, model="m")
    again.slot.release()
    assert seen == [0, 1, 1]


async def test_a_bad_request_stops_at_once() -> None:
    guards, _ = make_guards()
    calls = 0

    async def attempt(c: Candidate) -> str:
        nonlocal calls
        calls += 1
        raise UpstreamHTTPError("bad", status=400, body=b'{"error": {"message": "bad field"}}')

    with pytest.raises(Exhausted) as info:
        await first_answer(cands(3), attempt, guards, model="m")
    assert calls == 1
    assert isinstance(info.value.last, UpstreamHTTPError) and info.value.last.status == 400
    assert guards.limiter.idle()


async def test_everything_failing_reports_the_last_error_and_frees_every_slot() -> None:
    guards, _ = make_guards()

    async def attempt(c: Candidate) -> str:
        raise UpstreamHTTPError(f"fail {c.target.account_id}", status=502, body=b"{}")

    with pytest.raises(Exhausted) as info:
        await first_answer(cands(3), attempt, guards, model="m")
    assert info.value.attempts == 3
    assert info.value.last_candidate is not None and info.value.last_candidate.target.account_id == 2
    assert guards.limiter.idle()


async def test_server_errors_open_the_breaker_and_later_requests_fail_fast() -> None:
    guards, events = make_guards()
    calls = 0

    async def attempt(c: Candidate) -> str:
        nonlocal calls
        calls += 1
        raise UpstreamHTTPError("down", status=500, body=b"{}")

    for _ in range(5):
        with pytest.raises(Exhausted):
            await first_answer(cands(1), attempt, guards, model="m")
        guards.clock.advance(6)  # type: ignore[attr-defined]  # past the per-account dedup window
        guards.cooldowns.clear(account_key(cands(1)[0]))
    assert any(isinstance(e, BreakerOpened) for e in events)
    before = calls
    with pytest.raises(Exhausted) as info:
        await first_answer(cands(1), attempt, guards, model="m")
    assert calls == before  # the open breaker kept the request from the failing provider
    assert info.value.last is None


async def test_rate_limits_never_open_the_breaker() -> None:
    guards, events = make_guards()

    async def attempt(c: Candidate) -> str:
        raise rate_limited()

    for _ in range(20):
        with pytest.raises(Exhausted):
            await first_answer(cands(1), attempt, guards, model="m")
        guards.cooldowns.clear(account_key(cands(1)[0]))
    assert not any(isinstance(e, BreakerOpened) for e in events)


async def test_exhausted_quota_parks_the_account_and_a_rejected_key_disables_it() -> None:
    guards, events = make_guards()
    errors = iter(
        [
            UpstreamHTTPError("quota", status=429, body=QUOTA_BODY),
            UpstreamHTTPError("key", status=401, body=b'{"error": {"message": "Incorrect API key"}}'),
        ]
    )

    async def attempt(c: Candidate) -> str:
        raise next(errors)

    with pytest.raises(Exhausted):
        await first_answer(cands(2), attempt, guards, model="m")
    parked = [e for e in events if isinstance(e, QuotaParked)]
    disabled = [e for e in events if isinstance(e, AccountDisabled)]
    assert [e.account_id for e in parked] == [0]
    assert parked[0].until > guards.clock.now()
    assert [e.account_id for e in disabled] == [1]


async def test_a_saturated_account_is_skipped_for_a_free_one() -> None:
    guards, _ = make_guards()
    gate = asyncio.Event()

    async def attempt(c: Candidate) -> str:
        await gate.wait()
        return f"ok{c.target.account_id}"

    first = asyncio.ensure_future(first_answer(cands(2), attempt, guards, model="m"))
    await asyncio.sleep(0)
    second = asyncio.ensure_future(first_answer(cands(2), attempt, guards, model="m"))
    await asyncio.sleep(0)
    gate.set()
    a, b = await first, await second
    assert {a.candidate.target.account_id, b.candidate.target.account_id} == {0, 1}
    a.slot.release()
    b.slot.release()
    assert guards.limiter.idle()


async def test_when_every_account_is_busy_the_request_queues_for_a_slot() -> None:
    guards, _ = make_guards()
    held = await first_answer(cands(1), _ok, guards, model="m")
    waiting = asyncio.ensure_future(first_answer(cands(1), _ok, guards, model="m"))
    await asyncio.sleep(0.01)
    assert not waiting.done()
    held.slot.release()
    outcome = await waiting
    outcome.slot.release()
    assert guards.limiter.idle()


async def test_cancellation_frees_the_slot() -> None:
    guards, _ = make_guards()

    async def hang(c: Candidate) -> str:
        await asyncio.sleep(10)
        return "never"

    task = asyncio.ensure_future(first_answer(cands(1), hang, guards, model="m"))
    await asyncio.sleep(0.01)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert guards.limiter.idle()


async def test_when_every_account_cools_down_the_loop_waits_once() -> None:
    guards, _ = make_guards(SystemClock(), base_s=0.05, max_s=0.05, unknown_s=0.05)
    failures = iter([UpstreamUnreachable("reset")])

    async def flaky(c: Candidate) -> str:
        error = next(failures, None)
        if error is not None:
            raise error
        return "ok"

    with pytest.raises(Exhausted):
        await first_answer(cands(1), flaky, guards, model="m")
    # Now the only account is cooling down: the next request waits for it instead of failing.
    outcome = await first_answer(cands(1), flaky, guards, model="m")
    assert outcome.result == "ok"
    outcome.slot.release()


async def test_no_candidates() -> None:
    guards, _ = make_guards()
    with pytest.raises(NoRouteAvailable):
        await first_answer([], _ok, guards, model="m")


async def _ok(c: Candidate) -> str:
    return "ok"
