"""A small native window: where the gateway listens and what it has done so far."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import (
    QCloseEvent,
    QFont,
    QGuiApplication,
    QHideEvent,
    QIcon,
    QPalette,
    QResizeEvent,
    QShowEvent,
)
from PySide6.QtWidgets import (
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from app.core.events import GatewayStateChanged
from app.services.status import RuntimeStatus
from app.ui.bridge import EventBridge
from app.ui.coalesce import Coalescer
from app.ui.text import APP_NAME, format_uptime, state_label

_log = logging.getLogger(__name__)

REFRESH_MS = 1000
_STATE_COLOURS = {
    "serving": "#2e9d5b",
    "starting": "#d4962a",
    "stopping": "#d4962a",
    "stopped": "#8a8f98",
}


class ElidedLabel(QLabel):
    """A label that shortens its text in the middle to fit, with the full text as tooltip."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._full = ""
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.setMinimumWidth(120)

    def set_full_text(self, text: str) -> None:
        if text == self._full:
            return
        self._full = text
        self.setToolTip(text)
        self._elide()

    def full_text(self) -> str:
        return self._full

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        metrics = self.fontMetrics()
        self.setText(metrics.elidedText(self._full, Qt.TextElideMode.ElideMiddle, max(40, self.width())))


def _value_label(parent: QWidget) -> QLabel:
    label = QLabel(parent)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


class StatusWindow(QWidget):
    """Refreshed from ``status()`` every second while visible, and at once on bridge signals."""

    quit_requested = Signal()
    closed = Signal()

    def __init__(
        self,
        status: Callable[[], RuntimeStatus],
        bridge: EventBridge,
        parent: QWidget | None = None,
        *,
        icon: QIcon | None = None,
    ) -> None:
        super().__init__(parent)
        self._status = status
        self._last: RuntimeStatus | None = None
        self._placed = False
        self.setObjectName("statusWindow")
        self.setWindowTitle(APP_NAME)
        if icon is not None:
            self.setWindowIcon(icon)

        outer = QVBoxLayout(self)
        outer.setContentsMargins(20, 18, 20, 16)
        outer.setSpacing(14)

        # Header: icon, name, one-line description.
        header = QHBoxLayout()
        header.setSpacing(12)
        logo = QLabel(self)
        if icon is not None:
            logo.setPixmap(icon.pixmap(40, 40))
        logo.setFixedSize(40, 40)
        header.addWidget(logo, 0, Qt.AlignmentFlag.AlignTop)
        titles = QVBoxLayout()
        titles.setSpacing(0)
        self.title_label = QLabel(APP_NAME, self)
        title_font = QFont(self.font())
        title_font.setPointSizeF(title_font.pointSizeF() * 1.35)
        title_font.setWeight(QFont.Weight.DemiBold)
        self.title_label.setFont(title_font)
        self.subtitle_label = QLabel("Local AI gateway", self)
        _mute(self.subtitle_label)
        titles.addWidget(self.title_label)
        titles.addWidget(self.subtitle_label)
        header.addLayout(titles, 1)
        outer.addLayout(header)

        outer.addWidget(_rule(self))

        # The facts.
        form = QFormLayout()
        form.setHorizontalSpacing(18)
        form.setVerticalSpacing(8)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)

        url_row = QHBoxLayout()
        url_row.setSpacing(8)
        self.url_label = _value_label(self)
        self.url_label.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse | Qt.TextInteractionFlag.TextSelectableByKeyboard
        )
        self.copy_button = QPushButton("Copy", self)
        self.copy_button.setToolTip("Copy the address to the clipboard")
        self.copy_button.setAutoDefault(False)
        self.copy_button.clicked.connect(self.copy_url)
        url_row.addWidget(self.url_label, 1)
        url_row.addWidget(self.copy_button, 0)
        form.addRow(_field("Address", self), url_row)

        state_row = QHBoxLayout()
        state_row.setSpacing(8)
        self.state_dot = QLabel(self)
        self.state_dot.setFixedSize(10, 10)
        self.state_label = _value_label(self)
        state_row.addWidget(self.state_dot, 0, Qt.AlignmentFlag.AlignVCenter)
        state_row.addWidget(self.state_label, 1)
        form.addRow(_field("State", self), state_row)

        self.uptime_label = _value_label(self)
        form.addRow(_field("Uptime", self), self.uptime_label)
        self.requests_label = _value_label(self)
        form.addRow(_field("Requests served", self), self.requests_label)
        self.providers_label = _value_label(self)
        form.addRow(_field("Providers", self), self.providers_label)
        self.accounts_label = _value_label(self)
        form.addRow(_field("Accounts", self), self.accounts_label)
        self.keys_label = _value_label(self)
        form.addRow(_field("API keys", self), self.keys_label)
        self.data_dir_label = ElidedLabel(self)
        self.data_dir_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        form.addRow(_field("Data folder", self), self.data_dir_label)
        outer.addLayout(form)

        outer.addStretch(1)
        outer.addWidget(_rule(self))

        footer = QHBoxLayout()
        self.version_label = QLabel(self)
        _mute(self.version_label)
        footer.addWidget(self.version_label, 1)
        self.quit_button = QPushButton(f"Quit {APP_NAME}", self)
        self.quit_button.setAutoDefault(False)
        self.quit_button.clicked.connect(self.quit_requested)
        self.close_button = QPushButton("Close", self)
        self.close_button.setDefault(True)
        # Embedded as the main window's Status page, Close closes that window.
        self.close_button.clicked.connect(lambda: self.window().close())
        footer.addWidget(self.quit_button)
        footer.addWidget(self.close_button)
        outer.addLayout(footer)

        self.setMinimumWidth(440)

        self.timer = QTimer(self)
        self.timer.setInterval(REFRESH_MS)
        self.timer.timeout.connect(self.refresh)

        bridge.gateway_state_changed.connect(self._on_state_changed)
        self._coalesced_refresh = Coalescer(self.refresh, self)
        bridge.request_finished.connect(self._coalesced_refresh.poke)
        bridge.snapshot_swapped.connect(self._on_event)
        self.refresh()

    # -- public -------------------------------------------------------------------------------------

    def refresh(self) -> None:
        try:
            self._show(self._status())
        except Exception:
            _log.exception("reading the runtime status failed")

    def copy_url(self) -> None:
        url = self.url_label.text()
        if not url:
            return
        QGuiApplication.clipboard().setText(url)
        self.copy_button.setText("Copied")
        QTimer.singleShot(1500, self, lambda: self.copy_button.setText("Copy"))

    # -- Qt events ----------------------------------------------------------------------------------

    def showEvent(self, event: QShowEvent) -> None:
        if not self._placed and self.isWindow():
            self._placed = True
            self._center_on_screen()
        self.refresh()
        self.timer.start()
        super().showEvent(event)

    def hideEvent(self, event: QHideEvent) -> None:
        self.timer.stop()
        super().hideEvent(event)

    def closeEvent(self, event: QCloseEvent) -> None:
        super().closeEvent(event)
        if event.isAccepted():
            self.closed.emit()

    # -- internals ----------------------------------------------------------------------------------

    def _center_on_screen(self) -> None:
        # Window managers usually place new windows well; without one (or on first show before it
        # does) the window would sit in a corner. Wayland ignores move(), which is fine.
        screen = self.screen() or QGuiApplication.primaryScreen()
        if screen is None:
            return
        self.adjustSize()
        frame = self.frameGeometry()
        frame.moveCenter(screen.availableGeometry().center())
        self.move(frame.topLeft())

    def _on_state_changed(self, event: GatewayStateChanged) -> None:
        try:
            status = self._status()
        except Exception:
            _log.exception("reading the runtime status failed")
            return
        self._show(dataclasses.replace(status, state=event.state, url=event.url))

    def _on_event(self, _event: object) -> None:
        self.refresh()

    def _show(self, s: RuntimeStatus) -> None:
        if s == self._last:
            return
        last, self._last = self._last, s
        if last is None or (s.url, s.state) != (last.url, last.state):
            self.url_label.setText(s.url)
            self.copy_button.setEnabled(bool(s.url))
            self.state_label.setText(state_label(s.state))
            colour = _STATE_COLOURS.get(s.state, "#8a8f98")
            self.state_dot.setStyleSheet(f"background-color: {colour}; border-radius: 5px;")
        self.uptime_label.setText(format_uptime(s.uptime_s))
        self.requests_label.setText(f"{s.requests_served:,}")
        self.providers_label.setText(f"{s.providers:,}")
        self.accounts_label.setText(f"{s.accounts:,}")
        self.keys_label.setText(f"{s.api_keys:,}")
        self.data_dir_label.set_full_text(s.data_dir)
        self.version_label.setText(f"Version {s.version} · {s.mode} mode")


def _field(text: str, parent: QWidget) -> QLabel:
    label = QLabel(text, parent)
    _mute(label)
    return label


def _mute(label: QLabel) -> None:
    """Secondary text in the palette's muted colour (follows light and dark themes)."""
    label.setForegroundRole(QPalette.ColorRole.PlaceholderText)


def _rule(parent: QWidget) -> QFrame:
    line = QFrame(parent)
    line.setFrameShape(QFrame.Shape.HLine)
    line.setFrameShadow(QFrame.Shadow.Sunken)
    return line
