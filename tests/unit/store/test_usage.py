from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from app.core.errors import StoreError
from app.core.records import UsageRecord, UsageSummaryRow, WireFormat
from app.store.repos import Store

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def usage(
    n: int,
    *,
    provider_id: str | None = "openai",
    model: str = "gpt-a",
    status: int = 200,
    started_at: datetime | None = None,
    input_tokens: int | None = 10,
    output_tokens: int | None = 5,
) -> UsageRecord:
    return UsageRecord(
        request_id=f"req-{n}",
        started_at=started_at or T0 + timedelta(seconds=n),
        api_key_name="laptop",
        client_format=WireFormat.ANTHROPIC,
        provider_id=provider_id,
        account_id=7,
        model=model,
        status=status,
        latency_ms=12.5,
        stream=True,
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        error=None if status < 400 else "upstream said no",
    )


def test_add_many_and_recent_round_trip(store: Store) -> None:
    records = [usage(i) for i in range(5)]
    store.usage.add_many(records)
    assert store.usage.recent() == tuple(reversed(records))
    assert store.usage.recent(limit=2) == (records[4], records[3])


def test_recent_returns_aware_utc_datetimes(store: Store) -> None:
    local = datetime(2026, 3, 1, 14, 0, tzinfo=timezone(timedelta(hours=2)))
    store.usage.add_many([usage(1, started_at=local)])
    (got,) = store.usage.recent()
    assert got.started_at == local
    assert got.started_at.tzinfo == UTC
    assert got.started_at.hour == 12


def test_naive_datetime_is_refused(store: Store) -> None:
    with pytest.raises(StoreError):
        store.usage.add_many([usage(1, started_at=datetime(2026, 1, 1))])
    assert store.usage.recent() == ()


def test_add_many_is_one_transaction(store: Store) -> None:
    bad = usage(2, started_at=datetime(2026, 1, 1))
    with pytest.raises(StoreError):
        store.usage.add_many([usage(1), bad, usage(3)])
    assert store.usage.recent() == ()


def test_add_many_with_nothing(store: Store) -> None:
    store.usage.add_many([])
    assert store.usage.recent() == ()


def test_overlong_client_values_are_stored(store: Store) -> None:
    record = usage(1, model="m" * 1000)
    store.usage.add_many([record])
    assert store.usage.recent() == (record,)


def test_summary_groups_by_provider_and_model(store: Store) -> None:
    store.usage.add_many(
        [
            usage(1),
            usage(2, status=429),
            usage(3, status=500, input_tokens=None, output_tokens=None),
            usage(4, model="gpt-b", input_tokens=1, output_tokens=2),
            usage(5, provider_id=None, model="unrouted", status=503, input_tokens=None, output_tokens=None),
            usage(6, provider_id="claude", model="sonnet", status=399),
        ]
    )
    assert store.usage.summary() == (
        UsageSummaryRow(None, "unrouted", requests=1, errors=1, input_tokens=0, output_tokens=0),
        UsageSummaryRow("claude", "sonnet", requests=1, errors=0, input_tokens=10, output_tokens=5),
        UsageSummaryRow("openai", "gpt-a", requests=3, errors=2, input_tokens=20, output_tokens=10),
        UsageSummaryRow("openai", "gpt-b", requests=1, errors=0, input_tokens=1, output_tokens=2),
    )


def test_summary_since(store: Store) -> None:
    store.usage.add_many([usage(1), usage(100), usage(200)])
    since = T0 + timedelta(seconds=100)
    (row,) = store.usage.summary(since=since)
    assert row.requests == 2
    # The same instant in another zone selects the same rows.
    (row,) = store.usage.summary(since=since.astimezone(timezone(timedelta(hours=-5))))
    assert row.requests == 2
    assert store.usage.summary(since=T0 + timedelta(days=1)) == ()
