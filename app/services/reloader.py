"""Keeps the gateway's snapshot in step with the database, so admin changes apply without a restart."""

from __future__ import annotations

import asyncio
import logging

from app.core.errors import StoreError
from app.core.events import EventBus, SnapshotSwapped
from app.core.tasks import spawn
from app.routing.snapshot import SnapshotHolder
from app.services.snapshot_builder import SnapshotBuilder

_log = logging.getLogger(__name__)

# While some account's secret could not be read (locked keyring, unset variable), try again this often.
_UNRESOLVED_RETRY_S = 30.0


class Reloader:
    def __init__(
        self, builder: SnapshotBuilder, holder: SnapshotHolder, bus: EventBus, *, interval: float = 1.0
    ) -> None:
        self._builder = builder
        self._holder = holder
        self._bus = bus
        self._interval = interval
        self._task: asyncio.Task[None] | None = None

    async def rebuild(self) -> None:
        loop = asyncio.get_running_loop()
        snapshot = await loop.run_in_executor(None, self._builder.build)
        self._holder.current = snapshot
        self._bus.publish(
            SnapshotSwapped(
                version=snapshot.version,
                providers=len(snapshot.providers),
                accounts=snapshot.accounts_total,
                keys=len(snapshot.keys_by_hash),
            )
        )

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        since_retry = 0.0
        while True:
            await asyncio.sleep(self._interval)
            since_retry += self._interval
            try:
                version = await loop.run_in_executor(None, self._builder.version)
                retry = self._builder.unresolved > 0 and since_retry >= _UNRESOLVED_RETRY_S
                if version != self._holder.current.version or retry:
                    since_retry = 0.0
                    await self.rebuild()
            except StoreError as exc:
                # A database that is briefly locked or unreachable: keep serving the last snapshot.
                _log.warning("configuration reload failed, keeping the current one: %s", exc)

    async def start(self) -> None:
        self._task = spawn(self._run(), name="config-reloader")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            # wait() rather than awaiting the task: our own cancellation must still propagate.
            await asyncio.wait([self._task])
            self._task = None
