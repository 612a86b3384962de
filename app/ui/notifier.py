"""Tray notifications for quota, breaker and account events, through the gate in notices.py."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QSystemTrayIcon

from app.core.events import Event
from app.ui.bridge import EventBridge
from app.ui.notices import Message, NoticeGate, NoticeKind, notice_for

_log = logging.getLogger(__name__)

SHOW_MS = 8000


class Notifier(QObject):
    # Every message shown (tests and the e2e marker script listen to it).
    shown = Signal(object)  # Message

    def __init__(
        self,
        tray: QSystemTrayIcon,
        bridge: EventBridge,
        *,
        gate: NoticeGate | None = None,
        clock: Callable[[], float] = time.monotonic,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._tray = tray
        self._gate = gate or NoticeGate()
        self._clock = clock
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.flush)
        bridge.resilience_changed.connect(self.on_event)

    @property
    def gate(self) -> NoticeGate:
        return self._gate

    def set_disabled(self, kinds: frozenset[NoticeKind]) -> None:
        self._gate.set_disabled(kinds)
        self._arm()

    def on_event(self, event: Event) -> None:
        notice = notice_for(event)
        if notice is None:
            return
        self._gate.offer(notice, self._clock())
        self._arm()

    def flush(self) -> None:
        message = self._gate.flush(self._clock())
        if message is not None:
            self._show(message)
        self._arm()

    def _arm(self) -> None:
        due = self._gate.next_due()
        if due is None:
            self._timer.stop()
            return
        delay_ms = max(0, int((due - self._clock()) * 1000))
        if not self._timer.isActive() or self._timer.remainingTime() > delay_ms:
            self._timer.start(delay_ms)

    def _show(self, message: Message) -> None:
        icon = (
            QSystemTrayIcon.MessageIcon.Warning
            if message.warning
            else QSystemTrayIcon.MessageIcon.Information
        )
        _log.info("notification: %s — %s", message.title, message.body.replace("\n", "; "))
        if QSystemTrayIcon.supportsMessages() and self._tray.isVisible():
            self._tray.showMessage(message.title, message.body, icon, SHOW_MS)
        self.shown.emit(message)
