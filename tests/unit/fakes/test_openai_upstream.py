"""The fake OpenAI upstream is wire-exact: the official SDK talks to it without noticing."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import httpx2
import openai
import pytest
from multidict import CIMultiDict
from openai import AsyncOpenAI

from tests.fakes.openai_upstream import (
    DEFAULT_TEXT,
    SYSTEM_FINGERPRINT,
    Behaviour,
    FakeOpenAI,
    split_text,
)
from tests.fakes.sse import DONE, parse_events

KEY = "sk-fake-upstream"
MODEL = "gpt-4o-mini"
MESSAGES: list[Any] = [
    {"role": "system", "content": "You are terse."},
    {"role": "user", "content": "What is the weather in Paris?"},
]
TOOLS: list[Any] = [
    {
        "type": "function",
        "function": {
            "name": "get_weather",
            "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
        },
    },
    {
        "type": "function",
        "function": {
            "name": "get_time",
            "parameters": {"type": "object", "properties": {"tz": {"type": "string"}}},
        },
    },
]


@pytest.fixture
async def fake() -> AsyncIterator[FakeOpenAI]:
    async with FakeOpenAI(models=(MODEL, "gpt-4o")) as server:
        yield server


@pytest.fixture
async def client(fake: FakeOpenAI) -> AsyncIterator[AsyncOpenAI]:
    async with AsyncOpenAI(base_url=fake.base_url, api_key=KEY, max_retries=0) as sdk:
        yield sdk


async def raw_post(
    fake: FakeOpenAI, body: bytes | dict[str, Any], *, key: str | None = KEY
) -> tuple[int, CIMultiDict[str], bytes]:
    headers = {"Content-Type": "application/json"}
    if key is not None:
        headers["Authorization"] = f"Bearer {key}"
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{fake.base_url}/chat/completions", data=data, headers=headers) as resp,
    ):
        return resp.status, CIMultiDict(resp.headers), await resp.read()


# --------------------------------------------------------------------------- non-stream


async def test_non_stream_completion_parses_in_the_sdk(fake: FakeOpenAI, client: AsyncOpenAI) -> None:
    raw = await client.chat.completions.with_raw_response.create(model=MODEL, messages=MESSAGES)
    completion = raw.parse()

    assert raw.headers["content-type"] == "application/json"
    assert raw.headers["x-request-id"].startswith("req_")
    assert completion.object == "chat.completion"
    assert completion.id.startswith("chatcmpl-")
    assert completion.model == MODEL
    assert completion.system_fingerprint == SYSTEM_FINGERPRINT
    choice = completion.choices[0]
    assert choice.index == 0
    assert choice.finish_reason == "stop"
    assert choice.message.role == "assistant"
    assert choice.message.content == DEFAULT_TEXT
    assert choice.message.refusal is None
    assert choice.message.tool_calls is None
    usage = completion.usage
    assert usage is not None
    assert usage.prompt_tokens == 9  # "You are terse." + "What is the weather in Paris?"
    assert usage.completion_tokens == 4
    assert usage.total_tokens == 13
    assert usage.prompt_tokens_details is not None
    assert usage.prompt_tokens_details.cached_tokens == 0
    assert usage.completion_tokens_details is not None
    assert usage.completion_tokens_details.reasoning_tokens == 0


async def test_echo_and_usage_override(client: AsyncOpenAI, fake: FakeOpenAI) -> None:
    fake.script(Behaviour(echo=True, usage={"prompt_tokens": 100, "cached_tokens": 40}))
    completion = await client.chat.completions.create(model="gpt-4o", messages=MESSAGES)
    assert completion.model == "gpt-4o"
    assert completion.choices[0].message.content == "What is the weather in Paris?"
    assert completion.usage is not None
    assert (completion.usage.prompt_tokens, completion.usage.completion_tokens) == (100, 6)
    assert completion.usage.total_tokens == 106
    assert completion.usage.prompt_tokens_details is not None
    assert completion.usage.prompt_tokens_details.cached_tokens == 40


async def test_non_stream_tool_calls(client: AsyncOpenAI, fake: FakeOpenAI) -> None:
    fake.script(Behaviour(tool_calls=[{"name": "get_weather", "arguments": {"city": "Paris"}}]))
    completion = await client.chat.completions.create(model=MODEL, messages=MESSAGES, tools=TOOLS)
    choice = completion.choices[0]
    assert choice.finish_reason == "tool_calls"
    assert choice.message.content is None
    assert choice.message.tool_calls is not None
    (call,) = choice.message.tool_calls
    assert call.type == "function"
    assert call.id.startswith("call_")
    assert call.function.name == "get_weather"
    assert json.loads(call.function.arguments) == {"city": "Paris"}


# --------------------------------------------------------------------------- stream


async def test_stream_with_include_usage(client: AsyncOpenAI, fake: FakeOpenAI) -> None:
    fake.script(Behaviour(text="The sky is blue over Paris today."))
    stream = await client.chat.completions.create(
        model=MODEL, messages=MESSAGES, stream=True, stream_options={"include_usage": True}
    )
    chunks = [chunk async for chunk in stream]

    assert {c.object for c in chunks} == {"chat.completion.chunk"}
    assert len({c.id for c in chunks}) == 1
    assert len({c.created for c in chunks}) == 1
    first, *middle, final, usage_chunk = chunks
    assert first.choices[0].delta.role == "assistant"
    assert first.choices[0].delta.content == ""
    contents = [c.choices[0].delta.content for c in middle]
    assert contents == ["The", " sky", " is", " blue", " over", " Paris", " today."]
    assert final.choices[0].finish_reason == "stop"
    assert final.choices[0].delta.content is None
    assert all(c.usage is None for c in chunks[:-1])
    assert usage_chunk.choices == []
    assert usage_chunk.usage is not None
    assert usage_chunk.usage.completion_tokens == 7
    assert usage_chunk.usage.total_tokens == usage_chunk.usage.prompt_tokens + 7


async def test_stream_without_include_usage_has_no_usage_chunk(client: AsyncOpenAI, fake: FakeOpenAI) -> None:
    fake.script(Behaviour(text="one two three four five", chunks=2))
    stream = await client.chat.completions.create(model=MODEL, messages=MESSAGES, stream=True)
    chunks = [chunk async for chunk in stream]
    assert [c.choices[0].delta.content for c in chunks[1:-1]] == ["one two three", " four five"]
    assert chunks[-1].choices[0].finish_reason == "stop"
    assert all(c.choices for c in chunks)
    assert all(c.usage is None for c in chunks)


async def test_stream_wire_framing(fake: FakeOpenAI) -> None:
    status, headers, body = await raw_post(
        fake,
        {"model": MODEL, "messages": MESSAGES, "stream": True, "stream_options": {"include_usage": True}},
    )
    assert status == 200
    assert headers["Content-Type"].startswith("text/event-stream")
    assert headers["x-request-id"].startswith("req_")
    assert body.endswith(b"\n\n" + DONE)
    assert body.count(DONE) == 1
    assert all(block.startswith(b"data: ") for block in body.split(b"\n\n") if block)
    events = parse_events(body)
    assert events[-1].data == "[DONE]"
    payloads = [json.loads(e.data) for e in events[:-1]]
    assert all("usage" in p for p in payloads)  # null on every chunk but the last
    assert payloads[0]["choices"][0]["delta"] == {"role": "assistant", "content": "", "refusal": None}
    assert payloads[-2]["choices"][0] == {"index": 0, "delta": {}, "logprobs": None, "finish_reason": "stop"}
    assert payloads[-1]["choices"] == []

    _, _, plain = await raw_post(fake, {"model": MODEL, "messages": MESSAGES, "stream": True})
    assert all("usage" not in json.loads(e.data) for e in parse_events(plain)[:-1])


async def test_tool_call_stream_is_reassembled_by_the_sdk(client: AsyncOpenAI, fake: FakeOpenAI) -> None:
    fake.script(
        Behaviour(
            tool_calls=[
                {"name": "get_weather", "arguments": {"city": "Paris"}},
                {"name": "get_time", "arguments": '{"tz": "Europe/Paris"}', "id": "call_fixed"},
            ]
        )
    )
    async with client.chat.completions.stream(model=MODEL, messages=MESSAGES, tools=TOOLS) as stream:
        deltas = [event async for event in stream if event.type == "tool_calls.function.arguments.delta"]
        final = await stream.get_final_completion()

    assert len(deltas) > 2  # the arguments really arrived in fragments
    choice = final.choices[0]
    assert choice.finish_reason == "tool_calls"
    assert not choice.message.content
    calls = choice.message.tool_calls
    assert calls is not None
    assert [c.function.name for c in calls] == ["get_weather", "get_time"]
    assert json.loads(calls[0].function.arguments) == {"city": "Paris"}
    assert calls[1].function.arguments == '{"tz": "Europe/Paris"}'
    assert calls[1].id == "call_fixed"
    assert calls[0].id.startswith("call_")


async def test_tool_call_stream_wire_shape(fake: FakeOpenAI) -> None:
    fake.script(Behaviour(tool_calls=[{"name": "get_weather", "arguments": '{"city":"Paris"}'}]))
    _, _, body = await raw_post(fake, {"model": MODEL, "messages": MESSAGES, "stream": True})
    payloads = [json.loads(e.data) for e in parse_events(body)[:-1]]
    first = payloads[0]["choices"][0]["delta"]
    assert first["role"] == "assistant"
    assert first["content"] is None
    assert first["tool_calls"][0]["function"] == {"name": "get_weather", "arguments": ""}
    assert first["tool_calls"][0]["type"] == "function"
    fragments = [p["choices"][0]["delta"]["tool_calls"][0] for p in payloads[1:-1]]
    assert all(set(f) == {"index", "function"} for f in fragments)
    assert "".join(f["function"]["arguments"] for f in fragments) == '{"city":"Paris"}'
    assert payloads[-1]["choices"][0]["finish_reason"] == "tool_calls"


# --------------------------------------------------------------------------- failures


async def test_rate_limit_with_retry_after(client: AsyncOpenAI, fake: FakeOpenAI) -> None:
    fake.script(Behaviour.rate_limited(retry_after=7))
    with pytest.raises(openai.RateLimitError) as caught:
        await client.chat.completions.create(model=MODEL, messages=MESSAGES)
    err = caught.value
    assert err.status_code == 429
    assert err.code == "rate_limit_exceeded"
    assert err.type == "requests"
    assert err.response.headers["retry-after"] == "7"
    assert err.response.headers["content-type"] == "application/json"
    assert err.request_id is not None
    assert err.request_id.startswith("req_")
    assert "Please try again in 7s" in err.message


async def test_default_429_and_insufficient_quota(client: AsyncOpenAI, fake: FakeOpenAI) -> None:
    fake.script(Behaviour(status=429, retry_after=1.5), Behaviour.quota_exhausted())
    with pytest.raises(openai.RateLimitError) as limited:
        await client.chat.completions.create(model=MODEL, messages=MESSAGES)
    assert limited.value.code == "rate_limit_exceeded"
    assert limited.value.response.headers["retry-after"] == "1.5"
    with pytest.raises(openai.RateLimitError) as quota:
        await client.chat.completions.create(model=MODEL, messages=MESSAGES)
    assert quota.value.code == "insufficient_quota"
    assert quota.value.type == "insufficient_quota"
    assert "retry-after" not in quota.value.response.headers


async def test_server_errors(client: AsyncOpenAI, fake: FakeOpenAI) -> None:
    fake.script(Behaviour.server_error(), Behaviour(status=503, headers={"x-extra": "1"}))
    with pytest.raises(openai.InternalServerError) as first:
        await client.chat.completions.create(model=MODEL, messages=MESSAGES)
    assert first.value.status_code == 500
    assert first.value.type == "server_error"
    with pytest.raises(openai.InternalServerError) as second:
        await client.chat.completions.create(model=MODEL, messages=MESSAGES, stream=True)
    assert second.value.status_code == 503
    assert second.value.response.headers["x-extra"] == "1"


async def test_wrong_api_key_is_401(fake: FakeOpenAI) -> None:
    async with AsyncOpenAI(base_url=fake.base_url, api_key="sk-wrong-0123456789", max_retries=0) as bad:
        with pytest.raises(openai.AuthenticationError) as caught:
            await bad.chat.completions.create(model=MODEL, messages=MESSAGES)
    assert caught.value.status_code == 401
    assert caught.value.code == "invalid_api_key"
    assert "sk-wrong-0123456789" not in caught.value.message  # masked like upstream
    assert fake.pending == 0


async def test_missing_api_key_is_401(fake: FakeOpenAI) -> None:
    status, _, body = await raw_post(fake, {"model": MODEL, "messages": MESSAGES}, key=None)
    assert status == 401
    error = json.loads(body)["error"]
    assert error["type"] == "invalid_request_error"
    assert error["code"] is None
    assert "You didn't provide an API key" in error["message"]


async def test_no_api_key_configured_accepts_anything(fake: FakeOpenAI) -> None:
    async with FakeOpenAI(api_key=None) as open_fake:
        status, _, _ = await raw_post(open_fake, {"model": MODEL, "messages": MESSAGES}, key=None)
    assert status == 200


async def test_unknown_model_is_404(client: AsyncOpenAI, fake: FakeOpenAI) -> None:
    fake.script(Behaviour(text="kept for the next valid request"))
    with pytest.raises(openai.NotFoundError) as caught:
        await client.chat.completions.create(model="gpt-9", messages=MESSAGES)
    assert caught.value.code == "model_not_found"
    assert "gpt-9" in caught.value.message
    assert fake.pending == 1  # refused requests do not consume the script


@pytest.mark.parametrize(
    ("body", "param", "code"),
    [
        (b"{not json", None, None),
        ({"messages": MESSAGES}, "model", "missing_required_parameter"),
        ({"model": MODEL}, "messages", "missing_required_parameter"),
        ({"model": MODEL, "messages": []}, "messages", "empty_array"),
        ({"model": MODEL, "messages": "hi"}, "messages", "invalid_type"),
        (
            {"model": MODEL, "messages": MESSAGES, "stream_options": {"include_usage": True}},
            "stream_options",
            None,
        ),
    ],
)
async def test_invalid_requests_are_400(
    fake: FakeOpenAI, body: bytes | dict[str, Any], param: str | None, code: str | None
) -> None:
    status, headers, raw = await raw_post(fake, body)
    assert status == 400
    assert headers["Content-Type"] == "application/json"
    error = json.loads(raw)["error"]
    assert set(error) == {"message", "type", "param", "code"}
    assert error["type"] == "invalid_request_error"
    assert (error["param"], error["code"]) == (param, code)


async def test_bad_request_via_sdk(client: AsyncOpenAI) -> None:
    with pytest.raises(openai.BadRequestError) as caught:
        await client.chat.completions.create(model=MODEL, messages=[])
    assert caught.value.param == "messages"


async def test_mid_stream_drop_raises_in_the_sdk_iterator(client: AsyncOpenAI, fake: FakeOpenAI) -> None:
    fake.script(Behaviour(drop_after_chunks=3, chunk_interval=0.01))
    stream = await client.chat.completions.create(model=MODEL, messages=MESSAGES, stream=True)
    received: list[str | None] = []
    with pytest.raises((openai.APIConnectionError, httpx2.HTTPError)):
        async for chunk in stream:
            received.append(chunk.choices[0].delta.content)
    assert received == ["", "Hello", " from"]


async def test_drop_before_any_event(client: AsyncOpenAI, fake: FakeOpenAI) -> None:
    fake.script(Behaviour(drop_after_chunks=0))
    stream = await client.chat.completions.create(model=MODEL, messages=MESSAGES, stream=True)
    with pytest.raises((openai.APIConnectionError, httpx2.HTTPError)):
        async for _ in stream:
            pass


async def test_non_stream_drop(client: AsyncOpenAI, fake: FakeOpenAI) -> None:
    fake.script(Behaviour(drop_after_chunks=1))
    with pytest.raises(openai.APIConnectionError):
        await client.chat.completions.create(model=MODEL, messages=MESSAGES)


async def test_delay_first_byte_is_observed(client: AsyncOpenAI, fake: FakeOpenAI) -> None:
    fake.script(Behaviour(delay_first_byte=0.3))
    loop = asyncio.get_running_loop()
    started = loop.time()
    stream = await client.chat.completions.create(model=MODEL, messages=MESSAGES, stream=True)
    first_byte = loop.time() - started
    async for _ in stream:
        pass
    assert first_byte >= 0.3
    started = loop.time()
    await client.chat.completions.create(model=MODEL, messages=MESSAGES)
    assert loop.time() - started < 0.3  # the delay applied to one request only


async def test_chunk_interval_paces_the_stream(client: AsyncOpenAI, fake: FakeOpenAI) -> None:
    fake.script(Behaviour(text="a b c", chunk_interval=0.05))
    loop = asyncio.get_running_loop()
    stream = await client.chat.completions.create(model=MODEL, messages=MESSAGES, stream=True)
    stamps = [loop.time() async for _ in stream]
    assert len(stamps) == 5  # role, 3 words, finish
    assert stamps[-1] - stamps[0] >= 0.15


async def test_requests_are_recorded(client: AsyncOpenAI, fake: FakeOpenAI) -> None:
    before = asyncio.get_running_loop().time()
    await client.chat.completions.create(
        model=MODEL, messages=MESSAGES, stream=True, stream_options={"include_usage": True}
    )
    await client.models.list()
    chat, models = fake.requests
    assert chat.method == "POST"
    assert chat.path == "/v1/chat/completions"
    assert chat.headers["authorization"] == f"Bearer {KEY}"
    assert chat.header("Content-Type") == "application/json"
    assert chat.json["model"] == MODEL
    assert chat.json["messages"] == MESSAGES
    assert chat.json["stream_options"] == {"include_usage": True}
    assert json.loads(chat.body) == chat.json
    assert chat.received_at >= before
    assert (models.method, models.path, models.json) == ("GET", "/v1/models", None)
    assert fake.chat_requests == [chat]
    fake.reset()
    assert fake.requests == []


async def test_script_is_consumed_in_order_then_default(client: AsyncOpenAI, fake: FakeOpenAI) -> None:
    fake.script(Behaviour(text="first"), Behaviour(text="second"))
    answers = [
        (await client.chat.completions.create(model=MODEL, messages=MESSAGES)).choices[0].message.content
        for _ in range(3)
    ]
    assert answers == ["first", "second", DEFAULT_TEXT]
    assert fake.pending == 0


async def test_models_endpoints(client: AsyncOpenAI, fake: FakeOpenAI) -> None:
    page = await client.models.list()
    assert [m.id for m in page.data] == [MODEL, "gpt-4o"]
    assert {(m.object, m.owned_by) for m in page.data} == {("model", "system")}
    model = await client.models.retrieve("gpt-4o")
    assert model.id == "gpt-4o"
    with pytest.raises(openai.NotFoundError):
        await client.models.retrieve("gpt-9")


async def test_unknown_path_is_an_openai_404(fake: FakeOpenAI) -> None:
    async with aiohttp.ClientSession() as session, session.get(f"{fake.base_url}/nope") as resp:
        assert resp.status == 404
        assert (await resp.json())["error"]["message"] == "Invalid URL (GET /v1/nope)"


@pytest.mark.parametrize(
    "text", ["", "one", "  lead and trail  ", "a\nb\tc", "x" * 7, "one two three four five"]
)
@pytest.mark.parametrize("chunks", [None, 1, 2, 3, 10])
def test_split_text_is_lossless(text: str, chunks: int | None) -> None:
    pieces = split_text(text, chunks)
    assert "".join(pieces) == text
    words = len(re.findall(r"\s*\S+|\s+", text))
    if chunks is None:
        expected = words
    elif chunks <= words:
        expected = chunks
    else:
        expected = min(chunks, len(text))
    assert len(pieces) == expected


def test_behaviour_validation() -> None:
    with pytest.raises(ValueError):
        Behaviour(chunks=0)
    with pytest.raises(ValueError):
        Behaviour(drop_after_chunks=-1)
