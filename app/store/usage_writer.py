"""Batched usage writes, kept off the request path.

The gateway calls `submit()` for every request; it only appends to an in-memory queue. A background
task wakes every `flush_interval` seconds (or as soon as `max_batch` records are waiting) and writes
batches in the loop's default executor, since the store is synchronous.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Sequence
from typing import Protocol

from app.core.records import UsageRecord
from app.core.tasks import spawn

_log = logging.getLogger(__name__)

# What is kept while the database refuses writes: about a few MB, enough to ride out a restart of a
# shared PostgreSQL without letting a dead database eat the gateway's memory.
MAX_QUEUED = 10_000


class _UsageSink(Protocol):
    def add_many(self, records: Sequence[UsageRecord]) -> None: ...


class _HasUsage(Protocol):
    @property
    def usage(self) -> _UsageSink: ...


class UsageWriter:
    def __init__(
        self,
        store: _HasUsage,
        *,
        flush_interval: float = 1.0,
        max_batch: int = 500,
        max_queued: int = MAX_QUEUED,
    ) -> None:
        if max_batch < 1 or max_queued < max_batch:
            raise ValueError("need 1 <= max_batch <= max_queued")
        self._usage = store.usage
        self._interval = flush_interval
        self._max_batch = max_batch
        self._max_queued = max_queued
        self._queue: deque[UsageRecord] = deque()
        self._wake: asyncio.Event | None = None
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self.dropped = 0
        self.written = 0

    @property
    def queued(self) -> int:
        return len(self._queue)

    def submit(self, record: UsageRecord) -> None:
        """Queue one record. O(1), never touches the database; call it from the event loop's thread."""
        if record.started_at.tzinfo is None:
            # Checked here, not at write time: one bad record would fail its whole batch at every retry.
            raise ValueError("UsageRecord.started_at must be timezone-aware")
        self._queue.append(record)
        if len(self._queue) > self._max_queued:
            self._queue.popleft()
            self.dropped += 1
        if self._wake is not None and len(self._queue) >= self._max_batch:
            self._wake.set()

    async def start(self) -> None:
        if self._task is not None:
            return
        self._stopping = False
        self._wake = asyncio.Event()
        self._task = spawn(self._run(), name="usage-writer")

    async def stop(self) -> None:
        """Stop the background task and write whatever is still queued."""
        task, self._task = self._task, None
        if task is not None:
            self._stopping = True
            if self._wake is not None:
                self._wake.set()
            # Let an in-flight batch finish rather than cancel it: its executor thread would carry on
            # writing anyway, and the batch would then be both written and re-queued.
            await task
        while self._queue:
            if not await self._flush_once():
                _log.error("usage writer stopped with %d records unwritten", len(self._queue))
                break

    async def flush(self) -> None:
        """Write everything queued now (for tests and orderly shutdown paths)."""
        while self._queue:
            if not await self._flush_once():
                return

    async def _run(self) -> None:
        assert self._wake is not None
        while not self._stopping:
            try:
                await asyncio.wait_for(self._wake.wait(), timeout=self._interval)
            except TimeoutError:
                pass
            self._wake.clear()
            if self._stopping:
                return
            # Drain in batches while the database keeps up; after a failure wait for the next tick.
            while self._queue and not self._stopping:
                if not await self._flush_once():
                    break

    async def _flush_once(self) -> bool:
        """Write one batch; on failure put it back at the front. Returns whether it was written."""
        size = min(len(self._queue), self._max_batch)
        batch = [self._queue.popleft() for _ in range(size)]
        loop = asyncio.get_running_loop()
        try:
            await loop.run_in_executor(None, self._usage.add_many, batch)
        except Exception as exc:
            # The store's errors carry no secrets (no SQL parameters, password masked); usage rows hold
            # none either, but only the error is logged, not the rows.
            _log.warning("could not write %d usage records: %s", len(batch), exc)
            self._requeue(batch)
            return False
        self.written += len(batch)
        return True

    def _requeue(self, batch: list[UsageRecord]) -> None:
        # Oldest first, as they were; records submitted meanwhile stay behind them.
        self._queue.extendleft(reversed(batch))
        overflow = len(self._queue) - self._max_queued
        for _ in range(max(0, overflow)):
            self._queue.popleft()
        if overflow > 0:
            self.dropped += overflow
            _log.warning("usage queue full: dropped %d oldest records (%d in total)", overflow, self.dropped)
