"""Usage: tokens and cost per day by provider, model, key or client app; totals; recent requests.

The database is read when the page is shown and when a selector changes. While the page is visible,
each ``RequestFinished`` from the bus is folded into what is shown (the event carries the usage
record) and the redraw is coalesced, so a burst of requests costs one redraw and no query.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QSplitter,
    QTabWidget,
    QWidget,
)

from app.core.events import RequestFinished
from app.core.records import UsageDimension, UsageRecord, UsageTotals
from app.ui.bridge import EventBridge
from app.ui.coalesce import Coalescer
from app.ui.jobs import run_blocking
from app.ui.models.table import Column, RecordTableModel
from app.ui.models.usage_data import UsageData, UsageQuery, UsageSnapshot, period_start
from app.ui.pages.page import Page
from app.ui.ports import DesktopPort
from app.ui.text_records import when
from app.ui.widgets.record_view import record_view

if TYPE_CHECKING:
    from app.ui.widgets.usage_chart import UsageChart

DIMENSIONS: tuple[tuple[str, UsageDimension], ...] = (
    ("Provider", UsageDimension.PROVIDER),
    ("Model", UsageDimension.MODEL),
    ("Key", UsageDimension.KEY),
    ("Client app", UsageDimension.APP),
)
PERIODS: tuple[tuple[str, int], ...] = (("Last 7 days", 7), ("Last 30 days", 30), ("Last 90 days", 90))
METRICS: tuple[tuple[str, str], ...] = (("Tokens", "tokens"), ("Cost", "cost"))
REDRAW_MS = 500


def _short_time(moment: datetime) -> str:
    """Local time, "Nov 25 11:56": the year is in the tooltip."""
    if moment.tzinfo is None:  # stored as UTC without a zone (SQLite)
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone().strftime("%b %d %H:%M")


def _count(value: int | None) -> str:
    return "—" if value is None else f"{value:,}"


def _ms(value: float | None) -> str:
    return "—" if value is None else f"{value:,.0f} ms"


def _usd(value: float | None) -> str:
    if value is None:
        return "—"
    return f"${value:,.4f}" if 0 < value < 0.01 else f"${value:,.2f}"


def _tokens(r: UsageRecord) -> str:
    if r.input_tokens is None and r.output_tokens is None:
        return "—"
    return f"{r.input_tokens or 0:,} → {r.output_tokens or 0:,}"


def _route(r: UsageRecord) -> str:
    served = r.upstream_model or r.model
    return f"{r.provider_id}/{served}" if r.provider_id else served


def _asked(r: UsageRecord) -> str:
    # What the client asked for, when routing (a combo, an alias) changed it.
    return "" if r.model in (r.upstream_model, _route(r)) else f"asked for {r.model}"


def recent_model(parent: QWidget | None = None) -> RecordTableModel[UsageRecord]:
    return RecordTableModel(
        (
            Column[UsageRecord](
                "Time", lambda r: _short_time(r.started_at), tooltip=lambda r: when(r.started_at)
            ),
            Column[UsageRecord]("Key", lambda r: r.api_key_name or "—"),
            Column[UsageRecord]("Client app", lambda r: r.client_app or "—"),
            Column[UsageRecord]("Provider / model", _route, tooltip=_asked),
            Column[UsageRecord](
                "Status",
                lambda r: str(r.status),
                tooltip=lambda r: r.error or "",
                colour=lambda r: "#b3261e" if r.status >= 400 else "#1e7a46",
                align_right=True,
            ),
            Column[UsageRecord]("Latency", lambda r: _ms(r.latency_ms), align_right=True),
            Column[UsageRecord]("First token", lambda r: _ms(r.ttft_ms), align_right=True),
            Column[UsageRecord]("Attempts", lambda r: str(r.attempts), align_right=True),
            Column[UsageRecord](
                "Tokens in → out",
                _tokens,
                tooltip=lambda r: f"cached {_count(r.cached_tokens)}, reasoning {_count(r.reasoning_tokens)}",
                align_right=True,
            ),
            Column[UsageRecord]("Cost", lambda r: _usd(r.cost_usd), align_right=True),
        ),
        key=lambda r: r.request_id,
        parent=parent,
    )


def totals_model(parent: QWidget | None = None) -> RecordTableModel[UsageTotals]:
    return RecordTableModel(
        (
            Column[UsageTotals]("Name", lambda t: t.group or "(none)"),
            Column[UsageTotals]("Requests", lambda t: f"{t.requests:,}", align_right=True),
            Column[UsageTotals](
                "Errors",
                lambda t: f"{t.errors:,}",
                colour=lambda t: "#b3261e" if t.errors else None,
                align_right=True,
            ),
            Column[UsageTotals]("Input tokens", lambda t: f"{t.input_tokens:,}", align_right=True),
            Column[UsageTotals]("Output tokens", lambda t: f"{t.output_tokens:,}", align_right=True),
            Column[UsageTotals]("Cached", lambda t: f"{t.cached_tokens:,}", align_right=True),
            Column[UsageTotals]("Cost", lambda t: _usd(t.cost_usd), align_right=True),
            Column[UsageTotals]("Avg latency", lambda t: _ms(t.avg_latency_ms), align_right=True),
            Column[UsageTotals]("Avg first token", lambda t: _ms(t.avg_ttft_ms), align_right=True),
        ),
        key=lambda t: t.group or "",
        parent=parent,
    )


def _choice(parent: QWidget, items: tuple[tuple[str, object], ...]) -> QComboBox:
    box = QComboBox(parent)
    for text, value in items:
        box.addItem(text, value)
    return box


class UsagePage(Page):
    title = "Usage"
    blurb = "Tokens and cost per day, and the requests the gateway served most recently (times in your local time; days in UTC)."

    def __init__(
        self,
        services: DesktopPort,
        bridge: EventBridge,
        parent: QWidget | None = None,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        super().__init__(parent)
        self._services = services
        self._clock = clock
        self.data: UsageData | None = None
        self._pending: list[UsageRecord] = []
        # Counted for tests and the docs' claim: one redraw per burst.
        self.redraws = 0
        self.reads = 0

        controls = QHBoxLayout()
        self.metric_box = _choice(self, METRICS)
        self.dimension_box = _choice(self, DIMENSIONS)
        self.period_box = _choice(self, PERIODS)
        for label, box in (
            ("Show", self.metric_box),
            ("by", self.dimension_box),
            ("over the", self.period_box),
        ):
            controls.addWidget(QLabel(label, self))
            controls.addWidget(box)
        controls.addStretch(1)
        self.summary = QLabel(self)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.summary.setToolTip(
            "saved: tokens the token savers took out of tool output before it went upstream"
        )
        controls.addWidget(self.summary)
        self.layout_.addLayout(controls)

        # The chart is made when the page is first shown: pyqtgraph and numpy take about a quarter
        # of a second to import, which the tray's start-up should not pay for a page not yet opened.
        self.chart: UsageChart | None = None
        self.totals = totals_model(self)
        self.recent = recent_model(self)
        self.totals_view = record_view(self.totals, self, single=False)
        self.recent_view = record_view(self.recent, self, single=False)
        self.tabs = QTabWidget(self)
        self.tabs.addTab(self.recent_view, "Recent requests")
        self.tabs.addTab(self.totals_view, "Totals")
        self.splitter = QSplitter(Qt.Orientation.Vertical, self)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.addWidget(self.tabs)
        self.layout_.addWidget(self.splitter, 1)

        self.metric_box.currentIndexChanged.connect(lambda _i: self.redraw())
        self.dimension_box.currentIndexChanged.connect(lambda _i: self.reload())
        self.period_box.currentIndexChanged.connect(lambda _i: self.reload())
        self._coalesced = Coalescer(self._fold_pending, self, interval_ms=REDRAW_MS)
        bridge.request_finished.connect(self._on_request)

    # -- selectors -----------------------------------------------------------------------------

    def query(self) -> UsageQuery:
        days = int(self.period_box.currentData())
        # Qt hands enum data back as its str value.
        by = UsageDimension(self.dimension_box.currentData())
        return UsageQuery(by, days, period_start(days, self._clock()))

    def chosen_metric(self) -> str:
        return str(self.metric_box.currentData())

    # -- data ------------------------------------------------------------------------------------

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self.chart is None:
            from app.ui.widgets.usage_chart import UsageChart

            self.chart = UsageChart(self)
            self.splitter.insertWidget(0, self.chart)
            self.splitter.setSizes([260, 240])
        self.reload()

    def reload(self) -> None:
        try:
            admin = self._services.admin()
        except RuntimeError:
            return
        query = self.query()
        usage = admin.usage()

        def read() -> UsageSnapshot:
            return UsageSnapshot(
                query,
                usage.daily(query.by, since=query.since),
                usage.totals(query.by, since=query.since),
                usage.recent(),
            )

        self.reads += 1
        run_blocking(self, read, self._loaded, self.show_error, name="ui-usage")

    def _loaded(self, snapshot: UsageSnapshot) -> None:
        if snapshot.query != self.query():
            return  # a selector changed while this was read; its own read follows
        self.data = UsageData.from_snapshot(snapshot)
        # Requests that finished while the read ran may or may not be in it: the read wins.
        self._pending.clear()
        self.redraw()

    def _on_request(self, event: RequestFinished) -> None:
        # Hidden: nothing to keep current; showing the page reads everything again.
        if self.data is None or not self.isVisible():
            return
        self._pending.append(event.usage)
        self._coalesced.poke()

    def _fold_pending(self) -> None:
        if self.data is None or not self._pending:
            return
        self.data.add(self._pending)
        self._pending.clear()
        self.redraw()

    def redraw(self) -> None:
        if self.data is None:
            return
        self.redraws += 1
        if self.chart is not None:
            self.chart.set_data(self.data.chart(self.chosen_metric(), self._clock()), self.chosen_metric())
        self.totals.set_rows(self.data.totals())
        self.recent.set_rows(self.data.recent())
        overall = self.data.overall()
        self.summary.setText(
            f"<b>{overall.requests:,}</b> requests · <b>{overall.input_tokens + overall.output_tokens:,}</b>"
            f" tokens · <b>{_usd(overall.cost_usd)}</b>"
            + (f" · <b>{overall.saved_tokens:,}</b> saved" if overall.saved_tokens else "")
            + (f" · <span style='color:#b3261e'>{overall.errors:,} errors</span>" if overall.errors else "")
        )
