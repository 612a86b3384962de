from __future__ import annotations

from types import MappingProxyType

import pytest

from app.core.clock import FakeClock
from app.core.records import WireFormat
from app.providers.catalog import builtin_catalog
from app.providers.profile import profile_for
from app.resilience.breaker import Breakers, BreakerState
from app.routing.snapshot import ProviderView, RoutingSnapshot, Target
from app.services.breaker_profiles import apply_profiles


def _snapshot(provider_id: str, base_url: str) -> RoutingSnapshot:
    profile = profile_for(builtin_catalog(), provider_id, WireFormat.OPENAI, base_url)
    target = Target(provider_id, WireFormat.OPENAI, base_url, 1, "a", 0, api_key="k", profile=profile)
    view = ProviderView(provider_id, WireFormat.OPENAI, base_url, (), (target,))
    return RoutingSnapshot(1, MappingProxyType({provider_id: view}), MappingProxyType({}))


def _trips_after_two(provider_id: str, base_url: str) -> bool:
    clock = FakeClock()
    breakers = Breakers(clock)
    apply_profiles(breakers, _snapshot(provider_id, base_url))
    key = f"{provider_id}:direct"
    breakers.record_failure(key, account="1")
    clock.advance(6)
    breakers.record_failure(key, account="1")
    return breakers.view(key).state is BreakerState.OPEN


@pytest.mark.parametrize(
    ("provider_id", "base_url"),
    [
        ("ollama", "http://localhost:11434/v1"),  # local by the catalogue
        ("lmstudio", "http://192.168.1.20:1234/v1"),  # local by the catalogue, on another machine
        ("my-llama", "http://127.0.0.1:8080/v1"),  # custom, local by its loopback URL
    ],
)
def test_a_local_server_trips_after_two_failures(provider_id: str, base_url: str) -> None:
    assert _trips_after_two(provider_id, base_url)


@pytest.mark.parametrize(
    ("provider_id", "base_url"),
    [("openai", "https://api.openai.com/v1"), ("custom", "https://llm.example/v1")],
)
def test_a_cloud_api_keeps_the_default_profile(provider_id: str, base_url: str) -> None:
    assert not _trips_after_two(provider_id, base_url)
