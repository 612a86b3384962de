"""Which breaker profile fits which provider: a local server fails differently from a cloud API.

A model server on this machine (Ollama, LM Studio, vLLM, llama.cpp) that fails twice is down, not
busy, so it trips after 2 failures and rests a minute; cloud API keys get the reference's 5 / 30 s.
(OAuth subscriptions get their own profile once such providers exist.)
"""

from __future__ import annotations

from app.core.events import SnapshotSwapped
from app.resilience.breaker import PROFILES, Breakers, breaker_key
from app.routing.snapshot import RoutingSnapshot, SnapshotHolder


def apply_profiles(breakers: Breakers, snapshot: RoutingSnapshot) -> None:
    for provider in snapshot.providers.values():
        for target in provider.targets:
            # The category comes from the catalogue, or from a loopback base URL for a custom
            # provider; cloud APIs keep the registry's default profile (which settings may tune).
            if target.profile.local:
                breakers.set_profile(breaker_key(provider.id, target.proxy_url), PROFILES["local"])


class ProfileKeeper:
    """Re-applies profiles whenever the routing snapshot changes."""

    def __init__(self, breakers: Breakers, holder: SnapshotHolder) -> None:
        self._breakers = breakers
        self._holder = holder

    def on_swap(self, _event: SnapshotSwapped) -> None:
        apply_profiles(self._breakers, self._holder.current)
