"""Keys: the local API keys coding tools use to reach the gateway. A new key is shown once; each key's
access lists, limits and monthly budget are edited below the list (checked by the services, whose
message is shown as is)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from PySide6.QtCore import QTimer
from PySide6.QtGui import QGuiApplication, QShowEvent
from PySide6.QtWidgets import (
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.core.records import ApiKeyRecord, KeyLimits
from app.services.key_limits import LimitChanges
from app.ui.bridge import EventBridge
from app.ui.jobs import run_blocking
from app.ui.models.table import Column, RecordTableModel
from app.ui.pages.page import Page
from app.ui.ports import DesktopPort
from app.ui.text_records import access_text, limits_summary, when
from app.ui.widgets.record_view import record_view


def keys_model(parent: QWidget | None = None) -> RecordTableModel[ApiKeyRecord]:
    return RecordTableModel(
        (
            Column[ApiKeyRecord]("Name", lambda k: k.name),
            Column[ApiKeyRecord]("Key", lambda k: f"{k.prefix}…"),
            Column[ApiKeyRecord]("Created", lambda k: when(k.created_at)),
            Column[ApiKeyRecord]("Last used", lambda k: when(k.last_used_at, never="never")),
            Column[ApiKeyRecord]("Limits", lambda k: limits_summary(k.limits)),
            Column[ApiKeyRecord](
                "Status",
                lambda k: "revoked" if k.revoked else "active",
                colour=lambda k: "#b3261e" if k.revoked else "#1e7a46",
            ),
        ),
        key=lambda k: k.id,
        parent=parent,
    )


def _ask(parent: QWidget, question: str) -> bool:
    answer = QMessageBox.question(parent, "Revoke key", question)
    return answer == QMessageBox.StandardButton.Yes


class KeysPage(Page):
    title = "Keys"
    blurb = "Coding tools authenticate to VansRoute with these keys. A key is shown once, when it is created."

    def __init__(self, services: DesktopPort, bridge: EventBridge, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._services = services
        # Replaced in tests: a modal question would block them.
        self.confirm: Callable[[str], bool] = lambda q: _ask(self, q)

        create_row = QHBoxLayout()
        self.name_edit = QLineEdit(self)
        self.name_edit.setPlaceholderText("Name for a new key, e.g. laptop or claude-code")
        self.create_button = QPushButton("Create key", self)
        self.create_button.clicked.connect(self.create_key)
        self.name_edit.returnPressed.connect(self.create_key)
        create_row.addWidget(self.name_edit, 1)
        create_row.addWidget(self.create_button)
        self.layout_.addLayout(create_row)

        # The one-time reveal.
        self.reveal = QFrame(self)
        self.reveal.setFrameShape(QFrame.Shape.StyledPanel)
        reveal_layout = QVBoxLayout(self.reveal)
        self.reveal_label = QLabel(self.reveal)
        self.reveal_label.setWordWrap(True)
        reveal_layout.addWidget(self.reveal_label)
        key_row = QHBoxLayout()
        self.key_field = QLineEdit(self.reveal)
        self.key_field.setReadOnly(True)
        self.copy_button = QPushButton("Copy", self.reveal)
        self.copy_button.clicked.connect(self.copy_key)
        self.done_button = QPushButton("Done", self.reveal)
        self.done_button.clicked.connect(self.hide_key)
        key_row.addWidget(self.key_field, 1)
        key_row.addWidget(self.copy_button)
        key_row.addWidget(self.done_button)
        reveal_layout.addLayout(key_row)
        self.reveal.hide()
        self.layout_.addWidget(self.reveal)

        self.model = keys_model(self)
        self.view = record_view(self.model, self)
        self.layout_.addWidget(self.view, 1)

        actions = QHBoxLayout()
        self.revoke_button = QPushButton("Revoke…", self)
        self.revoke_button.clicked.connect(self.revoke_selected)
        actions.addWidget(self.revoke_button)
        actions.addStretch(1)
        self.layout_.addLayout(actions)

        # What the selected key may do.
        self.limits_box = QGroupBox("Access and limits", self)
        form = QFormLayout(self.limits_box)
        self.limit_edits: dict[str, QLineEdit] = {}
        for field, label, hint in (
            ("providers", "Providers", "all, none, or openai, anthropic"),
            ("combos", "Combos", "all, none, or a list of combo names"),
            ("kinds", "Request kinds", "all, none, or chat, responses, messages, gemini, …"),
            ("requests_per_minute", "Requests per minute", "a number, or none"),
            ("max_concurrent", "At once", "a number, or none"),
            ("monthly_budget_usd", "Monthly budget (USD)", "an amount, or none"),
            ("token_savers", "Token savers", "default, off, or rtk, caveman"),
        ):
            edit = QLineEdit(self.limits_box)
            edit.setPlaceholderText(hint)
            form.addRow(label, edit)
            self.limit_edits[field] = edit
        self.spend_label = QLabel(self.limits_box)
        form.addRow("Spent this month", self.spend_label)
        self.save_limits_button = QPushButton("Save limits", self.limits_box)
        self.save_limits_button.clicked.connect(self.save_limits)
        form.addRow(self.save_limits_button)
        self.limits_box.setEnabled(False)
        self.layout_.addWidget(self.limits_box)
        self._shown_limits: dict[str, str] = {}
        self._limits_for: ApiKeyRecord | None = None
        self.view.selectionModel().selectionChanged.connect(self._update_buttons)
        bridge.snapshot_swapped.connect(lambda _e: self.reload())
        self._update_buttons()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.reload()

    def reload(self) -> None:
        try:
            admin = self._services.admin()
        except RuntimeError:
            return
        run_blocking(self, admin.list_keys, self._show, self.show_error, name="ui-list-keys")

    def _show(self, keys: tuple[ApiKeyRecord, ...]) -> None:
        # Active keys first, newest first within each group.
        self.model.set_rows(sorted(keys, key=lambda k: (k.revoked, -k.id)))
        self._update_buttons()

    def selected(self) -> ApiKeyRecord | None:
        rows = self.view.selectionModel().selectedRows()
        return self.model.record(rows[0].row()) if rows else None

    def _update_buttons(self, *_: object) -> None:
        key = self.selected()
        self.revoke_button.setEnabled(key is not None and not key.revoked)
        self._show_limits(key)

    def _show_limits(self, key: ApiKeyRecord | None) -> None:
        # A refresh of the list (another window, the CLI) must not wipe what the user is typing.
        if key == self._limits_for and key is not None:
            return
        self._limits_for = key
        editable = key is not None and not key.revoked
        self.limits_box.setEnabled(editable)
        values = _limit_texts(key.limits if key is not None else KeyLimits())
        if key is None:
            values = dict.fromkeys(values, "")
        for field, edit in self.limit_edits.items():
            edit.setText(values[field])
        self._shown_limits = dict(values)
        self.limits_box.setTitle(
            f"Access and limits of '{key.name}'" if key is not None else "Access and limits"
        )
        self.spend_label.setText("—")
        if key is None:
            return
        admin = self._services.admin()
        name = key.name
        run_blocking(
            self,
            lambda: admin.key_spend(name, datetime.now(UTC)),
            lambda spent: self._show_spend(name, spent),
            lambda _exc: self.spend_label.setText("unknown"),
            name="ui-key-spend",
        )

    def _show_spend(self, name: str, spent: float) -> None:
        key = self.selected()
        if key is None or key.name != name:
            return
        budget = key.limits.monthly_budget_usd
        self.spend_label.setText(f"${spent:.2f}" + (f" of ${budget:.2f}" if budget is not None else ""))

    def save_limits(self) -> None:
        key = self.selected()
        if key is None:
            return
        changed = {
            field: edit.text().strip()
            for field, edit in self.limit_edits.items()
            if edit.text().strip() != self._shown_limits.get(field, "")
        }
        if not changed:
            self.show_info("Nothing changed.")
            return
        admin = self._services.admin()
        name = key.name
        run_blocking(
            self,
            lambda: admin.update_key(name, LimitChanges(**changed)),
            self._limits_saved,
            self.show_error,
            name="ui-key-limits",
        )

    def _limits_saved(self, record: ApiKeyRecord) -> None:
        self.show_info(f"Limits of '{record.name}' saved: {limits_summary(record.limits)}.")
        self.reload()
        self.select_key(record.name)

    def select_key(self, name: str) -> None:
        for i, key in enumerate(self.model.rows()):
            if key.name == name:
                self.view.selectRow(i)
                return

    def create_key(self) -> None:
        name = self.name_edit.text().strip()
        if not name:
            self.show_error("Give the key a name first (it says where the key is used).")
            return
        admin = self._services.admin()

        def created(result: tuple[ApiKeyRecord, str]) -> None:
            record, key = result
            self.name_edit.clear()
            self.clear_message()
            self.show_key(record.name, key)
            self.reload()

        run_blocking(self, lambda: admin.create_key(name), created, self.show_error, name="ui-create-key")

    def show_key(self, name: str, key: str) -> None:
        self.reveal_label.setText(
            f"<b>Key '{name}' created.</b> Copy it now: this is the only time it is shown."
        )
        self.key_field.setText(key)
        self.copy_button.setText("Copy")
        self.reveal.show()

    def copy_key(self) -> None:
        QGuiApplication.clipboard().setText(self.key_field.text())
        self.copy_button.setText("Copied")
        QTimer.singleShot(1500, self, lambda: self.copy_button.setText("Copy"))

    def hide_key(self) -> None:
        # Gone from the widget too, so it cannot be read back later.
        self.key_field.clear()
        self.reveal.hide()

    def revoke_selected(self) -> None:
        key = self.selected()
        if key is None or key.revoked:
            return
        if not self.confirm(f"Revoke '{key.name}'? Tools using it stop working at once."):
            return
        admin = self._services.admin()
        run_blocking(
            self,
            lambda: admin.revoke_key(key.name),
            self._revoked,
            self.show_error,
            name="ui-revoke-key",
        )

    def _revoked(self, record: ApiKeyRecord) -> None:
        self.show_info(f"Key '{record.name}' revoked.")
        self.reload()


def _limit_texts(limits: KeyLimits) -> dict[str, str]:
    def number(value: float | None) -> str:
        return "none" if value is None else f"{value:g}"

    return {
        "providers": access_text(limits.providers),
        "combos": access_text(limits.combos),
        "kinds": access_text(limits.kinds),
        "requests_per_minute": number(limits.requests_per_minute),
        "max_concurrent": number(limits.max_concurrent),
        "monthly_budget_usd": "none"
        if limits.monthly_budget_usd is None
        else f"{limits.monthly_budget_usd:.2f}",
        "token_savers": limits.token_savers or "default",
    }
