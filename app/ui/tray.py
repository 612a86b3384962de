"""The tray icon: a status line, Open and Quit."""

from __future__ import annotations

import dataclasses
import logging
import sys
from collections.abc import Callable

from PySide6.QtCore import Signal
from PySide6.QtGui import QAction, QIcon
from PySide6.QtWidgets import QMenu, QSystemTrayIcon, QWidget

from app.core.events import GatewayStateChanged
from app.services.status import RuntimeStatus
from app.ui.bridge import EventBridge
from app.ui.coalesce import Coalescer
from app.ui.text import status_line

_log = logging.getLogger(__name__)


class Tray(QSystemTrayIcon):
    """The tray icon and its menu. It only asks to open or quit; the shell decides what that means."""

    open_requested = Signal()
    quit_requested = Signal()

    def __init__(
        self,
        status: Callable[[], RuntimeStatus],
        bridge: EventBridge,
        icon: QIcon,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(icon, parent)
        self._status = status
        self._last: RuntimeStatus | None = None

        # QSystemTrayIcon is not a QWidget, so the menu has no parent: keep it alive here.
        self._menu = QMenu()
        self.status_action = QAction("", self._menu)
        self.status_action.setEnabled(False)
        self.open_action = QAction("Open", self._menu)
        self.quit_action = QAction("Quit", self._menu)
        self._menu.addAction(self.status_action)
        self._menu.addSeparator()
        self._menu.addAction(self.open_action)
        self._menu.addAction(self.quit_action)
        self._menu.setDefaultAction(self.open_action)
        self.setContextMenu(self._menu)

        self.open_action.triggered.connect(self.open_requested)
        self.quit_action.triggered.connect(self.quit_requested)
        self._menu.aboutToShow.connect(self.refresh)
        self.activated.connect(self._on_activated)
        bridge.gateway_state_changed.connect(self._on_state_changed)
        self._coalesced_refresh = Coalescer(self.refresh, self)
        bridge.request_finished.connect(self._coalesced_refresh.poke)
        self.refresh()

    @property
    def menu(self) -> QMenu:
        return self._menu

    def status_text(self) -> str:
        return self.status_action.text()

    def refresh(self) -> None:
        try:
            self._show(self._status())
        except Exception:
            _log.exception("reading the runtime status failed")

    def dispose(self) -> None:
        """Hide the icon and release the menu (call before the app goes away)."""
        self.hide()
        self.setContextMenu(None)  # type: ignore[arg-type]
        self._menu.deleteLater()

    def _show(self, status: RuntimeStatus) -> None:
        if status == self._last:
            return
        self._last = status
        text = status_line(status)
        self.status_action.setText(text)
        self.setToolTip(text)

    def _on_state_changed(self, event: GatewayStateChanged) -> None:
        try:
            status = self._status()
        except Exception:
            _log.exception("reading the runtime status failed")
            return
        # The event is the freshest word on state and address.
        self._show(dataclasses.replace(status, state=event.state, url=event.url))

    def _on_activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        # On macOS a click opens the context menu; elsewhere a click or double click opens the window.
        if sys.platform == "darwin":
            return
        if reason in (
            QSystemTrayIcon.ActivationReason.Trigger,
            QSystemTrayIcon.ActivationReason.DoubleClick,
        ):
            self.open_requested.emit()
