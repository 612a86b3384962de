"""Vendor quirks as a client sees them: the request that reaches the upstream is the vendor's dialect."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import anthropic
import openai
import pytest

from app.services.admin import KeySource
from tests.component.conftest import Gateway, start_gateway
from tests.fakes.openai_upstream import FakeOpenAI

MESSAGES = [{"role": "user", "content": "hi"}]


@pytest.fixture
async def fake() -> AsyncIterator[FakeOpenAI]:
    models = ("glm-4.6", "qwen3-235b-a22b", "deepseek-reasoner", "kimi-k2.7", "gpt-4o")
    async with FakeOpenAI(models=models, api_key="sk-up") as f:
        yield f


@pytest.fixture
async def gw(tmp_path: Path, fake: FakeOpenAI) -> AsyncIterator[Gateway]:
    gateway = await start_gateway(tmp_path)
    for provider in ("zai", "dashscope", "deepseek", "kimchi", "openai"):
        gateway.admin.add_provider(
            provider, wire_format="openai", base_url=fake.base_url, models=None, key=KeySource(value="sk-up")
        )
    await gateway.wait_for_config()
    try:
        yield gateway
    finally:
        await gateway.runtime.stop()
        gateway.store.db.close()


async def chat(gw: Gateway, model: str, **extra: object) -> None:
    async with openai.AsyncOpenAI(base_url=gw.v1, api_key=gw.key, max_retries=0) as c:
        await c.chat.completions.create(model=model, messages=MESSAGES, **extra)  # type: ignore[call-overload]


async def test_glm_on_zai_gets_its_thinking_switch(gw: Gateway, fake: FakeOpenAI) -> None:
    await chat(gw, "zai/glm-4.6", reasoning_effort="high")  # passthrough, rewritten to the dialect
    sent = fake.chat_requests[-1].json
    assert sent["thinking"] == {"type": "enabled"}
    assert "reasoning_effort" not in sent


async def test_qwen_gets_enable_thinking_and_a_budget_from_a_translated_request(
    gw: Gateway, fake: FakeOpenAI
) -> None:
    async with anthropic.AsyncAnthropic(base_url=gw.url, api_key=gw.key, max_retries=0) as c:
        await c.messages.create(
            model="dashscope/qwen3-235b-a22b",
            max_tokens=4096,
            thinking={"type": "enabled", "budget_tokens": 2048},
            messages=MESSAGES,
        )
    sent = fake.chat_requests[-1].json
    assert sent["enable_thinking"] is True
    assert sent["thinking_budget"] == 2048


async def test_a_model_that_does_not_reason_loses_reasoning_fields(gw: Gateway, fake: FakeOpenAI) -> None:
    await chat(gw, "openai/gpt-4o", reasoning_effort="high")
    assert "reasoning_effort" not in fake.chat_requests[-1].json


async def test_kimchi_bodies_look_like_the_kimchi_cli(gw: Gateway, fake: FakeOpenAI) -> None:
    await chat(gw, "kimchi/kimi-k2.7", temperature=0.3, max_tokens=10_000_000)
    sent = fake.chat_requests[-1].json
    assert "temperature" not in sent  # the CLI sends none for this model
    assert sent["max_tokens"] == 262_144  # capped at the model's output limit
    with pytest.raises(openai.NotFoundError, match="Kimchi has no model"):
        await chat(gw, "kimchi/gpt-4o")
