"""What the desktop shell needs from the rest of the app, as a protocol.

The concrete runtime lives in ``app.services.runtime``; the UI codes against this port so it can be
driven by a fake in tests and never reaches past ``services``.

Contract the UI relies on: the runtime updates what ``status()`` returns *before* it publishes the
matching event on ``bus`` (so a ``RequestFinished`` handler that calls ``status()`` sees the new
count), and ``status()`` is cheap and in-memory (it is called every second while a window is open).
"""

from __future__ import annotations

from typing import Protocol

from app.core.events import EventBus
from app.services.config import AppConfig
from app.services.desktop_admin import DesktopAdmin
from app.services.status import ResilienceStatus, RuntimeStatus


class RuntimePort(Protocol):
    bus: EventBus

    async def start(self) -> None:
        """Start the gateway on the running loop."""

    async def stop(self) -> None:
        """Stop gracefully."""

    def status(self) -> RuntimeStatus: ...


class DesktopPort(RuntimePort, Protocol):
    """The runtime plus what the main window's pages use (``app.services.runtime.Runtime`` has it all).

    ``resilience()`` is in-memory and cheap; ``admin()`` returns the administration API, whose calls
    block on the database or keyring and are run off the GUI thread (see app/ui/jobs.py).
    """

    config: AppConfig

    @property
    def paused(self) -> bool: ...

    def pause(self) -> None: ...

    def resume(self) -> None: ...

    def resilience(self) -> ResilienceStatus: ...

    def reset_breaker(self, key: str) -> None: ...

    def admin(self) -> DesktopAdmin: ...
