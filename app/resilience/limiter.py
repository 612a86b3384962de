"""Per-account FIFO concurrency limits (reference: 3 in flight, a queue of 20, 30 s wait).

A key is ``provider:account:proxyHash`` (the caller builds it). Each key has at most ``limit``
holders; further callers wait in a FIFO queue of at most ``max_queue``. A freed slot is handed
directly to the oldest live waiter, so nobody, not even ``try_acquire``, can jump the queue.

Usage::

    limiter = AccountLimiter(LimiterSettings())
    slot = limiter.try_acquire(key, limit=account.max_concurrency)  # None if saturated or queued
    if slot is None:
        try:
            slot = await limiter.acquire(key, limit=account.max_concurrency)
        except (LimiterFull, LimiterTimeout):
            ...  # skip this account
    async with slot:  # released on every path: success, error, cancellation, disconnect
        await send_upstream()

Only the event loop's clock is used (through ``asyncio.timeout``); there is no other time source.
A key's state is forgotten as soon as it has no holder and no waiter, so memory is bounded by the
keys in use times ``max_queue``.
"""

from __future__ import annotations

import asyncio
from collections import deque
from dataclasses import dataclass
from types import TracebackType

from app.core.errors import VansRouteError

__all__ = [
    "AccountLimiter",
    "LimiterFull",
    "LimiterSettings",
    "LimiterTimeout",
    "LimiterView",
    "Slot",
]


@dataclass(frozen=True, slots=True)
class LimiterSettings:
    max_concurrency: int = 3
    max_queue: int = 20
    wait_timeout_s: float = 30.0

    def __post_init__(self) -> None:
        if self.max_concurrency < 1:
            raise ValueError("max_concurrency must be at least 1")
        if self.max_queue < 0:
            raise ValueError("max_queue must not be negative")
        if self.wait_timeout_s < 0:
            raise ValueError("wait_timeout_s must not be negative")


class LimiterFull(VansRouteError):
    """The key's wait queue already holds ``max_queue`` callers."""


class LimiterTimeout(VansRouteError):
    """No slot became free within the wait timeout."""


@dataclass(frozen=True, slots=True)
class LimiterView:
    key: str
    limit: int
    in_flight: int
    queued: int


class _KeyState:
    """Mutable per-key bookkeeping; lives only while the key has a holder or a waiter."""

    __slots__ = ("in_flight", "key", "limit", "waiters")

    def __init__(self, key: str, limit: int) -> None:
        self.key = key
        self.limit = limit
        self.in_flight = 0
        # A waiter's future gets its Slot as result; a cancelled future is a waiter that is
        # leaving (its task is about to run the clean-up in acquire()).
        self.waiters: deque[asyncio.Future[Slot]] = deque()

    def queued(self) -> int:
        return sum(1 for w in self.waiters if not w.done())


class Slot:
    """One unit of a key's concurrency. ``release()`` is idempotent; the context managers call it."""

    __slots__ = ("_limiter", "_released", "_state", "key")

    def __init__(self, limiter: AccountLimiter, state: _KeyState) -> None:
        self.key = state.key
        self._limiter = limiter
        self._state = state
        self._released = False

    def release(self) -> None:
        if self._released:
            return
        self._released = True
        self._limiter._release(self._state)

    def __enter__(self) -> Slot:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.release()

    async def __aenter__(self) -> Slot:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.release()

    def __repr__(self) -> str:
        return f"Slot({self.key!r}, released={self._released})"


class AccountLimiter:
    # A frozen settings object is safe as a default argument.
    def __init__(self, settings: LimiterSettings = LimiterSettings()) -> None:
        self._settings = settings
        self._states: dict[str, _KeyState] = {}

    def try_acquire(self, key: str, limit: int | None = None) -> Slot | None:
        """A slot now, or None when the key is saturated or has live waiters. Never queues."""
        state = self._state(key, limit)
        slot = self._take(state)
        if slot is None:
            self._forget_if_idle(state)
        return slot

    # `timeout` bounds only the queue wait and defaults to the configured one; the caller's own
    # deadline still applies around the call (asyncio.timeout composes with this one).
    async def acquire(self, key: str, limit: int | None = None, timeout: float | None = None) -> Slot:  # noqa: ASYNC109
        """A slot, waiting in FIFO order up to ``timeout`` (default: the settings' wait timeout).

        Raises LimiterFull at once when the queue is full, LimiterTimeout when the wait runs out.
        Cancellation while waiting leaves no waiter behind and loses no slot.
        """
        state = self._state(key, limit)
        slot = self._take(state)
        if slot is not None:
            return slot
        if state.queued() >= self._settings.max_queue:
            self._forget_if_idle(state)
            raise LimiterFull(f"{key}: {state.in_flight} in flight and {state.queued()} waiting")
        waiter: asyncio.Future[Slot] = asyncio.get_running_loop().create_future()
        state.waiters.append(waiter)
        wait_s = self._settings.wait_timeout_s if timeout is None else timeout
        try:
            async with asyncio.timeout(wait_s):
                return await waiter
        except TimeoutError:
            if _granted(waiter):
                # The slot was handed over just before the deadline fired: it was granted in time.
                return waiter.result()
            self._abandon(state, waiter)
            raise LimiterTimeout(f"{key}: no free slot within {wait_s:g} s") from None
        except BaseException:
            # Cancelled (client disconnect, shutdown) or anything else: leave no trace. If a slot
            # had already been handed to us, it goes on to the next waiter or back to the pool.
            self._abandon(state, waiter)
            raise

    def view(self, key: str) -> LimiterView:
        state = self._states.get(key)
        if state is None:
            return LimiterView(key, self._settings.max_concurrency, 0, 0)
        return LimiterView(key, state.limit, state.in_flight, state.queued())

    def views(self) -> tuple[LimiterView, ...]:
        """Keys with a holder or a waiter, sorted by key."""
        return tuple(self.view(key) for key in sorted(self._states))

    def idle(self) -> bool:
        """No slot held and nobody waiting, on any key."""
        return not self._states

    # -- internals -------------------------------------------------------------------------------

    def _state(self, key: str, limit: int | None) -> _KeyState:
        effective = self._settings.max_concurrency if limit is None else limit
        if effective < 1:
            raise ValueError(f"limit must be at least 1, got {effective}")
        state = self._states.get(key)
        if state is None:
            state = self._states[key] = _KeyState(key, effective)
        elif state.limit != effective:
            # The account's setting changed (last caller wins); a raise serves waiters at once,
            # a cut lets current holders finish and admits nobody new until below the limit.
            state.limit = effective
            self._grant(state)
        return state

    def _take(self, state: _KeyState) -> Slot | None:
        # _grant keeps "live waiters => saturated", so a free slot here means nobody is queued
        # ahead of us (cancelled futures still in the deque are leaving and do not count).
        if state.in_flight >= state.limit or state.queued():
            return None
        state.in_flight += 1
        return Slot(self, state)

    def _release(self, state: _KeyState) -> None:
        state.in_flight -= 1
        self._grant(state)
        self._forget_if_idle(state)

    def _grant(self, state: _KeyState) -> None:
        """Hand free slots to the oldest live waiters, directly (the slot never becomes free)."""
        while state.in_flight < state.limit and state.waiters:
            waiter = state.waiters.popleft()
            if waiter.done():  # cancelled: its task is leaving
                continue
            state.in_flight += 1
            waiter.set_result(Slot(self, state))

    def _abandon(self, state: _KeyState, waiter: asyncio.Future[Slot]) -> None:
        if _granted(waiter):
            # Granted, but the task was cancelled before it resumed: pass the slot on.
            waiter.result().release()
            return
        waiter.cancel()
        try:
            state.waiters.remove(waiter)
        except ValueError:  # already skipped by _grant
            pass
        self._forget_if_idle(state)

    def _forget_if_idle(self, state: _KeyState) -> None:
        if state.in_flight == 0 and not state.waiters and self._states.get(state.key) is state:
            del self._states[state.key]


def _granted(waiter: asyncio.Future[Slot]) -> bool:
    return waiter.done() and not waiter.cancelled()
