"""Combos: named lists of models tried by a strategy. The member list is reordered by dragging.

Every check (names, members, cycles, options) is the service's (app/services/combos.py); its
messages are shown in the banner as they are.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import QPalette, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from app.core.errors import ConfigError
from app.core.records import ComboRecord
from app.routing.resolve import COMBO_PREFIX
from app.routing.strategies import FUSION, STRATEGIES, WEIGHTED
from app.services.admin import AdminService
from app.services.combos import ComboAdmin
from app.ui.bridge import EventBridge
from app.ui.jobs import run_blocking
from app.ui.models.known_models import known_models
from app.ui.models.table import Column, RecordTableModel
from app.ui.pages.page import Page
from app.ui.ports import DesktopPort
from app.ui.widgets.record_view import record_view

# What each strategy does, in a sentence (the strategy box's tooltips and the hint under it).
STRATEGY_HINTS: Mapping[str, str] = {
    "fallback": "Members in the order listed; the next one when one fails.",
    "round-robin": "Each request starts one member further down the list.",
    "fusion": "The members answer in parallel; a judge model combines their answers.",
    "capacity": "Members that can do what the request needs (tools, images…) first.",
    "least-busy": "The member with the fewest requests in flight first.",
    "lowest-latency": "The member with the fastest recent time to first token first.",
    "cheapest": "The cheapest member first (your prices, else the provider's, else the catalogue's).",
    "context-window": "Members whose context window is too small for the request are skipped.",
    "weighted": "A random order, each member drawn with its weight.",
}
# Option spin boxes: 0 shows "default" and leaves the option unset.
_SECONDS = (("grace_s", "Grace after first answer", 8.0), ("timeout_s", "Panel time limit", 90.0))


@dataclass(frozen=True, slots=True)
class ComboChoices:
    """What the editor offers: every combo, and every model a member can name."""

    combos: tuple[ComboRecord, ...]
    models: tuple[str, ...]


def load_choices(admin: AdminService) -> ComboChoices:
    combos = ComboAdmin(admin.store).list()
    return ComboChoices(combos, (*known_models(admin), *(f"{COMBO_PREFIX}/{c.name}" for c in combos)))


def combos_model(parent: QWidget | None = None) -> RecordTableModel[ComboRecord]:
    return RecordTableModel(
        (
            Column[ComboRecord]("Name", lambda c: c.name),
            Column[ComboRecord]("Strategy", lambda c: c.strategy),
            Column[ComboRecord](
                "Members", lambda c: ", ".join(c.targets), tooltip=lambda c: "\n".join(c.targets)
            ),
        ),
        key=lambda c: c.name,
        parent=parent,
    )


def parse_weights(text: str) -> list[float] | None:
    """ "3, 1, 1" → [3.0, 1.0, 1.0]; empty → None (equal weights). The service checks the count."""
    parts = [p for p in text.replace(";", ",").replace(" ", ",").split(",") if p]
    if not parts:
        return None
    try:
        return [float(p) for p in parts]
    except ValueError:
        raise ConfigError(
            f"weights must be numbers separated by commas, e.g. 3, 1, 1 (not {text!r})"
        ) from None


def _ask(parent: QWidget, question: str) -> bool:
    return QMessageBox.question(parent, "Delete combo", question) == QMessageBox.StandardButton.Yes


def _seconds_box(parent: QWidget, default: float) -> QDoubleSpinBox:
    box = QDoubleSpinBox(parent)
    box.setRange(0, 3600)
    box.setDecimals(1)
    box.setSuffix(" s")
    box.setSpecialValueText(f"default ({default:g} s)")
    return box


class CombosPage(Page):
    title = "Combos"
    blurb = (
        "A combo is a model name (combo/NAME) that stands for several models, tried in an order its "
        "strategy decides. Drag members to reorder them."
    )

    def __init__(self, services: DesktopPort, bridge: EventBridge, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._services = services
        self.editing: str | None = None  # the combo being edited; None: a new one
        # Replaced in tests: a modal question would block them.
        self.confirm: Callable[[str], bool] = lambda q: _ask(self, q)

        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        splitter.setChildrenCollapsible(False)

        # Left: the combos.
        left = QWidget(splitter)
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        self.model = combos_model(self)
        self.view = record_view(self.model, left)
        left_layout.addWidget(self.view, 1)
        list_buttons = QHBoxLayout()
        self.new_button = QPushButton("New combo", left)
        self.delete_button = QPushButton("Delete…", left)
        list_buttons.addWidget(self.new_button)
        list_buttons.addWidget(self.delete_button)
        list_buttons.addStretch(1)
        left_layout.addLayout(list_buttons)

        # Right: the editor.
        self.editor = QGroupBox("New combo", splitter)
        form = QFormLayout(self.editor)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.name_edit = QLineEdit(self.editor)
        self.name_edit.setPlaceholderText("e.g. coding (clients then ask for combo/coding)")
        form.addRow("Name", self.name_edit)
        self.strategy_box = QComboBox(self.editor)
        for i, strategy in enumerate(STRATEGIES):
            self.strategy_box.addItem(strategy)
            self.strategy_box.setItemData(i, STRATEGY_HINTS.get(strategy, ""), Qt.ItemDataRole.ToolTipRole)
        form.addRow("Strategy", self.strategy_box)
        self.strategy_hint = QLabel(self.editor)
        self.strategy_hint.setWordWrap(True)
        form.addRow("", self.strategy_hint)

        add_row = QHBoxLayout()
        self.model_box = QComboBox(self.editor)
        self.model_box.setEditable(True)
        self.model_box.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.model_box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.model_box.setMinimumContentsLength(24)
        self.model_edit = QLineEdit(self.model_box)
        self.model_edit.setPlaceholderText("provider/model or combo/NAME")
        self.model_box.setLineEdit(self.model_edit)
        self.add_member_button = QPushButton("Add", self.editor)
        add_row.addWidget(self.model_box, 1)
        add_row.addWidget(self.add_member_button)
        form.addRow("Add member", add_row)
        self.members = QListWidget(self.editor)
        self.members.setDragDropMode(QAbstractItemView.DragDropMode.InternalMove)
        self.members.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.members.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.members.setSpacing(2)
        self.members.setToolTip("Drag to reorder: the strategy starts from this order")
        form.addRow("Members", self.members)
        member_row = QHBoxLayout()
        self.remove_member_button = QPushButton("Remove member", self.editor)
        member_row.addWidget(self.remove_member_button)
        drag_hint = QLabel("Drag members to change their order.", self.editor)
        drag_hint.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        member_row.addWidget(drag_hint, 1)
        form.addRow("", member_row)

        self.weights_edit = QLineEdit(self.editor)
        self.weights_edit.setPlaceholderText("one per member, e.g. 3, 1, 1 (empty: equal)")
        form.addRow("Weights", self.weights_edit)
        self.judge_box = QComboBox(self.editor)
        self.judge_box.setEditable(True)
        self.judge_box.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        judge_edit = QLineEdit(self.judge_box)
        judge_edit.setPlaceholderText("default: the first member")
        self.judge_box.setLineEdit(judge_edit)
        form.addRow("Judge", self.judge_box)
        self.seconds: dict[str, QDoubleSpinBox] = {}
        for option, label, default in _SECONDS:
            box = _seconds_box(self.editor, default)
            self.seconds[option] = box
            form.addRow(label, box)
        self._option_rows: dict[str, tuple[QWidget, ...]] = {
            WEIGHTED: (self.weights_edit,),
            FUSION: (self.judge_box, *self.seconds.values()),
        }
        self._form = form

        save_row = QHBoxLayout()
        save_row.addStretch(1)
        self.save_button = QPushButton("Create combo", self.editor)
        self.save_button.setDefault(True)
        save_row.addWidget(self.save_button)
        form.addRow(save_row)

        splitter.addWidget(left)
        splitter.addWidget(self.editor)
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 3)
        splitter.setSizes([340, 510])
        self.layout_.addWidget(splitter, 1)

        self.new_button.clicked.connect(self.new_combo)
        self.delete_button.clicked.connect(self.delete_selected)
        self.add_member_button.clicked.connect(self.add_member)
        self.model_edit.returnPressed.connect(self.add_member)
        self.remove_member_button.clicked.connect(self.remove_member)
        self.save_button.clicked.connect(self.save)
        self.strategy_box.currentTextChanged.connect(self._strategy_changed)
        self.view.selectionModel().selectionChanged.connect(self._selection_changed)
        self.members.model().rowsInserted.connect(self._members_changed)
        self.members.model().rowsRemoved.connect(self._members_changed)
        self.members.model().rowsMoved.connect(self._members_changed)
        self.members.currentRowChanged.connect(lambda _r: self._update_buttons())
        bridge.snapshot_swapped.connect(lambda _e: self.reload())
        self._strategy_changed(self.strategy_box.currentText())
        self._update_buttons()

    # -- data ------------------------------------------------------------------------------------

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.reload()

    def _admin(self) -> AdminService | None:
        try:
            return self._services.admin()
        except RuntimeError:
            return None

    def reload(self) -> None:
        admin = self._admin()
        if admin is None:
            return
        run_blocking(self, lambda: load_choices(admin), self._show, self.show_error, name="ui-list-combos")

    def _show(self, choices: ComboChoices) -> None:
        self.model.set_rows(sorted(choices.combos, key=lambda c: c.name))
        typed = self.model_box.currentText()
        self.model_box.clear()
        self.model_box.addItems(choices.models)
        self.model_box.setEditText(typed)
        judge = self.judge_box.currentText()
        self.judge_box.clear()
        self.judge_box.addItems([m for m in choices.models if not m.startswith(f"{COMBO_PREFIX}/")])
        self.judge_box.setEditText(judge)
        if self.editing is not None:
            row = next((i for i, c in enumerate(self.model.rows()) if c.name == self.editing), None)
            if row is not None:
                self.view.selectRow(row)
        self._update_buttons()

    def selected(self) -> ComboRecord | None:
        rows = self.view.selectionModel().selectedRows()
        return self.model.record(rows[0].row()) if rows else None

    # -- the editor ------------------------------------------------------------------------------

    def member_names(self) -> list[str]:
        return [self.members.item(i).text() for i in range(self.members.count())]

    def new_combo(self) -> None:
        self.view.clearSelection()
        self.edit(None)

    def edit(self, combo: ComboRecord | None) -> None:
        self.editing = combo.name if combo is not None else None
        self.editor.setTitle(f"Edit combo/{combo.name}" if combo is not None else "New combo")
        self.save_button.setText("Save changes" if combo is not None else "Create combo")
        self.name_edit.setText(combo.name if combo is not None else "")
        self.name_edit.setReadOnly(combo is not None)
        self.strategy_box.setCurrentText(combo.strategy if combo is not None else STRATEGIES[0])
        self.members.clear()
        for member in combo.targets if combo is not None else ():
            self._add_item(member)
        weights = combo.option("weights") if combo is not None else None
        self.weights_edit.setText(", ".join(f"{w:g}" for w in weights) if isinstance(weights, list) else "")
        judge = combo.option("judge") if combo is not None else None
        self.judge_box.setEditText(judge if isinstance(judge, str) else "")
        for option, box in self.seconds.items():
            value = combo.option(option) if combo is not None else None
            box.setValue(float(value) if isinstance(value, int | float) else 0.0)
        self._update_buttons()

    def _add_item(self, text: str) -> None:
        item = QListWidgetItem(text, self.members)
        item.setFlags(
            Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsDragEnabled
        )

    def add_member(self) -> None:
        name = self.model_box.currentText().strip()
        if not name:
            return
        if name in self.member_names():
            self.show_error(f"{name} is already a member (a combo lists each member once).")
            return
        self._add_item(name)
        self.model_box.setEditText("")
        self.clear_message()

    def remove_member(self) -> None:
        row = self.members.currentRow()
        if row >= 0:
            self.members.takeItem(row)

    def options(self) -> dict[str, object]:
        """The options for the chosen strategy; the others are None (cleared when saved)."""
        strategy = self.strategy_box.currentText()
        out: dict[str, object] = {"weights": None, "judge": None, "grace_s": None, "timeout_s": None}
        if strategy == WEIGHTED:
            out["weights"] = parse_weights(self.weights_edit.text())
        if strategy == FUSION:
            out["judge"] = self.judge_box.currentText().strip() or None
            for option, box in self.seconds.items():
                out[option] = box.value() or None
        return out

    def save(self) -> None:
        admin = self._admin()
        if admin is None:
            self.show_error("The gateway has not started yet; try again in a moment.")
            return
        try:
            options = self.options()
        except ConfigError as exc:
            self.show_error(exc)
            return
        name = self.name_edit.text().strip()
        strategy = self.strategy_box.currentText()
        members = self.member_names()
        combos = ComboAdmin(admin.store)
        editing = self.editing
        if editing is None:
            set_options = {k: v for k, v in options.items() if v is not None}

            def call() -> ComboRecord:
                return combos.add(name, strategy, members, set_options)
        else:

            def call() -> ComboRecord:
                return combos.update(editing, strategy=strategy, members=members, options=options)

        run_blocking(self, call, self._saved, self.show_error, name="ui-save-combo")

    def _saved(self, combo: ComboRecord) -> None:
        created = self.editing is None
        self.editing = combo.name
        self.edit(combo)
        self.show_info(f"combo/{combo.name} {'created' if created else 'saved'}.")
        self.reload()

    def delete_selected(self) -> None:
        combo = self.selected()
        if combo is None:
            return
        if not self.confirm(f"Delete combo/{combo.name}? Tools asking for it get an error from then on."):
            return
        admin = self._admin()
        if admin is None:
            return
        combos = ComboAdmin(admin.store)
        run_blocking(
            self, lambda: combos.remove(combo.name), self._deleted, self.show_error, name="ui-remove-combo"
        )

    def _deleted(self, combo: ComboRecord) -> None:
        self.show_info(f"combo/{combo.name} deleted.")
        self.edit(None)
        self.reload()

    # -- state -----------------------------------------------------------------------------------

    def _selection_changed(self, *_: object) -> None:
        combo = self.selected()
        if combo is not None:
            self.edit(combo)
        self._update_buttons()

    def _strategy_changed(self, strategy: str) -> None:
        self.strategy_hint.setText(STRATEGY_HINTS.get(strategy, ""))
        for option_strategy, widgets in self._option_rows.items():
            for widget in widgets:
                self._form.setRowVisible(widget, strategy == option_strategy)

    def _members_changed(self, *_: object) -> None:
        self._update_buttons()

    def _update_buttons(self) -> None:
        self.delete_button.setEnabled(self.selected() is not None)
        self.remove_member_button.setEnabled(self.members.currentRow() >= 0)
