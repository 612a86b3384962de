"""What routing remembers between requests, in memory: turn counters for round-robin, requests per
account, time to first token per model, and which provider and
account each client session is on. Clock and randomness are injected; nothing here touches I/O."""

from __future__ import annotations

import random
from collections import OrderedDict
from dataclasses import dataclass

from app.core.clock import Clock

# An exponential moving average: recent answers count most, one slow outlier does not dominate.
_LATENCY_WEIGHT = 0.3


@dataclass(frozen=True, slots=True)
class SessionPin:
    provider_id: str
    account_id: int
    expires_at: float


class RoutingState:
    def __init__(
        self,
        clock: Clock,
        rng: random.Random | None = None,
        *,
        session_ttl_s: float = 300.0,
        max_sessions: int = 10_000,
    ) -> None:
        self.clock = clock
        self.rng = rng or random.Random()
        # claude-code-hub keeps a session on one provider for 5 minutes to protect prompt caching.
        self.session_ttl_s = session_ttl_s
        self._max_sessions = max_sessions
        self._turns: dict[str, int] = {}
        self._used: dict[int, int] = {}
        self._latency: dict[str, float] = {}
        self._sessions: OrderedDict[str, SessionPin] = OrderedDict()

    # --- round-robin -------------------------------------------------------------------------------

    def next_turn(self, name: str) -> int:
        """0, 1, 2, … per name: where a rotation starts this time."""
        turn = self._turns.get(name, 0)
        self._turns[name] = turn + 1
        return turn

    # --- least-used --------------------------------------------------------------------------------

    def used(self, account_id: int) -> int:
        return self._used.get(account_id, 0)

    def note_used(self, account_id: int) -> None:
        self._used[account_id] = self._used.get(account_id, 0) + 1

    # --- lowest-latency ----------------------------------------------------------------------------

    def latency(self, model_key: str) -> float | None:
        return self._latency.get(model_key)

    def note_latency(self, model_key: str, seconds: float) -> None:
        old = self._latency.get(model_key)
        self._latency[model_key] = seconds if old is None else old + _LATENCY_WEIGHT * (seconds - old)

    # --- session stickiness ------------------------------------------------------------------------

    def session(self, key: str) -> SessionPin | None:
        pin = self._sessions.get(key)
        if pin is None:
            return None
        if pin.expires_at <= self.clock.monotonic():
            del self._sessions[key]
            return None
        return pin

    def pin_session(self, key: str, provider_id: str, account_id: int) -> None:
        self._sessions[key] = SessionPin(provider_id, account_id, self.clock.monotonic() + self.session_ttl_s)
        self._sessions.move_to_end(key)
        while len(self._sessions) > self._max_sessions:
            self._sessions.popitem(last=False)  # the least recently used session goes first

    @property
    def sessions(self) -> int:
        return len(self._sessions)
