"""Circuit breakers per ``provider:proxyHash`` (reference: 5 failures, DEGRADED at 3, 30 s reset).

States: CLOSED → DEGRADED (still serving; routing may prefer others) → OPEN (refuses) →
HALF_OPEN (a limited number of probes) → CLOSED on a probe success, or OPEN again on a probe
failure with a reset timeout that doubles after every 3 failed probes, up to 16 times the base.

This module only counts what it is told: the caller decides what is a failure (408, 5xx,
timeouts, connection errors) and never reports a 429 as one.

Usage::

    breakers = Breakers(clock)
    key = breaker_key(provider.id, account.proxy_url)
    breakers.set_profile(key, PROFILES["oauth"])  # from configuration; a same-profile call is a no-op
    if breakers.allow(key):  # only right before really sending: in HALF_OPEN it takes a probe slot
        try:
            response = await send()
        except UpstreamError as error:
            if counts_for_breaker(error):  # 408, 5xx, timeout, connection; never 429
                publish(breakers.record_failure(key, account=str(account.id)))
            else:
                breakers.release_probe(key)
            raise
        except BaseException:  # cancelled, client gone
            breakers.release_probe(key)
            raise
        publish(breakers.record_success(key))  # publish: BreakerOpened/BreakerClosed from a Transition

Every ``allow() is True`` must end in exactly one of ``record_success``, ``record_failure`` or
``release_probe`` (a no-op outside HALF_OPEN, so safe for any attempt that ends without a
verdict); a HALF_OPEN attempt that never reports keeps its probe slot until ``reset()``.
Probe slots have no identity (``allow()`` returns a bool): a request let through before the
breaker opened that ends in ``release_probe()`` while HALF_OPEN frees a probe's slot, so one
extra probe may go; its success or failure, though, is taken as the probe's verdict, being fresh
evidence about the upstream. Lazy changes (failures expiring DEGRADED -> CLOSED, OPEN ->
HALF_OPEN inside ``allow()``) return no Transition; they show in ``view()``.

Time is read only from the injected clock (``monotonic()``). Not thread-safe: use it from the
event loop thread.
"""

from __future__ import annotations

import hashlib
import math
from collections import OrderedDict, deque
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType

from app.core.clock import Clock

__all__ = [
    "PROFILES",
    "BreakerProfile",
    "BreakerState",
    "BreakerView",
    "Breakers",
    "Transition",
    "breaker_key",
]


class BreakerState(StrEnum):
    CLOSED = "closed"
    DEGRADED = "degraded"
    OPEN = "open"
    HALF_OPEN = "half_open"


@dataclass(frozen=True, slots=True)
class BreakerProfile:
    failure_threshold: int = 5  # failures within `window_s` that open the breaker
    degraded_ratio: float = 0.6  # DEGRADED at ceil(ratio * threshold) failures
    window_s: float = 30.0  # failures older than this no longer count
    reset_timeout_s: float = 30.0  # OPEN -> HALF_OPEN after this
    half_open_probes: int = 1  # concurrent probes allowed in HALF_OPEN
    probe_backoff_every: int = 3  # after every this many failed probes ...
    probe_backoff_factor: float = 2.0  # ... the reset timeout is multiplied by this ...
    probe_backoff_cap: float = 16.0  # ... up to this multiple
    dedup_s: float = 5.0  # one account's failures within this many seconds count once

    def __post_init__(self) -> None:
        if self.failure_threshold < 1:
            raise ValueError("failure_threshold must be at least 1")
        if not 0.0 < self.degraded_ratio <= 1.0:
            raise ValueError("degraded_ratio must be in (0, 1]")
        if self.window_s <= 0 or self.reset_timeout_s <= 0:
            raise ValueError("window_s and reset_timeout_s must be positive")
        if self.half_open_probes < 1 or self.probe_backoff_every < 1:
            raise ValueError("half_open_probes and probe_backoff_every must be at least 1")
        if self.probe_backoff_factor < 1.0 or self.probe_backoff_cap < 1.0:
            raise ValueError("probe_backoff_factor and probe_backoff_cap must be at least 1")
        if self.dedup_s < 0:
            raise ValueError("dedup_s must not be negative")


# Per provider category, from the reference system (docs: REFERENCE.md).
PROFILES: Mapping[str, BreakerProfile] = MappingProxyType(
    {
        "api_key": BreakerProfile(failure_threshold=5, window_s=30.0, reset_timeout_s=30.0),
        "oauth": BreakerProfile(failure_threshold=10, window_s=15 * 60.0, reset_timeout_s=5 * 60.0),
        "local": BreakerProfile(failure_threshold=2, window_s=5 * 60.0, reset_timeout_s=60.0),
    }
)


@dataclass(frozen=True, slots=True)
class BreakerView:
    key: str
    state: BreakerState
    failures: int  # in the window; while OPEN/HALF_OPEN, the count that opened it
    opened_at: float | None  # monotonic; first opening of this outage (kept across failed probes)
    retry_at: float | None  # monotonic; when the next probe may go
    probe_failures: int  # failed probes since the breaker last closed


@dataclass(frozen=True, slots=True)
class Transition:
    key: str
    old: BreakerState
    new: BreakerState
    view: BreakerView


def breaker_key(provider_id: str, proxy_url: str | None) -> str:
    """``provider:proxyHash``; the proxy URL is hashed so its credentials never reach a key or a log."""
    if not proxy_url:  # None or "" both mean no proxy
        return f"{provider_id}:direct"
    return f"{provider_id}:{hashlib.sha256(proxy_url.encode()).hexdigest()[:12]}"


def _degraded_at(profile: BreakerProfile) -> int:
    # The epsilon keeps 0.6 * 5 at 3 whatever the float rounding does.
    return max(1, math.ceil(profile.degraded_ratio * profile.failure_threshold - 1e-9))


def _backoff(profile: BreakerProfile, probe_failures: int) -> float:
    if profile.probe_backoff_factor == 1.0:
        return 1.0
    steps = probe_failures // profile.probe_backoff_every
    # Bound the exponent first: a week-long outage must not overflow the float.
    max_steps = math.ceil(math.log(profile.probe_backoff_cap, profile.probe_backoff_factor))
    return min(profile.probe_backoff_factor ** min(steps, max_steps), profile.probe_backoff_cap)


class _Entry:
    __slots__ = ("failures", "opened_at", "probe_failures", "probes", "retry_at", "state")

    def __init__(self, threshold: int) -> None:
        self.state = BreakerState.CLOSED
        # At most `threshold` timestamps are ever needed, so the deque bounds itself.
        self.failures: deque[float] = deque(maxlen=threshold)
        self.opened_at: float | None = None
        self.retry_at: float | None = None
        self.probe_failures = 0
        self.probes = 0  # probe slots taken in the current HALF_OPEN period


class Breakers:
    def __init__(
        self,
        clock: Clock,
        *,
        default: BreakerProfile = PROFILES["api_key"],
        dedup_capacity: int = 10_000,
    ) -> None:
        if dedup_capacity < 1:
            raise ValueError("dedup_capacity must be at least 1")
        self._clock = clock
        self._default = default
        self._dedup_capacity = dedup_capacity
        self._profiles: dict[str, BreakerProfile] = {}
        # Only keys with something to remember; a key back to a clean CLOSED is dropped.
        self._entries: dict[str, _Entry] = {}
        # (key, account) -> time of the last failure that counted, oldest first.
        self._dedup: OrderedDict[tuple[str, str], float] = OrderedDict()

    def set_profile(self, key: str, profile: BreakerProfile) -> None:
        """A changed profile applies from now on; it never opens or closes a breaker by itself."""
        if self._profiles.get(key) == profile:
            return
        self._profiles[key] = profile
        entry = self._entries.get(key)
        if entry is not None and entry.state in (BreakerState.CLOSED, BreakerState.DEGRADED):
            items = list(entry.failures)
            keep = items[max(0, len(items) - (profile.failure_threshold - 1)) :]
            entry.failures = deque(keep, maxlen=profile.failure_threshold)
            self._refresh(key, entry, self._clock.monotonic())

    def allow(self, key: str) -> bool:
        entry = self._entries.get(key)
        if entry is None:
            return True
        now = self._clock.monotonic()
        self._refresh(key, entry, now)
        if entry.state is BreakerState.OPEN:
            assert entry.retry_at is not None
            if now < entry.retry_at:
                return False
            entry.state = BreakerState.HALF_OPEN
            entry.probes = 0  # a new probing period: slots of the last one are void
        if entry.state is BreakerState.HALF_OPEN:
            if entry.probes >= self._profile(key).half_open_probes:
                return False
            entry.probes += 1
        return True

    def record_success(self, key: str) -> Transition | None:
        entry = self._entries.get(key)
        if entry is None or entry.state is not BreakerState.HALF_OPEN:
            # In CLOSED/DEGRADED only the window forgets failures (a mix of successes and
            # failures can still open it); in OPEN a late success of an old request proves little.
            return None
        return self._close(key, entry)

    def record_failure(self, key: str, account: str | None = None) -> Transition | None:
        profile = self._profile(key)
        now = self._clock.monotonic()
        entry = self._entries.get(key)
        if entry is not None:
            self._refresh(key, entry, now)  # may forget the entry altogether
        entry = self._entries.get(key)
        if entry is None:
            entry = self._entries[key] = _Entry(profile.failure_threshold)
        old = entry.state
        if old is BreakerState.OPEN:
            return None  # requests sent before it opened; they must not extend the outage
        if old is BreakerState.HALF_OPEN:
            # A probe failure always counts (no dedup): it decides the next reset timeout.
            entry.probe_failures += 1
            return self._open(key, entry, now, old)
        if account is not None and self._deduplicated(key, account, profile, now):
            return None
        entry.failures.append(now)
        if len(entry.failures) >= profile.failure_threshold:
            entry.opened_at = now
            return self._open(key, entry, now, old)
        self._refresh(key, entry, now)
        return self._transition(key, entry, old)

    def release_probe(self, key: str) -> None:
        entry = self._entries.get(key)
        if entry is not None and entry.state is BreakerState.HALF_OPEN and entry.probes > 0:
            entry.probes -= 1

    def view(self, key: str) -> BreakerView:
        entry = self._entries.get(key)
        if entry is not None:
            self._refresh(key, entry, self._clock.monotonic())
        return self._view(key, self._entries.get(key))

    def views(self) -> tuple[BreakerView, ...]:
        """Every key with a profile or with state to show, sorted by key."""
        now = self._clock.monotonic()
        for key, entry in list(self._entries.items()):
            self._refresh(key, entry, now)  # first, so keys back to a clean CLOSED drop out
        keys = sorted(self._profiles.keys() | self._entries.keys())
        return tuple(self._view(key, self._entries.get(key)) for key in keys)

    def reset(self, key: str) -> Transition | None:
        """By hand (CLI/UI): back to a clean CLOSED, back-off and this key's dedup memory forgotten."""
        for pair in [pair for pair in self._dedup if pair[0] == key]:
            del self._dedup[pair]
        entry = self._entries.get(key)
        if entry is None:
            return None
        self._refresh(key, entry, self._clock.monotonic())
        if entry.state is BreakerState.CLOSED:
            self._entries.pop(key, None)  # a few failures below DEGRADED: forget them, no transition
            return None
        return self._close(key, entry)

    # -- internals ---------------------------------------------------------------------------

    def _profile(self, key: str) -> BreakerProfile:
        return self._profiles.get(key, self._default)

    def _refresh(self, key: str, entry: _Entry, now: float) -> None:
        """Let old failures expire and derive CLOSED/DEGRADED from what is left (lazy, silent)."""
        if entry.state in (BreakerState.OPEN, BreakerState.HALF_OPEN):
            return
        profile = self._profile(key)
        while entry.failures and now - entry.failures[0] >= profile.window_s:
            entry.failures.popleft()
        if not entry.failures:
            del self._entries[key]
            entry.state = BreakerState.CLOSED
            return
        entry.state = (
            BreakerState.DEGRADED if len(entry.failures) >= _degraded_at(profile) else BreakerState.CLOSED
        )

    def _deduplicated(self, key: str, account: str, profile: BreakerProfile, now: float) -> bool:
        pair = (key, account)
        last = self._dedup.get(pair)
        if last is not None and now - last < profile.dedup_s:
            return True
        # Re-inserting at the end keeps the map ordered by time of writing, so over capacity the
        # least recently counted pair goes first: the one whose dedup window is most likely over.
        self._dedup.pop(pair, None)
        self._dedup[pair] = now
        while len(self._dedup) > self._dedup_capacity:
            self._dedup.popitem(last=False)
        # Drop expired entries from the front while we are here; the cap is only the worst case.
        while self._dedup:
            (front_key, _), at = next(iter(self._dedup.items()))
            if now - at < self._profile(front_key).dedup_s:
                break
            self._dedup.popitem(last=False)
        return False

    def _open(self, key: str, entry: _Entry, now: float, old: BreakerState) -> Transition:
        profile = self._profile(key)
        entry.state = BreakerState.OPEN
        entry.retry_at = now + profile.reset_timeout_s * _backoff(profile, entry.probe_failures)
        return Transition(key, old, BreakerState.OPEN, self._view(key, entry))

    def _close(self, key: str, entry: _Entry) -> Transition:
        old = entry.state
        del self._entries[key]
        return Transition(key, old, BreakerState.CLOSED, self._view(key, None))

    def _transition(self, key: str, entry: _Entry, old: BreakerState) -> Transition | None:
        if entry.state is old:
            return None
        return Transition(key, old, entry.state, self._view(key, entry))

    @staticmethod
    def _view(key: str, entry: _Entry | None) -> BreakerView:
        if entry is None:
            return BreakerView(key, BreakerState.CLOSED, 0, None, None, 0)
        return BreakerView(
            key, entry.state, len(entry.failures), entry.opened_at, entry.retry_at, entry.probe_failures
        )
