"""Makes quota parking and key rejection stick, and brings parked accounts back at their reset.

The request path only publishes what it saw (QuotaParked, AccountDisabled); this service writes it to
the database, off the request path, which bumps the configuration version so every gateway sharing
the database leaves the account out. A sweep reactivates parked accounts at start-up, hourly and at
the exact reset time of the next one due, then publishes QuotaReactivated.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime

from app.core.clock import Clock
from app.core.errors import NotFound, StoreError
from app.core.events import AccountDisabled, EventBus, QuotaParked, QuotaReactivated
from app.core.tasks import spawn
from app.resilience.quota import Parked, due, next_wakeup
from app.store.repos import Store

_log = logging.getLogger(__name__)


class QuotaKeeper:
    def __init__(self, store: Store, bus: EventBus, clock: Clock, *, sweep_s: float = 3600.0) -> None:
        self._store = store
        self._bus = bus
        self._clock = clock
        self._sweep_s = sweep_s
        self._task: asyncio.Task[None] | None = None
        self._writes: set[asyncio.Task[None]] = set()
        self._wake = asyncio.Event()
        self._unsubscribe = [
            bus.subscribe(QuotaParked, self._on_parked),
            bus.subscribe(AccountDisabled, self._on_disabled),
        ]

    # --- from the request path ---------------------------------------------------------------------

    def _on_parked(self, event: QuotaParked) -> None:
        self._write(self._store.accounts.park, event.account_id, event.until, event.reason, what="park")
        self._wake.set()  # the next reset may now be sooner

    def _on_disabled(self, event: AccountDisabled) -> None:
        self._write(self._store.accounts.disable, event.account_id, event.reason, what="disable")

    def _write(self, fn: Callable[..., object], *args: object, what: str) -> None:
        async def run() -> None:
            loop = asyncio.get_running_loop()
            try:
                await loop.run_in_executor(None, lambda: fn(*args))
            except (StoreError, NotFound) as exc:
                _log.warning("could not %s account %s: %s", what, args[0], exc)

        task = spawn(run(), name=f"quota-{what}")
        self._writes.add(task)
        task.add_done_callback(self._writes.discard)

    # --- the sweep ---------------------------------------------------------------------------------

    def parked(self) -> tuple[Parked, ...]:
        return tuple(
            Parked(a.id, a.parked_until, a.parked_reason or "")
            for a in self._store.accounts.list()
            if a.parked_until is not None
        )

    def sweep(self, now: datetime | None = None) -> tuple[Parked, ...]:
        """Reactivates every parked account whose reset has come (blocking: run in an executor)."""
        now = now or self._clock.now()
        woken = due(self.parked(), now)
        accounts = {a.id: a for a in self._store.accounts.list()}
        for parked in woken:
            account = accounts.get(parked.account_id)
            try:
                self._store.accounts.unpark(parked.account_id)
            except NotFound:
                continue
            if account is not None:
                self._bus.publish(QuotaReactivated(account.provider_id, account.id, account.label))
                _log.info("reactivated account '%s' of provider '%s'", account.label, account.provider_id)
        return woken

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            try:
                await loop.run_in_executor(None, self.sweep)
                parked = await loop.run_in_executor(None, self.parked)
            except StoreError as exc:
                _log.warning("quota sweep failed, trying again later: %s", exc)
                parked = ()
            delay = next_wakeup(parked, self._clock.now(), sweep_s=self._sweep_s)
            self._wake.clear()
            try:
                async with asyncio.timeout(max(0.05, delay)):
                    await self._wake.wait()
            except TimeoutError:
                pass

    async def start(self) -> None:
        self._task = spawn(self._run(), name="quota-sweep")

    async def stop(self) -> None:
        for off in self._unsubscribe:
            off()
        if self._task is not None:
            self._task.cancel()
            await asyncio.wait([self._task])
            self._task = None
        if self._writes:
            await asyncio.wait(list(self._writes))
