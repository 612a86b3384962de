"""Typed events and the one bus every part publishes on (the UI and usage writer listen)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from app.core.records import UsageRecord

_log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Event:
    pass


@dataclass(frozen=True, slots=True)
class RequestFinished(Event):
    usage: UsageRecord


@dataclass(frozen=True, slots=True)
class SnapshotSwapped(Event):
    """The routing snapshot was rebuilt because configuration changed."""

    version: int
    providers: int
    accounts: int
    keys: int


@dataclass(frozen=True, slots=True)
class GatewayStateChanged(Event):
    state: str  # "starting" | "serving" | "stopping" | "stopped"
    url: str


Handler = Callable[[Any], None]


class EventBus:
    """Synchronous fan-out. Handlers must be quick; slow work is queued by the handler itself."""

    def __init__(self) -> None:
        self._handlers: dict[type[Event], list[Handler]] = {}

    def subscribe(self, kind: type[Event], handler: Handler) -> Callable[[], None]:
        self._handlers.setdefault(kind, []).append(handler)

        def unsubscribe() -> None:
            handlers = self._handlers.get(kind, [])
            if handler in handlers:
                handlers.remove(handler)

        return unsubscribe

    def publish(self, event: Event) -> None:
        for kind in type(event).__mro__:
            for handler in tuple(self._handlers.get(kind, ())):
                try:
                    handler(event)
                except Exception:
                    # One broken listener (say, a closed window) must not break a request.
                    _log.exception("event handler failed for %s", type(event).__name__)


@dataclass(frozen=True, slots=True)
class BreakerOpened(Event):
    key: str  # "provider:proxy"
    failures: int
    retry_in_s: float


@dataclass(frozen=True, slots=True)
class BreakerClosed(Event):
    key: str


@dataclass(frozen=True, slots=True)
class QuotaParked(Event):
    provider_id: str
    account_id: int
    account_label: str
    until: datetime
    reason: str


@dataclass(frozen=True, slots=True)
class QuotaReactivated(Event):
    provider_id: str
    account_id: int
    account_label: str


@dataclass(frozen=True, slots=True)
class AccountDisabled(Event):
    provider_id: str
    account_id: int
    account_label: str
    reason: str


@dataclass(frozen=True, slots=True)
class ComboExhausted(Event):
    """No member of a combo could answer a request (every one failed, cooled down or was saturated)."""

    combo: str
    attempts: int
    retry_after_s: float | None
