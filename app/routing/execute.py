"""The attempt loop: try candidates in order until one answers, before any byte reaches the client.

For each candidate: skip it while its account cools down or its breaker is open; take a slot of its
account's concurrency limit (a saturated account is skipped while another is free); send; classify a
failure; update breaker, cooldowns and quota; go on to the next. When every candidate is locked, wait
once (bounded by the deadline) for the first to free up. The caller holds the winning slot until the
answer is fully relayed, then releases it.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from app.core.clock import Clock
from app.core.errors import (
    NoRouteAvailable,
    ProxyFailed,
    UpstreamError,
    UpstreamHTTPError,
    UpstreamTimeout,
)
from app.core.events import (
    AccountDisabled,
    BreakerClosed,
    BreakerOpened,
    Event,
    QuotaParked,
)
from app.resilience.breaker import Breakers, BreakerState, Transition, breaker_key
from app.resilience.classify import Failure, FailureKind, classify_status, classify_transport
from app.resilience.cooldown import Cooldowns
from app.resilience.limiter import AccountLimiter, LimiterFull, LimiterTimeout, Slot
from app.resilience.quota import park_until, should_park
from app.routing.snapshot import Candidate

R = TypeVar("R")


def account_key(candidate: Candidate) -> str:
    target = candidate.target
    proxy = "direct" if not target.proxy_url else hashlib.sha256(target.proxy_url.encode()).hexdigest()[:12]
    return f"{target.provider_id}:{target.account_id}:{proxy}"


@dataclass
class Guards:
    """The request path's resilience state: in memory, shared by every request of one gateway."""

    clock: Clock
    breakers: Breakers
    limiter: AccountLimiter
    cooldowns: Cooldowns
    publish: Callable[[Event], None]
    # When every candidate is cooling down, wait once for the first to free up, at most this long.
    all_locked_wait_s: float = 30.0
    # The time budget for finding a candidate that answers (waits and fallbacks; not the answer).
    deadline_s: float = 120.0


@dataclass
class Outcome(Generic[R]):
    candidate: Candidate
    result: R
    slot: Slot
    attempts: int


@dataclass
class Exhausted(Exception):
    """No candidate answered. `last` is the last upstream error, with the candidate it came from."""

    attempts: int
    last: UpstreamError | None = None
    last_candidate: Candidate | None = None
    failures: list[Failure] = field(default_factory=list)
    retry_after_s: float | None = None
    # Why the accounts that were not even tried are cooling down.
    lock_reasons: list[FailureKind] = field(default_factory=list)
    # How long until each open breaker that kept a candidate out lets a probe through.
    breaker_waits: list[float] = field(default_factory=list)

    @property
    def rate_limited(self) -> bool:
        """Every candidate failed or sits out because of a rate limit or a spent quota."""
        limited = {FailureKind.RATE_LIMITED, FailureKind.QUOTA_EXHAUSTED, FailureKind.DAILY_QUOTA}
        reasons = [f.kind for f in self.failures] + self.lock_reasons
        return bool(reasons) and all(r in limited for r in reasons)

    def __str__(self) -> str:
        return f"no candidate answered after {self.attempts} attempts"


def classify(error: UpstreamError, guards: Guards) -> Failure:
    if isinstance(error, UpstreamHTTPError):
        headers = dict(error.headers)
        if error.retry_after is not None and "retry-after" not in headers:
            headers["retry-after"] = f"{error.retry_after:g}"
        return classify_status(error.status, headers, error.body, now=guards.clock.now())
    if isinstance(error, ProxyFailed):
        return classify_transport("proxy", error.message)
    if isinstance(error, UpstreamTimeout):
        return classify_transport("timeout", error.message)
    return classify_transport("unreachable", error.message)


async def first_answer(
    candidates: Sequence[Candidate],
    attempt: Callable[[Candidate], Awaitable[R]],
    guards: Guards,
    *,
    model: str,
) -> Outcome[R]:
    """The first candidate that answers, with its slot held; raises Exhausted if none does."""
    if not candidates:
        raise NoRouteAvailable("no candidate to try")
    state = Exhausted(attempts=0)
    deadline = guards.clock.monotonic() + guards.deadline_s
    candidates = _healthiest_first(candidates, guards)
    for round_ in range(2):
        saturated: list[Candidate] = []
        locked_until: list[float] = []
        for candidate in candidates:
            if state.attempts and guards.clock.monotonic() >= deadline:
                raise state  # out of time: report what the last attempt said
            outcome = await _try(candidate, attempt, guards, state, model, saturated, locked_until)
            if outcome is not None:
                return outcome
        # Every free account has failed or been skipped. A saturated account still answers once a slot
        # frees: queue for the first one (FIFO, bounded wait) before giving up.
        for candidate in saturated:
            outcome = await _try_queued(candidate, attempt, guards, state, model)
            if outcome is not None:
                return outcome
        wait = min(locked_until, default=None)
        remaining = deadline - guards.clock.monotonic()
        if (
            round_ == 0
            and wait is not None
            and state.attempts == 0
            and wait <= min(guards.all_locked_wait_s, remaining)
        ):
            # Nothing was even tried: every account was cooling down. Wait once for the first.
            await asyncio.sleep(wait)
            continue
        break
    if state.last is None:
        # Nothing was tried: tell the client when the first account frees up, and why they are locked.
        keys = {account_key(c) for c in candidates}
        waits = [w for w in (guards.cooldowns.soonest([(k, model) for k in keys]), *state.breaker_waits) if w]
        state.retry_after_s = min(waits, default=None)
        state.lock_reasons = [lock.reason for lock in guards.cooldowns.locks() if lock.key in keys]
    raise state


def _healthiest_first(candidates: Sequence[Candidate], guards: Guards) -> Sequence[Candidate]:
    """Candidates behind a DEGRADED breaker (failing, not yet open) go after the healthy ones."""
    views = guards.breakers
    degraded = [
        c
        for c in candidates
        if views.view(breaker_key(c.target.provider_id, c.target.proxy_url)).state is BreakerState.DEGRADED
    ]
    if not degraded:
        return candidates
    return [c for c in candidates if c not in degraded] + degraded


async def _try(
    candidate: Candidate,
    attempt: Callable[[Candidate], Awaitable[R]],
    guards: Guards,
    state: Exhausted,
    model: str,
    saturated: list[Candidate],
    locked_until: list[float],
) -> Outcome[R] | None:
    akey = account_key(candidate)
    remaining = guards.cooldowns.locked_for(akey, model)
    if remaining is not None:
        locked_until.append(remaining)
        return None
    bkey = breaker_key(candidate.target.provider_id, candidate.target.proxy_url)
    slot = guards.limiter.try_acquire(akey, candidate.target.max_concurrency)
    if slot is None:
        saturated.append(candidate)
        return None
    if not guards.breakers.allow(bkey):
        slot.release()
        retry_at = guards.breakers.view(bkey).retry_at
        if retry_at is not None:
            state.breaker_waits.append(max(0.0, retry_at - guards.clock.monotonic()))
        return None
    return await _send(candidate, attempt, guards, state, model, slot)


async def _try_queued(
    candidate: Candidate,
    attempt: Callable[[Candidate], Awaitable[R]],
    guards: Guards,
    state: Exhausted,
    model: str,
) -> Outcome[R] | None:
    akey = account_key(candidate)
    try:
        slot = await guards.limiter.acquire(akey, candidate.target.max_concurrency)
    except (LimiterFull, LimiterTimeout):
        return None
    bkey = breaker_key(candidate.target.provider_id, candidate.target.proxy_url)
    if guards.cooldowns.locked_for(akey, model) is not None or not guards.breakers.allow(bkey):
        slot.release()
        return None
    return await _send(candidate, attempt, guards, state, model, slot)


async def _send(
    candidate: Candidate,
    attempt: Callable[[Candidate], Awaitable[R]],
    guards: Guards,
    state: Exhausted,
    model: str,
    slot: Slot,
) -> Outcome[R] | None:
    bkey = breaker_key(candidate.target.provider_id, candidate.target.proxy_url)
    state.attempts += 1
    try:
        result = await attempt(candidate)
    except UpstreamError as exc:
        slot.release()
        failure = classify(exc, guards)
        record_failure(candidate, failure, guards, model)
        state.last, state.last_candidate = exc, candidate
        state.failures.append(failure)
        if failure.retry_after_s is not None:
            state.retry_after_s = min(state.retry_after_s or failure.retry_after_s, failure.retry_after_s)
        if not failure.falls_back:
            raise state from exc
        return None
    except BaseException:
        # Cancellation (the client went away) or a bug: the slot and the breaker probe go back.
        slot.release()
        guards.breakers.release_probe(bkey)
        raise
    _announce(guards, guards.breakers.record_success(bkey))
    guards.cooldowns.clear(account_key(candidate), model)
    return Outcome(candidate, result, slot, state.attempts)


def record_failure(candidate: Candidate, failure: Failure, guards: Guards, model: str) -> None:
    """Updates breaker, cooldowns and quota for one failure (also used for mid-stream failures)."""
    target = candidate.target
    bkey = breaker_key(target.provider_id, target.proxy_url)
    if failure.counts_for_breaker:
        _announce(guards, guards.breakers.record_failure(bkey, account=str(target.account_id)))
    else:
        guards.breakers.release_probe(bkey)
    guards.cooldowns.record(account_key(candidate), model, failure)
    # A spent balance parks the whole account until its reset; a daily quota is per model, so the
    # cooldown (account + model) covers it without blocking the account's other models.
    if should_park(failure) and failure.kind is FailureKind.QUOTA_EXHAUSTED:
        until = park_until(
            target.provider_id, failure, guards.clock.now(), monthly=target.profile.monthly_quota
        )
        guards.publish(
            QuotaParked(target.provider_id, target.account_id, target.account_label, until, failure.message)
        )
    elif failure.kind is FailureKind.CREDENTIAL_REJECTED:
        guards.publish(
            AccountDisabled(target.provider_id, target.account_id, target.account_label, failure.message)
        )


def _announce(guards: Guards, transition: Transition | None) -> None:
    if transition is None:
        return
    # Once per outage: a failed half-open probe reopens the breaker, but the user heard already.
    if transition.new is BreakerState.OPEN and transition.old in (BreakerState.CLOSED, BreakerState.DEGRADED):
        retry_in = (transition.view.retry_at or guards.clock.monotonic()) - guards.clock.monotonic()
        guards.publish(BreakerOpened(transition.key, transition.view.failures, max(0.0, retry_in)))
    elif transition.new is BreakerState.CLOSED and transition.old in (
        BreakerState.OPEN,
        BreakerState.HALF_OPEN,
    ):
        guards.publish(BreakerClosed(transition.key))
