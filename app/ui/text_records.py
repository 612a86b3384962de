"""How records are put into words on the pages (plain functions, tested without widgets)."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlsplit

from app.core.records import AccessList, AccountRecord, KeyLimits


def when(moment: datetime | None, *, never: str = "—") -> str:
    """A stored time in the user's local time: "2026-11-27 09:00"."""
    if moment is None:
        return never
    if moment.tzinfo is None:  # stored as UTC without a zone (SQLite)
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone().strftime("%Y-%m-%d %H:%M")


def proxy_label(proxy_url: str | None) -> str:
    """scheme://host:port only: a proxy URL may carry a user name and password."""
    if not proxy_url:
        return "direct"
    try:
        parts = urlsplit(proxy_url)
        host = parts.hostname or "?"
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return "proxy (unreadable URL)"
    return f"{parts.scheme}://{host}{port}"


def account_state(account: AccountRecord) -> str:
    if account.parked_until is not None:
        return f"parked until {when(account.parked_until)}"
    if not account.enabled:
        return f"off: {account.disabled_reason}" if account.disabled_reason else "off"
    return "on"


def seconds(value: float | None) -> str:
    """A countdown: "—", "4 s", "2 min 05 s", "1 h 03 min"."""
    if value is None:
        return "—"
    total = max(0, round(value))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes:02d} min"
    if minutes:
        return f"{minutes} min {secs:02d} s"
    return f"{secs} s"


def access_text(access: AccessList) -> str:
    """What the limits editor shows and reads back: "all", "none" or "a, b"."""
    if access.is_everything:
        return "all"
    if not access.names:
        return "none"
    return ", ".join(sorted(access.names))


def limits_summary(limits: KeyLimits) -> str:
    """Only what differs from "everything, no limit": "providers: openai · 60/min · $25.00/month"."""
    parts = [
        f"{label}: {access_text(access)}"
        for label, access in (
            ("providers", limits.providers),
            ("combos", limits.combos),
            ("kinds", limits.kinds),
        )
        if not access.is_everything
    ]
    if limits.requests_per_minute is not None:
        parts.append(f"{limits.requests_per_minute}/min")
    if limits.max_concurrent is not None:
        parts.append(f"{limits.max_concurrent} at once")
    if limits.monthly_budget_usd is not None:
        parts.append(f"${limits.monthly_budget_usd:.2f}/month")
    if limits.token_savers is not None:
        parts.append(f"savers: {limits.token_savers}")
    return " · ".join(parts) or "no limits"
