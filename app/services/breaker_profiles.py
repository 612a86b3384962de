"""Which breaker profile fits which provider: a local server fails differently from a cloud API.

A model server on this machine (Ollama, LM Studio, vLLM, llama.cpp) that fails twice is down, not
busy, so it trips after 2 failures and rests a minute; cloud API keys get the reference's 5 / 30 s.
(OAuth subscriptions get their own profile once such providers exist.)
"""

from __future__ import annotations

from urllib.parse import urlsplit

from app.core.events import SnapshotSwapped
from app.resilience.breaker import PROFILES, Breakers, breaker_key
from app.routing.snapshot import RoutingSnapshot, SnapshotHolder

_LOOPBACK = {"localhost", "127.0.0.1", "::1"}


def category_of(base_url: str) -> str:
    host = (urlsplit(base_url).hostname or "").lower()
    return "local" if host in _LOOPBACK or host.startswith("127.") else "api_key"


def apply_profiles(breakers: Breakers, snapshot: RoutingSnapshot) -> None:
    for provider in snapshot.providers.values():
        if category_of(provider.base_url) != "local":
            continue  # cloud APIs use the registry's default profile (which settings may tune)
        profile = PROFILES["local"]
        for target in provider.targets:
            breakers.set_profile(breaker_key(provider.id, target.proxy_url), profile)


class ProfileKeeper:
    """Re-applies profiles whenever the routing snapshot changes."""

    def __init__(self, breakers: Breakers, holder: SnapshotHolder) -> None:
        self._breakers = breakers
        self._holder = holder

    def on_swap(self, _event: SnapshotSwapped) -> None:
        apply_profiles(self._breakers, self._holder.current)
