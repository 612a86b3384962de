"""Usage for people: the queries behind `vansroute usage` and the desktop's charts, month-to-date
spend for the gateway's budgets, and the retention sweep that deletes old rows.

How much a crash can lose: rows are queued in memory and written by the UsageWriter every second
(`flush_interval`), or sooner once 500 are waiting; a graceful stop writes whatever is queued. So a
crash (or kill -9) loses at most the last second of requests, plus whatever was in flight and not
yet finished; a database that refuses writes keeps up to 10,000 rows queued until it comes back.
"""

from __future__ import annotations

import asyncio
import logging
import re
from datetime import UTC, datetime, timedelta
from typing import Final

from app.core.clock import Clock
from app.core.errors import ConfigError, StoreError
from app.core.records import UsageDimension, UsagePoint, UsageRecord, UsageTotals
from app.core.tasks import spawn
from app.gateway.access import AccessControl, month_start
from app.store.repos import Store

_log = logging.getLogger(__name__)

# How often old rows are looked for; a day's worth of rows at a time is a cheap indexed delete.
RETENTION_SWEEP_S: Final = 3600.0
_RELATIVE = re.compile(r"^(\d+)\s*([mhdw])$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_since(text: str, now: datetime) -> datetime:
    """A start time from the command line: `7d`, `24h`, `30m`, `2w`, `today`, `month` (the 1st, UTC),
    a date `2026-11-01` (midnight UTC) or an ISO time with an offset."""
    value = text.strip().lower()
    if value == "today":
        return now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    if value == "month":
        return month_start(now)
    relative = _RELATIVE.match(value)
    if relative:
        amount, unit = int(relative.group(1)), relative.group(2)
        return now - timedelta(**{_UNITS[unit]: amount})
    try:
        parsed = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ConfigError(
            f"cannot read '{text}' as a start time: use e.g. 7d, 24h, today, month or 2026-11-01"
        ) from None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


class UsageService:
    """Read-only usage queries (blocking: the desktop runs them in an executor)."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def totals(
        self, by: UsageDimension, *, since: datetime | None = None, until: datetime | None = None
    ) -> tuple[UsageTotals, ...]:
        return self._store.usage.totals(by, since=since, until=until)

    def daily(
        self,
        series: UsageDimension | None = None,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> tuple[UsagePoint, ...]:
        """Per-day points for a chart: all traffic, or one series per key/provider/model/app."""
        return self._store.usage.daily(series, since=since, until=until)

    def recent(self, limit: int = 100) -> tuple[UsageRecord, ...]:
        return self._store.usage.recent(limit)


async def seed_budgets(store: Store, access: AccessControl, clock: Clock) -> None:
    """Give the gateway each key's month-to-date spend, before it serves its first request."""
    now = clock.now()
    loop = asyncio.get_running_loop()
    spend = await loop.run_in_executor(None, store.usage.spend_by_key, month_start(now))
    access.seed_spend(spend, now)


class BudgetSync:
    """Every `interval_s`, folds the usage table's month-to-date spend into the gateway's budgets, so
    gateways sharing a database see each other's spend within about a minute."""

    def __init__(
        self, store: Store, access: AccessControl, clock: Clock, *, interval_s: float = 60.0
    ) -> None:
        self._store = store
        self._access = access
        self._clock = clock
        self._interval = interval_s
        self._task: asyncio.Task[None] | None = None

    async def sync(self) -> None:
        now = self._clock.now()
        loop = asyncio.get_running_loop()
        try:
            spend = await loop.run_in_executor(None, self._store.usage.spend_by_key, month_start(now))
        except StoreError as exc:
            _log.warning("could not read spend per key: %s", exc)
            return
        self._access.merge_spend(spend, now)

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self._interval)
            await self.sync()

    async def start(self) -> None:
        if self._task is None:
            self._task = spawn(self._run(), name="budget-sync")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            # wait() rather than awaiting the task: our own cancellation must still propagate.
            await asyncio.wait([self._task])
            self._task = None


class UsageRetention:
    """Deletes usage rows older than `days` (0 keeps them forever): at start, then every hour."""

    def __init__(
        self, store: Store, clock: Clock, days: float, *, sweep_s: float = RETENTION_SWEEP_S
    ) -> None:
        self._store = store
        self._clock = clock
        self._days = days
        self._sweep_s = sweep_s
        self._task: asyncio.Task[None] | None = None
        self.deleted = 0

    async def sweep(self) -> int:
        if self._days <= 0:
            return 0
        cutoff = self._clock.now() - timedelta(days=self._days)
        loop = asyncio.get_running_loop()
        try:
            removed = await loop.run_in_executor(None, self._store.usage.delete_before, cutoff)
        except StoreError as exc:
            _log.warning("could not delete old usage rows: %s", exc)
            return 0
        if removed:
            _log.info("deleted %d usage rows older than %g days", removed, self._days)
        self.deleted += removed
        return removed

    async def _run(self) -> None:
        while True:
            await self.sweep()
            await asyncio.sleep(self._sweep_s)

    async def start(self) -> None:
        if self._task is None and self._days > 0:
            self._task = spawn(self._run(), name="usage-retention")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            # wait() rather than awaiting the task: our own cancellation must still propagate.
            await asyncio.wait([self._task])
            self._task = None
