from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from app.core.errors import StoreError
from app.core.records import UsageDimension, UsagePoint, UsageRecord, UsageSummaryRow, WireFormat
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


# --- the fields added for accounting, and the grouped queries --------------------------------------


def full(
    n: int,
    *,
    day: int = 1,
    key: str | None = "laptop",
    app: str | None = "claude-cli",
    provider_id: str | None = "anthropic",
    model: str = "combo/best",
    upstream_model: str | None = "claude-opus-4-7",
    status: int = 200,
    cost: float | None = 0.25,
    ttft: float | None = 100.0,
) -> UsageRecord:
    return UsageRecord(
        request_id=f"full-{n}",
        started_at=datetime(2026, 3, day, 23, 59, 59, tzinfo=UTC),
        api_key_name=key,
        client_format=WireFormat.ANTHROPIC,
        provider_id=provider_id,
        account_id=3,
        model=model,
        status=status,
        latency_ms=200.0 + n,
        stream=True,
        input_tokens=1000,
        output_tokens=100,
        client_app=app,
        upstream_model=upstream_model,
        cached_tokens=600,
        cache_write_tokens=50,
        reasoning_tokens=20,
        cost_usd=cost,
        ttft_ms=ttft,
        attempts=2,
        saver_tokens_before=5000,
        saver_tokens_after=1500,
    )


def test_accounting_fields_round_trip(store: Store) -> None:
    record = full(1)
    store.usage.add_many([record])
    assert store.usage.recent() == (record,)


def test_rows_from_before_0004_read_with_defaults(store: Store) -> None:
    store.usage.add_many([usage(1)])
    (got,) = store.usage.recent()
    assert got.attempts == 0
    assert got.cost_usd is None and got.client_app is None


def test_totals_by_day_use_utc_days(store: Store) -> None:
    store.usage.add_many([full(1, day=1), full(2, day=1, status=502, cost=None, ttft=None), full(3, day=2)])
    rows = store.usage.totals(UsageDimension.DAY)
    assert [r.group for r in rows] == ["2026-03-01", "2026-03-02"]
    first = rows[0]
    assert (first.requests, first.errors) == (2, 1)
    assert (first.input_tokens, first.output_tokens, first.cached_tokens, first.reasoning_tokens) == (
        2000,
        200,
        1200,
        40,
    )
    assert first.cost_usd == pytest.approx(0.25)
    assert first.avg_latency_ms == pytest.approx(201.5)
    assert first.avg_ttft_ms == pytest.approx(100.0)  # the failed request has none


@pytest.mark.parametrize(
    ("by", "expected"),
    [
        (UsageDimension.KEY, [("ci", 3, 0.75), ("laptop", 1, 0.25), (None, 1, 0.0)]),
        (UsageDimension.APP, [("codex", 3, 0.75), ("claude-cli", 1, 0.25), (None, 1, 0.0)]),
        (UsageDimension.PROVIDER, [("anthropic", 4, 1.0), (None, 1, 0.0)]),
        # The model served where there was one, else the name asked for.
        (UsageDimension.MODEL, [("claude-opus-4-7", 4, 1.0), ("combo/best", 1, 0.0)]),
    ],
)
def test_totals_by_dimension(
    store: Store, by: UsageDimension, expected: list[tuple[str | None, int, float]]
) -> None:
    store.usage.add_many(
        [
            full(1),
            full(2, key="ci", app="codex"),
            full(3, key="ci", app="codex"),
            full(4, key="ci", app="codex"),
            full(5, key=None, app=None, provider_id=None, upstream_model=None, status=401, cost=None),
        ]
    )
    got = [(r.group, r.requests, round(r.cost_usd, 6)) for r in store.usage.totals(by)]
    assert got == expected


def test_totals_between(store: Store) -> None:
    store.usage.add_many([full(1, day=1), full(2, day=2), full(3, day=3)])
    rows = store.usage.totals(
        UsageDimension.DAY,
        since=datetime(2026, 3, 2, tzinfo=UTC),
        until=datetime(2026, 3, 3, tzinfo=UTC),
    )
    assert [r.group for r in rows] == ["2026-03-02"]
    assert store.usage.totals(UsageDimension.KEY, since=datetime(2027, 1, 1, tzinfo=UTC)) == ()


def test_daily_points_for_charts(store: Store) -> None:
    store.usage.add_many([full(1, day=1), full(2, day=1, key="ci"), full(3, day=2, key="ci")])
    assert store.usage.daily() == (
        UsagePoint("2026-03-01", None, requests=2, input_tokens=2000, output_tokens=200, cost_usd=0.5),
        UsagePoint("2026-03-02", None, requests=1, input_tokens=1000, output_tokens=100, cost_usd=0.25),
    )
    assert store.usage.daily(UsageDimension.KEY) == (
        UsagePoint("2026-03-01", "ci", requests=1, input_tokens=1000, output_tokens=100, cost_usd=0.25),
        UsagePoint("2026-03-01", "laptop", requests=1, input_tokens=1000, output_tokens=100, cost_usd=0.25),
        UsagePoint("2026-03-02", "ci", requests=1, input_tokens=1000, output_tokens=100, cost_usd=0.25),
    )


def test_spend_by_key(store: Store) -> None:
    store.usage.add_many(
        [full(1, day=1), full(2, day=2), full(3, day=2, key="ci", cost=None), full(4, key=None)]
    )
    assert store.usage.spend_by_key(datetime(2026, 3, 2, tzinfo=UTC)) == {"laptop": 0.25, "ci": 0.0}
    assert store.usage.spend_by_key(datetime(2026, 3, 1, tzinfo=UTC)) == {"laptop": 0.5, "ci": 0.0}


def test_delete_before(store: Store) -> None:
    store.usage.add_many([full(1, day=1), full(2, day=2), full(3, day=3)])
    assert store.usage.delete_before(datetime(2026, 3, 3, tzinfo=UTC)) == 2
    assert [r.request_id for r in store.usage.recent()] == ["full-3"]
    assert store.usage.delete_before(datetime(2026, 3, 3, tzinfo=UTC)) == 0


def test_writing_usage_marks_keys_used(store: Store) -> None:
    store.keys.add("laptop", "h1" * 32, "vr-1")
    store.keys.add("ci", "h2" * 32, "vr-2")
    store.usage.add_many([full(1, day=2), full(2, day=1), full(3, day=1, key="ci"), full(4, key="gone")])
    used = {k.name: k.last_used_at for k in store.keys.list()}
    assert used == {"ci": full(3, day=1).started_at, "laptop": full(1, day=2).started_at}
    # An older batch arriving late never moves the time back.
    store.usage.add_many([full(5, day=1)])
    assert store.keys.get("laptop").last_used_at == full(1, day=2).started_at
