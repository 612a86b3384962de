"""The fake Responses upstream is wire-exact: the official SDK (strict validation on) talks to it
without noticing, and the VansRoute Responses adapter reads what it sends."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import openai
import pytest
from multidict import CIMultiDict
from openai import AsyncOpenAI
from openai.types.responses import (
    ResponseFunctionToolCall,
    ResponseReasoningItem,
)

from app.formats import ir
from app.formats.openai_responses import ADAPTER
from tests.fakes.responses_upstream import DEFAULT_TEXT, Behaviour, FakeResponses, encrypted_for
from tests.fakes.sse import parse_events

KEY = "sk-fake-upstream"
MODEL = "gpt-5"
TOOLS: list[Any] = [
    {
        "type": "function",
        "name": "get_weather",
        "description": "Get the weather for a city",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
        "strict": True,
    }
]
CALL = Behaviour(tool_calls=[{"name": "get_weather", "arguments": {"city": "Paris"}, "id": "call_w"}])


@pytest.fixture
async def fake() -> AsyncIterator[FakeResponses]:
    async with FakeResponses(models=(MODEL, "gpt-4.1")) as server:
        yield server


@pytest.fixture
async def client(fake: FakeResponses) -> AsyncIterator[AsyncOpenAI]:
    async with AsyncOpenAI(
        base_url=fake.base_url, api_key=KEY, max_retries=0, _strict_response_validation=True
    ) as sdk:
        yield sdk


async def raw_post(
    fake: FakeResponses, body: bytes | dict[str, Any], *, key: str | None = KEY
) -> tuple[int, CIMultiDict[str], bytes]:
    headers = {"Content-Type": "application/json"}
    if key is not None:
        headers["Authorization"] = f"Bearer {key}"
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{fake.base_url}/responses", data=data, headers=headers) as resp,
    ):
        return resp.status, CIMultiDict(resp.headers), await resp.read()


# --------------------------------------------------------------------------- non-stream


async def test_text_answer_parses_in_the_sdk(fake: FakeResponses, client: AsyncOpenAI) -> None:
    raw = await client.responses.with_raw_response.create(
        model=MODEL, instructions="Be terse.", input="What is 2+2?", temperature=0.2, max_output_tokens=50
    )
    response = raw.parse()
    assert raw.headers["content-type"] == "application/json"
    assert raw.headers["x-request-id"].startswith("req_")
    assert response.id.startswith("resp_") and response.object == "response"
    assert response.status == "completed"
    assert response.output_text == DEFAULT_TEXT
    assert (response.model, response.instructions, response.temperature) == (MODEL, "Be terse.", 0.2)
    assert response.max_output_tokens == 50
    assert response.usage is not None
    assert response.usage.input_tokens == 5  # "Be terse." + "What is 2+2?"
    assert response.usage.output_tokens == 4
    assert response.usage.total_tokens == 9
    recorded = fake.responses_requests[-1]
    assert recorded.header("authorization") == f"Bearer {KEY}"
    assert recorded.json["input"] == "What is 2+2?"


async def test_echo_and_usage_override(client: AsyncOpenAI, fake: FakeResponses) -> None:
    fake.script(Behaviour(echo=True, usage={"input_tokens": 100, "cached_tokens": 40}))
    response = await client.responses.create(
        model=MODEL, input=[{"role": "user", "content": [{"type": "input_text", "text": "say this"}]}]
    )
    assert response.output_text == "say this"
    assert response.usage is not None
    assert (response.usage.input_tokens, response.usage.input_tokens_details.cached_tokens) == (100, 40)


async def test_function_calls(client: AsyncOpenAI, fake: FakeResponses) -> None:
    fake.script(CALL)
    response = await client.responses.create(model=MODEL, input="Weather in Paris?", tools=TOOLS)
    (call,) = response.output
    assert call.type == "function_call"
    assert (call.call_id, call.name, json.loads(call.arguments)) == (
        "call_w",
        "get_weather",
        {"city": "Paris"},
    )
    assert response.tools[0].type == "function"
    assert response.output_text == ""


async def test_custom_tool_call(client: AsyncOpenAI, fake: FakeResponses) -> None:
    fake.script(
        Behaviour(tool_calls=[{"name": "apply_patch", "arguments": "*** Begin Patch", "custom": True}])
    )
    response = await client.responses.create(
        model=MODEL, input="patch", tools=[{"type": "custom", "name": "apply_patch"}]
    )
    (call,) = response.output
    assert call.type == "custom_tool_call"
    assert (call.name, call.input) == ("apply_patch", "*** Begin Patch")


async def test_reasoning_summary_and_encrypted_content(client: AsyncOpenAI, fake: FakeResponses) -> None:
    fake.script(Behaviour(thinking="17*23 = 391", text="391"), Behaviour(thinking="hidden", text="ok"))
    response = await client.responses.create(
        model=MODEL,
        input="17*23?",
        reasoning={"effort": "high", "summary": "auto"},
        include=["reasoning.encrypted_content"],
        store=False,
    )
    reasoning, message = response.output
    assert isinstance(reasoning, ResponseReasoningItem) and message.type == "message"
    assert [s.text for s in reasoning.summary] == ["17*23 = 391"]
    assert reasoning.encrypted_content == encrypted_for("17*23 = 391")
    assert response.output_text == "391"
    assert response.usage is not None and response.usage.output_tokens_details.reasoning_tokens == 3
    # Without reasoning.summary and include, the reasoning item is bare.
    bare = await client.responses.create(model=MODEL, input="?", reasoning={"effort": "low"})
    item = bare.output[0]
    assert isinstance(item, ResponseReasoningItem)
    assert item.summary == [] and item.encrypted_content is None


async def test_incomplete_answer(client: AsyncOpenAI, fake: FakeResponses) -> None:
    fake.script(Behaviour(text="cut", finish_reason="max_output_tokens"))
    response = await client.responses.create(model=MODEL, input="long", max_output_tokens=1)
    assert response.status == "incomplete"
    assert response.incomplete_details is not None
    assert response.incomplete_details.reason == "max_output_tokens"


async def test_in_band_failure_without_stream(client: AsyncOpenAI, fake: FakeResponses) -> None:
    fake.script(Behaviour(fail_with={"code": "server_error", "message": "boom"}))
    response = await client.responses.create(model=MODEL, input="x")
    assert response.status == "failed"
    assert response.error is not None and response.error.message == "boom"


# --------------------------------------------------------------------------- streams


async def test_stream_events_in_order(client: AsyncOpenAI, fake: FakeResponses) -> None:
    fake.script(Behaviour(text="Hello there world"))
    stream = await client.responses.create(model=MODEL, input="hi", stream=True)
    events = [event async for event in stream]
    assert [e.type for e in events] == [
        "response.created",
        "response.in_progress",
        "response.output_item.added",
        "response.content_part.added",
        "response.output_text.delta",
        "response.output_text.delta",
        "response.output_text.delta",
        "response.output_text.done",
        "response.content_part.done",
        "response.output_item.done",
        "response.completed",
    ]
    assert [e.sequence_number for e in events] == list(range(len(events)))
    assert "".join(e.delta for e in events if e.type == "response.output_text.delta") == "Hello there world"
    completed = events[-1]
    assert completed.type == "response.completed"
    assert completed.response.output_text == "Hello there world"


async def test_stream_wire_framing(fake: FakeResponses) -> None:
    fake.script(Behaviour(text="a b"))
    status, headers, body = await raw_post(fake, {"model": MODEL, "input": "x", "stream": True})
    assert status == 200
    assert headers["content-type"].startswith("text/event-stream")
    events = parse_events(body)
    assert all(e.event == json.loads(e.data)["type"] for e in events)
    assert b"[DONE]" not in body


async def test_stream_helper_with_reasoning_and_calls(client: AsyncOpenAI, fake: FakeResponses) -> None:
    fake.script(
        Behaviour(
            thinking="Check the weather first.",
            tool_calls=[
                {"name": "get_weather", "arguments": {"city": "Paris"}},
                {"name": "get_weather", "arguments": {"city": "Oslo"}},
            ],
        )
    )
    async with client.responses.stream(
        model=MODEL,
        input="Weather in Paris and Oslo?",
        tools=TOOLS,
        reasoning={"effort": "medium", "summary": "detailed"},
        include=["reasoning.encrypted_content"],
    ) as stream:
        types = [event.type async for event in stream]
        final = await stream.get_final_response()
    assert "response.reasoning_summary_text.delta" in types
    assert types.count("response.function_call_arguments.done") == 2
    reasoning, first, second = final.output
    assert isinstance(reasoning, ResponseReasoningItem) and reasoning.encrypted_content
    assert isinstance(first, ResponseFunctionToolCall) and isinstance(second, ResponseFunctionToolCall)
    assert [json.loads(c.arguments) for c in (first, second)] == [{"city": "Paris"}, {"city": "Oslo"}]


async def test_stream_failure_raises_in_the_sdk(client: AsyncOpenAI, fake: FakeResponses) -> None:
    fake.script(Behaviour(fail_with={"code": "rate_limit_exceeded", "message": "Please try again in 1s."}))
    stream = await client.responses.create(model=MODEL, input="x", stream=True)
    with pytest.raises(openai.APIError, match="try again in 1s"):
        [event async for event in stream]


async def test_stream_drop_mid_way(client: AsyncOpenAI, fake: FakeResponses) -> None:
    fake.script(Behaviour(text="one two three", drop_after_chunks=4))
    stream = await client.responses.create(model=MODEL, input="x", stream=True)
    with pytest.raises(openai.APIConnectionError):
        [event async for event in stream]


async def test_custom_tool_call_stream(fake: FakeResponses) -> None:
    fake.script(
        Behaviour(tool_calls=[{"name": "apply_patch", "arguments": "*** Begin Patch", "custom": True}])
    )
    status, _, body = await raw_post(fake, {"model": MODEL, "input": "x", "stream": True})
    assert status == 200
    types = [json.loads(e.data)["type"] for e in parse_events(body)]
    assert (
        "response.custom_tool_call_input.delta" in types and "response.custom_tool_call_input.done" in types
    )


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("behaviour", "exception"),
    [
        (Behaviour.rate_limited(retry_after=2, model=MODEL), openai.RateLimitError),
        (Behaviour.quota_exhausted(), openai.RateLimitError),
        (Behaviour.server_error(), openai.InternalServerError),
        (Behaviour.server_error(503), openai.InternalServerError),
        (Behaviour(status=400), openai.BadRequestError),
    ],
)
async def test_scripted_failures(
    client: AsyncOpenAI, fake: FakeResponses, behaviour: Behaviour, exception: type[Exception]
) -> None:
    fake.script(behaviour)
    with pytest.raises(exception):
        await client.responses.create(model=MODEL, input="x")
    assert fake.pending == 0


async def test_rate_limit_headers(fake: FakeResponses) -> None:
    fake.script(Behaviour.rate_limited(retry_after=2, model=MODEL))
    status, headers, body = await raw_post(fake, {"model": MODEL, "input": "x"})
    assert (status, headers["retry-after"]) == (429, "2")
    assert json.loads(body)["error"]["code"] == "rate_limit_exceeded"


async def test_authentication(fake: FakeResponses) -> None:
    for key in (None, "sk-wrong-key-123456"):
        status, _, body = await raw_post(fake, {"model": MODEL, "input": "x"}, key=key)
        assert status == 401
        assert json.loads(body)["error"]["type"] == "invalid_request_error"
    async with AsyncOpenAI(base_url=fake.base_url, api_key="sk-nope", max_retries=0) as bad:
        with pytest.raises(openai.AuthenticationError):
            await bad.responses.create(model=MODEL, input="x")


@pytest.mark.parametrize(
    ("body", "status", "param"),
    [
        (b"{not json", 400, None),
        ({"input": "x"}, 400, "model"),
        ({"model": 5, "input": "x"}, 400, "model"),
        ({"model": MODEL}, 400, "input"),
        ({"model": MODEL, "input": 5}, 400, "input"),
        ({"model": MODEL, "input": "x", "tools": [{"name": "f"}]}, 400, "tools[0].type"),
        ({"model": MODEL, "input": "x", "tools": [{"type": "function"}]}, 400, "tools[0].name"),
        ({"model": MODEL, "input": "x", "previous_response_id": "resp_old"}, 400, "previous_response_id"),
        ({"model": "gpt-unknown", "input": "x"}, 404, None),
    ],
)
async def test_validation(fake: FakeResponses, body: Any, status: int, param: str | None) -> None:
    fake.script(Behaviour(text="never used"))
    got, _, raw = await raw_post(fake, body)
    assert got == status
    error = json.loads(raw)["error"]
    assert error["param"] == param
    assert fake.pending == 1  # refused requests do not consume the script


async def test_chat_endpoint_is_still_served(fake: FakeResponses, client: AsyncOpenAI) -> None:
    completion = await client.chat.completions.create(
        model=MODEL, messages=[{"role": "user", "content": "hi"}]
    )
    assert completion.choices[0].message.content == DEFAULT_TEXT
    assert fake.responses_requests == []


# --------------------------------------------------------------------------- with the adapter


async def test_adapter_reads_the_fake(fake: FakeResponses) -> None:
    """A request from another format, encoded by the adapter, accepted by the fake; the answer
    decoded back to canonical events."""
    request = ir.Request(
        model=MODEL,
        system=(ir.TextPart("Be brief.", cache=ir.CacheControl()),),
        messages=(ir.Message(ir.Role.USER, (ir.TextPart("Weather in Paris?"),)),),
        tools=(
            ir.Tool("get_weather", "Weather", {"type": "object", "properties": {"city": {"type": "string"}}}),
        ),
        reasoning=ir.Reasoning(budget_tokens=8000, summary="auto", include_encrypted=True),
        stream=True,
    )
    encoded = ADAPTER.encode_request(request)
    fake.script(
        Behaviour(
            thinking="Call the tool.", tool_calls=[{"name": "get_weather", "arguments": {"city": "Paris"}}]
        )
    )
    status, _, body = await raw_post(fake, encoded.body)
    assert status == 200
    sent = fake.responses_requests[-1].json
    assert sent["store"] is False and sent["reasoning"] == {"effort": "medium", "summary": "auto"}
    assert sent["include"] == ["reasoning.encrypted_content"]
    decoder = ADAPTER.stream_decoder()
    events = decoder.feed(body) + decoder.close()
    assert "".join(e.text for e in events if isinstance(e, ir.ThinkingDelta)) == "Call the tool."
    (signature,) = [e for e in events if isinstance(e, ir.SignatureDelta)]
    assert signature.encrypted == encrypted_for("Call the tool.")
    assert "".join(e.partial_json for e in events if isinstance(e, ir.ToolArgsDelta)) == '{"city":"Paris"}'
    end = events[-1]
    assert isinstance(end, ir.StreamEnd) and end.stop_reason is ir.StopReason.TOOL_USE
    assert end.usage.reasoning_tokens == 3
    assert ADAPTER.usage_from_stream(body[:2048], body[-2048:]) == end.usage


async def test_adapter_round_trips_the_fakes_bodies(fake: FakeResponses) -> None:
    body = {
        "model": MODEL,
        "input": "hi",
        "reasoning": {"summary": "auto"},
        "include": ["reasoning.encrypted_content"],
    }
    fake.script(Behaviour(thinking="a thought", text="hello"))
    status, _, raw = await raw_post(fake, body)
    assert status == 200
    answer = json.loads(raw)
    request = ADAPTER.decode_request(body)
    assert ADAPTER.encode_response(ADAPTER.decode_response(answer), request).body == answer
