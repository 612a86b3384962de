"""All sixteen client-format x upstream-format pairs, driven by the official SDKs (and raw HTTP for
Gemini, which has no SDK here), streaming and not, with text, tool calls and tool results, and
upstream errors arriving in the client's own error shape."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import aiohttp
import anthropic
import openai
import pytest

from tests.component.conftest import Gateway
from tests.component.gateway.conftest import MODELS, Fakes
from tests.fakes.sse import parse_events

UPSTREAMS = ("oai", "resp", "ant", "gem")
CLIENTS = ("chat", "responses", "anthropic", "gemini")
WEATHER_TOOL = {
    "name": "get_weather",
    "description": "Get the weather for a city",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
}


@dataclass
class Reply:
    text: str
    tool_calls: list[tuple[str, str, dict[str, Any]]]  # (id, name, arguments)


# --- one turn, per client -------------------------------------------------------------------------


async def ask(
    gw: Gateway, client: str, model: str, *, stream: bool, tools: bool = False, history: Any = None
) -> Reply:
    return await {"chat": _chat, "responses": _responses, "anthropic": _anthropic, "gemini": _gemini}[client](
        gw, model, stream, tools, history
    )


async def _chat(gw: Gateway, model: str, stream: bool, tools: bool, history: Any) -> Reply:
    messages = history or [{"role": "user", "content": "What's the weather in Paris?"}]
    extra: dict[str, Any] = {"tools": [{"type": "function", "function": WEATHER_TOOL}]} if tools else {}
    async with openai.AsyncOpenAI(base_url=gw.v1, api_key=gw.key, max_retries=0, timeout=20) as c:
        if not stream:
            r = await c.chat.completions.create(model=model, messages=messages, **extra)
            msg = r.choices[0].message
            calls = [(t.id, t.function.name, json.loads(t.function.arguments)) for t in msg.tool_calls or []]
            return Reply(msg.content or "", calls)
        async with c.beta.chat.completions.stream(model=model, messages=messages, **extra) as s:
            final = await s.get_final_completion()
        msg = final.choices[0].message
        calls = [(t.id, t.function.name, json.loads(t.function.arguments)) for t in msg.tool_calls or []]
        return Reply(msg.content or "", calls)


async def _responses(gw: Gateway, model: str, stream: bool, tools: bool, history: Any) -> Reply:
    items = history or [{"role": "user", "content": "What's the weather in Paris?"}]
    extra: dict[str, Any] = {"tools": [{"type": "function", **WEATHER_TOOL}]} if tools else {}
    async with openai.AsyncOpenAI(base_url=gw.v1, api_key=gw.key, max_retries=0, timeout=20) as c:
        if stream:
            async with c.responses.stream(model=model, input=items, **extra) as s:
                r = await s.get_final_response()
        else:
            r = await c.responses.create(model=model, input=items, **extra)
    calls = [(o.call_id, o.name, json.loads(o.arguments)) for o in r.output if o.type == "function_call"]
    return Reply(r.output_text, calls)


async def _anthropic(gw: Gateway, model: str, stream: bool, tools: bool, history: Any) -> Reply:
    messages = history or [{"role": "user", "content": "What's the weather in Paris?"}]
    extra: dict[str, Any] = {}
    if tools:
        extra["tools"] = [
            {
                "name": WEATHER_TOOL["name"],
                "description": WEATHER_TOOL["description"],
                "input_schema": WEATHER_TOOL["parameters"],
            }
        ]
    async with anthropic.AsyncAnthropic(base_url=gw.url, api_key=gw.key, max_retries=0, timeout=20) as c:
        if stream:
            async with c.messages.stream(model=model, max_tokens=512, messages=messages, **extra) as s:
                m = await s.get_final_message()
        else:
            m = await c.messages.create(model=model, max_tokens=512, messages=messages, **extra)
    text = "".join(b.text for b in m.content if b.type == "text")
    calls = [(b.id, b.name, dict(b.input)) for b in m.content if b.type == "tool_use"]
    return Reply(text, calls)


async def _gemini(gw: Gateway, model: str, stream: bool, tools: bool, history: Any) -> Reply:
    body: dict[str, Any] = {
        "contents": history or [{"role": "user", "parts": [{"text": "What's the weather in Paris?"}]}]
    }
    if tools:
        body["tools"] = [{"functionDeclarations": [WEATHER_TOOL]}]
    action = "streamGenerateContent?alt=sse" if stream else "generateContent"
    async with (
        aiohttp.ClientSession() as s,
        s.post(
            f"{gw.url}/v1beta/models/{model}:{action}", json=body, headers={"x-goog-api-key": gw.key}
        ) as resp,
    ):
        raw = await resp.read()
        if resp.status != 200:
            raise GeminiError(resp.status, json.loads(raw))
    chunks = [json.loads(e.data) for e in parse_events(raw)] if stream else [json.loads(raw)]
    text, calls = "", []
    for chunk in chunks:
        if "error" in chunk:
            raise GeminiError(chunk["error"]["code"], chunk)
        for cand in chunk.get("candidates", []):
            for part in cand.get("content", {}).get("parts", []):
                if "text" in part and not part.get("thought"):
                    text += part["text"]
                if "functionCall" in part:
                    fc = part["functionCall"]
                    calls.append((fc.get("id", ""), fc["name"], fc.get("args", {})))
    return Reply(text, calls)


class GeminiError(Exception):
    def __init__(self, status: int, body: Any) -> None:
        super().__init__(f"{status}: {body}")
        self.status = status
        self.body = body


# --- the tool result turn, per client ---------------------------------------------------------------


def tool_result_history(client: str, call: tuple[str, str, dict[str, Any]], result: str) -> Any:
    call_id, name, args = call
    question = "What's the weather in Paris?"
    if client == "chat":
        return [
            {"role": "user", "content": question},
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": call_id,
                        "type": "function",
                        "function": {"name": name, "arguments": json.dumps(args)},
                    }
                ],
            },
            {"role": "tool", "tool_call_id": call_id, "content": result},
        ]
    if client == "responses":
        return [
            {"role": "user", "content": question},
            {"type": "function_call", "call_id": call_id, "name": name, "arguments": json.dumps(args)},
            {"type": "function_call_output", "call_id": call_id, "output": result},
        ]
    if client == "anthropic":
        return [
            {"role": "user", "content": question},
            {
                "role": "assistant",
                "content": [{"type": "tool_use", "id": call_id, "name": name, "input": args}],
            },
            {"role": "user", "content": [{"type": "tool_result", "tool_use_id": call_id, "content": result}]},
        ]
    fc: dict[str, Any] = {"name": name, "args": args}
    if call_id:
        fc["id"] = call_id
    fr: dict[str, Any] = {"name": name, "response": {"output": result}}
    if call_id:
        fr["id"] = call_id
    return [
        {"role": "user", "parts": [{"text": question}]},
        {"role": "model", "parts": [{"functionCall": fc}]},
        {"role": "user", "parts": [{"functionResponse": fr}]},
    ]


PAIRS = [(c, u) for c in CLIENTS for u in UPSTREAMS]


@pytest.mark.parametrize("stream", [False, True], ids=["whole", "stream"])
@pytest.mark.parametrize(("client", "upstream"), PAIRS)
async def test_text(matrix: Gateway, fakes: Fakes, client: str, upstream: str, stream: bool) -> None:
    fakes.script(upstream, text="The weather is mild today.")
    reply = await ask(matrix, client, f"{upstream}/{MODELS[upstream]}", stream=stream)
    assert reply.text == "The weather is mild today."
    assert reply.tool_calls == []
    assert b"Paris" in fakes.last_body(upstream)


@pytest.mark.parametrize("stream", [False, True], ids=["whole", "stream"])
@pytest.mark.parametrize(("client", "upstream"), PAIRS)
async def test_tool_call_and_result(
    matrix: Gateway, fakes: Fakes, client: str, upstream: str, stream: bool
) -> None:
    model = f"{upstream}/{MODELS[upstream]}"
    fakes.script(upstream, tool_calls=[{"name": "get_weather", "arguments": {"city": "Paris"}}])
    first = await ask(matrix, client, model, stream=stream, tools=True)
    assert [(name, args) for _, name, args in first.tool_calls] == [("get_weather", {"city": "Paris"})]
    sent_tools = fakes.last_body(upstream)
    assert b"get_weather" in sent_tools and b"Get the weather for a city" in sent_tools

    fakes.script(upstream, text="It is 18C and cloudy in Paris.")
    history = tool_result_history(client, first.tool_calls[0], "18C, cloudy")
    second = await ask(matrix, client, model, stream=stream, tools=True, history=history)
    assert second.text == "It is 18C and cloudy in Paris."
    # The tool result reached the upstream intact, in the upstream's own format.
    assert "18C, cloudy" in fakes.last_body(upstream).decode()


@pytest.mark.parametrize(("client", "upstream"), PAIRS)
async def test_upstream_rate_limit_in_the_clients_error_shape(
    matrix: Gateway, fakes: Fakes, client: str, upstream: str
) -> None:
    fakes.script(upstream, status=429, retry_after=9)
    model = f"{upstream}/{MODELS[upstream]}"
    if client in ("chat", "responses"):
        with pytest.raises(openai.RateLimitError) as oai_err:
            await ask(matrix, client, model, stream=False)
        assert oai_err.value.status_code == 429
        assert isinstance(oai_err.value.body, dict) and oai_err.value.body.get("message")
    elif client == "anthropic":
        with pytest.raises(anthropic.RateLimitError) as ant_err:
            await ask(matrix, client, model, stream=False)
        assert ant_err.value.body["type"] == "error"  # type: ignore[index]
        assert ant_err.value.body["error"]["type"] == "rate_limit_error"  # type: ignore[index]
    else:
        with pytest.raises(GeminiError) as gem_err:
            await ask(matrix, client, model, stream=False)
        assert gem_err.value.status == 429
        assert gem_err.value.body["error"]["status"] == "RESOURCE_EXHAUSTED"


@pytest.mark.parametrize(("client", "upstream"), PAIRS)
async def test_stream_cut_short_reaches_the_client_as_an_error(
    matrix: Gateway, fakes: Fakes, client: str, upstream: str
) -> None:
    fakes.script(upstream, text="one two three four five six seven", drop_after_chunks=3)
    model = f"{upstream}/{MODELS[upstream]}"
    with pytest.raises((openai.APIError, anthropic.APIError, GeminiError)):
        await ask(matrix, client, model, stream=True)
