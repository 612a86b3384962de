"""The tray icon: its state (running, degraded, paused, stopped), a status line and the menu.

Given only a status function it offers Open and Quit; given the desktop services it adds Pause/Resume,
Copy endpoint, Copy API key and Start at login.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtGui import QAction, QGuiApplication, QIcon
from PySide6.QtWidgets import QMenu, QSystemTrayIcon, QWidget

from app.core.events import GatewayStateChanged, QuotaParked, QuotaReactivated
from app.services.autostart import Autostart
from app.services.client_setup import ClientSetupService, ConfigureResult
from app.services.status import RuntimeStatus
from app.ui.bridge import EventBridge
from app.ui.coalesce import Coalescer
from app.ui.icons import state_icon
from app.ui.jobs import run_blocking
from app.ui.pages.page import describe_error
from app.ui.ports import DesktopPort
from app.ui.text import APP_NAME, status_line
from app.ui.tray_state import tray_state

_log = logging.getLogger(__name__)


class Tray(QSystemTrayIcon):
    """The tray icon and its menu. It only asks to open or quit; the shell decides what that means."""

    open_requested = Signal()
    quit_requested = Signal()
    key_copied = Signal()
    tool_configured = Signal(object)  # ConfigureResult
    tool_failed = Signal(str)

    def __init__(
        self,
        status: Callable[[], RuntimeStatus],
        bridge: EventBridge,
        icon: QIcon,
        parent: QWidget | None = None,
        *,
        services: DesktopPort | None = None,
        autostart: Autostart | None = None,
        client_home: Path | None = None,
    ) -> None:
        super().__init__(icon, parent)
        self._status = status
        self._services = services
        self._autostart = autostart
        # Where the coding tools keep their settings (the user's home; a temporary one in tests).
        self._client_home = client_home
        self._last: RuntimeStatus | None = None
        self.state = ""
        self._parked: set[int] = set()
        self._icons: dict[str, QIcon] = {}
        # (day, requests recorded that day before this run, requests_served when counted) — see set_today.
        self._today: tuple[date, int, int] | None = None
        self._last_today: int | None = None
        # After dispose() the menu and its actions are gone; late callbacks must not touch them.
        self._disposed = False

        # QSystemTrayIcon is not a QWidget, so the menu has no parent: keep it alive here.
        self._menu = QMenu()
        self.status_action = QAction("", self._menu)
        self.status_action.setEnabled(False)
        self.open_action = QAction("Open", self._menu)
        self.quit_action = QAction("Quit", self._menu)
        self._menu.addAction(self.status_action)
        self._menu.addSeparator()
        self._menu.addAction(self.open_action)
        self.pause_action: QAction | None = None
        self.copy_endpoint_action: QAction | None = None
        self.copy_key_action: QAction | None = None
        self.autostart_action: QAction | None = None
        self.configure_actions: dict[str, QAction] = {}
        if services is not None:
            for tool, name in (("claude-code", "Claude Code"), ("codex", "Codex")):
                action = self._menu.addAction(f"Configure {name}")
                action.setToolTip(f"Point {name} at VansRoute (its settings are backed up first)")
                action.triggered.connect(lambda _checked=False, t=tool: self.configure_tool(t))
                self.configure_actions[tool] = action
            self._menu.addSeparator()
            self.pause_action = self._menu.addAction("Pause gateway")
            self.pause_action.triggered.connect(self.toggle_pause)
            self.copy_endpoint_action = self._menu.addAction("Copy endpoint")
            self.copy_endpoint_action.triggered.connect(self.copy_endpoint)
            self.copy_key_action = self._menu.addAction("Copy API key")
            self.copy_key_action.setToolTip(
                "The desktop's own key, created on first use and kept in the keyring"
            )
            self.copy_key_action.triggered.connect(self.copy_api_key)
        if autostart is not None:
            self._menu.addSeparator()
            self.autostart_action = self._menu.addAction("Start at login")
            self.autostart_action.setCheckable(True)
            self.autostart_action.toggled.connect(self._set_autostart)
        self._menu.addSeparator()
        self._menu.addAction(self.quit_action)
        self._menu.setDefaultAction(self.open_action)
        self.setContextMenu(self._menu)

        self.open_action.triggered.connect(self.open_requested)
        self.quit_action.triggered.connect(self.quit_requested)
        self._menu.aboutToShow.connect(self.refresh)
        self._menu.aboutToShow.connect(self.sync_autostart)
        self.activated.connect(self._on_activated)
        bridge.gateway_state_changed.connect(self._on_state_changed)
        self._coalesced_refresh = Coalescer(self.refresh, self)
        bridge.request_finished.connect(self._coalesced_refresh.poke)
        if services is not None:
            bridge.resilience_changed.connect(self._on_resilience_event)
        self.refresh()

    @property
    def menu(self) -> QMenu:
        return self._menu

    def status_text(self) -> str:
        return self.status_action.text()

    def refresh(self) -> None:
        if self._disposed:
            return
        try:
            self._show(self._status())
        except Exception:
            _log.exception("reading the runtime status failed")

    def dispose(self) -> None:
        """Hide the icon and release the menu (call before the app goes away)."""
        self._disposed = True
        self.hide()
        self.setContextMenu(None)  # type: ignore[arg-type]
        self._menu.deleteLater()

    def set_today(self, before_start: int) -> None:
        """Requests recorded earlier today (read once from usage); this run's are counted live."""
        self._today = (date.today(), before_start, 0)
        self._last = None
        self.refresh()

    def _today_count(self, status: RuntimeStatus) -> int | None:
        if self._today is None:
            return None
        day, base, served_at_base = self._today
        if date.today() != day:
            # Past midnight: today starts from what this run has served so far.
            self._today = (date.today(), 0, status.requests_served)
            return 0
        return base + status.requests_served - served_at_base

    def _show(self, status: RuntimeStatus) -> None:
        today = self._today_count(status)
        if status != self._last or today != self._last_today:
            self._last = status
            self._last_today = today
            text = status_line(status, today)
            self.status_action.setText(text)
            self.setToolTip(text)
            if self.pause_action is not None:
                self.pause_action.setText("Resume gateway" if status.state == "paused" else "Pause gateway")
                self.pause_action.setEnabled(status.state in ("serving", "paused"))
        self._update_icon(status.state)

    def _update_icon(self, gateway_state: str) -> None:
        if self._services is None:
            return
        try:
            resilience = self._services.resilience()
        except Exception:
            resilience = None
        state = tray_state(gateway_state, resilience, len(self._parked))
        if state == self.state:
            return
        self.state = state
        if state not in self._icons:
            self._icons[state] = state_icon(state)
        self.setIcon(self._icons[state])

    def set_parked(self, account_ids: set[int]) -> None:
        """The accounts parked when the app started (later ones arrive as events)."""
        self._parked = set(account_ids)
        self.refresh()

    def _on_resilience_event(self, event: object) -> None:
        if self._disposed:
            return
        if isinstance(event, QuotaParked):
            self._parked.add(event.account_id)
        elif isinstance(event, QuotaReactivated):
            self._parked.discard(event.account_id)
        if self._last is not None:
            self._update_icon(self._last.state)

    def sync_autostart(self) -> None:
        if self._autostart is None or self.autostart_action is None:
            return
        try:
            on = self._autostart.enabled()
        except OSError:
            on = False
        self.autostart_action.blockSignals(True)
        self.autostart_action.setChecked(on)
        self.autostart_action.blockSignals(False)

    # -- actions -----------------------------------------------------------------------------------

    def toggle_pause(self) -> None:
        if self._services is None:
            return
        if self._services.paused:
            self._services.resume()
        else:
            self._services.pause()
        self.refresh()

    def copy_endpoint(self) -> None:
        QGuiApplication.clipboard().setText(self._status().url)

    def copy_api_key(self) -> None:
        if self._services is None:
            return
        try:
            admin = self._services.admin()
        except RuntimeError as exc:
            self.showMessage("VansRoute", str(exc), QSystemTrayIcon.MessageIcon.Warning)
            return

        def copied(key: str) -> None:
            QGuiApplication.clipboard().setText(key)
            self.key_copied.emit()

        def failed(exc: Exception) -> None:
            self.showMessage(
                "Could not copy the API key", describe_error(exc), QSystemTrayIcon.MessageIcon.Warning
            )

        run_blocking(self, admin.desktop_key, copied, failed, name="ui-desktop-key")

    def configure_tool(self, tool: str) -> None:
        """One click: write the tool's settings (with a backup) and say what happened in a balloon."""
        if self._services is None:
            return
        try:
            service = ClientSetupService(
                self._services.admin(), self._services.config, home=self._client_home, environ=os.environ
            )
        except RuntimeError as exc:
            self.showMessage(APP_NAME, str(exc), QSystemTrayIcon.MessageIcon.Warning)
            return

        def done(result: ConfigureResult) -> None:
            where = ", ".join(str(p) for p in result.paths) or "its settings"
            self.showMessage(
                f"{result.name} now uses VansRoute",
                f"Updated {where}. Restore it any time from the Clients page.",
                QSystemTrayIcon.MessageIcon.Information,
            )
            self.tool_configured.emit(result)

        def failed(exc: Exception) -> None:
            self.showMessage(
                "Could not configure the tool", describe_error(exc), QSystemTrayIcon.MessageIcon.Warning
            )
            self.tool_failed.emit(describe_error(exc))

        run_blocking(self, lambda: service.configure(tool), done, failed, name=f"ui-configure-{tool}")

    def _set_autostart(self, on: bool) -> None:
        if self._autostart is None:
            return
        try:
            self._autostart.set_enabled(on)
        except OSError as exc:
            self.showMessage(
                "Start at login", f"Could not change it: {exc}", QSystemTrayIcon.MessageIcon.Warning
            )
            self.sync_autostart()

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
