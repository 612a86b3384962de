"""Background tasks that are named and kept alive until done.

asyncio keeps only a weak reference to tasks, so a fire-and-forget task can be garbage collected
mid-flight; spawn() holds a strong reference until the task finishes and logs what it raised.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")

_log = logging.getLogger(__name__)
_running: set[asyncio.Task[Any]] = set()


def spawn(coro: Coroutine[Any, Any, T], *, name: str) -> asyncio.Task[T]:
    task = asyncio.get_running_loop().create_task(coro, name=name)
    _running.add(task)
    task.add_done_callback(_finished)
    return task


def _finished(task: asyncio.Task[Any]) -> None:
    _running.discard(task)
    if task.cancelled():
        return
    exc = task.exception()
    if exc is not None:
        _log.error("background task %s failed: %r", task.get_name(), exc, exc_info=exc)


def running_tasks() -> frozenset[asyncio.Task[Any]]:
    return frozenset(_running)
