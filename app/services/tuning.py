"""The gateway's resilience and timeout parameters, with the reference system's defaults.

Each has a name (`vansroute settings set NAME VALUE` stores it in the database, shared by every
gateway on that database) and an environment override (`VANSROUTE_` + the name in capitals, dots as
underscores: `breaker.failure_threshold` → `VANSROUTE_BREAKER_FAILURE_THRESHOLD`), which wins. They
are read when the gateway starts.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass

from app.core.errors import ConfigError
from app.providers.transport import Timeouts
from app.resilience.breaker import PROFILES, BreakerProfile
from app.resilience.cooldown import CooldownPolicy
from app.resilience.limiter import LimiterSettings


@dataclass(frozen=True, slots=True)
class Tunable:
    name: str
    default: float
    help: str
    integer: bool = False
    minimum: float = 0.0

    @property
    def env(self) -> str:
        return "VANSROUTE_" + self.name.upper().replace(".", "_")


_BREAKER = PROFILES["api_key"]
_COOLDOWN = CooldownPolicy()
_LIMITER = LimiterSettings()
_TIMEOUTS = Timeouts()

# A literal table: what `vansroute settings list` shows, in this order.
TUNABLES: tuple[Tunable, ...] = (
    Tunable(
        "breaker.failure_threshold",
        _BREAKER.failure_threshold,
        "failures that open a cloud provider's breaker",
        True,
        1,
    ),
    Tunable("breaker.window_s", _BREAKER.window_s, "seconds a failure keeps counting", minimum=1),
    Tunable(
        "breaker.reset_timeout_s",
        _BREAKER.reset_timeout_s,
        "seconds an open breaker waits before a probe",
        minimum=0.01,
    ),
    Tunable(
        "breaker.dedup_s", _BREAKER.dedup_s, "one account's failures within this many seconds count once"
    ),
    Tunable("limiter.max_concurrency", _LIMITER.max_concurrency, "requests in flight per account", True, 1),
    Tunable("limiter.max_queue", _LIMITER.max_queue, "requests waiting for an account's slot", True, 0),
    Tunable(
        "limiter.wait_timeout_s", _LIMITER.wait_timeout_s, "seconds a request waits for a slot", minimum=0.01
    ),
    Tunable(
        "cooldown.base_s",
        _COOLDOWN.base_s,
        "first back-off after a failure, doubled per strike",
        minimum=0.01,
    ),
    Tunable("cooldown.max_s", _COOLDOWN.max_s, "longest back-off", minimum=0.01),
    Tunable(
        "cooldown.rate_limit_s",
        _COOLDOWN.rate_limit_s,
        "cooldown after a 429 that names no reset",
        minimum=0.01,
    ),
    Tunable(
        "cooldown.quota_s",
        _COOLDOWN.quota_s,
        "cooldown after a spent quota that names no reset",
        minimum=0.01,
    ),
    Tunable("cooldown.auth_s", _COOLDOWN.auth_s, "cooldown after 401-404", minimum=0.01),
    Tunable(
        "cooldown.all_locked_wait_s",
        _COOLDOWN.all_locked_wait_s,
        "when every account cools down, wait once up to this",
    ),
    Tunable(
        "request.deadline_s",
        120.0,
        "time budget for finding an upstream that answers (not the answer itself)",
        minimum=1,
    ),
    Tunable("timeouts.connect_s", _TIMEOUTS.connect, "seconds to connect to an upstream", minimum=0.1),
    Tunable(
        "timeouts.first_byte_s",
        _TIMEOUTS.first_byte,
        "seconds an upstream may take to start answering",
        minimum=0.1,
    ),
    Tunable("timeouts.stall_s", _TIMEOUTS.stall, "seconds an upstream may pause mid-answer", minimum=0.1),
    Tunable("usage.retention_days", 90, "days usage rows are kept (0: forever); checked hourly", True, 0),
    Tunable(
        "models.refresh_hours",
        6,
        "hours between fetches of each provider's model list (0: never; new providers are listed at once)",
        minimum=0,
    ),
)
_BY_NAME = {t.name: t for t in TUNABLES}


@dataclass(frozen=True, slots=True)
class Tuning:
    breaker: BreakerProfile
    cooldown: CooldownPolicy
    limiter: LimiterSettings
    timeouts: Timeouts
    all_locked_wait_s: float
    deadline_s: float


def tunable(name: str) -> Tunable:
    found = _BY_NAME.get(name)
    if found is None:
        raise ConfigError(f"unknown setting '{name}' (see `vansroute settings list`)")
    return found


def parse(name: str, raw: str) -> float:
    spec = tunable(name)
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"setting '{name}' must be a number, not {raw!r}") from None
    if spec.integer and value != int(value):
        raise ConfigError(f"setting '{name}' must be a whole number")
    if value < spec.minimum:
        raise ConfigError(f"setting '{name}' must be at least {spec.minimum:g}")
    return value


def effective(stored: Mapping[str, str], environ: Mapping[str, str]) -> dict[str, float]:
    """Every tunable's value: the environment wins over the database, which wins over the default."""
    values: dict[str, float] = {}
    for spec in TUNABLES:
        raw = environ.get(spec.env) or stored.get(spec.name)
        values[spec.name] = parse(spec.name, raw) if raw else spec.default
    return values


def retention_days(stored: Mapping[str, str], environ: Mapping[str, str]) -> float:
    return effective(stored, environ)["usage.retention_days"]


def load_tuning(stored: Mapping[str, str], environ: Mapping[str, str]) -> Tuning:
    v = effective(stored, environ)
    return Tuning(
        breaker=dataclasses.replace(
            _BREAKER,
            failure_threshold=int(v["breaker.failure_threshold"]),
            window_s=v["breaker.window_s"],
            reset_timeout_s=v["breaker.reset_timeout_s"],
            dedup_s=v["breaker.dedup_s"],
        ),
        cooldown=dataclasses.replace(
            _COOLDOWN,
            base_s=v["cooldown.base_s"],
            max_s=v["cooldown.max_s"],
            rate_limit_s=v["cooldown.rate_limit_s"],
            quota_s=v["cooldown.quota_s"],
            auth_s=v["cooldown.auth_s"],
            all_locked_wait_s=v["cooldown.all_locked_wait_s"],
        ),
        limiter=LimiterSettings(
            max_concurrency=int(v["limiter.max_concurrency"]),
            max_queue=int(v["limiter.max_queue"]),
            wait_timeout_s=v["limiter.wait_timeout_s"],
        ),
        timeouts=Timeouts(
            connect=v["timeouts.connect_s"],
            first_byte=v["timeouts.first_byte_s"],
            stall=v["timeouts.stall_s"],
        ),
        all_locked_wait_s=v["cooldown.all_locked_wait_s"],
        deadline_s=v["request.deadline_s"],
    )
