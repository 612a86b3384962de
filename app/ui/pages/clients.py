"""Clients: point each coding tool at the gateway, seeing the change before it is made, or put the
tool back as it was.

Configure is two steps: a dry run shows the unified diff (keys masked), Apply writes it (every file
is backed up first; Restore puts it back). A tool set up in its own UI (Cursor) gets values to copy
instead: its key is shown once, after Apply, like a new key on the Keys page.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QFontDatabase, QGuiApplication, QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from app.services.client_setup import ClientSetupService, ConfigureResult, ModelMapping, RestoreOutcome
from app.ui.bridge import EventBridge
from app.ui.jobs import run_blocking
from app.ui.models.known_models import known_models
from app.ui.models.table import Column, RecordTableModel
from app.ui.pages.page import Page, describe_error
from app.ui.ports import DesktopPort
from app.ui.widgets.diff_highlighter import DiffHighlighter
from app.ui.widgets.record_view import record_view

_STATE_COLOURS = {
    "configured": "#1e7a46",
    "file broken": "#b3261e",
    "changed since configured": "#b26a00",
    "points elsewhere": "#b26a00",
}
_RESTORED = {
    "exact": "put back exactly as it was",
    "keys": "edited since: only VansRoute's settings were put back",
    "unchanged": "already as it was",
    "taken-over": "another program points the tool elsewhere now; left as it is",
}


@dataclass(frozen=True, slots=True)
class ToolRow:
    """One tool as the table shows it (from the service's status and the tool's description)."""

    id: str
    name: str
    state: str
    installed: bool
    files: tuple[str, ...]
    routes_to: str | None
    requires_model: bool
    copy_only: bool
    notes: str
    problem: str | None


@dataclass(frozen=True, slots=True)
class ClientsView:
    tools: tuple[ToolRow, ...]
    models: tuple[str, ...]
    gateway_url: str


def load_view(service: ClientSetupService, models: Callable[[], tuple[str, ...]]) -> ClientsView:
    specs = {spec.id: spec for spec in service.tools()}
    rows = []
    for status in service.list_tools():
        spec = specs[status.id]
        rows.append(
            ToolRow(
                status.id,
                status.name,
                status.summary,
                status.installed,
                tuple(f.path for f in status.files),
                next((f.routes_to for f in status.files if f.routes_to), None),
                spec.requires_model,
                not spec.writable,
                spec.notes,
                next((f.error for f in status.files if f.error), None),
            )
        )
    return ClientsView(tuple(rows), models(), service.gateway_url())


def tools_model(parent: QWidget | None = None) -> RecordTableModel[ToolRow]:
    return RecordTableModel(
        (
            Column[ToolRow]("Tool", lambda t: t.name),
            Column[ToolRow](
                "State",
                lambda t: t.state,
                tooltip=lambda t: t.problem or "",
                colour=lambda t: _STATE_COLOURS.get(t.state),
            ),
            Column[ToolRow]("Installed", lambda t: "yes" if t.installed else "not found"),
        ),
        key=lambda t: t.id,
        parent=parent,
    )


def _failure(exc: BaseException) -> str:
    # Permission denied, disk full…: name the file; nothing half-written is left (as the CLI says it).
    if isinstance(exc, OSError):
        return f"{exc.strerror or exc}: {exc.filename or ''}".rstrip(": ")
    return describe_error(exc)


def _ask(parent: QWidget, question: str) -> bool:
    return QMessageBox.question(parent, "Restore", question) == QMessageBox.StandardButton.Yes


class ClientsPage(Page):
    title = "Clients"
    blurb = (
        "Point your coding tools at VansRoute. Preview shows exactly what would change in the tool's "
        "files; every file is backed up before it is written, and Restore puts it back."
    )

    def __init__(
        self,
        services: DesktopPort,
        bridge: EventBridge,
        parent: QWidget | None = None,
        *,
        home: Path | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(parent)
        self._services = services
        self._home = home
        self._environ = dict(os.environ) if environ is None else environ
        # The preview Apply would write: (tool, model) it was made for.
        self.previewed: tuple[str, str] | None = None
        self.gateway_url = ""
        self.confirm: Callable[[str], bool] = lambda q: _ask(self, q)

        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        splitter.setChildrenCollapsible(False)
        self.model = tools_model(self)
        self.view = record_view(self.model, splitter)

        detail = QWidget(splitter)
        side = QVBoxLayout(detail)
        side.setContentsMargins(0, 0, 0, 0)
        self.tool_label = QLabel(detail)
        self.tool_label.setWordWrap(True)
        self.tool_label.setTextFormat(Qt.TextFormat.RichText)
        side.addWidget(self.tool_label)
        model_row = QHBoxLayout()
        self.model_label = QLabel("Model", detail)
        self.model_box = QComboBox(detail)
        self.model_box.setEditable(True)
        self.model_box.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.model_box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.model_box.setMinimumContentsLength(20)
        self.model_edit = QLineEdit(self.model_box)
        self.model_edit.setPlaceholderText("leave the tool's model as it is")
        self.model_box.setLineEdit(self.model_edit)
        model_row.addWidget(self.model_label)
        model_row.addWidget(self.model_box, 1)
        side.addLayout(model_row)
        buttons = QHBoxLayout()
        self.preview_button = QPushButton("Preview changes", detail)
        self.apply_button = QPushButton("Apply", detail)
        self.restore_button = QPushButton("Restore…", detail)
        for button in (self.preview_button, self.apply_button, self.restore_button):
            button.setAutoDefault(False)
            buttons.addWidget(button)
        buttons.addStretch(1)
        side.addLayout(buttons)

        self.diff_view = QPlainTextEdit(detail)
        self.diff_view.setReadOnly(True)
        self.diff_view.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.diff_view.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.diff_view.setPlaceholderText("Preview changes to see the diff before anything is written.")
        self._highlighter = DiffHighlighter(self.diff_view.document())
        side.addWidget(self.diff_view, 1)

        # Values to paste into a tool's own settings (Cursor).
        self.values_box = QFrame(detail)
        self.values_box.setFrameShape(QFrame.Shape.StyledPanel)
        values_layout = QVBoxLayout(self.values_box)
        self.values_note = QLabel(self.values_box)
        self.values_note.setWordWrap(True)
        values_layout.addWidget(self.values_note)
        self.values_grid = QGridLayout()
        values_layout.addLayout(self.values_grid)
        self.values_done = QPushButton("Done", self.values_box)
        self.values_done.clicked.connect(self.clear_values)
        done_row = QHBoxLayout()
        done_row.addStretch(1)
        done_row.addWidget(self.values_done)
        values_layout.addLayout(done_row)
        self.values_box.hide()
        side.addWidget(self.values_box)
        side.addStretch(0)
        self.value_fields: list[QLineEdit] = []
        self.copy_buttons: list[QPushButton] = []

        splitter.addWidget(self.view)
        splitter.addWidget(detail)
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 3)
        splitter.setSizes([330, 520])
        self.layout_.addWidget(splitter, 1)

        self.view.selectionModel().selectionChanged.connect(self._selection_changed)
        self.preview_button.clicked.connect(self.preview)
        self.apply_button.clicked.connect(self.apply)
        self.restore_button.clicked.connect(self.restore)
        self.model_box.currentTextChanged.connect(lambda _t: self._update_buttons())
        bridge.snapshot_swapped.connect(lambda _e: self.reload())
        self._selection_changed()

    # -- data ------------------------------------------------------------------------------------

    def service(self) -> ClientSetupService | None:
        try:
            admin = self._services.admin()
        except RuntimeError:
            return None
        return ClientSetupService(admin, self._services.config, home=self._home, environ=self._environ)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.reload()

    def reload(self) -> None:
        service = self.service()
        if service is None:
            return
        admin = self._services.admin()
        run_blocking(
            self,
            lambda: load_view(service, lambda: known_models(admin)),
            self._show,
            lambda exc: self.show_error(_failure(exc)),
            name="ui-clients",
        )

    def _show(self, view: ClientsView) -> None:
        chosen = self.selected()
        self.model.set_rows(view.tools)
        typed = self.model_box.currentText()
        self.model_box.blockSignals(True)
        self.model_box.clear()
        self.model_box.addItems(view.models)
        self.model_box.setEditText(typed)
        self.model_box.blockSignals(False)
        self.gateway_url = view.gateway_url
        if chosen is not None and self.selected() is None:
            row = next((i for i, t in enumerate(view.tools) if t.id == chosen.id), None)
            if row is not None:
                self.view.selectRow(row)
        # The same tool stays chosen: its preview or values to copy stay too.
        self._describe()
        self._update_buttons()

    def selected(self) -> ToolRow | None:
        rows = self.view.selectionModel().selectedRows()
        return self.model.record(rows[0].row()) if rows else None

    def select(self, tool: str) -> None:
        row = next(i for i, t in enumerate(self.model.rows()) if t.id == tool)
        self.view.selectRow(row)

    # -- actions ---------------------------------------------------------------------------------

    def _models(self) -> ModelMapping:
        model = self.model_box.currentText().strip()
        return ModelMapping(default=model or None)

    def preview(self) -> None:
        tool, service = self.selected(), self.service()
        if tool is None or service is None:
            return
        if tool.requires_model and not self.model_box.currentText().strip():
            self.show_error(f"{tool.name} lists models by name: choose the model it should use first.")
            return
        models = self._models()
        wanted = (tool.id, self.model_box.currentText().strip())

        def shown(result: ConfigureResult) -> None:
            self.clear_message()
            self.clear_values()
            if result.copy_values:
                self.diff_view.clear()
                self.show_values(
                    result,
                    f"{result.name} is set up in its own settings. After Apply, paste these values "
                    "there (the key is created then and shown once).",
                )
            elif result.diff:
                self.diff_view.setPlainText(self._tilde(result.diff))
            else:
                self.diff_view.setPlainText(
                    f"{result.name} already uses VansRoute at {result.gateway_url}; nothing to change."
                )
            self.previewed = wanted
            self._update_buttons()

        run_blocking(
            self,
            lambda: service.configure(tool.id, models, dry_run=True),
            shown,
            self._failed,
            name="ui-configure-preview",
        )

    def apply(self) -> None:
        tool, service = self.selected(), self.service()
        if tool is None or service is None or not self._preview_current():
            return
        models = self._models()

        def applied(result: ConfigureResult) -> None:
            self.previewed = None
            if result.copy_values:
                self.show_values(
                    result,
                    f"<b>Paste these into {result.name}'s settings now:</b> this is the only time "
                    "the key is shown.",
                )
                self.show_info(f"{result.name} has its own key '{result.key_name}'.")
            else:
                written = ", ".join(str(p) for p in result.paths) or "no file needed changing"
                self.show_info(
                    f"{result.name} now uses VansRoute at {result.gateway_url} "
                    f"({written}; the previous versions are backed up)."
                )
            self.reload()

        run_blocking(
            self, lambda: service.configure(tool.id, models), applied, self._failed, name="ui-configure"
        )

    def restore(self) -> None:
        tool, service = self.selected(), self.service()
        if tool is None or service is None:
            return
        if not self.confirm(
            f"Put {tool.name} back as it was before VansRoute configured it, and revoke its key?"
        ):
            return

        def restored(outcome: RestoreOutcome) -> None:
            lines = [f"{Path(r.path).name}: {_RESTORED.get(r.how, r.how)}" for r in outcome.files]
            if outcome.key_revoked:
                lines.append(f"key 'tool.{outcome.tool}' revoked")
            self.show_info(f"{outcome.name} no longer uses VansRoute ({'; '.join(lines)}).")
            self.diff_view.clear()
            self.clear_values()
            self.reload()

        run_blocking(self, lambda: service.restore(tool.id), restored, self._failed, name="ui-restore")

    def _tilde(self, text: str) -> str:
        """Paths under the home folder as ~/…: shorter, and the user name stays off screenshots."""
        home = str(self._home if self._home is not None else Path.home())
        return text.replace(home + os.sep, "~" + os.sep)

    def _failed(self, exc: Exception) -> None:
        self.previewed = None
        self._update_buttons()
        self.show_error(_failure(exc))

    # -- values to copy --------------------------------------------------------------------------

    def show_values(self, result: ConfigureResult, note: str) -> None:
        self.clear_values()
        self.values_note.setText(note)
        for row, (label, value) in enumerate(result.copy_values):
            field = QLineEdit(value, self.values_box)
            field.setReadOnly(True)
            field.setCursorPosition(0)
            copy = QPushButton("Copy", self.values_box)
            copy.setAutoDefault(False)
            copy.clicked.connect(lambda _c=False, f=field, b=copy: self._copy(f, b))
            self.values_grid.addWidget(QLabel(label, self.values_box), row, 0)
            self.values_grid.addWidget(field, row, 1)
            self.values_grid.addWidget(copy, row, 2)
            self.value_fields.append(field)
            self.copy_buttons.append(copy)
        self.values_box.show()

    def clear_values(self) -> None:
        # The key goes from the widgets too, so it cannot be read back later.
        while self.values_grid.count():
            item = self.values_grid.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                if isinstance(widget, QLineEdit):
                    widget.clear()
                widget.deleteLater()
        self.value_fields.clear()
        self.copy_buttons.clear()
        self.values_box.hide()

    def _copy(self, field: QLineEdit, button: QPushButton) -> None:
        QGuiApplication.clipboard().setText(field.text())
        button.setText("Copied")
        QTimer.singleShot(1500, button, lambda: button.setText("Copy"))

    # -- state -----------------------------------------------------------------------------------

    def _preview_current(self) -> bool:
        tool = self.selected()
        return tool is not None and self.previewed == (tool.id, self.model_box.currentText().strip())

    def _selection_changed(self, *_: object) -> None:
        self.previewed = None
        self.diff_view.clear()
        self.clear_values()
        self._describe()
        self._update_buttons()

    def _describe(self) -> None:
        tool = self.selected()
        # A tool without files has no diff: its values to copy take the place.
        self.diff_view.setVisible(tool is None or not tool.copy_only)
        if tool is None:
            self.tool_label.setText("Choose a tool on the left.")
        else:
            where = f"points at {tool.routes_to}" if tool.routes_to else "not routed through a gateway"
            text = f"<b>{tool.name}</b>: {tool.state}"
            if not tool.copy_only:
                text += f" ({where})"
                text += "<br>" + ", ".join(self._tilde(f) for f in tool.files)
            if tool.problem:
                text += f"<br><span style='color:#b3261e'>{tool.problem}</span>"
            elif tool.notes:
                text += f"<br>{tool.notes[:1].upper()}{tool.notes[1:]}."
            self.tool_label.setText(text)
            self.model_label.setText("Model (needed)" if tool.requires_model else "Model")
            self.model_edit.setPlaceholderText(
                "the model it should use" if tool.requires_model else "leave the tool's model as it is"
            )

    def _update_buttons(self) -> None:
        tool = self.selected()
        self.preview_button.setEnabled(tool is not None)
        self.apply_button.setEnabled(self._preview_current())
        self.restore_button.setEnabled(
            tool is not None and (tool.copy_only or tool.state not in ("not configured", "points elsewhere"))
        )
        self.model_box.setEnabled(tool is not None)
