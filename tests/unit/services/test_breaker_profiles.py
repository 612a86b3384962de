from __future__ import annotations

from types import MappingProxyType

import pytest

from app.core.clock import FakeClock
from app.core.records import WireFormat
from app.resilience.breaker import Breakers, BreakerState
from app.routing.snapshot import ProviderView, RoutingSnapshot, Target
from app.services.breaker_profiles import apply_profiles, category_of


@pytest.mark.parametrize(
    ("url", "category"),
    [
        ("http://localhost:11434/v1", "local"),
        ("http://127.0.0.1:1234/v1", "local"),
        ("http://[::1]:8000/v1", "local"),
        ("https://api.openai.com/v1", "api_key"),
    ],
)
def test_category(url: str, category: str) -> None:
    assert category_of(url) == category


def test_a_local_server_trips_after_two_failures() -> None:
    clock = FakeClock()
    breakers = Breakers(clock)
    target = Target("ollama", WireFormat.OPENAI, "http://localhost:11434/v1", 1, "a", 0, api_key="k")
    view = ProviderView("ollama", WireFormat.OPENAI, target.base_url, (), (target,))
    apply_profiles(breakers, RoutingSnapshot(1, MappingProxyType({"ollama": view}), MappingProxyType({})))
    breakers.record_failure("ollama:direct", account="1")
    clock.advance(6)
    breakers.record_failure("ollama:direct", account="1")
    assert breakers.view("ollama:direct").state is BreakerState.OPEN
