"""First run: create a key, add a first provider, then say how to point a tool at the gateway.

The tool step writes Claude Code's or Codex's settings through the client-setup service (with a
backup); any other tool is set up on the Clients page, or by hand from the last page's endpoint.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from app.core.records import AccountRecord, ApiKeyRecord, ProviderRecord
from app.providers.catalog import AuthScheme, CatalogProvider
from app.services.admin import KeySource
from app.services.client_setup import ClientSetupService, ConfigureResult
from app.ui.jobs import run_blocking
from app.ui.pages.page import describe_error
from app.ui.ports import DesktopPort
from app.ui.text import APP_NAME

ERROR_STYLE = "color:#b3261e;"
OK_STYLE = "color:#1e7a46;"


class KeyStep(QWizardPage):
    def __init__(self, services: DesktopPort, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._services = services
        self.setTitle(f"Welcome to {APP_NAME}")
        self.setSubTitle("Coding tools reach the gateway with a key of their own. Create one now.")
        layout = QVBoxLayout(self)
        row = QHBoxLayout()
        self.name_edit = QLineEdit("my-tools", self)
        self.create_button = QPushButton("Create key", self)
        self.create_button.clicked.connect(self.create_key)
        row.addWidget(QLabel("Name", self))
        row.addWidget(self.name_edit, 1)
        row.addWidget(self.create_button)
        layout.addLayout(row)
        self.key_field = QLineEdit(self)
        self.key_field.setReadOnly(True)
        self.key_field.setPlaceholderText("the key appears here, once")
        copy = QPushButton("Copy", self)
        copy.clicked.connect(lambda: QGuiApplication.clipboard().setText(self.key_field.text()))
        key_row = QHBoxLayout()
        key_row.addWidget(self.key_field, 1)
        key_row.addWidget(copy)
        layout.addLayout(key_row)
        self.note = QLabel(self)
        self.note.setWordWrap(True)
        layout.addWidget(self.note)
        layout.addStretch(1)
        self.key = ""

    def create_key(self) -> None:
        name = self.name_edit.text().strip()
        admin = self._services.admin()

        def done(result: tuple[ApiKeyRecord, str]) -> None:
            record, key = result
            self.key = key
            self.key_field.setText(key)
            self.note.setStyleSheet(OK_STYLE)
            self.note.setText(f"Key '{record.name}' created. Copy it now: it is shown only once.")
            self.create_button.setEnabled(False)
            self.completeChanged.emit()

        def failed(exc: Exception) -> None:
            self.note.setStyleSheet(ERROR_STYLE)
            self.note.setText(describe_error(exc))

        run_blocking(self, lambda: admin.create_key(name), done, failed, name="wizard-key")


class ProviderStep(QWizardPage):
    def __init__(self, services: DesktopPort, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._services = services
        self.setTitle("Add a first provider")
        self.setSubTitle("Where requests go. The key is kept in the system keyring.")
        form = QFormLayout(self)
        self.provider_box = QComboBox(self)
        self.provider_box.setEditable(False)
        form.addRow("Provider", self.provider_box)
        self.key_edit = QLineEdit(self)
        self.key_edit.setEchoMode(QLineEdit.EchoMode.Password)
        form.addRow("API key", self.key_edit)
        self.proxy_edit = QLineEdit(self)
        self.proxy_edit.setPlaceholderText("optional")
        form.addRow("Proxy", self.proxy_edit)
        self.add_button = QPushButton("Add provider", self)
        self.add_button.clicked.connect(self.add)
        form.addRow(self.add_button)
        self.note = QLabel(self)
        self.note.setWordWrap(True)
        form.addRow(self.note)
        self.added = ""

    def initializePage(self) -> None:
        if self.provider_box.count():
            return
        entries = sorted(self._services.admin().catalog().providers, key=lambda p: p.name.lower())
        for entry in entries:
            self.provider_box.addItem(f"{entry.name}  ({entry.id})", entry)

    def choose(self, provider_id: str) -> None:
        for i in range(self.provider_box.count()):
            if self.provider_box.itemData(i).id == provider_id:
                self.provider_box.setCurrentIndex(i)
                return

    def add(self) -> None:
        entry: CatalogProvider = self.provider_box.currentData()
        key = self.key_edit.text().strip()
        if not key and entry.auth is not AuthScheme.NONE:
            self.note.setStyleSheet(ERROR_STYLE)
            self.note.setText(f"{entry.name} needs an API key.")
            return
        proxy = self.proxy_edit.text().strip() or None
        admin = self._services.admin()

        def done(result: tuple[ProviderRecord, AccountRecord]) -> None:
            provider, _account = result
            self.added = provider.id
            self.key_edit.clear()
            self.note.setStyleSheet(OK_STYLE)
            self.note.setText(f"{entry.name} added. You can add more on the Providers page.")
            self.completeChanged.emit()

        def failed(exc: Exception) -> None:
            self.note.setStyleSheet(ERROR_STYLE)
            self.note.setText(describe_error(exc))

        run_blocking(
            self,
            lambda: admin.add_known_provider(entry.id, key=KeySource(value=key or None), proxy_url=proxy),
            done,
            failed,
            name="wizard-provider",
        )


class ToolStep(QWizardPage):
    TOOLS = (("claude-code", "Claude Code"), ("codex", "Codex"))

    def __init__(
        self, services: DesktopPort, parent: QWidget | None = None, *, home: Path | None = None
    ) -> None:
        super().__init__(parent)
        self._services = services
        self._home = home
        self.setTitle("Configure a coding tool")
        self.setSubTitle("One click points the tool at VansRoute. Its settings file is backed up first.")
        layout = QVBoxLayout(self)
        row = QHBoxLayout()
        self.buttons: dict[str, QPushButton] = {}
        for tool, name in self.TOOLS:
            button = QPushButton(f"Configure {name}", self)
            button.clicked.connect(lambda _c=False, t=tool: self.configure(t))
            row.addWidget(button)
            self.buttons[tool] = button
        row.addStretch(1)
        layout.addLayout(row)
        self.note = QLabel("Other tools: see the Clients page later. This step is optional.", self)
        self.note.setWordWrap(True)
        layout.addWidget(self.note)
        layout.addStretch(1)
        self.configured: list[str] = []

    def configure(self, tool: str) -> None:
        service = ClientSetupService(self._services.admin(), self._services.config, home=self._home)

        def done(result: ConfigureResult) -> None:
            self.configured.append(result.tool)
            self.buttons[result.tool].setEnabled(False)
            self.note.setStyleSheet(OK_STYLE)
            self.note.setText(
                f"{result.name} now uses VansRoute ({', '.join(str(p) for p in result.paths)})."
            )

        def failed(exc: Exception) -> None:
            self.note.setStyleSheet(ERROR_STYLE)
            self.note.setText(describe_error(exc))

        run_blocking(self, lambda: service.configure(tool), done, failed, name="wizard-tool")


class DoneStep(QWizardPage):
    def __init__(self, services: DesktopPort, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._services = services
        self.setTitle("Point your tools at VansRoute")
        layout = QVBoxLayout(self)
        self.text = QLabel(self)
        self.text.setWordWrap(True)
        layout.addWidget(self.text)
        layout.addStretch(1)

    def initializePage(self) -> None:
        url = self._services.status().url
        self.text.setText(
            f"<p>The gateway listens on <b>{url}</b>.</p>"
            "<p>In your coding tool, set the base URL to that address and the API key to the key from the "
            "first step (the tray menu's <i>Copy endpoint</i> and <i>Copy API key</i> help).</p>"
            "<p>Everything here can be changed later from the tray icon.</p>"
        )


class FirstRunWizard(QWizard):
    def __init__(
        self, services: DesktopPort, parent: QWidget | None = None, *, home: Path | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Set up {APP_NAME}")
        self.setWizardStyle(QWizard.WizardStyle.ClassicStyle)
        self.key_step = KeyStep(services, self)
        self.provider_step = ProviderStep(services, self)
        self.tool_step = ToolStep(services, self, home=home)
        self.done_step = DoneStep(services, self)
        self.addPage(self.key_step)
        self.addPage(self.provider_step)
        self.addPage(self.tool_step)
        self.addPage(self.done_step)
        self.resize(620, 440)
