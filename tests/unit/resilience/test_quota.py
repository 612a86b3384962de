"""Quota parking policy: until when, which are due, when to sweep next."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import orjson
import pytest

from app.resilience.classify import Failure, FailureKind, classify_status
from app.resilience.quota import Parked, due, next_wakeup, park_until, should_park
from tests.fakes import openai_upstream as openai

K = FailureKind
NOW = datetime(2026, 3, 10, 18, 30, tzinfo=UTC)


def failure(
    kind: FailureKind, *, retry_after_s: float | None = None, reset_at: datetime | None = None
) -> Failure:
    return Failure(kind, 429, retry_after_s, reset_at, False, True, kind.value)


EXHAUSTED = failure(K.QUOTA_EXHAUSTED)


@pytest.mark.parametrize(
    ("kind", "parks"),
    [
        (K.QUOTA_EXHAUSTED, True),
        (K.DAILY_QUOTA, True),
        (K.RATE_LIMITED, False),
        (K.CREDENTIAL_REJECTED, False),
        (K.SERVER_ERROR, False),
        (K.CONTEXT_TOO_LONG, False),
    ],
)
def test_should_park(kind: FailureKind, parks: bool) -> None:
    assert should_park(failure(kind)) is parks


# --------------------------------------------------------------------------- Kimchi: next month


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (datetime(2026, 3, 10, 18, 30, tzinfo=UTC), datetime(2026, 4, 1, tzinfo=UTC)),
        (datetime(2026, 1, 31, 23, 59, tzinfo=UTC), datetime(2026, 2, 1, tzinfo=UTC)),
        (datetime(2026, 12, 1, 0, 0, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC)),
        (datetime(2026, 12, 31, 23, 59, 59, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC)),
        (datetime(2026, 4, 1, 0, 0, tzinfo=UTC), datetime(2026, 5, 1, tzinfo=UTC)),  # on the 1st: the next
        (datetime(2028, 2, 29, 12, 0, tzinfo=UTC), datetime(2028, 3, 1, tzinfo=UTC)),  # leap day
        (datetime(2028, 1, 31, 12, 0, tzinfo=UTC), datetime(2028, 2, 1, tzinfo=UTC)),
        (datetime(2027, 2, 28, 23, 0, tzinfo=UTC), datetime(2027, 3, 1, tzinfo=UTC)),
        # 23:30 on 31 March in UTC-5 is already 1 April in UTC: the month after April.
        (
            datetime(2026, 3, 31, 23, 30, tzinfo=timezone(timedelta(hours=-5))),
            datetime(2026, 5, 1, tzinfo=UTC),
        ),
    ],
)
def test_kimchi_parks_until_the_first_of_next_month(now: datetime, expected: datetime) -> None:
    assert park_until("kimchi", EXHAUSTED, now, monthly=True) == expected


def test_kimchi_ignores_the_provider_reset() -> None:
    soon = failure(K.QUOTA_EXHAUSTED, retry_after_s=60, reset_at=NOW + timedelta(minutes=1))
    assert park_until("Kimchi", soon, NOW, monthly=True) == datetime(2026, 4, 1, tzinfo=UTC)
    assert park_until("kimchi", failure(K.DAILY_QUOTA), NOW, monthly=True) == datetime(2026, 4, 1, tzinfo=UTC)


def test_monthly_flag_for_other_providers() -> None:
    assert park_until("acme", EXHAUSTED, NOW, monthly=True) == datetime(2026, 4, 1, tzinfo=UTC)
    assert park_until("acme", EXHAUSTED, NOW) == NOW + timedelta(hours=1)


# --------------------------------------------------------------------------- others


@pytest.mark.parametrize(
    ("failure_", "expected"),
    [
        (failure(K.DAILY_QUOTA), datetime(2026, 3, 11, tzinfo=UTC)),
        (
            failure(K.DAILY_QUOTA, reset_at=datetime(2026, 3, 11, 7, tzinfo=UTC)),
            datetime(2026, 3, 11, 7, tzinfo=UTC),
        ),
        (failure(K.DAILY_QUOTA, reset_at=NOW - timedelta(hours=1)), datetime(2026, 3, 11, tzinfo=UTC)),
        (failure(K.QUOTA_EXHAUSTED, reset_at=NOW + timedelta(days=3)), NOW + timedelta(days=3)),
        (failure(K.QUOTA_EXHAUSTED, retry_after_s=5400), NOW + timedelta(seconds=5400)),
        (
            failure(K.QUOTA_EXHAUSTED, reset_at=NOW - timedelta(days=1), retry_after_s=60),
            NOW + timedelta(seconds=60),
        ),
        (failure(K.QUOTA_EXHAUSTED, retry_after_s=0), NOW + timedelta(hours=1)),
        (failure(K.QUOTA_EXHAUSTED), NOW + timedelta(hours=1)),
        (failure(K.QUOTA_EXHAUSTED, retry_after_s=1e300), NOW + timedelta(days=366)),
    ],
)
def test_park_until(failure_: Failure, expected: datetime) -> None:
    assert park_until("openai", failure_, NOW) == expected


def test_default_park_is_configurable() -> None:
    assert park_until("openai", EXHAUSTED, NOW, default_s=600) == NOW + timedelta(minutes=10)


def test_naive_now_is_utc() -> None:
    assert park_until("kimchi", EXHAUSTED, datetime(2026, 12, 31, 23, 0), monthly=True) == datetime(
        2027, 1, 1, tzinfo=UTC
    )


def test_from_classified_vendor_bodies() -> None:
    insufficient = openai.Behaviour.quota_exhausted().error_body
    classified = classify_status(429, {}, orjson.dumps(insufficient), now=NOW)
    assert should_park(classified)
    assert park_until("openai", classified, NOW) == NOW + timedelta(hours=1)

    gemini_day = {
        "error": {
            "code": 429,
            "message": "You exceeded your current quota.",
            "status": "RESOURCE_EXHAUSTED",
            "details": [
                {
                    "@type": "type.googleapis.com/google.rpc.QuotaFailure",
                    "violations": [{"quotaId": "GenerateRequestsPerDayPerProjectPerModel-FreeTier"}],
                },
                {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "20s"},
            ],
        }
    }
    classified = classify_status(429, {}, orjson.dumps(gemini_day), now=NOW)
    assert should_park(classified)
    assert park_until("gemini", classified, NOW) == datetime(2026, 3, 11, 7, tzinfo=UTC)  # 00:00 PDT


# --------------------------------------------------------------------------- sweeps


def parked(account_id: int, until: datetime) -> Parked:
    return Parked(account_id=account_id, until=until, reason="quota_exhausted")


def test_due() -> None:
    items = [
        parked(1, NOW + timedelta(seconds=1)),
        parked(2, NOW),
        parked(3, NOW - timedelta(days=2)),
        parked(4, NOW + timedelta(days=20)),
    ]
    assert [p.account_id for p in due(items, NOW)] == [3, 2]
    assert [p.account_id for p in due(items, NOW + timedelta(seconds=1))] == [3, 2, 1]
    assert due([], NOW) == ()
    assert due(iter(items), NOW + timedelta(days=30)) == tuple(sorted(items, key=lambda p: p.until))


def test_a_month_later_the_kimchi_account_is_due() -> None:
    until = park_until("kimchi", EXHAUSTED, NOW, monthly=True)
    item = parked(7, until)
    assert due([item], datetime(2026, 3, 31, 23, 59, 59, tzinfo=UTC)) == ()
    assert due([item], datetime(2026, 4, 1, tzinfo=UTC)) == (item,)


@pytest.mark.parametrize(
    ("untils", "sweep_s", "expected"),
    [
        ([], 3600.0, 3600.0),
        ([timedelta(minutes=10)], 3600.0, 600.0),
        ([timedelta(hours=3), timedelta(days=20)], 3600.0, 3600.0),
        ([timedelta(hours=3), timedelta(minutes=59)], 3600.0, 59 * 60.0),
        ([timedelta(seconds=-30), timedelta(minutes=5)], 3600.0, 0.0),
        ([timedelta(minutes=10)], 120.0, 120.0),
    ],
)
def test_next_wakeup(untils: list[timedelta], sweep_s: float, expected: float) -> None:
    items = [parked(i, NOW + delta) for i, delta in enumerate(untils)]
    assert next_wakeup(items, NOW, sweep_s=sweep_s) == pytest.approx(expected)


def test_next_wakeup_default_is_hourly() -> None:
    assert next_wakeup([parked(1, NOW + timedelta(days=3))], NOW) == 3600.0
