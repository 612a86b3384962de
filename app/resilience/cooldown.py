"""Cooldowns: after a failure an account (or one model on it) is skipped for a while.

Scope — which key a failure locks:

* the account and model: rate limits, daily quotas (per model at OpenAI, Groq and Gemini), unknown
  models, overloads, server errors and timeouts (one model can be down while the others answer);
* the whole account (model ``None``): rejected credentials, exhausted quota (money or credits are
  per account), unreachable upstream and dead proxies (nothing on that account gets through).

Duration — reference defaults, all in `CooldownPolicy`:

* transient failures back off ``base_s * factor ** (strikes - 1)`` capped at ``max_s`` (2, 4, 8 … 300 s),
  where strikes count consecutive failures of that key; a success resets them, and so does
  ``max_s`` of quiet after a lock ran out;
* 401-404: ``auth_s``; rate limit: ``rate_limit_s``; quota exhausted: ``quota_s``; odd statuses
  (409/425…): ``unknown_s``;
* a wait the provider states wins over the class default, capped at ``provider_reset_cap_s`` (never
  below the class default, so a provider saying "5 h" for a quota does not shorten the 1 h lock),
  and floored at ``base_s`` so a "0s" reset does not send the next request straight back;
* a daily quota lasts until its reset (`Failure.reset_at`: the provider's, or the next daily
  boundary), uncapped.

An active lock is never shortened by a later, milder failure. Memory is bounded: entries are dropped
once their lock and strike memory have both run out (on access, and in a sweep on `record`), and
never more than ``max_entries`` are kept.

Usage::

    cooldowns = Cooldowns(clock)
    free = [c for c in candidates if cooldowns.locked_for(c.account_key, c.model) is None]
    if not free:
        wait = cooldowns.soonest((c.account_key, c.model) for c in candidates)
        if wait is not None and wait <= cooldowns.policy.all_locked_wait_s:
            await asyncio.sleep(wait)  # once; then try again, else answer 429/503 with Retry-After
    ...
    cooldowns.record(account_key, model, failure)  # after a failed attempt
    cooldowns.clear(account_key, model)            # after a success
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Final

from app.core.clock import Clock
from app.resilience.classify import Failure, FailureKind, next_utc_midnight

__all__ = ["CooldownPolicy", "Cooldowns", "Lock"]


@dataclass(frozen=True, slots=True)
class CooldownPolicy:
    base_s: float = 2.0
    factor: float = 2.0
    max_s: float = 300.0
    auth_s: float = 120.0  # 401-404
    unknown_s: float = 30.0
    rate_limit_s: float = 60.0
    quota_s: float = 3600.0
    provider_reset_cap_s: float = 1800.0
    all_locked_wait_s: float = 30.0
    max_entries: int = 10_000


@dataclass(frozen=True, slots=True)
class Lock:
    key: str  # the account key
    model: str | None  # None: the whole account
    until: float  # clock.monotonic()
    reason: FailureKind
    strikes: int


_NO_COOL: Final = frozenset({FailureKind.BAD_REQUEST, FailureKind.CONTEXT_TOO_LONG})
_ACCOUNT_WIDE: Final = frozenset(
    {
        FailureKind.CREDENTIAL_REJECTED,
        FailureKind.QUOTA_EXHAUSTED,
        FailureKind.UNREACHABLE,
        FailureKind.PROXY_FAILED,
    }
)
_SWEEP_EVERY_S: Final = 60.0
_MAX_EXPONENT: Final = 64  # beyond this every back-off is max_s anyway; keeps float pow finite

_Key = tuple[str, str | None]


class Cooldowns:
    def __init__(self, clock: Clock, policy: CooldownPolicy = CooldownPolicy()) -> None:
        self._clock = clock
        self._policy = policy
        self._entries: dict[_Key, Lock] = {}
        self._next_sweep = clock.monotonic() + _SWEEP_EVERY_S

    @property
    def policy(self) -> CooldownPolicy:
        return self._policy

    def record(self, account_key: str, model: str | None, failure: Failure) -> Lock | None:
        """Locks the key the failure concerns; returns the lock now in force, or None for failures
        that are the request's own (bad request, context too long)."""
        if failure.kind in _NO_COOL:
            return None
        now = self._clock.monotonic()
        self._sweep(now)
        key: _Key = (account_key, None if failure.kind in _ACCOUNT_WIDE else model)
        previous = self._entries.get(key)
        strikes = 1
        if previous is not None and not self._forgotten(previous, now):
            strikes = previous.strikes + 1
        until = now + self._duration(failure, strikes)
        reason = failure.kind
        if previous is not None and previous.until > until:
            until, reason = previous.until, previous.reason  # never shorten a lock in force
        lock = Lock(key=account_key, model=key[1], until=until, reason=reason, strikes=strikes)
        self._entries[key] = lock
        self._cap()
        return lock

    def locked_for(self, account_key: str, model: str | None) -> float | None:
        """Seconds until the account (and this model on it) is free again; None when it is free."""
        now = self._clock.monotonic()
        remaining: float | None = None
        for key in {(account_key, None), (account_key, model)}:
            entry = self._entries.get(key)
            if entry is None:
                continue
            if entry.until > now:
                left = entry.until - now
                remaining = left if remaining is None else max(remaining, left)
            elif self._forgotten(entry, now):
                del self._entries[key]
        return remaining

    def clear(self, account_key: str, model: str | None = None) -> None:
        """After a success on (account, model): strikes of that model and of the account are reset.
        A lock still in force stays: it was set by a failure newer than the request that just
        succeeded (parallel requests). With model None (a user's manual reset) every lock and strike
        of the account goes."""
        if model is None:
            for key in [k for k in self._entries if k[0] == account_key]:
                del self._entries[key]
            return
        now = self._clock.monotonic()
        for key in ((account_key, model), (account_key, None)):
            entry = self._entries.get(key)
            if entry is None:
                continue
            if entry.until > now:
                self._entries[key] = replace(entry, strikes=0)
            else:
                del self._entries[key]

    def soonest(self, keys_and_models: Iterable[tuple[str, str | None]]) -> float | None:
        """Seconds until the first of these candidates is free: 0.0 when one already is, None when
        there are none. The caller waits once, and only if this is within `all_locked_wait_s`."""
        best: float | None = None
        for account_key, model in keys_and_models:
            left = self.locked_for(account_key, model)
            if left is None:
                return 0.0
            best = left if best is None else min(best, left)
        return best

    def locks(self) -> tuple[Lock, ...]:
        """The locks in force, soonest to expire first (for `vansroute status`)."""
        now = self._clock.monotonic()
        self._sweep(now, force=True)
        return tuple(sorted((e for e in self._entries.values() if e.until > now), key=lambda e: e.until))

    # ----------------------------------------------------------------------- internals

    def _duration(self, failure: Failure, strikes: int) -> float:
        p = self._policy
        kind = failure.kind
        if kind is FailureKind.DAILY_QUOTA:
            now = self._clock.now()
            reset = failure.reset_at if failure.reset_at is not None else next_utc_midnight(now)
            return max(p.base_s, (reset - now).total_seconds())
        if kind is FailureKind.RATE_LIMITED:
            default = p.rate_limit_s
        elif kind is FailureKind.QUOTA_EXHAUSTED:
            default = p.quota_s
        elif kind in (FailureKind.CREDENTIAL_REJECTED, FailureKind.MODEL_NOT_FOUND):
            default = p.auth_s
        elif kind is FailureKind.SERVER_ERROR and failure.status is not None and failure.status < 500:
            default = p.unknown_s
        else:  # overloaded, server errors, timeouts, unreachable, proxy
            default = min(p.max_s, p.base_s * p.factor ** min(strikes - 1, _MAX_EXPONENT))
        provider = self._provider_wait(failure)
        if provider is None:
            return default
        return min(max(provider, p.base_s), max(p.provider_reset_cap_s, default))

    def _provider_wait(self, failure: Failure) -> float | None:
        if failure.reset_at is not None:
            return (failure.reset_at - self._clock.now()).total_seconds()
        return failure.retry_after_s

    def _forgotten(self, entry: Lock, now: float) -> bool:
        """Expired, and quiet for `max_s` since: its strikes no longer matter."""
        return now >= entry.until + self._policy.max_s

    def _sweep(self, now: float, *, force: bool = False) -> None:
        if not force and now < self._next_sweep and len(self._entries) < self._policy.max_entries:
            return
        self._next_sweep = now + _SWEEP_EVERY_S
        for key in [k for k, e in self._entries.items() if self._forgotten(e, now)]:
            del self._entries[key]

    def _cap(self) -> None:
        # Keys come from configuration, so this only trips on a misuse; drop what frees soonest.
        while len(self._entries) > max(1, self._policy.max_entries):
            del self._entries[min(self._entries, key=lambda k: self._entries[k].until)]
