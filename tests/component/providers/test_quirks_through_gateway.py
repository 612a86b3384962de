"""Vendor quirks as a client sees them: the request that reaches the upstream is the vendor's dialect."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import anthropic
import openai
import pytest

from app.services.admin import KeySource
from tests.component.conftest import Gateway, start_gateway
from tests.fakes.openai_upstream import Behaviour, FakeOpenAI

MESSAGES = [{"role": "user", "content": "hi"}]


@pytest.fixture
async def fake() -> AsyncIterator[FakeOpenAI]:
    models = (
        "glm-4.6",
        "qwen3-235b-a22b",
        "deepseek-reasoner",
        "kimi-k2.7",
        "gpt-4o",
        "moonshotai/kimi-k2-instruct",
        "kimi-k2-0905-preview",
    )
    async with FakeOpenAI(models=models, api_key="sk-up") as f:
        yield f


@pytest.fixture
async def gw(tmp_path: Path, fake: FakeOpenAI) -> AsyncIterator[Gateway]:
    gateway = await start_gateway(tmp_path)
    for provider in ("zai", "dashscope", "deepseek", "kimchi", "openai", "nvidia", "moonshot"):
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


MARKUP = (
    "Let me check. <|tool_calls_section_begin|><|tool_call_begin|>functions.get_weather:0"
    '<|tool_call_argument_begin|>{"city": "Paris"}<|tool_call_end|><|tool_calls_section_end|>'
)
TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "get_weather",
            "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
        },
    }
]


async def test_nvidia_kimi_is_called_unstreamed_and_the_client_still_streams(
    gw: Gateway, fake: FakeOpenAI
) -> None:
    fake.script(Behaviour(text="Bonjour from NIM"))
    async with openai.AsyncOpenAI(base_url=gw.v1, api_key=gw.key, max_retries=0) as c:
        stream = await c.chat.completions.create(
            model="nvidia/moonshotai/kimi-k2-instruct",
            messages=MESSAGES,
            stream=True,  # type: ignore[arg-type]
        )
        chunks = [chunk async for chunk in stream]
    assert fake.chat_requests[-1].json["stream"] is False
    assert "".join(ch.choices[0].delta.content or "" for ch in chunks if ch.choices) == "Bonjour from NIM"
    assert [ch.choices[0].finish_reason for ch in chunks if ch.choices and ch.choices[0].finish_reason] == [
        "stop"
    ]

    fake.script(Behaviour(text="Hallo from NIM"))
    a = anthropic.AsyncAnthropic(base_url=gw.url, api_key=gw.key, max_retries=0)
    async with (
        a,
        a.messages.stream(
            model="nvidia/moonshotai/kimi-k2-instruct",
            max_tokens=100,
            messages=MESSAGES,  # type: ignore[arg-type]
        ) as s,
    ):
        final = await s.get_final_message()
    assert fake.chat_requests[-1].json["stream"] is False
    assert final.content[0].text == "Hallo from NIM"  # type: ignore[union-attr]


async def test_kimi_tool_markup_becomes_real_tool_calls(gw: Gateway, fake: FakeOpenAI) -> None:
    fake.script(Behaviour(text=MARKUP))
    async with openai.AsyncOpenAI(base_url=gw.v1, api_key=gw.key, max_retries=0) as c:
        whole = await c.chat.completions.create(
            model="moonshot/kimi-k2-0905-preview",
            messages=MESSAGES,
            tools=TOOLS,  # type: ignore[arg-type]
        )
    message = whole.choices[0].message
    assert whole.choices[0].finish_reason == "tool_calls"
    assert (message.content or "").strip() == "Let me check."
    assert message.tool_calls and message.tool_calls[0].function.name == "get_weather"  # type: ignore[union-attr]
    assert json.loads(message.tool_calls[0].function.arguments) == {"city": "Paris"}  # type: ignore[union-attr]


async def test_kimi_tool_markup_split_across_stream_chunks(gw: Gateway, fake: FakeOpenAI) -> None:
    fake.script(Behaviour(text=MARKUP))  # one SSE chunk per word: the markup arrives in pieces
    async with openai.AsyncOpenAI(base_url=gw.v1, api_key=gw.key, max_retries=0) as c:
        stream = await c.chat.completions.create(
            model="moonshot/kimi-k2-0905-preview",
            messages=MESSAGES,
            tools=TOOLS,
            stream=True,  # type: ignore[arg-type]
        )
        chunks = [chunk async for chunk in stream]
    text = "".join(ch.choices[0].delta.content or "" for ch in chunks if ch.choices)
    calls = [tc for ch in chunks if ch.choices for tc in ch.choices[0].delta.tool_calls or []]
    assert "<|" not in text and text.strip() == "Let me check."
    assert calls[0].function.name == "get_weather"  # type: ignore[union-attr]
    args = "".join(tc.function.arguments or "" for tc in calls if tc.function)
    assert json.loads(args) == {"city": "Paris"}
    assert [ch.choices[0].finish_reason for ch in chunks if ch.choices and ch.choices[0].finish_reason] == [
        "tool_calls"
    ]

    # The same leak reaches a Claude Code style client as a tool_use block.
    fake.script(Behaviour(text=MARKUP))
    a = anthropic.AsyncAnthropic(base_url=gw.url, api_key=gw.key, max_retries=0)
    async with (
        a,
        a.messages.stream(
            model="moonshot/kimi-k2-0905-preview",
            max_tokens=100,
            messages=MESSAGES,  # type: ignore[arg-type]
            tools=[{"name": "get_weather", "input_schema": {"type": "object"}}],
        ) as s,
    ):
        final = await s.get_final_message()
    assert final.stop_reason == "tool_use"
    uses = [b for b in final.content if b.type == "tool_use"]
    assert uses[0].name == "get_weather" and uses[0].input == {"city": "Paris"}  # type: ignore[union-attr]
