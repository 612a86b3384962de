from __future__ import annotations

import asyncio
import logging

import pytest

from app.core.tasks import running_tasks, spawn


async def test_spawned_task_is_named_and_kept_until_done() -> None:
    gate = asyncio.Event()

    async def work() -> int:
        await gate.wait()
        return 7

    task = spawn(work(), name="unit-work")
    assert task.get_name() == "unit-work"
    assert task in running_tasks()
    gate.set()
    assert await task == 7
    assert task not in running_tasks()


async def test_failures_are_logged(caplog: pytest.LogCaptureFixture) -> None:
    async def fail() -> None:
        raise ValueError("bad")

    task = spawn(fail(), name="unit-fail")
    await asyncio.wait([task])
    await asyncio.sleep(0)
    assert "unit-fail" in caplog.text
    assert any(r.levelno == logging.ERROR for r in caplog.records)
