"""Resilience: breakers, account slots, cooldowns and parked accounts, live.

The live part comes from ``Runtime.resilience()`` (memory only) when the bus says something changed,
and once a second while the page is visible so countdowns tick. Parked and disabled accounts are
read from the services when the page is shown and when a quota or account event arrives — never on
a timer.
"""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtGui import QHideEvent, QShowEvent
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.core.records import AccountRecord
from app.services.status import BreakerStatus, CooldownStatus, ResilienceStatus, SlotStatus
from app.ui.bridge import EventBridge
from app.ui.coalesce import Coalescer
from app.ui.jobs import run_blocking
from app.ui.models.table import Column, RecordTableModel
from app.ui.pages.page import Page
from app.ui.ports import DesktopPort
from app.ui.text_records import seconds, when
from app.ui.widgets.record_view import record_view

TICK_MS = 1000

_BREAKER_COLOURS = {"closed": "#1e7a46", "degraded": "#b26a00", "half_open": "#b26a00", "open": "#b3261e"}
_BREAKER_WORDS = {
    "closed": "closed (healthy)",
    "degraded": "degraded",
    "half_open": "probing",
    "open": "open",
}


def _via(key: str) -> tuple[str, str]:
    provider, _, proxy = key.partition(":")
    return provider, "direct" if proxy in ("", "direct") else f"proxy {proxy}"


def breakers_model(parent: QWidget | None = None) -> RecordTableModel[BreakerStatus]:
    return RecordTableModel(
        (
            Column[BreakerStatus]("Provider", lambda b: _via(b.key)[0]),
            Column[BreakerStatus]("Route", lambda b: _via(b.key)[1]),
            Column[BreakerStatus](
                "State",
                lambda b: _BREAKER_WORDS.get(b.state, b.state),
                colour=lambda b: _BREAKER_COLOURS.get(b.state),
            ),
            Column[BreakerStatus](
                "Failures", lambda b: str(b.failures), align_right=True, sort_key=lambda b: b.failures
            ),
            Column[BreakerStatus]("Next probe in", lambda b: seconds(b.retry_in_s), align_right=True),
        ),
        key=lambda b: b.key,
        parent=parent,
    )


def slots_model(parent: QWidget | None = None) -> RecordTableModel[SlotStatus]:
    return RecordTableModel(
        (
            Column[SlotStatus]("Account", lambda s: s.key),
            Column[SlotStatus]("In flight", lambda s: f"{s.in_flight} / {s.limit}", align_right=True),
            Column[SlotStatus](
                "Queued",
                lambda s: str(s.queued),
                align_right=True,
                colour=lambda s: "#b26a00" if s.queued else None,
            ),
        ),
        key=lambda s: s.key,
        parent=parent,
    )


def cooldowns_model(parent: QWidget | None = None) -> RecordTableModel[CooldownStatus]:
    return RecordTableModel(
        (
            Column[CooldownStatus]("Account", lambda c: c.key),
            Column[CooldownStatus]("Model", lambda c: c.model or "all models"),
            Column[CooldownStatus]("Reason", lambda c: c.reason.replace("_", " ")),
            Column[CooldownStatus]("Ends in", lambda c: seconds(c.remaining_s), align_right=True),
            Column[CooldownStatus]("Strikes", lambda c: str(c.strikes), align_right=True),
        ),
        key=lambda c: (c.key, c.model),
        parent=parent,
    )


def _why(a: AccountRecord) -> str:
    return (a.parked_reason if a.parked_until else a.disabled_reason) or "—"


def parked_model(parent: QWidget | None = None) -> RecordTableModel[AccountRecord]:
    return RecordTableModel(
        (
            Column[AccountRecord]("Account", lambda a: f"{a.provider_id}/{a.label}"),
            Column[AccountRecord](
                "State",
                lambda a: "parked (quota used up)" if a.parked_until else "disabled",
                colour=lambda a: "#b26a00" if a.parked_until else "#b3261e",
            ),
            Column[AccountRecord](
                "Back on", lambda a: when(a.parked_until) if a.parked_until else "when you reactivate it"
            ),
            Column[AccountRecord]("Why", _why, tooltip=_why),
        ),
        key=lambda a: a.id,
        parent=parent,
    )


def _view(model: RecordTableModel, parent: QWidget) -> QTableView:  # type: ignore[type-arg]
    view = record_view(model, parent)
    # One line per row: long reasons are cut with "…" and shown whole in the tooltip.
    view.setWordWrap(False)
    return view


def _section(title: str, view: QTableView, parent: QWidget, *buttons: QPushButton) -> QWidget:
    box = QWidget(parent)
    layout = QVBoxLayout(box)
    layout.setContentsMargins(0, 0, 0, 0)
    head = QHBoxLayout()
    head.addWidget(QLabel(f"<b>{title}</b>", box), 1)
    for button in buttons:
        button.setAutoDefault(False)
        head.addWidget(button)
    layout.addLayout(head)
    layout.addWidget(view, 1)
    return box


class ResiliencePage(Page):
    title = "Resilience"
    blurb = (
        "How providers and accounts are holding up. A breaker opens when a provider keeps failing and "
        "closes after a successful probe; an account whose quota is used up is parked until it resets."
    )

    def __init__(self, services: DesktopPort, bridge: EventBridge, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._services = services
        self.breakers = breakers_model(self)
        self.slots = slots_model(self)
        self.cooldowns = cooldowns_model(self)
        self.parked = parked_model(self)
        self.breakers_view = _view(self.breakers, self)
        self.slots_view = _view(self.slots, self)
        self.cooldowns_view = _view(self.cooldowns, self)
        self.parked_view = _view(self.parked, self)
        self.reset_button = QPushButton("Reset breaker", self)
        self.reset_button.setToolTip("Close the breaker now and let requests through again")
        self.reactivate_button = QPushButton("Reactivate now", self)
        self.reactivate_button.setToolTip("Put the account back into routing before its reset date")

        grid = QGridLayout()
        grid.setSpacing(14)
        grid.addWidget(
            _section("Breakers (per provider and route)", self.breakers_view, self, self.reset_button), 0, 0
        )
        grid.addWidget(
            _section("Parked and disabled accounts", self.parked_view, self, self.reactivate_button), 0, 1
        )
        grid.addWidget(_section("Account slots", self.slots_view, self), 1, 0)
        grid.addWidget(_section("Cooldowns", self.cooldowns_view, self), 1, 1)
        self.layout_.addLayout(grid, 1)

        self.reset_button.clicked.connect(self.reset_selected)
        self.reactivate_button.clicked.connect(self.reactivate_selected)
        self.breakers_view.selectionModel().selectionChanged.connect(self._update_buttons)
        self.parked_view.selectionModel().selectionChanged.connect(self._update_buttons)

        self.timer = QTimer(self)
        self.timer.setInterval(TICK_MS)
        self.timer.timeout.connect(self.refresh_live)
        self._coalesced = Coalescer(self.refresh_live, self)
        bridge.request_finished.connect(self._coalesced.poke)
        bridge.resilience_changed.connect(self._on_resilience_event)
        bridge.snapshot_swapped.connect(lambda _e: self.reload_accounts())
        self._update_buttons()

    # -- data ------------------------------------------------------------------------------------

    def refresh_live(self) -> None:
        try:
            status: ResilienceStatus = self._services.resilience()
        except Exception as exc:
            self.show_error(exc)
            return
        # Open breakers first; then the ones with most failures.
        order = {"open": 0, "half_open": 1, "degraded": 2, "closed": 3}
        self.breakers.set_rows(
            sorted(status.breakers, key=lambda b: (order.get(b.state, 4), -b.failures, b.key))
        )
        self.slots.set_rows(sorted(status.slots, key=lambda s: s.key))
        self.cooldowns.set_rows(sorted(status.cooldowns, key=lambda c: (c.key, c.model or "")))
        self._update_buttons()

    def reload_accounts(self) -> None:
        try:
            admin = self._services.admin()
        except RuntimeError:
            return
        run_blocking(
            self, admin.accounts_needing_attention, self._show_parked, self.show_error, name="ui-parked"
        )

    def _show_parked(self, accounts: tuple[AccountRecord, ...]) -> None:
        self.parked.set_rows(sorted(accounts, key=lambda a: (a.parked_until is None, a.provider_id, a.label)))
        self._update_buttons()

    def _on_resilience_event(self, _event: object) -> None:
        self.refresh_live()
        self.reload_accounts()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.refresh_live()
        self.reload_accounts()
        self.timer.start()

    def hideEvent(self, event: QHideEvent) -> None:
        self.timer.stop()
        super().hideEvent(event)

    # -- actions -----------------------------------------------------------------------------------

    def _selected(self, view: QTableView, model: RecordTableModel):  # type: ignore[no-untyped-def, type-arg]
        rows = view.selectionModel().selectedRows()
        return model.record(rows[0].row()) if rows else None

    def _update_buttons(self, *_: object) -> None:
        breaker = self._selected(self.breakers_view, self.breakers)
        self.reset_button.setEnabled(breaker is not None and breaker.state != "closed")
        self.reactivate_button.setEnabled(self._selected(self.parked_view, self.parked) is not None)

    def _reactivated(self, account: AccountRecord) -> None:
        self.show_info(f"{account.provider_id}/{account.label} is back in routing.")
        self.reload_accounts()

    def reset_selected(self) -> None:
        breaker = self._selected(self.breakers_view, self.breakers)
        if breaker is None:
            return
        try:
            self._services.reset_breaker(breaker.key)
        except Exception as exc:
            self.show_error(exc)
            return
        self.show_info(f"Breaker for {_via(breaker.key)[0]} reset.")
        self.refresh_live()

    def reactivate_selected(self) -> None:
        account: AccountRecord | None = self._selected(self.parked_view, self.parked)
        if account is None:
            return
        admin = self._services.admin()
        run_blocking(
            self,
            lambda: admin.reactivate_account(account.id),
            self._reactivated,
            self.show_error,
            name="ui-reactivate",
        )
