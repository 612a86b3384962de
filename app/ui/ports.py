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
from app.services.status import RuntimeStatus


class RuntimePort(Protocol):
    bus: EventBus

    async def start(self) -> None:
        """Start the gateway on the running loop."""

    async def stop(self) -> None:
        """Stop gracefully."""

    def status(self) -> RuntimeStatus: ...
