"""The models of one provider with the facts the gateway works with (context, output cap,
capabilities, price per million tokens and where the price comes from), and a small form to set your
own price for one of them: a negotiated rate, a self-hosted server, a price the provider changed.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QSortFilterProxyModel, Qt
from PySide6.QtWidgets import (
    QDoubleSpinBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.core.records import ModelOverrideRecord
from app.services.model_facts import ModelFactsAdmin, ModelFactsRow, OverrideChange
from app.ui.jobs import run_blocking
from app.ui.models.table import SORT_ROLE, Column, RecordTableModel
from app.ui.widgets.record_view import record_view

_PRICE_COLOURS = {"yours": "#1a5fb4", "provider": "#1e7a46"}


def _tokens(n: int | None) -> str:
    if n is None:
        return "—"
    return f"{n // 1000:,}K" if n >= 1000 else str(n)


def _usd(value: float | None) -> str:
    return "—" if value is None else f"${value:,.4g}"


def facts_model(parent: QWidget | None = None) -> RecordTableModel[ModelFactsRow]:
    def price(row: ModelFactsRow, pick: Callable[[float, float, float | None], float | None]) -> str:
        p = row.facts.price
        return "—" if p is None else _usd(pick(p.input, p.output, p.cached_input))

    return RecordTableModel(
        (
            Column[ModelFactsRow](
                "Model", lambda r: r.model_id, tooltip=lambda r: f"listed by: {r.listed_by}"
            ),
            Column[ModelFactsRow](
                "Context",
                lambda r: _tokens(r.facts.context_window),
                align_right=True,
                sort_key=lambda r: r.facts.context_window or 0,
            ),
            Column[ModelFactsRow](
                "Max out",
                lambda r: _tokens(r.facts.max_output),
                align_right=True,
                sort_key=lambda r: r.facts.max_output or 0,
            ),
            Column[ModelFactsRow](
                "Can", lambda r: ", ".join(sorted(c.value for c in r.facts.capabilities)) or "—"
            ),
            Column[ModelFactsRow](
                "In $/M",
                lambda r: price(r, lambda i, _o, _c: i),
                align_right=True,
                sort_key=lambda r: r.facts.price.input if r.facts.price else float("inf"),
            ),
            Column[ModelFactsRow](
                "Out $/M",
                lambda r: price(r, lambda _i, o, _c: o),
                align_right=True,
                sort_key=lambda r: r.facts.price.output if r.facts.price else float("inf"),
            ),
            Column[ModelFactsRow]("Cached $/M", lambda r: price(r, lambda _i, _o, c: c), align_right=True),
            Column[ModelFactsRow](
                "Price from",
                lambda r: r.price_from.value if r.price_from else "unknown",
                colour=lambda r: _PRICE_COLOURS.get(r.price_from.value) if r.price_from else "#8a8a8a",
            ),
        ),
        key=lambda r: r.model_id,
        parent=parent,
    )


def _price_box(parent: QWidget, tip: str) -> QDoubleSpinBox:
    box = QDoubleSpinBox(parent)
    box.setDecimals(4)
    box.setRange(0.0, 10_000.0)
    box.setPrefix("$")
    box.setToolTip(tip)
    box.setSpecialValueText("—")  # the minimum shows as "not set" for the cached price
    return box


class ModelFactsPanel(QWidget):
    def __init__(
        self,
        facts_admin: Callable[[], ModelFactsAdmin],
        on_error: Callable[[BaseException | str], None],
        on_info: Callable[[str], None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._admin = facts_admin
        self._on_error = on_error
        self._on_info = on_info
        self.provider_id: str | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        head = QHBoxLayout()
        self.title = QLabel("<b>Models and prices</b> — select an account above", self)
        head.addWidget(self.title, 1)
        self.search = QLineEdit(self)
        self.search.setPlaceholderText("Filter models…")
        self.search.setClearButtonEnabled(True)
        head.addWidget(self.search)
        layout.addLayout(head)

        self.facts = facts_model(self)
        self.filter = QSortFilterProxyModel(self)
        self.filter.setSourceModel(self.facts)
        self.filter.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.filter.setFilterKeyColumn(0)
        self.filter.setSortRole(SORT_ROLE)
        self.view = record_view(self.filter, self)
        self.view.setSortingEnabled(True)
        self.view.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        layout.addWidget(self.view, 1)
        self.search.textChanged.connect(self.filter.setFilterFixedString)
        self.view.selectionModel().selectionChanged.connect(self._on_pick)

        form = QHBoxLayout()
        self.model_label = QLabel("Your price:", self)
        form.addWidget(self.model_label)
        self.input_box = _price_box(self, "USD per million input tokens")
        self.output_box = _price_box(self, "USD per million output tokens")
        self.cached_box = _price_box(self, "USD per million cache-read input tokens (— for none)")
        for label, box in (("in", self.input_box), ("out", self.output_box), ("cached", self.cached_box)):
            form.addWidget(QLabel(label, self))
            form.addWidget(box)
        self.save_button = QPushButton("Set price", self)
        self.clear_button = QPushButton("Use published price", self)
        for b in (self.save_button, self.clear_button):
            b.setAutoDefault(False)
            form.addWidget(b)
        form.addStretch(1)
        layout.addLayout(form)
        self.save_button.clicked.connect(self.save_price)
        self.clear_button.clicked.connect(self.clear_price)
        self._update_form()

    # -- data ------------------------------------------------------------------------------------

    def show_provider(self, provider_id: str | None) -> None:
        self.provider_id = provider_id
        if provider_id is None:
            self.title.setText("<b>Models and prices</b> — select an account above")
            self.facts.set_rows(())
            self._update_form()
            return
        self.title.setText(f"<b>Models and prices</b> of {provider_id}")
        run_blocking(
            self,
            lambda: self._admin().rows(provider_id),
            self._show_rows,
            self._on_error,
            name="ui-model-facts",
        )

    def _show_rows(self, rows: list[ModelFactsRow]) -> None:
        self.facts.set_rows(rows)
        self._update_form()

    def selected(self) -> ModelFactsRow | None:
        rows = self.view.selectionModel().selectedRows()
        return self.facts.record(self.filter.mapToSource(rows[0]).row()) if rows else None

    def select_model(self, model_id: str) -> None:
        for i, row in enumerate(self.facts.rows()):
            if row.model_id == model_id:
                self.view.selectRow(self.filter.mapFromSource(self.facts.index(i, 0)).row())
                return

    def _on_pick(self, *_: object) -> None:
        row = self.selected()
        price = row.facts.price if row is not None else None
        self.input_box.setValue(price.input if price else 0.0)
        self.output_box.setValue(price.output if price else 0.0)
        self.cached_box.setValue(price.cached_input if price and price.cached_input is not None else 0.0)
        self._update_form()

    def _update_form(self) -> None:
        row = self.selected()
        for widget in (self.input_box, self.output_box, self.cached_box, self.save_button):
            widget.setEnabled(row is not None)
        self.clear_button.setEnabled(row is not None and row.overridden)
        self.model_label.setText(f"Your price for <b>{row.model_id}</b>:" if row else "Your price:")

    # -- actions -----------------------------------------------------------------------------------

    def save_price(self) -> None:
        row = self.selected()
        if row is None:
            return
        cached = self.cached_box.value()
        change = OverrideChange(
            price_input=self.input_box.value(),
            price_output=self.output_box.value(),
            price_cached=cached if cached > 0 else None,
        )
        admin = self._admin()

        def done(record: ModelOverrideRecord) -> None:
            self._on_info(
                f"{row.provider_id}/{row.model_id}: ${record.price_input:g} in / ${record.price_output:g} out "
                "per million tokens (yours)."
            )
            self._refresh(row.model_id)

        run_blocking(
            self,
            lambda: admin.override(row.provider_id, row.model_id, change),
            done,
            self._on_error,
            name="ui-set-price",
        )

    def clear_price(self) -> None:
        row = self.selected()
        if row is None:
            return
        admin = self._admin()

        def done(_: None) -> None:
            self._on_info(f"{row.provider_id}/{row.model_id} uses the published price again.")
            self._refresh(row.model_id)

        run_blocking(
            self,
            lambda: admin.clear(row.provider_id, row.model_id),
            done,
            self._on_error,
            name="ui-clear-price",
        )

    def reload(self) -> None:
        """Read the facts again, keeping the selection (a refreshed model list, another window's edit)."""
        row = self.selected()
        self._refresh(row.model_id if row is not None else None)

    def _refresh(self, keep: str | None) -> None:
        provider_id = self.provider_id
        if provider_id is None:
            return

        def shown(rows: list[ModelFactsRow]) -> None:
            self._show_rows(rows)
            if keep is not None:
                self.select_model(keep)

        run_blocking(
            self,
            lambda: self._admin().rows(provider_id),
            shown,
            self._on_error,
            name="ui-model-facts",
        )
