"""Blocking service calls (database, keyring) off the GUI thread, results back on it.

Under the qasync loop a call runs in the default executor and its callback runs on the loop, which
is the Qt thread. With no running loop (plain pytest-qt tests) the call runs inline: the same code
path, deterministic. A callback whose owner widget is gone is skipped.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import shiboken6
from PySide6.QtCore import QObject

from app.core.tasks import spawn

T = TypeVar("T")
_log = logging.getLogger(__name__)


def _alive(owner: QObject) -> bool:
    return shiboken6.isValid(owner)


def run_blocking(
    owner: QObject,
    call: Callable[[], T],
    done: Callable[[T], Any],
    failed: Callable[[Exception], Any],
    *,
    name: str = "ui-job",
) -> None:
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        loop = None
    if loop is None:
        _deliver(owner, call, done, failed)
        return

    async def job() -> None:
        try:
            result = await loop.run_in_executor(None, call)
        except Exception as exc:
            if _alive(owner):
                failed(exc)
            return
        if _alive(owner):
            done(result)

    spawn(job(), name=name)


def run_async(
    owner: QObject,
    make: Callable[[], Awaitable[T]],
    done: Callable[[T], Any],
    failed: Callable[[Exception], Any],
    *,
    name: str = "ui-async-job",
) -> bool:
    """Runs a coroutine on the running loop; False when there is none (the caller says so)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False

    async def job() -> None:
        try:
            result = await make()
        except Exception as exc:
            if _alive(owner):
                failed(exc)
            return
        if _alive(owner):
            done(result)

    spawn(job(), name=name)
    return True


def _deliver(
    owner: QObject, call: Callable[[], T], done: Callable[[T], Any], failed: Callable[[Exception], Any]
) -> None:
    try:
        result = call()
    except Exception as exc:
        failed(exc)
        return
    done(result)
