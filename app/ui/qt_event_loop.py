"""The desktop's asyncio loop: qasync's Qt loop, with cheaper timers and ready callbacks.

- qasync runs every `call_later`/`call_at` callback off a Qt timer and leaves the timer running when
  the handle is cancelled: the callback is skipped when the timer fires, minutes later. The gateway
  cancels timers all the time (every upstream request's `asyncio.timeout`, aiohttp's read timeout
  re-armed on every chunk received), so under load tens of thousands of dead Qt timers piled up with
  their Python handles (docs/PERFORMANCE.md, "Where the time goes", item 2). Here a cancelled handle
  kills its Qt timer at once.
- qasync also gives every `call_soon` a Qt timer of its own (dozens per request: every task step and
  future callback). Here ready callbacks wait in a queue that one zero-delay timer drains, the way
  asyncio's own loop runs its ready queue once per iteration: callbacks queued while the queue is
  being drained run on the next turn, after Qt has handled its own events.

Everything else is qasync's.
"""

from __future__ import annotations

import asyncio
import contextvars
from collections import deque
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

import qasync
from PySide6.QtCore import QObject, QTimerEvent
from PySide6.QtWidgets import QApplication

T = TypeVar("T")


class _KillableHandle(asyncio.Handle):
    __slots__ = ("_kill",)

    def __init__(
        self,
        callback: Callable[..., object],
        args: tuple[object, ...],
        loop: asyncio.AbstractEventLoop,
        context: contextvars.Context | None = None,
    ) -> None:
        super().__init__(callback, args, loop, context=context)
        self._kill: Callable[[], None] | None = None

    def cancel(self) -> None:
        if not self._cancelled:
            super().cancel()
            kill, self._kill = self._kill, None
            if kill is not None:
                kill()


class _Timers(QObject):
    """One Qt timer per scheduled callback (as qasync does), killed on cancel."""

    def __init__(self) -> None:
        super().__init__()
        self.handles: dict[int, asyncio.Handle] = {}
        self._ready: deque[asyncio.Handle] = deque()
        self._drain_id: int | None = None
        self._stopped = False

    def add_ready(self, handle: asyncio.Handle) -> asyncio.Handle:
        self._ready.append(handle)
        if self._drain_id is None:
            self._drain_id = self.startTimer(0)
        return handle

    def _drain(self) -> None:
        # Only what was queued before this turn: a chain of call_soon must let Qt breathe.
        ready = self._ready
        try:
            for _ in range(len(ready)):
                handle = ready.popleft()
                if not handle.cancelled():
                    handle._run()
        finally:
            if ready and self._drain_id is None and not self._stopped:
                self._drain_id = self.startTimer(0)

    def add_callback(self, handle: asyncio.Handle, delay: float = 0) -> asyncio.Handle:
        timer_id = self.startTimer(int(max(0.0, delay) * 1000))
        self.handles[timer_id] = handle
        if isinstance(handle, _KillableHandle):
            handle._kill = lambda: self._kill(timer_id)
        return handle

    def _kill(self, timer_id: int) -> None:
        if self.handles.pop(timer_id, None) is not None:
            self.killTimer(timer_id)

    def timerEvent(self, event: QTimerEvent) -> None:
        timer_id = event.timerId()
        self.killTimer(timer_id)
        if timer_id == self._drain_id:
            self._drain_id = None
            if self._stopped:
                self._ready.clear()
            else:
                self._drain()
            return
        handle = self.handles.pop(timer_id, None)
        if handle is None or self._stopped:
            return
        if isinstance(handle, _KillableHandle):
            handle._kill = None  # it has fired: nothing left to kill
        if not handle.cancelled():
            handle._run()

    def stop(self) -> None:
        self._stopped = True

    def set_debug(self, enabled: bool) -> None:
        """qasync's slow-callback logging is not carried over (asyncio debug mode is never on here)."""


def _check(callback: object, method: str) -> None:
    """What asyncio's own loop refuses."""
    if asyncio.iscoroutinefunction(callback):
        raise TypeError(f"coroutines cannot be used with {method}")
    if not callable(callback):
        raise TypeError(f"callback must be callable: {type(callback).__name__}")


class GatewayEventLoop(qasync.QEventLoop):  # type: ignore[misc]
    def __init__(self, app: QApplication | None = None, set_running_loop: bool = False) -> None:
        super().__init__(app, set_running_loop=set_running_loop)
        self._timer = _Timers()

    def call_later(
        self,
        delay: float,
        callback: Callable[..., object],
        *args: object,
        context: contextvars.Context | None = None,
    ) -> asyncio.Handle:
        _check(callback, "call_later")
        return self._timer.add_callback(_KillableHandle(callback, args, self, context=context), delay)

    def call_soon(
        self, callback: Callable[..., object], *args: object, context: contextvars.Context | None = None
    ) -> asyncio.Handle:
        _check(callback, "call_soon")
        return self._timer.add_ready(asyncio.Handle(callback, args, self, context=context))

    @property
    def pending_timers(self) -> int:
        """Qt timers still waiting to fire, the ready queue's aside (for tests and diagnostics)."""
        return len(self._timer.handles)


def new_loop() -> GatewayEventLoop:
    app = QApplication.instance()
    return GatewayEventLoop(app if isinstance(app, QApplication) else None)


def run(main: Coroutine[Any, Any, T]) -> T:
    """`qasync.run`, on this loop (QApplication must exist)."""
    with asyncio.Runner(loop_factory=new_loop) as runner:
        return runner.run(main)
