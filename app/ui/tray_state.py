"""Which of the four tray states the app is in (pure, so it is tested without a tray)."""

from __future__ import annotations

from app.services.status import ResilienceStatus


def tray_state(gateway_state: str, resilience: ResilienceStatus | None, parked_accounts: int) -> str:
    """ "running", "degraded" (a breaker open or an account parked), "paused" or "stopped"."""
    if gateway_state == "paused":
        return "paused"
    if gateway_state != "serving":
        return "stopped"
    open_breaker = resilience is not None and any(b.state == "open" for b in resilience.breakers)
    return "degraded" if open_breaker or parked_accounts else "running"
