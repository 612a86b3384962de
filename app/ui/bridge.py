"""Events from the bus, re-emitted as Qt signals.

Windows connect to these signals and receive the frozen event dataclasses; they never query the DB.
The bus may publish from any thread: a signal emitted off the GUI thread is queued to the bridge's
thread by Qt, so slots always run on the GUI thread.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Signal

from app.core.events import (
    AccountDisabled,
    BreakerClosed,
    BreakerOpened,
    ComboExhausted,
    EventBus,
    GatewayStateChanged,
    QuotaParked,
    QuotaReactivated,
    RequestFinished,
    SnapshotSwapped,
)


class EventBridge(QObject):
    gateway_state_changed = Signal(object)  # GatewayStateChanged
    request_finished = Signal(object)  # RequestFinished
    snapshot_swapped = Signal(object)  # SnapshotSwapped
    breaker_opened = Signal(object)  # BreakerOpened
    breaker_closed = Signal(object)  # BreakerClosed
    quota_parked = Signal(object)  # QuotaParked
    quota_reactivated = Signal(object)  # QuotaReactivated
    account_disabled = Signal(object)  # AccountDisabled
    combo_exhausted = Signal(object)  # ComboExhausted
    # Any of the six above: the resilience state changed (windows refresh on this one).
    resilience_changed = Signal(object)

    def __init__(self, bus: EventBus, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._unsubscribe: list[Callable[[], None]] = [
            bus.subscribe(GatewayStateChanged, self.gateway_state_changed.emit),
            bus.subscribe(RequestFinished, self.request_finished.emit),
            bus.subscribe(SnapshotSwapped, self.snapshot_swapped.emit),
        ]
        for kind, signal in (
            (BreakerOpened, self.breaker_opened),
            (BreakerClosed, self.breaker_closed),
            (QuotaParked, self.quota_parked),
            (QuotaReactivated, self.quota_reactivated),
            (AccountDisabled, self.account_disabled),
            (ComboExhausted, self.combo_exhausted),
        ):
            self._unsubscribe.append(bus.subscribe(kind, signal.emit))
            self._unsubscribe.append(bus.subscribe(kind, self.resilience_changed.emit))
        # If Qt deletes the bridge first, stop the bus from calling into a dead object. The lambda
        # holds the list, not self, so it stays callable after the C++ side is gone.
        unsubscribe = self._unsubscribe
        self.destroyed.connect(lambda *_: _drain(unsubscribe))

    def close(self) -> None:
        """Unsubscribe from the bus; signals stop firing. Safe to call twice."""
        _drain(self._unsubscribe)


def _drain(unsubscribe: list[Callable[[], None]]) -> None:
    while unsubscribe:
        unsubscribe.pop()()
