from __future__ import annotations

import pytest

from app.core.errors import ConfigError
from app.services.tuning import TUNABLES, effective, load_tuning, tunable


def test_defaults_are_the_reference_systems() -> None:
    tuning = load_tuning({}, {})
    assert (tuning.breaker.failure_threshold, tuning.breaker.reset_timeout_s, tuning.breaker.dedup_s) == (
        5,
        30.0,
        5.0,
    )
    assert (tuning.limiter.max_concurrency, tuning.limiter.max_queue, tuning.limiter.wait_timeout_s) == (
        3,
        20,
        30.0,
    )
    assert (tuning.cooldown.base_s, tuning.cooldown.max_s, tuning.cooldown.rate_limit_s) == (2.0, 300.0, 60.0)
    assert (tuning.timeouts.connect, tuning.timeouts.first_byte, tuning.timeouts.stall) == (
        60.0,
        200.0,
        360.0,
    )
    assert tuning.all_locked_wait_s == 30.0


def test_the_environment_wins_over_the_database() -> None:
    stored = {"limiter.max_concurrency": "5", "timeouts.first_byte_s": "90"}
    env = {"VANSROUTE_LIMITER_MAX_CONCURRENCY": "8"}
    tuning = load_tuning(stored, env)
    assert tuning.limiter.max_concurrency == 8
    assert tuning.timeouts.first_byte == 90.0


@pytest.mark.parametrize(
    ("name", "raw", "fragment"),
    [
        ("limiter.max_concurrency", "2.5", "whole number"),
        ("limiter.max_concurrency", "0", "at least 1"),
        ("timeouts.first_byte_s", "soon", "must be a number"),
        ("nope.nothing", "1", "unknown setting"),
    ],
)
def test_bad_values_are_clear_errors(name: str, raw: str, fragment: str) -> None:
    with pytest.raises(ConfigError, match=fragment):
        effective({name: raw}, {}) if name != "nope.nothing" else tunable(name)


def test_every_tunable_has_an_environment_name_and_help() -> None:
    assert len({t.env for t in TUNABLES}) == len(TUNABLES)
    assert all(t.env.startswith("VANSROUTE_") and t.help for t in TUNABLES)
