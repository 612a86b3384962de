"""Quota parking, as pure policy: when an exhausted account may be tried again, which parked accounts
are due, and when the next sweep should run. Persisting the park (so it survives a restart) and
publishing QuotaParked / QuotaReactivated are the services layer's job.

Usage::

    if should_park(failure):
        until = park_until(provider_id, failure, clock.now(), monthly=spec.monthly_quota)
        ...  # services: store the account as parked until `until`, publish QuotaParked

    # services: at start-up, then again after next_wakeup(...) seconds
    for parked in due(parked_accounts, clock.now()):
        ...  # reactivate, publish QuotaReactivated
    delay = next_wakeup(remaining_parked, clock.now())
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Final

from app.resilience.classify import Failure, FailureKind, next_utc_midnight

__all__ = ["Parked", "due", "next_wakeup", "park_until", "should_park"]

_MAX_PARK_S: Final = 366 * 86400.0  # keeps datetime arithmetic finite whatever a provider says
_PARKING: Final = frozenset({FailureKind.QUOTA_EXHAUSTED, FailureKind.DAILY_QUOTA})


@dataclass(frozen=True, slots=True)
class Parked:
    account_id: int
    until: datetime
    reason: str


def should_park(failure: Failure) -> bool:
    return failure.kind in _PARKING


def park_until(
    provider_id: str, failure: Failure, now: datetime, *, default_s: float = 3600.0, monthly: bool = False
) -> datetime:
    """When the account may be tried again. A monthly allowance (a catalogue provider flagged
    `monthly_quota`, such as Kimchi): the 1st of next month, 00:00 UTC. A daily quota: its reset (classify sets the
    provider's, or the next daily boundary), else the next 00:00 UTC. Otherwise the provider's reset
    time, its wait, or `default_s`."""
    now = _utc(now)
    if monthly:
        return start_of_next_month(now)
    if failure.reset_at is not None and failure.reset_at > now:
        return _utc(failure.reset_at)
    if failure.kind is FailureKind.DAILY_QUOTA:
        return next_utc_midnight(now)
    if failure.retry_after_s is not None and failure.retry_after_s > 0:
        return now + timedelta(seconds=min(failure.retry_after_s, _MAX_PARK_S))
    return now + timedelta(seconds=min(default_s, _MAX_PARK_S))


def due(parked: Iterable[Parked], now: datetime) -> tuple[Parked, ...]:
    """The parked accounts whose time has come, earliest first."""
    now = _utc(now)
    return tuple(sorted((p for p in parked if _utc(p.until) <= now), key=lambda p: _utc(p.until)))


def next_wakeup(parked: Iterable[Parked], now: datetime, *, sweep_s: float = 3600.0) -> float:
    """Seconds until the sweep should run again: at the next exact reset, and at least hourly (the
    wall clock may jump, a machine may sleep). 0.0 when one is already due."""
    now = _utc(now)
    wait = sweep_s
    for p in parked:
        wait = min(wait, (_utc(p.until) - now).total_seconds())
    return max(0.0, wait)


def start_of_next_month(now: datetime) -> datetime:
    now = _utc(now)
    if now.month == 12:
        return datetime(now.year + 1, 1, 1, tzinfo=UTC)
    return datetime(now.year, now.month + 1, 1, tzinfo=UTC)


def _utc(when: datetime) -> datetime:
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
