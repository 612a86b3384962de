from __future__ import annotations

import math
from dataclasses import dataclass

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.core.clock import FakeClock
from app.resilience.breaker import (
    PROFILES,
    BreakerProfile,
    Breakers,
    BreakerState,
    BreakerView,
    Transition,
    breaker_key,
)

S = BreakerState
K = "prov:direct"
# The reference numbers, spelled out so a test fails if a default drifts.
BASE = BreakerProfile(failure_threshold=5, window_s=30.0, reset_timeout_s=30.0, dedup_s=5.0)

# A script is a list of `operation/state-expected-afterwards`:
#   F  a failure (Fa: of account "a")   ok  a success   +  allow() returns True   -  it returns False
#   t30  30 s pass   rel  release_probe()   reset  reset()
#   states: C closed, D degraded, O open, H half-open
STATES = {"C": S.CLOSED, "D": S.DEGRADED, "O": S.OPEN, "H": S.HALF_OPEN}
OPEN_IT = "F/C F/C F/D F/D F/O"


def run(script: str, profile: BreakerProfile = BASE) -> None:
    clock = FakeClock()
    breakers = Breakers(clock, default=profile)
    for step in script.split():
        op, expected = step.split("/")
        if op.startswith("F"):
            breakers.record_failure(K, account=op[1:] or None)
        elif op == "ok":
            breakers.record_success(K)
        elif op in ("+", "-"):
            assert breakers.allow(K) is (op == "+"), step
        elif op.startswith("t"):
            clock.advance(float(op[1:]))
        elif op == "rel":
            breakers.release_probe(K)
        elif op == "reset":
            breakers.reset(K)
        else:  # pragma: no cover - a typo in a table
            raise AssertionError(step)
        assert breakers.view(K).state is STATES[expected], f"{step} in {script!r}"


CASES: dict[str, tuple[str, BreakerProfile]] = {
    "degraded at 3 still serves, open at 5 refuses": ("F/C F/C F/D +/D F/D F/O -/O", BASE),
    "failures expire after the window": ("F/C F/C F/D t29.5/D t0.5/C F/C +/C", BASE),
    "the window slides": ("F/C t10/C F/C t10/C F/D t10/C F/D t9/D F/D F/O", BASE),
    "spread-out failures never open": (" ".join(["F/C t15/C"] * 10), BASE),
    "half-open after the reset timeout lets exactly one probe through": (
        f"{OPEN_IT} t29.5/O -/O t0.5/O +/H -/H ok/C +/C +/C",
        BASE,
    ),
    "a failed probe opens again": (f"{OPEN_IT} t30/O +/H F/O -/O t30/O +/H", BASE),
    "a released probe frees its slot, once": (
        f"{OPEN_IT} t30/O +/H -/H rel/H +/H -/H rel/H rel/H +/H -/H",
        BASE,
    ),
    "release outside half-open changes nothing": ("rel/C F/C F/C F/D rel/D F/D F/O rel/O -/O", BASE),
    "two probes when the profile allows two": (
        f"{OPEN_IT} t30/O +/H +/H -/H ok/C",
        BreakerProfile(half_open_probes=2),
    ),
    "late failures while open are ignored": (f"{OPEN_IT} F/O Fx/O t30/O +/H", BASE),
    "successes do not erase failures in the window": ("F/C F/C F/D ok/D ok/D F/D F/O", BASE),
    "a success while open proves nothing": (f"{OPEN_IT} ok/O -/O", BASE),
    "reset by hand from open, from half-open, from degraded": (
        f"{OPEN_IT} reset/C +/C {OPEN_IT} t30/O +/H reset/C F/C F/C F/D reset/C F/C",
        BASE,
    ),
    "one account within 5 s counts once": ("Fa/C Fa/C t4.5/C Fa/C Fb/C t0.5/C Fa/D Fc/D Fc/D Fd/O", BASE),
    "failures without an account are never deduplicated": ("F/C F/C F/D", BASE),
    "a probe failure counts even inside the dedup window": (
        "Fa/C Fb/C Fc/D Fd/D Fe/O t30/O +/H Fe/O",
        BreakerProfile(dedup_s=3600.0),
    ),
    "local profile: two failures open it, no degraded step": (
        "F/C F/O t59/O -/O t1/O +/H ok/C",
        PROFILES["local"],
    ),
    "oauth profile: 10 failures in 15 min, 5 min cool-off": (
        " ".join(["F/C t60/C"] * 5) + " F/D t60/D F/D F/D F/D F/O t299/O -/O t1/O +/H",
        PROFILES["oauth"],
    ),
}


@pytest.mark.parametrize(("script", "profile"), CASES.values(), ids=CASES.keys())
def test_state_machine(script: str, profile: BreakerProfile) -> None:
    run(script, profile)


def test_transitions_are_returned_for_what_the_call_changed() -> None:
    clock = FakeClock()
    b = Breakers(clock, default=BASE)
    got: list[tuple[BreakerState, BreakerState] | None] = []

    def note(t: Transition | None) -> None:
        got.append(None if t is None else (t.old, t.new))
        if t is not None:
            assert t.key == K
            assert t.view == b.view(K)

    for _ in range(5):
        note(b.record_failure(K))
    note(b.record_failure(K))  # ignored while open
    note(b.record_success(K))  # ignored while open
    clock.advance(30)
    assert b.allow(K)  # OPEN -> HALF_OPEN happens here, silently
    note(b.record_failure(K))
    clock.advance(30)
    assert b.allow(K)
    note(b.record_success(K))
    note(b.record_success(K))  # already closed
    for _ in range(3):
        note(b.record_failure(K))
    clock.advance(30)  # DEGRADED -> CLOSED by expiry: silent
    note(b.record_failure(K))
    note(b.reset(K))  # one failure below DEGRADED: nothing to report
    note(b.reset(K))

    assert got[:7] == [None, None, (S.CLOSED, S.DEGRADED), None, (S.DEGRADED, S.OPEN), None, None]
    assert got[7:] == [
        (S.HALF_OPEN, S.OPEN),
        (S.HALF_OPEN, S.CLOSED),
        None,
        None,
        None,
        (S.CLOSED, S.DEGRADED),
        None,
        None,
        None,
    ]


def test_view_reports_counters_and_times() -> None:
    clock = FakeClock(start=100.0)
    b = Breakers(clock, default=BASE)
    assert b.view(K) == BreakerView(K, S.CLOSED, 0, None, None, 0)
    b.record_failure(K)
    b.record_failure(K)
    assert b.view(K) == BreakerView(K, S.CLOSED, 2, None, None, 0)
    for _ in range(3):
        b.record_failure(K)
    assert b.view(K) == BreakerView(K, S.OPEN, 5, 100.0, 130.0, 0)
    clock.advance(30)
    assert b.allow(K)
    assert b.view(K) == BreakerView(K, S.HALF_OPEN, 5, 100.0, 130.0, 0)
    b.record_failure(K)
    # opened_at stays at the start of the outage; retry_at moves on.
    assert b.view(K) == BreakerView(K, S.OPEN, 5, 100.0, 160.0, 1)
    clock.advance(30)
    assert b.allow(K)
    b.record_success(K)
    assert b.view(K) == BreakerView(K, S.CLOSED, 0, None, None, 0)


def _expected_multiplier(failed_probes: int) -> float:
    return float(min(2 ** (failed_probes // 3), 16))


def test_probe_backoff_doubles_every_three_failed_probes_capped_at_16() -> None:
    clock = FakeClock()
    b = Breakers(clock, default=BASE)
    for _ in range(5):
        b.record_failure(K)
    intervals = []
    for n in range(1, 19):
        retry_at = b.view(K).retry_at
        assert retry_at is not None
        clock.advance(retry_at - clock.monotonic() - 0.5)
        assert not b.allow(K), f"probe {n} went before retry_at"
        clock.advance(0.5)
        assert b.allow(K)
        t = b.record_failure(K)
        assert t is not None and (t.old, t.new) == (S.HALF_OPEN, S.OPEN)
        assert t.view.probe_failures == n
        assert t.view.retry_at is not None
        intervals.append(t.view.retry_at - clock.monotonic())
    expected = [30.0 * m for m in (1, 1, 2, 2, 2, 4, 4, 4, 8, 8, 8, 16, 16, 16, 16, 16, 16, 16)]
    assert intervals == pytest.approx(expected)
    assert [30.0 * _expected_multiplier(n) for n in range(1, 19)] == expected

    # A successful probe forgets the back-off: the next outage starts at 30 s again.
    clock.advance(30 * 16)
    assert b.allow(K)
    b.record_success(K)
    for _ in range(5):
        b.record_failure(K)
    view = b.view(K)
    assert view.retry_at == clock.monotonic() + 30.0
    assert view.probe_failures == 0


def test_backoff_never_overflows_in_a_long_outage() -> None:
    clock = FakeClock()
    b = Breakers(clock, default=BreakerProfile(failure_threshold=1, probe_backoff_every=1))
    b.record_failure(K)
    for _ in range(3000):
        clock.advance(30 * 16)
        assert b.allow(K)
        b.record_failure(K)
    view = b.view(K)
    assert view.probe_failures == 3000
    assert view.retry_at == clock.monotonic() + 30 * 16


def test_profiles_follow_the_reference() -> None:
    api, oauth, local = PROFILES["api_key"], PROFILES["oauth"], PROFILES["local"]
    assert (api.failure_threshold, api.window_s, api.reset_timeout_s) == (5, 30.0, 30.0)
    assert (oauth.failure_threshold, oauth.window_s, oauth.reset_timeout_s) == (10, 900.0, 300.0)
    assert (local.failure_threshold, local.window_s, local.reset_timeout_s) == (2, 300.0, 60.0)
    for p in (api, oauth, local):
        assert (p.degraded_ratio, p.half_open_probes, p.dedup_s) == (0.6, 1, 5.0)
        assert (p.probe_backoff_every, p.probe_backoff_factor, p.probe_backoff_cap) == (3, 2.0, 16.0)
    assert api == BreakerProfile()
    with pytest.raises(TypeError):
        PROFILES["x"] = api  # type: ignore[index]


def test_each_key_uses_its_own_profile() -> None:
    clock = FakeClock()
    b = Breakers(clock)  # default: api_key
    local, remote = "ollama:direct", "openai:direct"
    b.set_profile(local, PROFILES["local"])
    for key in (local, remote):
        b.record_failure(key)
        b.record_failure(key)
    assert (b.view(local).state, b.view(remote).state) == (S.OPEN, S.CLOSED)
    assert b.view(local).retry_at == clock.monotonic() + 60.0
    assert b.allow(remote) and not b.allow(local)
    clock.advance(30)
    assert b.view(remote).failures == 0  # api_key window is 30 s
    b.record_failure(remote)
    assert b.view(remote).failures == 1


def test_changing_a_profile_never_opens_or_closes_by_itself() -> None:
    clock = FakeClock()
    b = Breakers(clock)
    for _ in range(4):
        b.record_failure(K)
    assert b.view(K).state is S.DEGRADED
    b.set_profile(K, PROFILES["local"])  # threshold 2: keeps only the newest failure
    assert b.view(K) == BreakerView(K, S.CLOSED, 1, None, None, 0)
    t = b.record_failure(K)
    assert t is not None and (t.old, t.new) == (S.CLOSED, S.OPEN)
    b.set_profile(K, PROFILES["oauth"])
    assert b.view(K).state is S.OPEN
    b.set_profile(K, PROFILES["oauth"])  # same profile again (a snapshot swap): nothing happens
    assert b.view(K).state is S.OPEN


def test_dedup_map_is_bounded() -> None:
    clock = FakeClock()
    profile = BreakerProfile(failure_threshold=100_000, degraded_ratio=1.0, dedup_s=3600.0)
    b = Breakers(clock, default=profile, dedup_capacity=3)
    for account in ("a", "b", "c", "a"):
        b.record_failure(K, account)
    assert b.view(K).failures == 3  # the second "a" was a duplicate
    b.record_failure(K, "d")  # evicts "a", the oldest
    b.record_failure(K, "a")  # so "a" counts again
    assert b.view(K).failures == 5

    big = Breakers(clock, default=profile)  # the default capacity of 10,000
    for i in range(25_000):
        big.record_failure(K, f"acct{i}")
    assert len(big._dedup) == 10_000
    # Entries past their dedup window are dropped as new failures come in.
    clock.advance(3600)
    big.record_failure(K, "late")
    assert len(big._dedup) == 1


def test_dedup_is_per_breaker_key() -> None:
    b = Breakers(FakeClock(), default=BASE)
    b.record_failure("p:aaa", "acct")
    b.record_failure("p:bbb", "acct")
    assert b.view("p:aaa").failures == b.view("p:bbb").failures == 1


def test_reset_forgets_the_keys_dedup_memory() -> None:
    b = Breakers(FakeClock(), default=BASE)
    for acc in "abcde":
        b.record_failure(K, acc)
    assert b.view(K).state is S.OPEN
    t = b.reset(K)
    assert (
        t is not None
        and (t.old, t.new) == (S.OPEN, S.CLOSED)
        and t.view == BreakerView(K, S.CLOSED, 0, None, None, 0)
    )
    b.record_failure(K, "e")
    assert b.view(K).failures == 1


def test_views_lists_configured_and_failing_keys_sorted() -> None:
    clock = FakeClock()
    b = Breakers(clock, default=BASE)
    b.set_profile("z:direct", PROFILES["oauth"])
    b.record_failure("a:direct")
    assert [(v.key, v.state, v.failures) for v in b.views()] == [
        ("a:direct", S.CLOSED, 1),
        ("z:direct", S.CLOSED, 0),
    ]
    clock.advance(30)
    assert [v.key for v in b.views()] == ["z:direct"]  # a key back to clean CLOSED is forgotten


def test_unknown_keys_are_closed_and_allowed() -> None:
    b = Breakers(FakeClock())
    assert b.allow("nobody:direct")
    assert b.record_success("nobody:direct") is None
    assert b.reset("nobody:direct") is None
    b.release_probe("nobody:direct")
    assert b.views() == ()


def test_breaker_key_hides_the_proxy_url() -> None:
    url = "http://user:s3cret@proxy.example:8080"
    key = breaker_key("openai", url)
    provider, digest = key.split(":")
    assert provider == "openai"
    assert len(digest) == 12 and all(ch in "0123456789abcdef" for ch in digest)
    assert "s3cret" not in key and "proxy" not in key
    assert breaker_key("openai", url) == key
    assert breaker_key("openai", "http://other:8080") != key
    assert breaker_key("openai", None) == breaker_key("openai", "") == "openai:direct"


@pytest.mark.parametrize(
    "kwargs",
    [
        {"failure_threshold": 0},
        {"degraded_ratio": 0.0},
        {"degraded_ratio": 1.5},
        {"window_s": 0.0},
        {"reset_timeout_s": -1.0},
        {"half_open_probes": 0},
        {"probe_backoff_every": 0},
        {"probe_backoff_factor": 0.5},
        {"probe_backoff_cap": 0.5},
        {"dedup_s": -1.0},
    ],
)
def test_profile_rejects_nonsense(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        BreakerProfile(**kwargs)  # type: ignore[arg-type]


def test_dedup_capacity_must_be_positive() -> None:
    with pytest.raises(ValueError):
        Breakers(FakeClock(), dedup_capacity=0)


# -- random sequences of events keep the invariants ------------------------------------------


@dataclass
class Attempt:
    key: str
    probe_period: int | None  # which HALF_OPEN period let it through as a probe; None: not a probe


profiles = st.builds(
    BreakerProfile,
    failure_threshold=st.integers(1, 6),
    degraded_ratio=st.sampled_from([0.3, 0.6, 1.0]),
    window_s=st.sampled_from([5.0, 30.0]),
    reset_timeout_s=st.sampled_from([10.0, 30.0]),
    half_open_probes=st.integers(1, 3),
    probe_backoff_every=st.integers(1, 3),
    probe_backoff_factor=st.sampled_from([1.0, 2.0, 3.0]),
    probe_backoff_cap=st.sampled_from([1.0, 4.0, 16.0]),
    dedup_s=st.sampled_from([0.0, 5.0]),
)
ops = st.tuples(
    st.sampled_from(
        ["allow"] * 4 + ["fail"] * 4 + ["release"] * 2 + ["tick"] * 2 + ["to_retry"] * 2 + ["ok", "reset"]
    ),
    st.sampled_from([0, 0, 0, 1]),  # which key: mostly one, so it gets far
    st.sampled_from([None, "a", "b"]),  # account
    st.integers(0, 1000),  # which outstanding attempt; for to_retry, where around retry_at
    st.sampled_from([0.0, 0.5, 1.0, 4.9, 5.0, 10.0, 29.9, 30.0, 45.0, 120.0, 500.0]),
)


def check_view(view: BreakerView, p: BreakerProfile, now: float, recent_failures: int) -> None:
    degraded_at = max(1, math.ceil(p.degraded_ratio * p.failure_threshold - 1e-9))
    if view.state in (S.CLOSED, S.DEGRADED):
        assert (view.opened_at, view.retry_at, view.probe_failures) == (None, None, 0)
        assert 0 <= view.failures < p.failure_threshold
        assert view.failures <= recent_failures
        assert (view.state is S.DEGRADED) == (view.failures >= degraded_at)
    else:
        assert view.failures == p.failure_threshold
        assert view.opened_at is not None and view.retry_at is not None
        assert view.opened_at <= now and view.opened_at < view.retry_at
        if view.state is S.HALF_OPEN:
            assert view.retry_at <= now


@settings(max_examples=500, deadline=None)
@given(st.tuples(profiles, profiles), st.lists(ops, min_size=10, max_size=80))
def test_random_sequences_keep_invariants(
    key_profiles: tuple[BreakerProfile, BreakerProfile], events: list[tuple[str, int, str | None, int, float]]
) -> None:
    clock = FakeClock()
    b = Breakers(clock, default=key_profiles[1], dedup_capacity=2)
    keys = ("p:one", "p:two")
    b.set_profile(keys[0], key_profiles[0])
    profile = dict(zip(keys, key_profiles, strict=True))
    outstanding: list[Attempt] = []
    period = dict.fromkeys(keys, 0)
    stale_releases = dict.fromkeys(keys, 0)
    failure_times: dict[str, list[float]] = {k: [] for k in keys}  # record_failure calls since closing

    def current_probes(key: str) -> int:
        return sum(1 for a in outstanding if a.key == key and a.probe_period == period[key])

    def admit(key: str) -> Attempt | None:
        now = clock.monotonic()
        before = b.view(key)
        allowed = b.allow(key)
        after = b.view(key)
        if before.state in (S.CLOSED, S.DEGRADED):
            assert allowed
        if before.state is S.OPEN:
            assert before.retry_at is not None
            if now < before.retry_at:
                assert not allowed and after.state is S.OPEN  # OPEN never allows before retry_at
            else:
                assert after.state is S.HALF_OPEN
                period[key] += 1
                stale_releases[key] = 0
        if after.state is S.HALF_OPEN and current_probes(key) < profile[key].half_open_probes:
            assert allowed  # a free probe slot is never refused: HALF_OPEN cannot wedge
        if not allowed:
            return None
        attempt = Attempt(key, period[key] if after.state is S.HALF_OPEN else None)
        outstanding.append(attempt)
        return attempt

    for kind, key_index, account, pick, dt in events:
        key = keys[key_index]
        p = profile[key]
        result: Transition | None = None
        mine = [a for a in outstanding if a.key == key]
        attempt = mine[pick % len(mine)] if mine else None
        if kind == "fail" and attempt is None:
            attempt = admit(key)  # let one through to fail it
        now = clock.monotonic()
        before = b.view(key)

        if kind == "tick":
            clock.advance(dt)
        elif kind == "to_retry":
            if before.retry_at is not None and before.state is S.OPEN:
                clock.advance(max(0.0, before.retry_at - now + (-0.5, -0.001, 0.0, 0.5)[pick % 4]))
        elif kind == "allow":
            admit(key)
        elif kind == "reset":
            result = b.reset(key)
            assert b.view(key) == BreakerView(key, S.CLOSED, 0, None, None, 0)
        elif attempt is None:
            continue  # an outcome needs an attempt that was let through
        else:
            outstanding.remove(attempt)
            if kind == "fail":
                failure_times[key].append(now)
                result = b.record_failure(key, account)
            elif kind == "ok":
                result = b.record_success(key)
            else:
                if before.state is S.HALF_OPEN and attempt.probe_period != period[key]:
                    stale_releases[key] += 1
                b.release_probe(key)

        if result is not None:
            assert result.key == key and result.old is not result.new
            assert result.view == b.view(key) and result.new is result.view.state
            if result.new is S.OPEN:
                expected = p.reset_timeout_s * min(
                    p.probe_backoff_factor ** (result.view.probe_failures // p.probe_backoff_every),
                    p.probe_backoff_cap,
                )
                assert result.view.retry_at == pytest.approx(clock.monotonic() + expected)
                if result.old is S.HALF_OPEN:
                    assert result.view.probe_failures == before.probe_failures + 1
            if result.new is S.CLOSED:
                assert result.view == BreakerView(key, S.CLOSED, 0, None, None, 0)
        after = b.view(key)
        if after.state is S.CLOSED and after.failures == 0:
            failure_times[key] = []

        now = clock.monotonic()
        for k in keys:
            view = b.view(k)
            recent = sum(1 for t in failure_times[k] if now - t < profile[k].window_s)
            check_view(view, profile[k], now, recent)
            if view.state is S.HALF_OPEN:
                # At most `half_open_probes` probes of this period in flight; a request let through
                # before the breaker opened and released now may free a slot (see the module doc).
                probes = sum(1 for a in outstanding if a.key == k and a.probe_period == period[k])
                assert probes <= profile[k].half_open_probes + stale_releases[k]
                if stale_releases[k] == 0:
                    assert probes <= profile[k].half_open_probes
        assert len(b._dedup) <= 2
