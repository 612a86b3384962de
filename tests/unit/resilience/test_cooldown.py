"""Cooldowns with a fake clock: back-off, scope, provider resets, daily resets, waiting when all are locked."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.core.clock import FakeClock
from app.resilience.classify import Failure, FailureKind, classify_transport
from app.resilience.cooldown import CooldownPolicy, Cooldowns, Lock

K = FailureKind
WALL = datetime(2026, 3, 10, 18, 0, tzinfo=UTC)  # clock.now() at monotonic 0


def failure(
    kind: FailureKind,
    status: int | None = None,
    *,
    retry_after_s: float | None = None,
    reset_at: datetime | None = None,
) -> Failure:
    return Failure(
        kind=kind,
        status=status,
        retry_after_s=retry_after_s,
        reset_at=reset_at,
        counts_for_breaker=False,
        falls_back=kind is not K.BAD_REQUEST,
        message=kind.value,
    )


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(start=0.0, wall=WALL)


@pytest.fixture
def cd(clock: FakeClock) -> Cooldowns:
    return Cooldowns(clock)


# --------------------------------------------------------------------------- durations


@pytest.mark.parametrize(
    ("kind", "status", "seconds"),
    [
        (K.RATE_LIMITED, 429, 60.0),
        (K.QUOTA_EXHAUSTED, 429, 3600.0),
        (K.CREDENTIAL_REJECTED, 401, 120.0),
        (K.CREDENTIAL_REJECTED, 403, 120.0),
        (K.MODEL_NOT_FOUND, 404, 120.0),
        (K.SERVER_ERROR, 500, 2.0),
        (K.OVERLOADED, 529, 2.0),
        (K.TIMEOUT, None, 2.0),
        (K.UNREACHABLE, None, 2.0),
        (K.PROXY_FAILED, None, 2.0),
        (K.SERVER_ERROR, 409, 30.0),  # an odd status: the "unknown error" cool-off
        (K.DAILY_QUOTA, 429, 6 * 3600.0),  # until 00:00 UTC
    ],
)
def test_class_defaults(cd: Cooldowns, kind: FailureKind, status: int | None, seconds: float) -> None:
    lock = cd.record("acct", "m", failure(kind, status))
    assert lock is not None
    assert lock.until == pytest.approx(seconds)
    assert lock.reason is kind
    assert cd.locked_for("acct", "m") == pytest.approx(seconds)


@pytest.mark.parametrize("kind", [K.BAD_REQUEST, K.CONTEXT_TOO_LONG])
def test_request_faults_do_not_cool(cd: Cooldowns, kind: FailureKind) -> None:
    assert cd.record("acct", "m", failure(kind, 400)) is None
    assert cd.locked_for("acct", "m") is None
    assert cd.locks() == ()


def test_backoff_sequence(cd: Cooldowns, clock: FakeClock) -> None:
    seen = []
    for _ in range(10):
        lock = cd.record("acct", "m", failure(K.SERVER_ERROR, 500))
        assert lock is not None
        seen.append(lock.until - clock.monotonic())
        clock.advance(lock.until - clock.monotonic())  # the lock runs out, the next try fails again
    assert seen == [2, 4, 8, 16, 32, 64, 128, 256, 300, 300]


def test_backoff_strikes_survive_the_lock_and_fade_after_quiet(cd: Cooldowns, clock: FakeClock) -> None:
    cd.record("acct", "m", failure(K.TIMEOUT))
    clock.advance(10)
    assert cd.record("acct", "m", failure(K.TIMEOUT)).until == pytest.approx(10 + 4)  # type: ignore[union-attr]
    clock.advance(4 + 300)  # free, then quiet for max_s
    lock = cd.record("acct", "m", failure(K.TIMEOUT))
    assert lock is not None and lock.strikes == 1
    assert lock.until - clock.monotonic() == pytest.approx(2)


def test_success_resets_strikes(cd: Cooldowns, clock: FakeClock) -> None:
    for _ in range(4):
        cd.record("acct", "m", failure(K.OVERLOADED, 529))
        clock.advance(100)
    cd.clear("acct", "m")
    lock = cd.record("acct", "m", failure(K.OVERLOADED, 529))
    assert lock is not None and lock.strikes == 1 and lock.until - clock.monotonic() == pytest.approx(2)


def test_backoff_does_not_overflow(clock: FakeClock) -> None:
    cd = Cooldowns(clock, CooldownPolicy(max_s=1e9))
    for _ in range(2000):  # strikes pile up while the lock holds
        lock = cd.record("acct", "m", failure(K.SERVER_ERROR, 500))
    assert lock is not None and lock.strikes == 2000
    assert lock.until - clock.monotonic() == pytest.approx(1e9)


# --------------------------------------------------------------------------- provider waits


@pytest.mark.parametrize(
    ("kind", "retry_after_s", "seconds"),
    [
        (K.RATE_LIMITED, 20.0, 20.0),  # the provider's word wins over 60 s
        (K.RATE_LIMITED, 7200.0, 1800.0),  # capped at 30 min
        (K.RATE_LIMITED, 0.006, 2.0),  # floored: "6ms" would bounce straight back
        (K.RATE_LIMITED, 0.0, 2.0),
        (K.QUOTA_EXHAUSTED, 600.0, 600.0),
        (K.QUOTA_EXHAUSTED, 5 * 3600.0, 3600.0),  # the cap never undercuts the class default
        (K.OVERLOADED, 120.0, 120.0),  # 503 + Retry-After
        (K.SERVER_ERROR, 99999.0, 1800.0),
    ],
)
def test_provider_wait_wins_capped(
    cd: Cooldowns, kind: FailureKind, retry_after_s: float, seconds: float
) -> None:
    lock = cd.record("acct", "m", failure(kind, 429, retry_after_s=retry_after_s))
    assert lock is not None
    assert lock.until == pytest.approx(seconds)


def test_provider_reset_time_wins(cd: Cooldowns, clock: FakeClock) -> None:
    clock.advance(100)
    reset_at = clock.now() + timedelta(seconds=45)
    lock = cd.record("acct", "m", failure(K.RATE_LIMITED, 429, retry_after_s=45, reset_at=reset_at))
    assert lock is not None and lock.until == pytest.approx(145)


def test_daily_quota_until_utc_midnight(cd: Cooldowns, clock: FakeClock) -> None:
    clock.advance(3600)  # 19:00 UTC
    cd.record("acct", "m", failure(K.DAILY_QUOTA, 429))
    assert cd.locked_for("acct", "m") == pytest.approx(5 * 3600)
    clock.advance(5 * 3600 - 1)
    assert cd.locked_for("acct", "m") == pytest.approx(1)
    clock.advance(1)
    assert cd.locked_for("acct", "m") is None


def test_daily_quota_uses_the_given_reset_uncapped(cd: Cooldowns) -> None:
    reset_at = datetime(2026, 3, 11, 7, 0, tzinfo=UTC)  # midnight Pacific, 13 h away
    lock = cd.record("acct", "m", failure(K.DAILY_QUOTA, 429, reset_at=reset_at))
    assert lock is not None and lock.until == pytest.approx(13 * 3600)


def test_a_lock_is_never_shortened(cd: Cooldowns) -> None:
    cd.record("acct", None, failure(K.QUOTA_EXHAUSTED, 429))
    lock = cd.record("acct", "m", failure(K.UNREACHABLE))  # account-wide too
    assert lock is not None
    assert lock.until == pytest.approx(3600) and lock.reason is K.QUOTA_EXHAUSTED
    assert cd.locked_for("acct", "m") == pytest.approx(3600)


# --------------------------------------------------------------------------- scope


@pytest.mark.parametrize(
    ("kind", "status", "account_wide"),
    [
        (K.RATE_LIMITED, 429, False),
        (K.DAILY_QUOTA, 429, False),
        (K.MODEL_NOT_FOUND, 404, False),
        (K.OVERLOADED, 529, False),
        (K.SERVER_ERROR, 500, False),
        (K.TIMEOUT, 504, False),
        (K.CREDENTIAL_REJECTED, 401, True),
        (K.QUOTA_EXHAUSTED, 402, True),
        (K.UNREACHABLE, None, True),
        (K.PROXY_FAILED, None, True),
    ],
)
def test_scope(cd: Cooldowns, kind: FailureKind, status: int | None, account_wide: bool) -> None:
    lock = cd.record("acct", "m1", failure(kind, status))
    assert lock is not None
    assert lock.key == "acct"
    assert lock.model == (None if account_wide else "m1")
    assert cd.locked_for("acct", "m1") is not None
    assert (cd.locked_for("acct", "m2") is not None) is account_wide
    assert (cd.locked_for("acct", None) is not None) is account_wide
    assert cd.locked_for("other", "m1") is None


def test_account_and_model_locks_combine(cd: Cooldowns) -> None:
    cd.record("acct", "m", failure(K.RATE_LIMITED, 429, retry_after_s=300))
    cd.record("acct", "m", failure(K.CREDENTIAL_REJECTED, 401))
    assert cd.locked_for("acct", "m") == pytest.approx(300)  # the longer of the two
    assert cd.locked_for("acct", "other") == pytest.approx(120)


# --------------------------------------------------------------------------- clear


def test_success_keeps_a_lock_set_by_a_newer_failure(cd: Cooldowns) -> None:
    cd.record("acct", "m", failure(K.RATE_LIMITED, 429))
    cd.clear("acct", "m")
    assert cd.locked_for("acct", "m") == pytest.approx(60)
    assert [lock.strikes for lock in cd.locks()] == [0]


def test_success_forgets_expired_entries(cd: Cooldowns, clock: FakeClock) -> None:
    cd.record("acct", "m", failure(K.SERVER_ERROR, 500))
    cd.record("acct", "m", failure(K.UNREACHABLE))
    clock.advance(10)
    cd.clear("acct", "m")
    assert cd._entries == {}


def test_manual_clear_of_an_account(cd: Cooldowns) -> None:
    cd.record("acct", "m1", failure(K.RATE_LIMITED, 429))
    cd.record("acct", "m2", failure(K.MODEL_NOT_FOUND, 404))
    cd.record("acct", None, failure(K.CREDENTIAL_REJECTED, 401))
    cd.record("other", "m1", failure(K.RATE_LIMITED, 429))
    cd.clear("acct")
    assert cd.locked_for("acct", "m1") is None and cd.locked_for("acct", "m2") is None
    assert cd.locked_for("other", "m1") is not None


# --------------------------------------------------------------------------- soonest, locks


def test_soonest(cd: Cooldowns, clock: FakeClock) -> None:
    assert cd.soonest([]) is None
    cd.record("a", "m", failure(K.RATE_LIMITED, 429, retry_after_s=25))
    cd.record("b", "m", failure(K.RATE_LIMITED, 429, retry_after_s=10))
    assert cd.soonest([("a", "m"), ("b", "m")]) == pytest.approx(10)
    assert cd.soonest([("a", "m"), ("c", "m")]) == 0.0
    clock.advance(10)
    assert cd.soonest([("a", "m"), ("b", "m")]) == 0.0
    assert cd.soonest(iter([("a", "m")])) == pytest.approx(15)
    assert cd.policy.all_locked_wait_s == 30.0


def test_locks_listing(cd: Cooldowns, clock: FakeClock) -> None:
    cd.record("a", "m", failure(K.RATE_LIMITED, 429))
    cd.record("b", None, failure(K.CREDENTIAL_REJECTED, 401))
    cd.record("c", "m", failure(K.SERVER_ERROR, 500))
    assert cd.locks() == (
        Lock("c", "m", 2.0, K.SERVER_ERROR, 1),
        Lock("a", "m", 60.0, K.RATE_LIMITED, 1),
        Lock("b", None, 120.0, K.CREDENTIAL_REJECTED, 1),
    )
    clock.advance(61)
    assert [lock.key for lock in cd.locks()] == ["b"]


def test_transport_failure_locks_the_account(cd: Cooldowns) -> None:
    lock = cd.record("acct", "m", classify_transport("proxy", "proxy failed"))
    assert lock is not None and lock.model is None


# --------------------------------------------------------------------------- bounded memory


def test_expired_entries_are_purged(cd: Cooldowns, clock: FakeClock) -> None:
    for i in range(50):
        cd.record(f"acct{i}", "m", failure(K.SERVER_ERROR, 500))
    clock.advance(2 + 300)
    assert cd.locked_for("acct0", "m") is None
    assert ("acct0", "m") not in cd._entries
    cd.record("fresh", "m", failure(K.SERVER_ERROR, 500))  # a sweep is due
    assert list(cd._entries) == [("fresh", "m")]


def test_entries_are_capped(clock: FakeClock) -> None:
    cd = Cooldowns(clock, CooldownPolicy(max_entries=5))
    for i in range(20):
        cd.record(f"acct{i}", "m", failure(K.RATE_LIMITED, 429, retry_after_s=100 + i))
        assert len(cd._entries) <= 5
    assert sorted(lock.key for lock in cd.locks()) == [f"acct{i}" for i in range(15, 20)]


# --------------------------------------------------------------------------- invariants

KINDS = st.sampled_from(list(FailureKind))
ACCOUNTS = st.sampled_from(["a", "b", "c"])
MODELS = st.sampled_from(["m1", "m2", None])
EVENTS = st.one_of(
    st.tuples(st.just("fail"), ACCOUNTS, MODELS, KINDS, st.none() | st.floats(0, 10_000)),
    st.tuples(st.just("advance"), st.floats(0, 4000)),
    st.tuples(st.just("clear"), ACCOUNTS, MODELS),
)


@settings(max_examples=300)
@given(events=st.lists(EVENTS, max_size=60))
def test_random_sequences_keep_invariants(events: list[tuple[object, ...]]) -> None:
    clock = FakeClock(start=0.0, wall=WALL)
    policy = CooldownPolicy(max_entries=6)
    cd = Cooldowns(clock, policy)
    longest = 24 * 3600.0  # a daily quota lasts at most a day; nothing else exceeds the caps
    for event in events:
        if event[0] == "fail":
            _, account, model, kind, wait = event
            assert isinstance(account, str) and isinstance(kind, FailureKind)
            assert model is None or isinstance(model, str)
            assert wait is None or isinstance(wait, float)
            lock = cd.record(account, model, failure(kind, 500, retry_after_s=wait))
            if kind in (K.BAD_REQUEST, K.CONTEXT_TOO_LONG):
                assert lock is None
            else:
                assert lock is not None and lock.until > clock.monotonic()
        elif event[0] == "advance":
            assert isinstance(event[1], float)
            clock.advance(event[1])
        else:
            _, account, model = event
            assert isinstance(account, str) and (model is None or isinstance(model, str))
            cd.clear(account, model)
            if model is None:
                assert all(lock.key != account for lock in cd.locks())
        assert len(cd._entries) <= policy.max_entries
        for account in ("a", "b", "c"):
            account_wide = cd.locked_for(account, None)
            for model in ("m1", "m2"):
                left = cd.locked_for(account, model)
                assert left is None or 0 < left <= longest
                if account_wide is not None:
                    assert left is not None and left >= account_wide
        now = clock.monotonic()
        assert all(lock.until > now for lock in cd.locks())
