from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from app.core.errors import StoreError
from app.core.records import UsageRecord, WireFormat
from app.store.repos import Store
from app.store.usage_writer import MAX_QUEUED, UsageWriter

T0 = datetime(2026, 3, 1, tzinfo=UTC)


def usage(n: int) -> UsageRecord:
    return UsageRecord(
        request_id=f"req-{n}",
        started_at=T0 + timedelta(milliseconds=n),
        api_key_name=None,
        client_format=WireFormat.OPENAI,
        provider_id="p",
        account_id=None,
        model="m",
        status=200,
        latency_ms=1.0,
        stream=False,
    )


async def _wait_for(predicate: object, timeout: float = 5.0) -> None:
    assert callable(predicate)
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():
        assert asyncio.get_running_loop().time() < deadline, "condition not met in time"
        await asyncio.sleep(0.01)


async def test_submitted_records_appear_after_a_flush(store: Store) -> None:
    writer = UsageWriter(store, flush_interval=0.05)
    await writer.start()
    try:
        writer.submit(usage(1))
        writer.submit(usage(2))
        # submit() itself never writes.
        assert store.usage.recent() == ()
        # `written` moves once the executor's result is back on the loop, after the commit.
        await _wait_for(lambda: writer.written == 2)
        assert {r.request_id for r in store.usage.recent()} == {"req-1", "req-2"}
    finally:
        await writer.stop()


async def test_a_full_batch_is_written_before_the_interval(store: Store) -> None:
    writer = UsageWriter(store, flush_interval=60, max_batch=3)
    await writer.start()
    try:
        for n in range(3):
            writer.submit(usage(n))
        await _wait_for(lambda: len(store.usage.recent()) == 3)
    finally:
        await writer.stop()


async def test_stop_flushes_what_is_queued(store: Store) -> None:
    writer = UsageWriter(store, flush_interval=60, max_batch=4)
    await writer.start()
    for n in range(10):
        writer.submit(usage(n))
    await writer.stop()
    assert writer.queued == 0
    assert len(store.usage.recent(limit=100)) == 10
    assert writer.written == 10


async def test_stop_without_start_still_flushes(store: Store) -> None:
    writer = UsageWriter(store)
    writer.submit(usage(1))
    await writer.stop()
    assert len(store.usage.recent()) == 1


def test_submit_refuses_naive_datetimes(store: Store) -> None:
    writer = UsageWriter(store)
    with pytest.raises(ValueError, match="timezone-aware"):
        writer.submit(replace(usage(1), started_at=datetime(2026, 1, 1)))
    assert writer.queued == 0


class _FlakyUsage:
    """A usage sink that fails until told otherwise, with an error like the real store's."""

    def __init__(self) -> None:
        self.failing = True
        self.rows: list[UsageRecord] = []

    def add_many(self, records: Sequence[UsageRecord]) -> None:
        if self.failing:
            raise StoreError("could not write usage records: connection refused")
        self.rows.extend(records)


class _FlakyStore:
    def __init__(self) -> None:
        self.usage = _FlakyUsage()


async def test_failed_flush_keeps_records_up_to_the_cap(caplog: pytest.LogCaptureFixture) -> None:
    flaky = _FlakyStore()
    writer = UsageWriter(flaky, flush_interval=60, max_batch=100, max_queued=250)
    for n in range(300):
        writer.submit(usage(n))
    # submit() keeps the cap on its own: the 50 oldest are gone.
    assert writer.queued == 250
    assert writer.dropped == 50
    with caplog.at_level(logging.WARNING, logger="app.store.usage_writer"):
        await writer.flush()
    assert "could not write 100 usage records" in caplog.text
    # Nothing was lost by the failure itself: the batch went back to the front of the queue.
    assert writer.queued == 250
    assert writer.dropped == 50
    flaky.usage.failing = False
    await writer.flush()
    assert [r.request_id for r in flaky.usage.rows] == [f"req-{n}" for n in range(50, 300)]


async def test_failed_flush_drops_only_the_oldest_beyond_the_cap() -> None:
    flaky = _FlakyStore()
    writer = UsageWriter(flaky, flush_interval=0.01, max_batch=10, max_queued=20)
    await writer.start()
    try:
        for n in range(15):
            writer.submit(usage(n))
        # Let the background task fail at least once.
        await asyncio.sleep(0.1)
        for n in range(15, 25):
            writer.submit(usage(n))
        assert writer.queued == 20
        assert writer.dropped == 5
    finally:
        flaky.usage.failing = False
        await writer.stop()
    assert [r.request_id for r in flaky.usage.rows] == [f"req-{n}" for n in range(5, 25)]
    assert writer.dropped == 5


async def test_default_cap_is_ten_thousand() -> None:
    flaky = _FlakyStore()
    writer = UsageWriter(flaky)
    for n in range(MAX_QUEUED + 7):
        writer.submit(usage(n))
    assert MAX_QUEUED == 10_000
    assert writer.queued == 10_000
    assert writer.dropped == 7
    await writer.flush()
    assert writer.queued == 10_000


async def test_stop_gives_up_when_the_store_keeps_failing(caplog: pytest.LogCaptureFixture) -> None:
    flaky = _FlakyStore()
    writer = UsageWriter(flaky, flush_interval=60)
    await writer.start()
    writer.submit(usage(1))
    with caplog.at_level(logging.ERROR, logger="app.store.usage_writer"):
        await writer.stop()
    assert "1 records unwritten" in caplog.text
