"""What the gateway adds around translation: token counting, headers, model lists, reasoning
suffixes, server-side state, and upstream answers it cannot read."""

from __future__ import annotations

import aiohttp
import anthropic
import openai
import pytest
from aiohttp import web

from app.core.records import WireFormat
from app.formats.registry import adapter_for
from app.formats.token_count import count_request_tokens
from app.services.admin import KeySource
from tests.component.conftest import Gateway
from tests.component.gateway.conftest import MODELS, Fakes
from tests.fakes import gemini_upstream

MESSAGES = [{"role": "user", "content": "Count the tokens in this sentence, please."}]


async def test_count_tokens_asks_an_anthropic_upstream(matrix: Gateway, fakes: Fakes) -> None:
    async with anthropic.AsyncAnthropic(base_url=matrix.url, api_key=matrix.key, max_retries=0) as c:
        counted = await c.messages.count_tokens(model="ant/claude-sonnet-4-5", messages=MESSAGES)
    sent = fakes.by_id["ant"].requests[-1]
    assert sent.path == "/v1/messages/count_tokens"
    assert sent.json["model"] == "claude-sonnet-4-5"
    assert counted.input_tokens > 0


async def test_count_tokens_estimates_offline_for_other_upstreams(matrix: Gateway, fakes: Fakes) -> None:
    async with anthropic.AsyncAnthropic(base_url=matrix.url, api_key=matrix.key, max_retries=0) as c:
        counted = await c.messages.count_tokens(model="oai/gpt-4o-mini", messages=MESSAGES)
    expected = count_request_tokens(
        adapter_for(WireFormat.ANTHROPIC).decode_request(
            {"model": "x", "max_tokens": 1, "messages": MESSAGES}, model="x", stream=False
        )
    )
    assert counted.input_tokens == expected
    assert 8 <= expected <= 20  # nine words and a full stop, plus message framing
    assert fakes.by_id["oai"].requests == []


async def test_gemini_count_tokens(matrix: Gateway) -> None:
    async with (
        aiohttp.ClientSession() as s,
        s.post(
            f"{matrix.url}/v1beta/models/oai/gpt-4o-mini:countTokens",
            json={"contents": [{"role": "user", "parts": [{"text": "hello there"}]}]},
            headers={"x-goog-api-key": matrix.key},
        ) as resp,
    ):
        assert resp.status == 200
        assert (await resp.json())["totalTokens"] > 0


async def test_anthropic_headers_are_forwarded_only_to_anthropic(matrix: Gateway, fakes: Fakes) -> None:
    headers = {"anthropic-beta": "interleaved-thinking-2025-05-14", "anthropic-version": "2023-06-01"}
    async with anthropic.AsyncAnthropic(
        base_url=matrix.url, api_key=matrix.key, max_retries=0, default_headers=headers
    ) as c:
        await c.messages.create(model="ant/claude-sonnet-4-5", max_tokens=64, messages=MESSAGES)
        await c.messages.create(model="oai/gpt-4o-mini", max_tokens=64, messages=MESSAGES)
    to_anthropic = fakes.by_id["ant"].requests[-1]
    assert to_anthropic.header("anthropic-beta") == "interleaved-thinking-2025-05-14"
    assert to_anthropic.header("anthropic-version") == "2023-06-01"
    assert to_anthropic.header("x-api-key") == "k-ant"
    to_openai = fakes.by_id["oai"].requests[-1]
    assert to_openai.header("anthropic-beta") is None
    assert to_openai.header("Authorization") == "Bearer k-oai"
    for fake in fakes.by_id.values():
        for recorded in fake.requests:
            assert matrix.key not in str(dict(recorded.headers)), "the gateway key leaked upstream"
            assert recorded.header("Connection", "").lower() != "upgrade"


async def test_model_lists_in_each_clients_shape(matrix: Gateway) -> None:
    ids = sorted(f"{p}/{m}" for p, m in MODELS.items())
    async with openai.AsyncOpenAI(base_url=matrix.v1, api_key=matrix.key) as c:
        assert sorted(m.id for m in (await c.models.list()).data) == ids
    async with anthropic.AsyncAnthropic(base_url=matrix.url, api_key=matrix.key) as c:
        page = await c.models.list(limit=1000)
        assert sorted(m.id for m in page.data) == ids
        assert all(m.type == "model" for m in page.data)
    async with (
        aiohttp.ClientSession() as s,
        s.get(f"{matrix.url}/v1beta/models", headers={"x-goog-api-key": matrix.key}) as resp,
    ):
        names = sorted(m["name"] for m in (await resp.json())["models"])
    assert names == [f"models/{i}" for i in ids]


@pytest.mark.parametrize(("suffix", "budget"), [("high", 24576), ("8192", 8192)])
async def test_reasoning_suffix_reaches_the_upstream(
    matrix: Gateway, fakes: Fakes, suffix: str, budget: int
) -> None:
    async with openai.AsyncOpenAI(base_url=matrix.v1, api_key=matrix.key, max_retries=0) as c:
        await c.chat.completions.create(model=f"ant/claude-sonnet-4-5({suffix})", messages=MESSAGES)
    thinking = fakes.by_id["ant"].requests[-1].json["thinking"]
    assert thinking == {"type": "enabled", "budget_tokens": budget}


async def test_reasoning_suffix_on_a_same_format_request(matrix: Gateway, fakes: Fakes) -> None:
    # Written into the otherwise passed-through body.
    async with anthropic.AsyncAnthropic(base_url=matrix.url, api_key=matrix.key, max_retries=0) as c:
        await c.messages.create(model="ant/claude-sonnet-4-5(8192)", max_tokens=16000, messages=MESSAGES)
    sent = fakes.by_id["ant"].requests[-1].json
    assert sent["thinking"] == {"type": "enabled", "budget_tokens": 8192}
    assert sent["model"] == "claude-sonnet-4-5"
    assert sent["max_tokens"] == 16000


async def test_previous_response_id_needs_a_responses_upstream(matrix: Gateway, fakes: Fakes) -> None:
    async with openai.AsyncOpenAI(base_url=matrix.v1, api_key=matrix.key, max_retries=0) as c:
        with pytest.raises(openai.BadRequestError) as info:
            await c.responses.create(
                model="ant/claude-sonnet-4-5", input="and then?", previous_response_id="resp_1"
            )
        assert info.value.body["param"] == "previous_response_id"
        assert fakes.by_id["ant"].requests == []
        # A Responses upstream gets it as is (this fake keeps no state, so it answers "not found").
        with pytest.raises(openai.BadRequestError, match="not found"):
            await c.responses.create(model="resp/gpt-5", input="and then?", previous_response_id="resp_1")
    assert fakes.by_id["resp"].requests[-1].json["previous_response_id"] == "resp_1"


@pytest.mark.parametrize("payload", [b"<html>oops</html>", b'{"type": "message", "content": 7}'])
async def test_unreadable_upstream_answer_is_a_502(gateway: Gateway, payload: bytes) -> None:
    async def broken(request: web.Request) -> web.Response:
        return web.Response(body=payload, content_type="application/json")

    app = web.Application()
    app.router.add_post("/v1/messages", broken)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    try:
        gateway.admin.add_provider(
            "odd",
            wire_format="anthropic",
            base_url=f"http://127.0.0.1:{runner.addresses[0][1]}/v1",
            models=None,
            key=KeySource(value="k"),
        )
        await gateway.wait_for_config()
        async with openai.AsyncOpenAI(base_url=gateway.v1, api_key=gateway.key, max_retries=0) as c:
            with pytest.raises(openai.APIStatusError) as info:
                await c.chat.completions.create(model="odd/claude", messages=MESSAGES)
        assert info.value.status_code == 502
        assert "upstream sent an answer" in info.value.body["message"]
    finally:
        await runner.cleanup()


async def test_reasoning_tokens_only_go_back_to_their_issuer(matrix: Gateway, fakes: Fakes) -> None:
    """An Anthropic client served by Gemini keeps Gemini's thought signatures in its history; the
    next turn hands them back to Gemini, and never to Anthropic, which would reject them."""
    gem = fakes.by_id["gem"]
    gem.verify_thought_signatures = True  # the fake refuses signatures it never issued
    gem.script(
        gemini_upstream.Behaviour(
            thinking="The user wants weather.",
            signatures=True,
            tool_calls=[{"name": "get_weather", "args": {"city": "Paris"}}],
        )
    )
    tools = [
        {
            "name": "get_weather",
            "description": "weather",
            "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}},
        }
    ]
    question = {"role": "user", "content": "Weather in Paris?"}
    async with anthropic.AsyncAnthropic(base_url=matrix.url, api_key=matrix.key, max_retries=0) as c:
        first = await c.messages.create(
            model="gem/gemini-2.5-flash",
            max_tokens=4096,
            thinking={"type": "enabled", "budget_tokens": 1024},
            tools=tools,
            messages=[question],
        )
        signed = [b for b in first.content if b.type == "thinking"]
        call = next(b for b in first.content if b.type == "tool_use")
        assert signed and signed[0].signature.startswith("vr1:gemini:")
        history = [
            question,
            {"role": "assistant", "content": [b.model_dump(exclude_none=True) for b in first.content]},
            {"role": "user", "content": [{"type": "tool_result", "tool_use_id": call.id, "content": "18C"}]},
        ]
        for model in ("gem/gemini-2.5-flash", "ant/claude-sonnet-4-5"):
            await c.messages.create(
                model=model,
                max_tokens=4096,
                thinking={"type": "enabled", "budget_tokens": 1024},
                tools=tools,
                messages=history,
            )
    to_gemini = gem.generate_requests[-1].body.decode()
    issued = sorted(gem.issued_signatures)
    assert issued and all(sig in to_gemini for sig in issued)
    assert "vr1:" not in to_gemini
    to_anthropic = fakes.by_id["ant"].requests[-1].body.decode()
    assert "vr1:" not in to_anthropic
    assert not any(sig in to_anthropic for sig in issued)
    assert "18C" in to_anthropic and "get_weather" in to_anthropic


async def test_gemini_retry_delay_becomes_retry_after_for_other_clients(
    matrix: Gateway, fakes: Fakes
) -> None:
    fakes.by_id["gem"].script(gemini_upstream.Behaviour(status=429, retry_after=17))
    async with openai.AsyncOpenAI(base_url=matrix.v1, api_key=matrix.key, max_retries=0) as c:
        with pytest.raises(openai.RateLimitError) as info:
            await c.chat.completions.create(model="gem/gemini-2.5-flash", messages=MESSAGES)
    assert info.value.response.headers["retry-after"] == "17"


async def test_drops_are_counted(matrix: Gateway) -> None:
    # An Anthropic cache mark has no equivalent in Gemini: it is left out, and counted.
    async with anthropic.AsyncAnthropic(base_url=matrix.url, api_key=matrix.key, max_retries=0) as c:
        await c.messages.create(
            model="gem/gemini-2.5-flash",
            max_tokens=64,
            messages=[
                {
                    "role": "user",
                    "content": [{"type": "text", "text": "hi", "cache_control": {"type": "ephemeral"}}],
                }
            ],
        )
    async with aiohttp.ClientSession() as s, s.get(matrix.url + "/health") as resp:
        assert (await resp.json())["translation_drops"] >= 1


async def test_system_messages_in_messages_reach_an_anthropic_model_that_refuses_them(
    matrix: Gateway, fakes: Fakes
) -> None:
    """Claude Code sends role "system" inside `messages` for non-Claude model names; most Anthropic
    models answer 400 to that, so on the way to them it moves to the top-level system prompt."""
    async with (
        aiohttp.ClientSession() as s,
        s.post(
            matrix.url + "/v1/messages",
            json={
                "model": "ant/claude-sonnet-4-5",
                "max_tokens": 64,
                "system": "You are Claude Code.",
                "messages": [
                    {"role": "user", "content": "hi"},
                    {"role": "system", "content": [{"type": "text", "text": "<env>cwd: /tmp</env>"}]},
                ],
            },
            headers={"x-api-key": matrix.key, "anthropic-version": "2023-06-01"},
        ) as resp,
    ):
        assert resp.status == 200, await resp.text()
    sent = fakes.by_id["ant"].requests[-1].json
    assert [m["role"] for m in sent["messages"]] == ["user"]
    assert "<env>cwd: /tmp</env>" in str(sent["system"])
