"""How runtime status is put into words; plain functions so they are easy to test."""

from __future__ import annotations

from app.services.status import RuntimeStatus

APP_NAME = "VansRoute"

_STATE_LABELS = {
    "starting": "Starting",
    "serving": "Serving",
    "paused": "Paused",
    "stopping": "Stopping",
    "stopped": "Stopped",
}


def state_label(state: str) -> str:
    return _STATE_LABELS.get(state, state.capitalize() or "Unknown")


def plural(n: int, word: str) -> str:
    return f"{n:,} {word}" if n == 1 else f"{n:,} {word}s"


def status_line(status: RuntimeStatus, today: int | None = None) -> str:
    """One line for the tray menu and tooltip.

    ``VansRoute — serving on http://127.0.0.1:20127 · 12 requests``, or with ``today`` (requests since
    local midnight, this run and earlier ones) ``… · 340 requests today · 3 active``.
    """
    if status.state == "serving":
        where = f"serving on {status.url}"
    elif status.state == "paused":
        where = f"paused (requests get 503) on {status.url}"
    elif status.state == "starting":
        where = "starting…"
    else:
        where = status.state or "unknown"
    count = (
        plural(status.requests_served, "request") if today is None else plural(today, "request") + " today"
    )
    line = f"{APP_NAME} — {where} · {count}"
    if status.in_flight:
        line += f" · {status.in_flight:,} active"
    return line


def format_uptime(seconds: float) -> str:
    total = max(0, int(seconds))
    days, rest = divmod(total, 86_400)
    hours, rest = divmod(rest, 3_600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h {minutes:02d} min"
    if hours:
        return f"{hours} h {minutes:02d} min {secs:02d} s"
    if minutes:
        return f"{minutes} min {secs:02d} s"
    return f"{secs} s"
