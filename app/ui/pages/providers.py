"""Providers: the built-in catalogue to pick from, the accounts configured, test, switch on and off,
and the selected provider's models with their context, capabilities and prices (your own price too).

An account's key goes straight to the OS keyring through the services (the database keeps only a
reference); the key field is a password field and is cleared once the account is added.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from PySide6.QtCore import QSortFilterProxyModel, Qt
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from app.core.records import AccountRecord, ProviderRecord
from app.providers.catalog import AuthScheme, CatalogProvider
from app.services.admin import KeySource
from app.services.connection_test import ConnectionResult, test_account
from app.services.model_facts import ModelFactsAdmin
from app.ui.bridge import EventBridge
from app.ui.jobs import run_async, run_blocking
from app.ui.models.table import SORT_ROLE, Column, RecordTableModel
from app.ui.pages.page import Page
from app.ui.ports import DesktopPort
from app.ui.text_records import account_state, proxy_label
from app.ui.widgets.model_facts_panel import ModelFactsPanel
from app.ui.widgets.record_view import record_view


@dataclass(frozen=True, slots=True)
class AccountRow:
    provider: ProviderRecord
    account: AccountRecord
    test: str = ""


def catalog_model(parent: QWidget | None = None) -> RecordTableModel[CatalogProvider]:
    return RecordTableModel(
        (
            Column[CatalogProvider]("Provider", lambda p: p.name, tooltip=lambda p: p.docs_url or p.base_url),
            Column[CatalogProvider]("Id", lambda p: p.id),
            Column[CatalogProvider]("Kind", lambda p: p.category.value.replace("_", " ")),
            Column[CatalogProvider]("Format", lambda p: p.wire_format.value),
            Column[CatalogProvider](
                "Models", lambda p: str(len(p.models)), align_right=True, sort_key=lambda p: len(p.models)
            ),
        ),
        key=lambda p: p.id,
        parent=parent,
    )


def _state_colour(row: AccountRow) -> str | None:
    if row.account.parked_until is not None:
        return "#b26a00"
    return None if row.account.enabled else "#b3261e"


def _test_colour(row: AccountRow) -> str | None:
    if not row.test:
        return None
    return "#1e7a46" if row.test.startswith("working") else "#b3261e"


def accounts_model(parent: QWidget | None = None) -> RecordTableModel[AccountRow]:
    return RecordTableModel(
        (
            Column[AccountRow]("Provider", lambda r: r.provider.display_name or r.provider.id),
            Column[AccountRow]("Account", lambda r: r.account.label),
            Column[AccountRow]("Format", lambda r: r.provider.wire_format.value),
            Column[AccountRow]("Proxy", lambda r: proxy_label(r.account.proxy_url)),
            Column[AccountRow]("State", lambda r: account_state(r.account), colour=_state_colour),
            Column[AccountRow]("Test", lambda r: r.test or "—", colour=_test_colour),
        ),
        key=lambda r: r.account.id,
        parent=parent,
    )


class ProvidersPage(Page):
    title = "Providers"
    blurb = (
        "Pick a provider from the catalogue and add an account with its key. Keys go to the system keyring."
    )

    def __init__(self, services: DesktopPort, bridge: EventBridge, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._services = services
        self._tests: dict[int, str] = {}
        split = QSplitter(Qt.Orientation.Vertical, self)

        # -- configured accounts ------------------------------------------------------------------
        top = QWidget(split)
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        top_layout.addWidget(QLabel("<b>Your accounts</b>", top))
        self.accounts = accounts_model(self)
        self.accounts_view = record_view(self.accounts, top)
        top_layout.addWidget(self.accounts_view, 1)
        buttons = QHBoxLayout()
        self.test_button = QPushButton("Test connection", top)
        self.toggle_button = QPushButton("Disable", top)
        self.test_all_button = QPushButton("Test all", top)
        for b in (self.test_button, self.toggle_button, self.test_all_button):
            b.setAutoDefault(False)
            buttons.addWidget(b)
        buttons.addStretch(1)
        top_layout.addLayout(buttons)
        self.test_button.clicked.connect(self.test_selected)
        self.test_all_button.clicked.connect(self.test_all)
        self.toggle_button.clicked.connect(self.toggle_selected)
        self.accounts_view.selectionModel().selectionChanged.connect(self._update_buttons)

        # -- the selected account's provider: its models, their facts and your prices ----------------
        self.models_panel = ModelFactsPanel(
            lambda: ModelFactsAdmin(self._services.admin().store), self.show_error, self.show_info, split
        )

        # -- catalogue + add form -----------------------------------------------------------------
        bottom = QWidget(split)
        bottom_layout = QHBoxLayout(bottom)
        bottom_layout.setContentsMargins(0, 0, 0, 0)
        left = QVBoxLayout()
        self.search = QLineEdit(bottom)
        self.search.setPlaceholderText("Search the catalogue (name, id, format)…")
        self.search.setClearButtonEnabled(True)
        left.addWidget(self.search)
        self.catalog = catalog_model(self)
        self.catalog_filter = QSortFilterProxyModel(self)
        self.catalog_filter.setSourceModel(self.catalog)
        self.catalog_filter.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.catalog_filter.setFilterKeyColumn(-1)
        self.catalog_filter.setSortRole(SORT_ROLE)
        self.catalog_view = record_view(self.catalog_filter, bottom)
        self.catalog_view.setSortingEnabled(True)
        self.catalog_view.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        left.addWidget(self.catalog_view, 1)
        bottom_layout.addLayout(left, 3)
        self.search.textChanged.connect(self.catalog_filter.setFilterFixedString)
        self.catalog_view.selectionModel().selectionChanged.connect(self._on_catalog_pick)

        form_box = QGroupBox("Add an account", bottom)
        form = QFormLayout(form_box)
        self.chosen_label = QLabel("Choose a provider on the left.", form_box)
        self.chosen_label.setWordWrap(True)
        form.addRow(self.chosen_label)
        self.base_url = QLineEdit(form_box)
        form.addRow("Base URL", self.base_url)
        self.key_edit = QLineEdit(form_box)
        self.key_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.key_edit.setPlaceholderText("API key (stored in the system keyring)")
        form.addRow("API key", self.key_edit)
        self.label_edit = QLineEdit(form_box)
        self.label_edit.setPlaceholderText("default")
        form.addRow("Account name", self.label_edit)
        self.proxy_edit = QLineEdit(form_box)
        self.proxy_edit.setPlaceholderText("optional: http://host:port or socks5://host:port")
        form.addRow("Proxy", self.proxy_edit)
        self.add_button = QPushButton("Add account", form_box)
        self.add_button.setEnabled(False)
        self.add_button.clicked.connect(self.add_account)
        form.addRow(self.add_button)
        bottom_layout.addWidget(form_box, 2)

        split.addWidget(top)
        split.addWidget(self.models_panel)
        split.addWidget(bottom)
        split.setStretchFactor(0, 2)
        split.setStretchFactor(1, 2)
        split.setStretchFactor(2, 3)
        self.layout_.addWidget(split, 1)

        self._chosen: CatalogProvider | None = None
        bridge.snapshot_swapped.connect(lambda _e: self.reload())
        bridge.snapshot_swapped.connect(lambda _e: self.models_panel.reload())
        bridge.resilience_changed.connect(lambda _e: self.reload())
        self.catalog.set_rows(services.admin().catalog().providers if _started(services) else ())
        self._update_buttons()

    # -- data ------------------------------------------------------------------------------------

    def reload(self) -> None:
        if not _started(self._services):
            return
        admin = self._services.admin()
        if not self.catalog.rows():
            self.catalog.set_rows(admin.catalog().providers)
        run_blocking(
            self, admin.list_providers, self._show_accounts, self.show_error, name="ui-list-providers"
        )

    def _show_accounts(self, summaries: object) -> None:
        rows = [
            AccountRow(s.provider, a, self._tests.get(a.id, ""))
            for s in summaries  # type: ignore[attr-defined]
            for a in s.accounts
        ]
        self.accounts.set_rows(rows)
        self._update_buttons()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.reload()

    # -- selection ---------------------------------------------------------------------------------

    def selected(self) -> AccountRow | None:
        rows = self.accounts_view.selectionModel().selectedRows()
        return self.accounts.record(rows[0].row()) if rows else None

    def select_account(self, account_id: int) -> None:
        for i, row in enumerate(self.accounts.rows()):
            if row.account.id == account_id:
                self.accounts_view.selectRow(i)
                return

    def _update_buttons(self, *_: object) -> None:
        row = self.selected()
        provider_id = row.provider.id if row is not None else None
        if provider_id != self.models_panel.provider_id:
            self.models_panel.show_provider(provider_id)
        self.test_button.setEnabled(row is not None)
        self.toggle_button.setEnabled(row is not None)
        self.test_all_button.setEnabled(bool(self.accounts.rows()))
        self.toggle_button.setText("Enable" if row is not None and not row.account.enabled else "Disable")

    def choose(self, provider_id: str) -> None:
        """Select a catalogue entry (the wizard and tests use this too)."""
        for i, entry in enumerate(self.catalog.rows()):
            if entry.id == provider_id:
                index = self.catalog_filter.mapFromSource(self.catalog.index(i, 0))
                self.catalog_view.selectRow(index.row())
                return

    def _on_catalog_pick(self, *_: object) -> None:
        rows = self.catalog_view.selectionModel().selectedRows()
        if not rows:
            return
        entry: CatalogProvider = self.catalog.record(self.catalog_filter.mapToSource(rows[0]).row())
        self._chosen = entry
        needs = "no key needed (local server)" if entry.auth is AuthScheme.NONE else "needs an API key"
        self.chosen_label.setText(f"<b>{entry.name}</b> — {entry.wire_format.value} format, {needs}.")
        self.base_url.setText(entry.base_url)
        self.base_url.setToolTip(
            "Fill in " + ", ".join("{" + v + "}" for v in entry.url_variables) if entry.is_template else ""
        )
        self.add_button.setEnabled(True)

    # -- actions -----------------------------------------------------------------------------------

    def add_account(self) -> None:
        entry = self._chosen
        if entry is None:
            return
        key = self.key_edit.text().strip()
        if not key and entry.auth is not AuthScheme.NONE:
            self.show_error(f"{entry.name} needs an API key.")
            return
        source = KeySource(value=key) if key else _no_key()
        label = self.label_edit.text().strip() or None
        proxy = self.proxy_edit.text().strip() or None
        base_url = self.base_url.text().strip()
        admin = self._services.admin()

        def add() -> str:
            existing = {s.provider.id for s in admin.list_providers()}
            if entry.id in existing:
                account = admin.add_account(entry.id, key=source, label=label, proxy_url=proxy)
                return f"Added account '{account.label}' to {entry.name}."
            _provider, account = admin.add_known_provider(
                entry.id,
                key=source,
                base_url=None if base_url == entry.base_url else base_url,
                label=label or "default",
                proxy_url=proxy,
            )
            return f"Added {entry.name} with account '{account.label}'."

        def added(text: str) -> None:
            self.key_edit.clear()
            self.label_edit.clear()
            self.proxy_edit.clear()
            self.show_info(text)
            self.reload()

        run_blocking(self, add, added, self.show_error, name="ui-add-account")

    def toggle_selected(self) -> None:
        row = self.selected()
        if row is None:
            return
        admin = self._services.admin()
        on = not row.account.enabled
        run_blocking(
            self,
            lambda: admin.set_account_enabled(row.account.id, on),
            lambda acc: self._toggled(acc, on),
            self.show_error,
            name="ui-toggle-account",
        )

    def _toggled(self, account: AccountRecord, on: bool) -> None:
        self.show_info(f"{account.provider_id}/{account.label} is {'on' if on else 'off'}.")
        self.reload()

    def test_selected(self) -> None:
        row = self.selected()
        if row is not None:
            self._test([row])

    def test_all(self) -> None:
        self._test(list(self.accounts.rows()))

    def _test(self, rows: list[AccountRow]) -> None:
        resolver = self._services.admin().secret_resolver()
        for row in rows:
            self._set_test(row.account.id, "testing…")

            async def probe(r: AccountRow = row) -> ConnectionResult:
                return await test_account(r.provider, r.account, resolver)

            if not run_async(
                self,
                probe,
                lambda result: self._set_test(result.account_id, result.describe()),
                self.show_error,
                name="ui-test-account",
            ):
                self._set_test(row.account.id, "")
                self.show_error("Testing needs the running app's event loop.")
                return

    def _set_test(self, account_id: int, text: str) -> None:
        self._tests[account_id] = text
        rows = [dataclasses.replace(r, test=self._tests.get(r.account.id, "")) for r in self.accounts.rows()]
        self.accounts.set_rows(rows)

    def test_text(self, account_id: int) -> str:
        return self._tests.get(account_id, "")


def _no_key() -> KeySource:
    # Local servers (Ollama, LM Studio…) take no key; older services lack the flag and say so.
    if "none" in KeySource.__dataclass_fields__:
        return KeySource(none=True)  # type: ignore[call-arg, unused-ignore]
    return KeySource()


def _started(services: DesktopPort) -> bool:
    try:
        services.admin()
    except RuntimeError:
        return False
    return True
