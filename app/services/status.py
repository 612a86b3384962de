"""What the UI and `/health` show about the running gateway."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class RuntimeStatus:
    version: str
    state: str  # "starting" | "serving" | "stopping" | "stopped"
    url: str
    uptime_s: float
    providers: int
    accounts: int
    api_keys: int
    requests_served: int
    data_dir: str
    mode: str  # "desktop" | "headless"
