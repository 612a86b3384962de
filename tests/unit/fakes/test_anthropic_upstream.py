"""The fake Anthropic upstream is wire-exact: the official SDK talks to it without noticing."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import anthropic
import httpx2
import pytest
from anthropic import AsyncAnthropic
from multidict import CIMultiDict

from tests.fakes.anthropic_upstream import API_VERSION, DEFAULT_TEXT, Behaviour, FakeAnthropic
from tests.fakes.sse import parse_events

KEY = "sk-ant-fake-upstream"
MODEL = "claude-sonnet-4-6"
MESSAGES: list[Any] = [{"role": "user", "content": "What is the weather in Paris?"}]
TOOLS: list[Any] = [
    {
        "name": "get_weather",
        "description": "Get the weather for a city",
        "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    },
    {
        "name": "get_time",
        "input_schema": {"type": "object", "properties": {"tz": {"type": "string"}}},
    },
]


@pytest.fixture
async def fake() -> AsyncIterator[FakeAnthropic]:
    async with FakeAnthropic(models=(MODEL, "claude-haiku-4-5", "claude-opus-4-1")) as server:
        yield server


@pytest.fixture
async def client(fake: FakeAnthropic) -> AsyncIterator[AsyncAnthropic]:
    async with AsyncAnthropic(base_url=fake.sdk_base_url, api_key=KEY, max_retries=0) as sdk:
        yield sdk


async def raw_post(
    fake: FakeAnthropic,
    body: bytes | dict[str, Any],
    *,
    path: str = "/messages",
    headers: dict[str, str] | None = None,
) -> tuple[int, CIMultiDict[str], bytes]:
    sent = {"Content-Type": "application/json", "x-api-key": KEY, "anthropic-version": API_VERSION}
    if headers is not None:
        sent = {**sent, **headers}
        sent = {k: v for k, v in sent.items() if v}
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{fake.base_url}{path}", data=data, headers=sent) as resp,
    ):
        return resp.status, CIMultiDict(resp.headers), await resp.read()


def _body(**extra: Any) -> dict[str, Any]:
    return {"model": MODEL, "max_tokens": 256, "messages": MESSAGES, **extra}


# --------------------------------------------------------------------------- urls


async def test_urls(fake: FakeAnthropic) -> None:
    assert fake.base_url == f"{fake.sdk_base_url}/v1"
    assert fake.base_url.startswith("http://127.0.0.1:")


# --------------------------------------------------------------------------- non-stream


async def test_text_message_parses_in_the_sdk(client: AsyncAnthropic, fake: FakeAnthropic) -> None:
    message = await client.messages.create(model=MODEL, max_tokens=256, messages=MESSAGES)
    assert message.type == "message"
    assert message.role == "assistant"
    assert message.model == MODEL
    assert message.id.startswith("msg_01")
    assert [b.type for b in message.content] == ["text"]
    assert message.content[0].text == DEFAULT_TEXT  # type: ignore[union-attr]
    assert message.stop_reason == "end_turn"
    assert message.stop_sequence is None
    assert message.usage.input_tokens == 6
    assert message.usage.output_tokens == 4
    assert message.usage.cache_read_input_tokens == 0
    raw = fake.message_requests[-1]
    assert raw.headers["anthropic-version"]
    assert raw.headers["authorization"] == f"Bearer {KEY}"  # how this SDK sends an API key


async def test_thinking_and_tool_use(client: AsyncAnthropic, fake: FakeAnthropic) -> None:
    fake.script(
        Behaviour(
            thinking="Two tools are needed.",
            signature="sig-1",
            tool_calls=[
                {"name": "get_weather", "input": {"city": "Paris"}},
                {"name": "get_time", "arguments": '{"tz": "Europe/Paris"}', "id": "toolu_fixed"},
            ],
        )
    )
    message = await client.messages.create(
        model=MODEL,
        max_tokens=4096,
        messages=MESSAGES,
        tools=TOOLS,
        thinking={"type": "enabled", "budget_tokens": 2048},
    )
    thinking, weather, time_ = message.content
    assert thinking.type == "thinking"
    assert (thinking.thinking, thinking.signature) == ("Two tools are needed.", "sig-1")
    assert weather.type == "tool_use"
    assert weather.name == "get_weather"
    assert weather.input == {"city": "Paris"}
    assert weather.id.startswith("toolu_01")
    assert time_.type == "tool_use"
    assert (time_.id, time_.input) == ("toolu_fixed", {"tz": "Europe/Paris"})
    assert message.stop_reason == "tool_use"


async def test_echo_and_usage_overrides(client: AsyncAnthropic, fake: FakeAnthropic) -> None:
    fake.script(
        Behaviour(
            echo=True,
            usage={"input_tokens": 3, "cache_read_input_tokens": 100, "cache_creation_input_tokens": 7},
        )
    )
    message = await client.messages.create(model=MODEL, max_tokens=16, messages=MESSAGES)
    assert message.content[0].text == "What is the weather in Paris?"  # type: ignore[union-attr]
    assert message.usage.input_tokens == 3
    assert message.usage.cache_read_input_tokens == 100
    assert message.usage.cache_creation_input_tokens == 7


async def test_redacted_thinking(client: AsyncAnthropic, fake: FakeAnthropic) -> None:
    fake.script(Behaviour(redacted_thinking="EmwKAhgBEgy3va3pzix", text="ok"))
    message = await client.messages.create(model=MODEL, max_tokens=16, messages=MESSAGES)
    assert [b.type for b in message.content] == ["redacted_thinking", "text"]
    assert message.content[0].data == "EmwKAhgBEgy3va3pzix"  # type: ignore[union-attr]


# --------------------------------------------------------------------------- streams


async def test_stream_accumulates_in_the_sdk(client: AsyncAnthropic, fake: FakeAnthropic) -> None:
    fake.script(Behaviour(text="The sky is blue over Paris today.", thinking="Look up.", signature="sig-9"))
    async with client.messages.stream(
        model=MODEL, max_tokens=4096, messages=MESSAGES, thinking={"type": "enabled", "budget_tokens": 1024}
    ) as stream:
        texts = [event.text async for event in stream if event.type == "text"]
        final = await stream.get_final_message()
    assert "".join(texts) == "The sky is blue over Paris today."
    assert len(texts) == 7
    thinking, text = final.content
    assert thinking.type == "thinking"
    assert (thinking.thinking, thinking.signature) == ("Look up.", "sig-9")
    assert text.type == "text"
    assert text.text == "The sky is blue over Paris today."
    assert final.stop_reason == "end_turn"
    assert final.usage.output_tokens == 9
    assert final.usage.input_tokens == 6


async def test_tool_use_stream_is_reassembled_by_the_sdk(client: AsyncAnthropic, fake: FakeAnthropic) -> None:
    fake.script(
        Behaviour(
            tool_calls=[
                {"name": "get_weather", "input": {"city": "Paris"}},
                {"name": "get_time", "input": {"tz": "Europe/Paris"}, "id": "toolu_fixed"},
            ]
        )
    )
    async with client.messages.stream(model=MODEL, max_tokens=256, messages=MESSAGES, tools=TOOLS) as stream:
        partials = [event async for event in stream if event.type == "input_json"]
        final = await stream.get_final_message()
    assert len(partials) > 4
    assert [b.type for b in final.content] == ["tool_use", "tool_use"]
    assert final.content[0].input == {"city": "Paris"}  # type: ignore[union-attr]
    assert final.content[1].input == {"tz": "Europe/Paris"}  # type: ignore[union-attr]
    assert final.content[1].id == "toolu_fixed"  # type: ignore[union-attr]
    assert final.stop_reason == "tool_use"


async def test_stream_wire_framing(fake: FakeAnthropic) -> None:
    fake.script(
        Behaviour(text="a b", thinking="t", tool_calls=[{"name": "get_time", "input": {"tz": "UTC"}}])
    )
    status, headers, body = await raw_post(fake, _body(stream=True))
    assert status == 200
    assert headers["Content-Type"].startswith("text/event-stream")
    assert headers["request-id"].startswith("req_")
    events = parse_events(body)
    assert all(e.event is not None for e in events)
    payloads = [json.loads(e.data) for e in events]
    assert [e.event for e in events] == [p["type"] for p in payloads]
    names = [e.event for e in events]
    assert names[0] == "message_start"
    assert names[1:3] == ["content_block_start", "ping"]
    assert names[-2:] == ["message_delta", "message_stop"]
    start = payloads[0]["message"]
    assert start["content"] == [] and start["stop_reason"] is None
    starts = [p for p in payloads if p["type"] == "content_block_start"]
    assert [s["index"] for s in starts] == [0, 1, 2]
    assert [s["content_block"]["type"] for s in starts] == ["thinking", "text", "tool_use"]
    assert starts[0]["content_block"] == {"type": "thinking", "thinking": "", "signature": ""}
    assert starts[2]["content_block"]["input"] == {}
    # Each block's deltas sit between its start and stop.
    open_index = None
    for p in payloads:
        if p["type"] == "content_block_start":
            assert open_index is None
            open_index = p["index"]
        elif p["type"] == "content_block_delta":
            assert p["index"] == open_index
        elif p["type"] == "content_block_stop":
            assert p["index"] == open_index
            open_index = None
    assert payloads[-2]["delta"] == {"stop_reason": "tool_use", "stop_sequence": None}
    assert set(payloads[-2]["usage"]) == {"output_tokens"}


# --------------------------------------------------------------------------- failures


async def test_rate_limit_with_retry_after(client: AsyncAnthropic, fake: FakeAnthropic) -> None:
    fake.script(Behaviour.rate_limited(retry_after=7))
    with pytest.raises(anthropic.RateLimitError) as caught:
        await client.messages.create(model=MODEL, max_tokens=16, messages=MESSAGES)
    err = caught.value
    assert err.status_code == 429
    assert err.type == "rate_limit_error"
    assert err.response.headers["retry-after"] == "7"
    assert err.request_id is not None and err.request_id.startswith("req_")
    assert isinstance(err.body, dict) and err.body["request_id"] == err.request_id


async def test_overloaded_and_server_errors(client: AsyncAnthropic, fake: FakeAnthropic) -> None:
    fake.script(Behaviour.overloaded(), Behaviour.server_error(), Behaviour(status=503))
    with pytest.raises(anthropic.OverloadedError) as overloaded:
        await client.messages.create(model=MODEL, max_tokens=16, messages=MESSAGES)
    assert overloaded.value.status_code == 529
    assert overloaded.value.type == "overloaded_error"
    with pytest.raises(anthropic.InternalServerError) as server:
        await client.messages.create(model=MODEL, max_tokens=16, messages=MESSAGES)
    assert server.value.status_code == 500
    assert server.value.type == "api_error"
    with pytest.raises(anthropic.InternalServerError):
        async with client.messages.stream(model=MODEL, max_tokens=16, messages=MESSAGES) as stream:
            await stream.get_final_message()


async def test_error_event_mid_stream_raises(client: AsyncAnthropic, fake: FakeAnthropic) -> None:
    fake.script(Behaviour.overloaded_mid_stream(after=4))
    seen: list[str] = []
    with pytest.raises(anthropic.APIStatusError) as caught:
        async with client.messages.stream(model=MODEL, max_tokens=16, messages=MESSAGES) as stream:
            async for event in stream:
                seen.append(event.type)
    assert caught.value.type == "overloaded_error"
    assert "message_start" in seen


async def test_wrong_and_missing_api_key(fake: FakeAnthropic) -> None:
    async with AsyncAnthropic(base_url=fake.sdk_base_url, api_key="sk-ant-wrong", max_retries=0) as bad:
        with pytest.raises(anthropic.AuthenticationError) as caught:
            await bad.messages.create(model=MODEL, max_tokens=16, messages=MESSAGES)
    assert caught.value.type == "authentication_error"
    status, _, body = await raw_post(fake, _body(), headers={"x-api-key": ""})
    assert status == 401
    assert json.loads(body)["error"] == {
        "type": "authentication_error",
        "message": "x-api-key header is required",
    }
    assert fake.pending == 0


async def test_x_api_key_header_is_accepted(fake: FakeAnthropic) -> None:
    status, headers, body = await raw_post(fake, _body())
    assert status == 200
    assert headers["Content-Type"] == "application/json"
    assert json.loads(body)["content"][0]["text"] == DEFAULT_TEXT


async def test_anthropic_version_is_required(fake: FakeAnthropic) -> None:
    status, _, body = await raw_post(fake, _body(), headers={"anthropic-version": ""})
    assert status == 400
    error = json.loads(body)
    assert error["type"] == "error"
    assert error["error"] == {
        "type": "invalid_request_error",
        "message": "anthropic-version: header is required",
    }
    assert error["request_id"].startswith("req_")


async def test_unknown_model_is_404(client: AsyncAnthropic, fake: FakeAnthropic) -> None:
    fake.script(Behaviour(text="kept"))
    with pytest.raises(anthropic.NotFoundError) as caught:
        await client.messages.create(model="claude-9", max_tokens=16, messages=MESSAGES)
    assert caught.value.type == "not_found_error"
    assert caught.value.api_message == "model: claude-9"
    assert fake.pending == 1


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            b"{not json",
            "There was an error parsing the body of your request. Please check that it is valid JSON.",
        ),
        ({"model": MODEL, "messages": MESSAGES}, "max_tokens: Field required"),
        ({"model": MODEL, "max_tokens": 5}, "messages: Field required"),
        ({"model": MODEL, "max_tokens": 5, "messages": []}, "messages: at least one message is required"),
        (
            {"model": MODEL, "max_tokens": 5, "messages": [{"role": "system", "content": "x"}]},
            "messages.0.role: Input should be 'user' or 'assistant'",
        ),
        (
            {
                "model": MODEL,
                "max_tokens": 5,
                "messages": [{"role": "user", "content": [{"type": "text", "text": ""}]}],
            },
            "messages.0.content.0.text: text content blocks must be non-empty",
        ),
        (
            _body(thinking={"type": "enabled", "budget_tokens": 512}),
            "thinking.enabled.budget_tokens: Input should be greater than or equal to 1024",
        ),
    ],
)
async def test_invalid_requests_are_400(
    fake: FakeAnthropic, body: bytes | dict[str, Any], message: str
) -> None:
    status, _, raw = await raw_post(fake, body)
    assert status == 400
    assert json.loads(raw)["error"] == {"type": "invalid_request_error", "message": message}


async def test_thinking_budget_must_be_below_max_tokens(client: AsyncAnthropic) -> None:
    with pytest.raises(anthropic.BadRequestError) as caught:
        await client.messages.create(
            model=MODEL,
            max_tokens=2000,
            messages=MESSAGES,
            thinking={"type": "enabled", "budget_tokens": 2000},
        )
    assert "max_tokens" in (caught.value.api_message or "")


async def test_mid_stream_drop_raises(client: AsyncAnthropic, fake: FakeAnthropic) -> None:
    fake.script(Behaviour(drop_after_chunks=4, chunk_interval=0.01))
    seen: list[str] = []
    with pytest.raises((anthropic.APIConnectionError, httpx2.HTTPError)):
        async with client.messages.stream(model=MODEL, max_tokens=16, messages=MESSAGES) as stream:
            async for event in stream:
                seen.append(event.type)
    assert seen[:2] == ["message_start", "content_block_start"]
    assert "message_stop" not in seen


async def test_non_stream_drop(client: AsyncAnthropic, fake: FakeAnthropic) -> None:
    fake.script(Behaviour(drop_after_chunks=1))
    with pytest.raises(anthropic.APIConnectionError):
        await client.messages.create(model=MODEL, max_tokens=16, messages=MESSAGES)


async def test_delay_first_byte(client: AsyncAnthropic, fake: FakeAnthropic) -> None:
    fake.script(Behaviour(delay_first_byte=0.3))
    loop = asyncio.get_running_loop()
    started = loop.time()
    await client.messages.create(model=MODEL, max_tokens=16, messages=MESSAGES)
    assert loop.time() - started >= 0.3
    started = loop.time()
    await client.messages.create(model=MODEL, max_tokens=16, messages=MESSAGES)
    assert loop.time() - started < 0.3


async def test_chunk_interval_paces_the_stream(fake: FakeAnthropic) -> None:
    fake.script(Behaviour(text="a b c", chunk_interval=0.05))
    loop = asyncio.get_running_loop()
    stamps: list[float] = []
    sent = {"x-api-key": KEY, "anthropic-version": API_VERSION}
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{fake.base_url}/messages", json=_body(stream=True), headers=sent) as resp,
    ):
        async for _ in resp.content.iter_any():
            stamps.append(loop.time())
    assert len(stamps) >= 5
    assert stamps[-1] - stamps[0] >= 0.3


# --------------------------------------------------------------------------- other endpoints


async def test_count_tokens(client: AsyncAnthropic, fake: FakeAnthropic) -> None:
    counted = await client.messages.count_tokens(model=MODEL, messages=MESSAGES, system="Be terse.")
    assert counted.input_tokens == 8
    assert fake.requests[-1].path == "/v1/messages/count_tokens"
    assert fake.message_requests == []


async def test_models_list_and_retrieve(client: AsyncAnthropic) -> None:
    page = await client.models.list(limit=2)
    assert [m.id for m in page.data] == [MODEL, "claude-haiku-4-5"]
    assert page.has_more is True
    assert page.data[0].type == "model"
    assert page.data[0].display_name == "Claude Sonnet 4 6"
    everything = [m.id async for m in await client.models.list(limit=1)]
    assert everything == [MODEL, "claude-haiku-4-5", "claude-opus-4-1"]
    model = await client.models.retrieve("claude-opus-4-1")
    assert model.id == "claude-opus-4-1"
    with pytest.raises(anthropic.NotFoundError):
        await client.models.retrieve("claude-9")


async def test_unknown_path_is_an_anthropic_404(fake: FakeAnthropic) -> None:
    async with aiohttp.ClientSession() as session, session.get(f"{fake.base_url}/nope") as resp:
        assert resp.status == 404
        assert (await resp.json())["error"]["type"] == "not_found_error"


async def test_requests_are_recorded_and_script_consumed_in_order(
    client: AsyncAnthropic, fake: FakeAnthropic
) -> None:
    fake.script(Behaviour(text="first"), Behaviour(text="second"))
    answers = []
    for _ in range(3):
        message = await client.messages.create(model=MODEL, max_tokens=16, messages=MESSAGES)
        answers.append(message.content[0].text)  # type: ignore[union-attr]
    assert answers == ["first", "second", DEFAULT_TEXT]
    recorded = fake.message_requests[0]
    assert recorded.method == "POST"
    assert recorded.json == {"model": MODEL, "max_tokens": 16, "messages": MESSAGES}
    fake.reset()
    assert fake.requests == []


def test_behaviour_validation() -> None:
    with pytest.raises(ValueError):
        Behaviour(chunks=0)
    with pytest.raises(ValueError):
        Behaviour(drop_after_chunks=-1)
    with pytest.raises(ValueError):
        Behaviour(delay_first_byte=-1)
