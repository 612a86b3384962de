"""What the UI and `/health` show about the running gateway."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class RuntimeStatus:
    version: str
    state: str  # "starting" | "serving" | "paused" | "stopping" | "stopped"
    url: str
    uptime_s: float
    providers: int
    accounts: int
    api_keys: int
    requests_served: int
    data_dir: str
    mode: str  # "desktop" | "headless"
    # Requests being answered right now (streams included), over every account.
    in_flight: int = 0


@dataclass(frozen=True, slots=True)
class BreakerStatus:
    key: str  # "provider:proxy" (the proxy as a hash: a proxy URL may hold a password)
    state: str  # "closed" | "degraded" | "open" | "half_open"
    failures: int
    retry_in_s: float | None


@dataclass(frozen=True, slots=True)
class SlotStatus:
    key: str  # "provider:account:proxy"
    limit: int
    in_flight: int
    queued: int


@dataclass(frozen=True, slots=True)
class CooldownStatus:
    key: str
    model: str | None
    reason: str
    remaining_s: float
    strikes: int


@dataclass(frozen=True, slots=True)
class ResilienceStatus:
    """The live resilience state the desktop windows and `vansroute status` show."""

    breakers: tuple[BreakerStatus, ...]
    slots: tuple[SlotStatus, ...]
    cooldowns: tuple[CooldownStatus, ...]
