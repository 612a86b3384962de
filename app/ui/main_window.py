"""The main window: a page list on the left, the chosen page on the right.

Pages are separate modules under app/ui/pages/; ``PAGES`` is the literal list of them (no discovery,
so PyInstaller needs no guesses). Closing the window hides it: the tray keeps the app running. Where
there is no tray, the shell treats closing as quitting (see app/ui/loop.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QSize, Signal
from PySide6.QtGui import QCloseEvent, QGuiApplication, QIcon, QShowEvent
from PySide6.QtWidgets import QHBoxLayout, QListWidget, QListWidgetItem, QStackedWidget, QWidget

from app.services.autostart import Autostart
from app.ui.bridge import EventBridge
from app.ui.pages.clients import ClientsPage
from app.ui.pages.combos import CombosPage
from app.ui.pages.keys import KeysPage
from app.ui.pages.logs import LogsPage
from app.ui.pages.providers import ProvidersPage
from app.ui.pages.resilience import ResiliencePage
from app.ui.pages.settings import SettingsPage
from app.ui.pages.usage import UsagePage
from app.ui.ports import DesktopPort
from app.ui.prefs import DesktopPrefs, PrefsFile
from app.ui.text import APP_NAME
from app.ui.windows.status import StatusWindow


@dataclass(frozen=True)
class PageDeps:
    services: DesktopPort
    bridge: EventBridge
    prefs: PrefsFile
    autostart: Autostart
    icon: QIcon | None
    on_prefs: Callable[[DesktopPrefs], None]


def _status(d: PageDeps) -> QWidget:
    return StatusWindow(d.services.status, d.bridge, icon=d.icon)


# (sidebar name, factory).
PAGES: tuple[tuple[str, Callable[[PageDeps], QWidget]], ...] = (
    ("Status", _status),
    ("Providers", lambda d: ProvidersPage(d.services, d.bridge)),
    ("Keys", lambda d: KeysPage(d.services, d.bridge)),
    ("Combos", lambda d: CombosPage(d.services, d.bridge)),
    ("Usage", lambda d: UsagePage(d.services, d.bridge)),
    ("Resilience", lambda d: ResiliencePage(d.services, d.bridge)),
    ("Clients", lambda d: ClientsPage(d.services, d.bridge)),
    ("Settings", lambda d: SettingsPage(d.services, d.bridge, d.prefs, d.autostart, d.on_prefs)),
    ("Logs", lambda d: LogsPage(d.services.config.log_file)),
)


class MainWindow(QWidget):
    quit_requested = Signal()
    closed = Signal()

    def __init__(self, deps: PageDeps, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("mainWindow")
        self.setWindowTitle(APP_NAME)
        if deps.icon is not None:
            self.setWindowIcon(deps.icon)
        self._placed = False
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        self.sidebar = QListWidget(self)
        self.sidebar.setObjectName("sidebar")
        self.sidebar.setFixedWidth(160)
        self.sidebar.setIconSize(QSize(18, 18))
        self.sidebar.setFrameShape(QListWidget.Shape.NoFrame)
        self.sidebar.setStyleSheet(
            "QListWidget#sidebar { padding-top: 10px; } QListWidget#sidebar::item { padding: 7px 12px; }"
        )
        self.stack = QStackedWidget(self)
        layout.addWidget(self.sidebar)
        layout.addWidget(self.stack, 1)
        self.pages: dict[str, QWidget] = {}
        for name, make in PAGES:
            page = make(deps)
            self.pages[name] = page
            self.stack.addWidget(page)
            QListWidgetItem(name, self.sidebar)
        self.sidebar.currentRowChanged.connect(self.stack.setCurrentIndex)
        self.sidebar.setCurrentRow(0)
        self.status_page: StatusWindow = self.pages["Status"]  # type: ignore[assignment]
        self.status_page.quit_requested.connect(self.quit_requested)
        self.quit_button = self.status_page.quit_button
        self.resize(1120, 700)

    def page_names(self) -> list[str]:
        return [self.sidebar.item(i).text() for i in range(self.sidebar.count())]

    def show_page(self, name: str) -> QWidget:
        self.sidebar.setCurrentRow(self.page_names().index(name))
        return self.pages[name]

    def current_page_name(self) -> str:
        return self.page_names()[self.sidebar.currentRow()]

    def showEvent(self, event: QShowEvent) -> None:
        if not self._placed:
            self._placed = True
            screen = self.screen() or QGuiApplication.primaryScreen()
            if screen is not None:
                frame = self.frameGeometry()
                frame.moveCenter(screen.availableGeometry().center())
                self.move(frame.topLeft())
        super().showEvent(event)

    def closeEvent(self, event: QCloseEvent) -> None:
        super().closeEvent(event)
        if event.isAccepted():
            self.closed.emit()
