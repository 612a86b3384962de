"""Fixtures for gateway tests: the four fake upstreams, and a gateway routing to all of them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest

from app.services.admin import KeySource
from tests.component.conftest import Gateway
from tests.fakes import anthropic_upstream, gemini_upstream, openai_upstream, responses_upstream

MODELS = {"oai": "gpt-4o-mini", "resp": "gpt-5", "ant": "claude-sonnet-4-5", "gem": "gemini-2.5-flash"}
BEHAVIOURS: dict[str, Any] = {
    "oai": openai_upstream.Behaviour,
    "resp": responses_upstream.Behaviour,
    "ant": anthropic_upstream.Behaviour,
    "gem": gemini_upstream.Behaviour,
}


@dataclass
class Fakes:
    by_id: dict[str, Any]

    def script(self, upstream: str, **behaviour: Any) -> None:
        self.by_id[upstream].script(BEHAVIOURS[upstream](**behaviour))

    def last_body(self, upstream: str) -> bytes:
        return self.by_id[upstream].requests[-1].body  # type: ignore[no-any-return]


@pytest.fixture
async def fakes() -> AsyncIterator[Fakes]:
    started = {
        "oai": openai_upstream.FakeOpenAI(models=(MODELS["oai"],), api_key="k-oai"),
        "resp": responses_upstream.FakeResponses(models=(MODELS["resp"],), api_key="k-resp"),
        "ant": anthropic_upstream.FakeAnthropic(models=(MODELS["ant"],), api_key="k-ant"),
        "gem": gemini_upstream.FakeGemini(models=(MODELS["gem"],), api_key="k-gem"),
    }
    for fake in started.values():
        await fake.start()
    try:
        yield Fakes(started)
    finally:
        for fake in started.values():
            await fake.stop()


@pytest.fixture
async def matrix(gateway: Gateway, fakes: Fakes) -> Gateway:
    formats = {"oai": "openai", "resp": "responses", "ant": "anthropic", "gem": "gemini"}
    for upstream, fmt in formats.items():
        gateway.admin.add_provider(
            upstream,
            wire_format=fmt,
            base_url=fakes.by_id[upstream].base_url,
            models=MODELS[upstream],
            key=KeySource(value=f"k-{upstream}"),
        )
    await gateway.wait_for_config()
    return gateway
