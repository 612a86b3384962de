"""Usage queries, start times from the command line, budgets seeded at start and retention."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from app.core.clock import FakeClock
from app.core.errors import ConfigError
from app.core.events import RequestFinished
from app.core.records import UsageDimension, UsageRecord, WireFormat
from app.gateway.access import AccessControl
from app.services.usage import BudgetSync, UsageRetention, UsageService, parse_since, seed_budgets
from app.store.db import Database, sqlite_url
from app.store.repos import Store

NOW = datetime(2026, 11, 25, 13, 30, tzinfo=UTC)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    db = Database.open(sqlite_url(tmp_path / "t.db"))
    db.migrate()
    yield Store(db)
    db.close()


def row(n: int, started_at: datetime, key: str = "laptop", cost: float = 1.0) -> UsageRecord:
    return UsageRecord(
        request_id=f"r{n}",
        started_at=started_at,
        api_key_name=key,
        client_format=WireFormat.OPENAI,
        provider_id="openai",
        account_id=1,
        model="gpt",
        status=200,
        latency_ms=10.0,
        stream=False,
        input_tokens=10,
        output_tokens=5,
        cost_usd=cost,
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("7d", NOW - timedelta(days=7)),
        ("24h", NOW - timedelta(hours=24)),
        ("30m", NOW - timedelta(minutes=30)),
        ("2w", NOW - timedelta(weeks=2)),
        ("today", datetime(2026, 11, 25, tzinfo=UTC)),
        ("month", datetime(2026, 11, 1, tzinfo=UTC)),
        ("2026-11-01", datetime(2026, 11, 1, tzinfo=UTC)),
        ("2026-11-01T08:00:00+02:00", datetime(2026, 11, 1, 6, tzinfo=UTC)),
    ],
)
def test_parse_since(text: str, expected: datetime) -> None:
    assert parse_since(text, NOW) == expected


@pytest.mark.parametrize("text", ["yesterday", "7x", "", "-3d"])
def test_parse_since_refuses_what_it_cannot_read(text: str) -> None:
    with pytest.raises(ConfigError, match=r"use e\.g\. 7d, 24h, today, month or 2026-11-01"):
        parse_since(text, NOW)


def test_service_queries(store: Store) -> None:
    store.usage.add_many([row(1, NOW - timedelta(days=1)), row(2, NOW, key="ci")])
    service = UsageService(store)
    assert [r.group for r in service.totals(UsageDimension.KEY)] == ["ci", "laptop"]
    assert [p.day for p in service.daily(since=NOW - timedelta(hours=1))] == ["2026-11-25"]
    assert [r.request_id for r in service.recent(1)] == ["r2"]


async def test_seed_budgets_reads_this_month_only(store: Store) -> None:
    store.usage.add_many(
        [
            row(1, datetime(2026, 10, 31, 23, 59, tzinfo=UTC), cost=100.0),
            row(2, datetime(2026, 11, 1, tzinfo=UTC), cost=2.0),
            row(3, NOW, cost=0.5),
            row(4, NOW, key="ci", cost=3.0),
        ]
    )
    clock = FakeClock(start=0.0, wall=NOW)
    access = AccessControl(clock)
    await seed_budgets(store, access, clock)
    assert access.spent("laptop") == pytest.approx(2.5)
    assert access.spent("ci") == pytest.approx(3.0)


async def test_retention_deletes_old_rows(store: Store) -> None:
    clock = FakeClock(start=0.0, wall=NOW)
    store.usage.add_many([row(1, NOW - timedelta(days=31)), row(2, NOW - timedelta(days=29)), row(3, NOW)])
    assert await UsageRetention(store, clock, 30).sweep() == 1
    assert [r.request_id for r in store.usage.recent()] == ["r3", "r2"]


async def test_retention_zero_keeps_everything(store: Store) -> None:
    clock = FakeClock(start=0.0, wall=NOW)
    store.usage.add_many([row(1, NOW - timedelta(days=3650))])
    retention = UsageRetention(store, clock, 0)
    assert await retention.sweep() == 0
    await retention.start()  # does not even start a task
    await retention.stop()
    assert len(store.usage.recent()) == 1


async def test_retention_runs_in_the_background_and_stops(store: Store) -> None:
    clock = FakeClock(start=0.0, wall=NOW.astimezone(timezone(timedelta(hours=3))))
    store.usage.add_many([row(1, NOW - timedelta(days=8))])
    retention = UsageRetention(store, clock, 7, sweep_s=0.01)
    await retention.start()
    for _ in range(200):
        if retention.deleted:
            break
        await asyncio.sleep(0.01)
    await retention.stop()
    assert retention.deleted == 1
    assert store.usage.recent() == ()


async def test_budget_sync_brings_in_other_gateways_spend(store: Store) -> None:
    clock = FakeClock(start=0.0, wall=NOW)
    ours = AccessControl(clock)
    await seed_budgets(store, ours, clock)
    ours.on_finished(RequestFinished(row(1, NOW, key="laptop", cost=0.5)))  # not written yet
    # Another gateway on the same database wrote these.
    store.usage.add_many([row(2, NOW, key="laptop", cost=0.25), row(3, NOW, key="ci", cost=4.0)])
    sync = BudgetSync(store, ours, clock, interval_s=0.01)
    await sync.start()
    for _ in range(200):
        if ours.spent("ci"):
            break
        await asyncio.sleep(0.01)
    await sync.stop()
    assert ours.spent("ci") == pytest.approx(4.0)
    assert ours.spent("laptop") == pytest.approx(0.5)  # ours is higher: kept
