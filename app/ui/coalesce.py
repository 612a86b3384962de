"""Many events, one refresh: a window that shows a request counter must not re-read the runtime's
status for every request the gateway serves (at a few hundred requests a second that is most of the
UI thread's time). Pokes within the interval collapse into one call at its end."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer

DEFAULT_INTERVAL_MS = 200


class Coalescer(QObject):
    def __init__(
        self, action: Callable[[], None], parent: QObject, interval_ms: int = DEFAULT_INTERVAL_MS
    ) -> None:
        super().__init__(parent)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(action)

    def poke(self, *_: object) -> None:
        if not self._timer.isActive():
            self._timer.start()
