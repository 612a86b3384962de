"""OpenAI Chat Completions adapter: golden files, round trips, cross-format encoding, streams, errors."""

from __future__ import annotations

import copy
import dataclasses
import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import aiohttp
import httpx2
import openai
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openai.lib.streaming.chat import ChatCompletionStreamState
from openai.types.chat import ChatCompletion, ChatCompletionChunk

from app.core.errors import InvalidRequest
from app.formats import ir
from app.formats.adapter import ErrorInfo
from app.formats.openai_chat import ADAPTER, sanitize_tool_name, tool_name_mapping
from tests.fakes.openai_upstream import Behaviour, FakeOpenAI
from tests.fakes.sse import parse_events

GOLDEN = Path(__file__).parent / "golden"
CASES = ["text_basic", "tools_parallel", "image_base64", "reasoning", "structured"]
RESPONSES = [
    ("text_basic", "response"),
    ("tools_parallel", "response"),
    ("tools_parallel", "tool_call_response"),
    ("image_base64", "response"),
    ("reasoning", "response"),
    ("structured", "response"),
]
STREAMS = [("tools_parallel", "tool_call_stream", "tool_call_response"), ("reasoning", "stream", "response")]


def golden_json(case: str, what: str) -> Any:
    return json.loads((GOLDEN / case / f"openai_chat.{what}.json").read_text())


def golden_bytes(case: str, what: str) -> bytes:
    return (GOLDEN / case / f"openai_chat.{what}.sse").read_bytes()


def decode(body: dict[str, Any], **kwargs: Any) -> ir.Request:
    return ADAPTER.decode_request(body, **kwargs)


def round_trip(body: dict[str, Any]) -> dict[str, Any]:
    encoded = ADAPTER.encode_request(decode(body))
    assert encoded.drops == ()
    return encoded.body


def sse(*objs: Any, done: bool = True) -> bytes:
    out = b"".join(b"data: " + json.dumps(o).encode() + b"\n\n" for o in objs)
    return out + (b"data: [DONE]\n\n" if done else b"")


def chunk(delta: dict[str, Any], finish: str | None = None, **extra: Any) -> dict[str, Any]:
    return {
        "id": "chatcmpl-x",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": "m",
        "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}],
        **extra,
    }


def usage_chunk(prompt: int, completion: int, **details: Any) -> dict[str, Any]:
    return {
        "id": "chatcmpl-x",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": "m",
        "choices": [],
        "usage": {
            "prompt_tokens": prompt,
            "completion_tokens": completion,
            "total_tokens": prompt + completion,
        }
        | details,
    }


def stream_events(raw: bytes, pieces: Sequence[bytes] | None = None) -> list[ir.StreamEvent]:
    decoder = ADAPTER.stream_decoder()
    events: list[ir.StreamEvent] = []
    for piece in pieces if pieces is not None else [raw]:
        events.extend(decoder.feed(piece))
    events.extend(decoder.close())
    return events


def assemble(events: Sequence[ir.StreamEvent]) -> tuple[tuple[ir.Part, ...], ir.StreamEnd]:
    """Checks the canonical stream grammar (sequential blocks, indexes in order) and rebuilds the parts."""
    assert isinstance(events[0], ir.StreamStart), events[0]
    end = events[-1]
    assert isinstance(end, ir.StreamEnd), end
    open_index: int | None = None
    blocks: list[tuple[ir.BlockStart, list[ir.StreamEvent]]] = []
    for event in events[1:-1]:
        if isinstance(event, ir.BlockStart):
            assert open_index is None, "blocks overlap"
            assert event.index == len(blocks), "block indexes out of step"
            open_index = event.index
            blocks.append((event, []))
        elif isinstance(event, ir.BlockStop):
            assert event.index == open_index
            open_index = None
        elif isinstance(event, ir.TextDelta | ir.ThinkingDelta | ir.SignatureDelta | ir.ToolArgsDelta):
            assert event.index == open_index, f"delta for a block that is not open: {event}"
            blocks[event.index][1].append(event)
        else:
            raise AssertionError(f"unexpected event inside the stream: {event}")
    assert open_index is None
    parts: list[ir.Part] = []
    for start, deltas in blocks:
        if start.kind is ir.BlockKind.TEXT:
            parts.append(ir.TextPart("".join(d.text for d in deltas if isinstance(d, ir.TextDelta))))
        elif start.kind is ir.BlockKind.THINKING:
            signature = next((d.signature for d in deltas if isinstance(d, ir.SignatureDelta)), None)
            text = "".join(d.text for d in deltas if isinstance(d, ir.ThinkingDelta))
            parts.append(ir.ThinkingPart(text, signature=signature))
        elif start.kind is ir.BlockKind.TOOL_CALL:
            args = "".join(d.partial_json for d in deltas if isinstance(d, ir.ToolArgsDelta))
            parts.append(
                ir.ToolCallPart(
                    start.tool_call_id or "",
                    start.tool_name or "",
                    args,
                    thought_signature=start.thought_signature,
                )
            )
        else:
            parts.append(ir.RedactedThinkingPart(start.data or ""))
    return tuple(parts), end


def encode_stream(events: Sequence[ir.StreamEvent], request: ir.Request) -> bytes:
    encoder = ADAPTER.stream_encoder(request)
    return b"".join(encoder.feed(e) for e in events) + encoder.close()


def sdk_chunks(raw: bytes) -> Iterator[ChatCompletionChunk]:
    events = parse_events(raw)
    assert events[-1].data == "[DONE]"
    for event in events[:-1]:
        yield ChatCompletionChunk.model_validate(json.loads(event.data))


def sdk_final(raw: bytes) -> ChatCompletion:
    """What the official SDK's stream accumulator makes of a stream (it is strict about tool indexes)."""
    state: ChatCompletionStreamState[None] = ChatCompletionStreamState()
    for c in sdk_chunks(raw):
        state.handle_chunk(c)
    return state.get_final_completion()


def plain_request(**kwargs: Any) -> ir.Request:
    base: dict[str, Any] = {
        "model": "gpt-4o",
        "messages": (ir.Message(ir.Role.USER, (ir.TextPart("hi"),)),),
    }
    base.update(kwargs)
    return ir.Request(**base)


# --- passthrough usage (read on the side by the gateway) -------------------------------------------


def test_usage_from_a_completion_body() -> None:
    body = b'{"usage": {"prompt_tokens": 3, "completion_tokens": 5}}'
    assert ADAPTER.usage_from_body(body) == ir.Usage(3, 5)
    assert ADAPTER.usage_from_body(b"not json") == ir.Usage()
    assert ADAPTER.usage_from_body(b'{"choices": []}') == ir.Usage()


def test_usage_from_the_end_of_a_stream() -> None:
    tail = (
        b'data: {"choices":[{"delta":{"content":"x"}}],"usage":null}\n\n'
        b'data: {"choices":[],"usage":{"prompt_tokens":10,"completion_tokens":20,"total_tokens":30}}\n\n'
        b"data: [DONE]\n\n"
    )
    assert ADAPTER.usage_from_stream(b"", tail) == ir.Usage(10, 20)


def test_stream_without_usage() -> None:
    assert ADAPTER.usage_from_stream(b"", b'data: {"choices":[]}\n\ndata: [DONE]\n\n') == ir.Usage()
    # A truncated line at the start of the tail window is skipped, not fatal.
    assert ADAPTER.usage_from_stream(b"", b'ge":{"prompt_tokens":1}}\n\ndata: [DONE]\n\n') == ir.Usage()


def test_adapter_usage_methods_speak_canonical_usage() -> None:
    body = (
        b'{"usage":{"prompt_tokens":100,"completion_tokens":50,"total_tokens":150,'
        b'"prompt_tokens_details":{"cached_tokens":60},"completion_tokens_details":{"reasoning_tokens":20}}}'
    )
    assert ADAPTER.usage_from_body(body) == ir.Usage(100, 50, cache_read_tokens=60, reasoning_tokens=20)
    assert ADAPTER.usage_from_body(b"<html>") == ir.Usage()
    tail = sse(usage_chunk(7, 3))
    assert ADAPTER.usage_from_stream(b"", tail) == ir.Usage(7, 3)
    assert ADAPTER.usage_from_stream(b"", b"data: [DONE]\n\n") == ir.Usage()


def test_usage_conventions() -> None:
    # DeepSeek reports cache hits beside prompt_tokens (which includes them).
    deepseek = b'{"usage":{"prompt_tokens":50,"completion_tokens":5,"prompt_cache_hit_tokens":40}}'
    assert ADAPTER.usage_from_body(deepseek) == ir.Usage(50, 5, cache_read_tokens=40)
    writes = b'{"usage":{"prompt_tokens":50,"completion_tokens":5,"prompt_tokens_details":{"cache_write_tokens":9}}}'
    assert ADAPTER.usage_from_body(writes) == ir.Usage(50, 5, cache_write_tokens=9)
    junk = b'{"usage":{"prompt_tokens":"many","completion_tokens":true}}'
    assert ADAPTER.usage_from_body(junk) == ir.Usage()


# --- golden files ----------------------------------------------------------------------------------


@pytest.mark.parametrize("case", CASES)
def test_golden_request_round_trip(case: str) -> None:
    body = golden_json(case, "request")
    assert round_trip(body) == body


@pytest.mark.parametrize(("case", "what"), RESPONSES)
def test_golden_response_round_trip(case: str, what: str) -> None:
    body = golden_json(case, what)
    request = decode(golden_json(case, "request"), model=body["model"])
    response = ADAPTER.decode_response(body)
    encoded = ADAPTER.encode_response(response, request)
    assert encoded.body == body
    assert encoded.drops == ()
    ChatCompletion.model_validate(encoded.body)


def test_golden_text_basic_semantics() -> None:
    r = decode(golden_json("text_basic", "request"))
    assert r.model == "gpt-4o"
    assert r.system == (ir.TextPart("You are terse."),)
    assert [(m.role, m.parts) for m in r.messages] == [
        (ir.Role.USER, (ir.TextPart("What is 2+2?"),)),
        (ir.Role.ASSISTANT, (ir.TextPart("4"),)),
        (ir.Role.USER, (ir.TextPart("And 3+3?"),)),
    ]
    assert (r.max_output_tokens, r.temperature, r.stream) == (256, 0.2, False)
    response = ADAPTER.decode_response(golden_json("text_basic", "response"))
    assert response.content == (ir.TextPart("6"),)
    assert response.stop_reason is ir.StopReason.END_TURN
    assert response.usage == ir.Usage(30, 2)


def test_golden_tools_parallel_semantics() -> None:
    r = decode(golden_json("tools_parallel", "request"))
    assert [t.name for t in r.tools] == ["get_weather", "get_time"]
    assert r.tools[0].description == "Get the weather for a city"
    assert r.tools[0].parameters["required"] == ["city"]
    assert r.tool_choice == ir.ToolChoice(ir.ToolChoiceMode.AUTO)
    user, assistant, results = r.messages
    assert user.parts == (ir.TextPart("Weather and time in Paris?"),)
    assert assistant.role is ir.Role.ASSISTANT
    assert assistant.parts == (
        ir.ToolCallPart("call_1", "get_weather", '{"city":"Paris"}'),
        ir.ToolCallPart("call_2", "get_time", '{"tz":"Europe/Paris"}'),
    )
    # Consecutive tool messages become ONE user message with both results.
    assert results.role is ir.Role.USER
    assert results.parts == (
        ir.ToolResultPart("call_1", (ir.TextPart("18°C, cloudy"),)),
        ir.ToolResultPart("call_2", (ir.TextPart("14:05"),)),
    )
    answer = ADAPTER.decode_response(golden_json("tools_parallel", "response"))
    assert answer.content == (ir.TextPart("It is 18°C and cloudy; the time is 14:05."),)
    calls = ADAPTER.decode_response(golden_json("tools_parallel", "tool_call_response"))
    assert calls.stop_reason is ir.StopReason.TOOL_USE
    assert calls.content == assistant.parts


def test_golden_image_semantics() -> None:
    r = decode(golden_json("image_base64", "request"))
    assert r.messages[0].parts == (
        ir.TextPart("What is in this image?"),
        ir.ImagePart(ir.MediaSource("base64", media_type="image/png", data="iVBORw0KGgo=")),
    )
    assert ADAPTER.decode_response(golden_json("image_base64", "response")).content == (
        ir.TextPart("A cat."),
    )


def test_golden_reasoning_semantics() -> None:
    r = decode(golden_json("reasoning", "request"))
    assert r.reasoning == ir.Reasoning(effort="high")
    assert r.reasoning.effective_budget() == 24576
    response = ADAPTER.decode_response(golden_json("reasoning", "response"))
    assert response.content == (ir.ThinkingPart("17*23 = 391"), ir.TextPart("391"))
    assert response.usage == ir.Usage(20, 50, reasoning_tokens=30)


def test_golden_structured_semantics() -> None:
    r = decode(golden_json("structured", "request"))
    assert r.response_format == ir.ResponseFormat(
        "json_schema",
        schema={
            "type": "object",
            "properties": {"name": {"type": "string"}},
            "required": ["name"],
            "additionalProperties": False,
        },
        name="person",
        strict=True,
    )
    assert ADAPTER.decode_response(golden_json("structured", "response")).content == (
        ir.TextPart('{"name":"Ada"}'),
    )


@pytest.mark.parametrize(("case", "stream", "response"), STREAMS)
def test_golden_stream_says_what_the_response_says(case: str, stream: str, response: str) -> None:
    parts, end = assemble(stream_events(golden_bytes(case, stream)))
    expected = ADAPTER.decode_response(golden_json(case, response))
    assert parts == expected.content
    assert end.stop_reason is expected.stop_reason
    assert end.usage == expected.usage


@pytest.mark.parametrize(("case", "stream", "response"), STREAMS)
@given(data=st.data())
@settings(max_examples=60, deadline=None)
def test_golden_stream_any_chunking(case: str, stream: str, response: str, data: st.DataObject) -> None:
    raw = golden_bytes(case, stream)
    cuts = sorted(data.draw(st.sets(st.integers(min_value=0, max_value=len(raw)), max_size=40)))
    pieces = [raw[a:b] for a, b in zip([0, *cuts], [*cuts, len(raw)], strict=True)]
    assert stream_events(raw, pieces) == stream_events(raw)


@pytest.mark.parametrize(("case", "stream", "response"), STREAMS)
def test_golden_stream_reencoded_is_what_the_sdk_accumulates(case: str, stream: str, response: str) -> None:
    events = stream_events(golden_bytes(case, stream))
    golden = golden_json(case, response)
    request = dataclasses.replace(
        decode(golden_json(case, "request")), model=golden["model"], stream=True, stream_usage=True
    )
    final = sdk_final(encode_stream(events, request))
    expected = ChatCompletion.model_validate(golden)
    got, want = final.choices[0], expected.choices[0]
    assert got.finish_reason == want.finish_reason
    assert got.message.content == want.message.content
    assert got.message.model_dump().get("reasoning_content") == want.message.model_dump().get(
        "reasoning_content"
    )

    def calls(message: Any) -> list[tuple[str, str, str]]:
        return [(c.id, c.function.name, c.function.arguments) for c in message.tool_calls or []]

    assert calls(got.message) == calls(want.message)
    assert final.usage is not None and expected.usage is not None
    assert (final.usage.prompt_tokens, final.usage.completion_tokens) == (
        expected.usage.prompt_tokens,
        expected.usage.completion_tokens,
    )


# --- request decoding --------------------------------------------------------------------------------


def test_minimal_request_and_overrides() -> None:
    r = decode({"model": "m", "messages": [{"role": "user", "content": "hi"}]})
    assert r == ir.Request(
        model="m", messages=(ir.Message(ir.Role.USER, (ir.TextPart("hi"),)),), extras={"openai_chat": {}}
    )
    r = decode({"messages": [{"role": "user", "content": "hi"}], "stream": False}, model="other", stream=True)
    assert (r.model, r.stream) == ("other", True)


def test_sampling_and_limits() -> None:
    r = decode(
        {
            "model": "m",
            "messages": [{"role": "user", "content": "hi"}],
            "max_tokens": 100,
            "temperature": 1,
            "top_p": 0.5,
            "seed": 7,
            "presence_penalty": -0.5,
            "frequency_penalty": 0.25,
            "stop": "END",
            "user": "u-1",
            "metadata": {"k": "v"},
            "parallel_tool_calls": False,
            "stream": True,
            "stream_options": {"include_usage": True},
            "n": 2,
            "logprobs": True,
            "top_logprobs": 3,
            "logit_bias": {"50256": -100},
            "service_tier": "flex",
            "store": True,
            "prediction": {"type": "content", "content": "x"},
            "modalities": ["text"],
            "web_search_options": {},
        }
    )
    assert (r.max_output_tokens, r.temperature, r.top_p, r.seed) == (100, 1, 0.5, 7)
    assert (r.presence_penalty, r.frequency_penalty, r.stop, r.user) == (-0.5, 0.25, ("END",), "u-1")
    assert (r.metadata, r.parallel_tool_calls, r.stream, r.stream_usage) == ({"k": "v"}, False, True, True)
    own = r.extras["openai_chat"]
    assert own["n"] == 2
    for key in (
        "logprobs",
        "top_logprobs",
        "logit_bias",
        "service_tier",
        "store",
        "prediction",
        "modalities",
    ):
        assert key in own


def test_max_completion_tokens_wins_and_max_tokens_travels() -> None:
    body = {
        "model": "m",
        "messages": [{"role": "user", "content": "x"}],
        "max_completion_tokens": 10,
        "max_tokens": 20,
    }
    assert decode(body).max_output_tokens == 10
    assert round_trip(body) == body


def test_system_and_developer_roles() -> None:
    body = {
        "model": "m",
        "messages": [
            {"role": "developer", "content": "Rule one."},
            {"role": "system", "content": [{"type": "text", "text": "A"}, {"type": "text", "text": "B"}]},
            {"role": "user", "content": "hi"},
            {"role": "system", "content": "Late reminder.", "name": "ops"},
            {"role": "assistant", "content": "ok"},
        ],
    }
    r = decode(body)
    assert r.system == (
        ir.TextPart("Rule one."),
        ir.TextPart("A"),
        ir.TextPart("B"),
        ir.TextPart("Late reminder."),
    )
    assert [m.role for m in r.messages] == [ir.Role.USER, ir.Role.ASSISTANT]
    assert round_trip(body) == body


def test_content_parts_decode() -> None:
    r = decode(
        {
            "model": "m",
            "messages": [
                {
                    "role": "user",
                    "name": "alice",
                    "content": [
                        {"type": "text", "text": "see"},
                        {"type": "image_url", "image_url": {"url": "https://x.test/a.jpg", "detail": "low"}},
                        {"type": "image_url", "image_url": "https://x.test/bare.png"},
                        {
                            "type": "file",
                            "file": {
                                "file_data": "data:application/pdf;base64,JVBERi0=",
                                "filename": "a.pdf",
                            },
                        },
                        {"type": "file", "file": {"file_id": "file-abc"}},
                        {"type": "file", "file": {"file_data": "JVBERi0=", "filename": "raw.pdf"}},
                    ],
                }
            ],
        }
    )
    message = r.messages[0]
    assert message.name == "alice"
    assert message.parts == (
        ir.TextPart("see"),
        ir.ImagePart(ir.MediaSource("url", url="https://x.test/a.jpg"), detail="low"),
        ir.ImagePart(ir.MediaSource("url", url="https://x.test/bare.png")),
        ir.DocumentPart(
            ir.MediaSource("base64", media_type="application/pdf", data="JVBERi0="), filename="a.pdf"
        ),
        ir.DocumentPart(ir.MediaSource("file", file_id="file-abc")),
        ir.DocumentPart(ir.MediaSource("base64", data="JVBERi0="), filename="raw.pdf"),
    )


def test_input_audio_has_no_canonical_home_but_round_trips() -> None:
    audio = {"type": "input_audio", "input_audio": {"data": "UklGRg==", "format": "wav"}}
    body = {
        "model": "m",
        "messages": [{"role": "user", "content": [{"type": "text", "text": "transcribe"}, audio]}],
    }
    r = decode(body)
    assert r.messages[0].parts == (ir.TextPart("transcribe"),)
    assert round_trip(body) == body


def test_assistant_variants() -> None:
    body = {
        "model": "m",
        "messages": [
            {"role": "user", "content": "q"},
            {
                "role": "assistant",
                "reasoning_content": "thinking hard",
                "content": "Let me look.",
                "tool_calls": [
                    {
                        "id": "call_a",
                        "type": "function",
                        "function": {"name": "look", "arguments": "{}"},
                        "extra_content": {"google": {"thought_signature": "c2ln"}},
                    },
                    {
                        "id": "call_b",
                        "type": "custom",
                        "custom": {"name": "apply_patch", "input": "*** Begin"},
                    },
                ],
            },
        ],
    }
    r = decode(body)
    assert r.messages[1].parts == (
        ir.ThinkingPart("thinking hard"),
        ir.TextPart("Let me look."),
        ir.ToolCallPart("call_a", "look", "{}", thought_signature="c2ln"),
        ir.ToolCallPart("call_b", "apply_patch", "*** Begin", extras={"openai_chat": {"type": "custom"}}),
    )
    assert round_trip(body) == body


def test_openrouter_reasoning_details_carry_signatures() -> None:
    body = {
        "model": "anthropic/claude-sonnet-4.5",
        "messages": [
            {"role": "user", "content": "q"},
            {
                "role": "assistant",
                "content": None,
                "reasoning": "plan",
                "reasoning_details": [
                    {"type": "reasoning.text", "text": "plan", "signature": "sig-1", "index": 0},
                    {
                        "type": "reasoning.encrypted",
                        "data": "opaque",
                        "format": "anthropic-claude-v1",
                        "index": 1,
                    },
                ],
                "tool_calls": [
                    {"id": "t1", "type": "function", "function": {"name": "f", "arguments": "{}"}}
                ],
            },
            {"role": "tool", "tool_call_id": "t1", "content": "ok"},
        ],
        "reasoning": {"effort": "high", "exclude": False},
    }
    r = decode(body)
    assert r.messages[1].parts[:2] == (
        ir.ThinkingPart("plan", signature="sig-1"),
        ir.RedactedThinkingPart("opaque"),
    )
    assert r.reasoning == ir.Reasoning(effort="high")
    assert round_trip(body) == body


def test_tool_messages_group_and_a_following_user_message_stays_separate() -> None:
    body = {
        "model": "m",
        "messages": [
            {"role": "user", "content": "go"},
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {"id": "a", "type": "function", "function": {"name": "f", "arguments": "{}"}},
                    {"id": "b", "type": "function", "function": {"name": "g", "arguments": "{}"}},
                ],
            },
            {"role": "tool", "tool_call_id": "a", "content": [{"type": "text", "text": "one"}]},
            {"role": "tool", "tool_call_id": "b", "content": ""},
            {"role": "user", "content": "and now?"},
        ],
    }
    r = decode(body)
    assert [len(m.parts) for m in r.messages] == [1, 2, 2, 1]
    assert r.messages[2].parts == (
        ir.ToolResultPart("a", (ir.TextPart("one"),)),
        ir.ToolResultPart("b", ()),
    )
    assert r.messages[3].parts == (ir.TextPart("and now?"),)
    assert round_trip(body) == body


def test_legacy_function_calling_round_trips() -> None:
    body = {
        "model": "m",
        "messages": [
            {"role": "user", "content": "weather?"},
            {
                "role": "assistant",
                "content": None,
                "function_call": {"name": "get_weather", "arguments": "{}"},
            },
            {"role": "function", "name": "get_weather", "content": "sunny"},
        ],
        "functions": [{"name": "get_weather", "parameters": {"type": "object"}}],
        "function_call": "auto",
    }
    r = decode(body)
    call = r.messages[1].parts[0]
    result = r.messages[2].parts[0]
    assert isinstance(call, ir.ToolCallPart) and isinstance(result, ir.ToolResultPart)
    assert result.call_id == call.id and result.name == "get_weather"
    assert round_trip(body) == body


ROUND_TRIPS: list[tuple[str, dict[str, Any]]] = [
    ("stop list", {"stop": ["a", "b"]}),
    ("stop string", {"stop": "a"}),
    ("max_tokens key", {"max_tokens": 5}),
    ("stream false", {"stream": False}),
    (
        "stream with options",
        {"stream": True, "stream_options": {"include_usage": True, "include_obfuscation": False}},
    ),
    ("json_object", {"response_format": {"type": "json_object"}}),
    ("text format", {"response_format": {"type": "text"}}),
    (
        "json_schema with description",
        {
            "response_format": {
                "type": "json_schema",
                "json_schema": {"name": "p", "description": "d", "schema": {}},
            }
        },
    ),
    (
        "named tool choice",
        {
            "tools": [
                {
                    "type": "function",
                    "function": {"name": "f", "parameters": {"type": "object"}, "strict": True},
                }
            ],
            "tool_choice": {"type": "function", "function": {"name": "f"}},
            "parallel_tool_calls": False,
        },
    ),
    ("required", {"tools": [{"type": "function", "function": {"name": "f"}}], "tool_choice": "required"}),
    ("none", {"tools": [{"type": "function", "function": {"name": "f"}}], "tool_choice": "none"}),
    (
        "allowed tools",
        {
            "tools": [
                {"type": "function", "function": {"name": "f"}},
                {"type": "function", "function": {"name": "g"}},
            ],
            "tool_choice": {
                "type": "allowed_tools",
                "allowed_tools": {
                    "mode": "required",
                    "tools": [{"type": "function", "function": {"name": "f"}}],
                },
            },
        },
    ),
    (
        "custom tool",
        {
            "tools": [{"type": "custom", "custom": {"name": "patch", "format": {"type": "text"}}}],
            "tool_choice": {"type": "custom", "custom": {"name": "patch"}},
        },
    ),
    ("vendor fields", {"top_k": 40, "chat_template_kwargs": {"enable_thinking": False}, "n": 3}),
    ("efforts", {"reasoning_effort": "minimal"}),
    ("openrouter reasoning", {"reasoning": {"max_tokens": 2000}}),
    ("metadata and user", {"metadata": {"a": "b"}, "user": "u", "store": True}),
]


@pytest.mark.parametrize("extra", [c[1] for c in ROUND_TRIPS], ids=[c[0] for c in ROUND_TRIPS])
def test_request_round_trip(extra: dict[str, Any]) -> None:
    body = {"model": "m", "messages": [{"role": "user", "content": "x"}], **copy.deepcopy(extra)}
    expected = copy.deepcopy(body)
    if body.get("stream") is True:
        expected["stream_options"] = {**body.get("stream_options", {}), "include_usage": True}
    assert round_trip(body) == expected


MESSAGE_ROUND_TRIPS: list[tuple[str, list[dict[str, Any]]]] = [
    ("empty user string", [{"role": "user", "content": ""}]),
    ("user parts one text", [{"role": "user", "content": [{"type": "text", "text": "x"}]}]),
    ("assistant empty string", [{"role": "user", "content": "x"}, {"role": "assistant", "content": ""}]),
    (
        "assistant without content",
        [
            {"role": "user", "content": "x"},
            {
                "role": "assistant",
                "tool_calls": [{"id": "1", "type": "function", "function": {"name": "f", "arguments": "{}"}}],
            },
            {"role": "tool", "tool_call_id": "1", "content": "r"},
        ],
    ),
    (
        "assistant refusal",
        [
            {"role": "user", "content": "x"},
            {"role": "assistant", "content": None, "refusal": "I can't help with that."},
        ],
    ),
    (
        "assistant parts with refusal part",
        [
            {"role": "user", "content": "x"},
            {
                "role": "assistant",
                "content": [{"type": "text", "text": "a"}, {"type": "refusal", "refusal": "no"}],
            },
        ],
    ),
    (
        "assistant name and audio",
        [
            {"role": "user", "content": "x"},
            {"role": "assistant", "name": "bot", "content": "y", "audio": {"id": "audio_1"}},
        ],
    ),
    (
        "empty reasoning_content",
        [
            {"role": "user", "content": "x"},
            {"role": "assistant", "content": "y", "reasoning_content": ""},
        ],
    ),
    (
        "reasoning field",
        [
            {"role": "user", "content": "x"},
            {"role": "assistant", "content": "y", "reasoning": "because"},
        ],
    ),
    (
        "tool message with name",
        [
            {"role": "user", "content": "x"},
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [{"id": "1", "type": "function", "function": {"name": "f", "arguments": "{}"}}],
            },
            {"role": "tool", "tool_call_id": "1", "name": "f", "content": "r"},
        ],
    ),
    (
        "openrouter cache_control",
        [
            {
                "role": "system",
                "content": [{"type": "text", "text": "big", "cache_control": {"type": "ephemeral"}}],
            },
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": "x", "cache_control": {"type": "ephemeral", "ttl": "1h"}}
                ],
            },
        ],
    ),
    ("system only at the end", [{"role": "user", "content": "x"}, {"role": "system", "content": "late"}]),
    ("empty system", [{"role": "system", "content": ""}, {"role": "user", "content": "x"}]),
    (
        "two system messages",
        [
            {"role": "system", "content": "a"},
            {"role": "system", "content": "b"},
            {"role": "user", "content": "x"},
        ],
    ),
]


@pytest.mark.parametrize(
    "messages", [c[1] for c in MESSAGE_ROUND_TRIPS], ids=[c[0] for c in MESSAGE_ROUND_TRIPS]
)
def test_message_round_trip(messages: list[dict[str, Any]]) -> None:
    body = {"model": "m", "messages": copy.deepcopy(messages)}
    assert round_trip(body) == body


def test_cache_control_decodes_to_cache_marks() -> None:
    messages = dict(MESSAGE_ROUND_TRIPS)["openrouter cache_control"]
    r = decode({"model": "m", "messages": messages})
    assert r.system[0].cache == ir.CacheControl()
    assert r.messages[0].parts[0] == ir.TextPart("x", cache=ir.CacheControl(ttl="1h"))


INVALID: list[tuple[str, dict[str, Any], str | None]] = [
    ("no model", {"messages": [{"role": "user", "content": "x"}]}, "model"),
    ("model not a string", {"model": 3, "messages": []}, "model"),
    ("no messages", {"model": "m"}, "messages"),
    ("messages not a list", {"model": "m", "messages": {}}, "messages"),
    ("empty messages", {"model": "m", "messages": []}, "messages"),
    ("message not an object", {"model": "m", "messages": ["hi"]}, "messages[0]"),
    ("no role", {"model": "m", "messages": [{"content": "x"}]}, "messages[0].role"),
    ("bad role", {"model": "m", "messages": [{"role": "robot", "content": "x"}]}, "messages[0].role"),
    ("user content missing", {"model": "m", "messages": [{"role": "user"}]}, "messages[0].content"),
    (
        "user content number",
        {"model": "m", "messages": [{"role": "user", "content": 5}]},
        "messages[0].content",
    ),
    (
        "part not object",
        {"model": "m", "messages": [{"role": "user", "content": ["x"]}]},
        "messages[0].content[0]",
    ),
    (
        "unknown part type",
        {"model": "m", "messages": [{"role": "user", "content": [{"type": "video"}]}]},
        "messages[0].content[0].type",
    ),
    (
        "text part without text",
        {"model": "m", "messages": [{"role": "user", "content": [{"type": "text"}]}]},
        "messages[0].content[0].text",
    ),
    (
        "image without url",
        {"model": "m", "messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {}}]}]},
        "messages[0].content[0].image_url.url",
    ),
    (
        "file without data or id",
        {"model": "m", "messages": [{"role": "user", "content": [{"type": "file", "file": {}}]}]},
        "messages[0].content[0].file.file_data",
    ),
    (
        "tool call without id",
        {
            "model": "m",
            "messages": [
                {"role": "assistant", "tool_calls": [{"type": "function", "function": {"name": "f"}}]}
            ],
        },
        "messages[0].tool_calls[0].id",
    ),
    (
        "tool call bad arguments",
        {
            "model": "m",
            "messages": [
                {
                    "role": "assistant",
                    "tool_calls": [
                        {"id": "1", "type": "function", "function": {"name": "f", "arguments": 3}}
                    ],
                }
            ],
        },
        "messages[0].tool_calls[0].function.arguments",
    ),
    (
        "tool without id",
        {"model": "m", "messages": [{"role": "tool", "content": "x"}]},
        "messages[0].tool_call_id",
    ),
    (
        "function without name",
        {"model": "m", "messages": [{"role": "function", "content": "x"}]},
        "messages[0].name",
    ),
    (
        "system image",
        {"model": "m", "messages": [{"role": "system", "content": [{"type": "image_url"}]}]},
        "messages[0].content[0].type",
    ),
    (
        "tools not a list",
        {"model": "m", "messages": [{"role": "user", "content": "x"}], "tools": {}},
        "tools",
    ),
    (
        "tool without name",
        {
            "model": "m",
            "messages": [{"role": "user", "content": "x"}],
            "tools": [{"type": "function", "function": {}}],
        },
        "tools[0].function.name",
    ),
    (
        "unknown tool type",
        {"model": "m", "messages": [{"role": "user", "content": "x"}], "tools": [{"type": "retrieval"}]},
        "tools[0].type",
    ),
    (
        "bad tool_choice",
        {"model": "m", "messages": [{"role": "user", "content": "x"}], "tool_choice": "any"},
        "tool_choice",
    ),
    (
        "tool_choice without name",
        {
            "model": "m",
            "messages": [{"role": "user", "content": "x"}],
            "tool_choice": {"type": "function", "function": {}},
        },
        "tool_choice.function.name",
    ),
    (
        "temperature string",
        {"model": "m", "messages": [{"role": "user", "content": "x"}], "temperature": "hot"},
        "temperature",
    ),
    (
        "max_tokens float",
        {"model": "m", "messages": [{"role": "user", "content": "x"}], "max_tokens": 1.5},
        "max_tokens",
    ),
    ("seed bool", {"model": "m", "messages": [{"role": "user", "content": "x"}], "seed": True}, "seed"),
    ("stop number", {"model": "m", "messages": [{"role": "user", "content": "x"}], "stop": 3}, "stop"),
    (
        "stop list of numbers",
        {"model": "m", "messages": [{"role": "user", "content": "x"}], "stop": ["a", 1]},
        "stop[1]",
    ),
    (
        "stream string",
        {"model": "m", "messages": [{"role": "user", "content": "x"}], "stream": "yes"},
        "stream",
    ),
    (
        "response_format type",
        {"model": "m", "messages": [{"role": "user", "content": "x"}], "response_format": {"type": "xml"}},
        "response_format.type",
    ),
    (
        "json_schema without name",
        {
            "model": "m",
            "messages": [{"role": "user", "content": "x"}],
            "response_format": {"type": "json_schema", "json_schema": {}},
        },
        "response_format.json_schema.name",
    ),
    (
        "metadata list",
        {"model": "m", "messages": [{"role": "user", "content": "x"}], "metadata": []},
        "metadata",
    ),
    (
        "stream_options list",
        {"model": "m", "messages": [{"role": "user", "content": "x"}], "stream_options": []},
        "stream_options",
    ),
    (
        "effort number",
        {"model": "m", "messages": [{"role": "user", "content": "x"}], "reasoning_effort": 3},
        "reasoning_effort",
    ),
]


@pytest.mark.parametrize(("body", "param"), [(c[1], c[2]) for c in INVALID], ids=[c[0] for c in INVALID])
def test_malformed_requests_are_invalid_request(body: dict[str, Any], param: str | None) -> None:
    with pytest.raises(InvalidRequest) as caught:
        decode(body)
    assert caught.value.param == param


@given(
    body=st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5),
        lambda children: (
            st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3)
        ),
        max_leaves=12,
    ),
    role=st.sampled_from(["user", "assistant", "tool", "system", "developer", "function"]),
    key=st.sampled_from(
        ["content", "tool_calls", "reasoning_content", "name", "tool_call_id", "function_call"]
    ),
)
@settings(max_examples=300)
def test_garbage_is_invalid_request_never_a_crash(body: Any, role: str, key: str) -> None:
    for candidate in (body, {"model": "m", "messages": [{"role": role, key: body}]}):
        try:
            decode(candidate)
        except InvalidRequest:
            pass


# --- encoding a request from another format ----------------------------------------------------------


def test_encode_from_another_format() -> None:
    request = ir.Request(
        model="gpt-4o",
        system=(
            ir.TextPart("You are Claude Code.", cache=ir.CacheControl()),
            ir.TextPart("Be brief."),
        ),
        messages=(
            ir.Message(ir.Role.USER, (ir.TextPart("<reminder>"), ir.TextPart("fix the bug"))),
            ir.Message(
                ir.Role.ASSISTANT,
                (
                    ir.ThinkingPart("Need to read the file.", signature="EqQB"),
                    ir.RedactedThinkingPart("xyz"),
                    ir.TextPart("Reading."),
                    ir.ToolCallPart("toolu_01", "Read", '{"path":"a.py"}'),
                ),
            ),
            ir.Message(
                ir.Role.USER,
                (
                    ir.ToolResultPart(
                        "toolu_01",
                        (
                            ir.TextPart("line 1"),
                            ir.TextPart("line 2"),
                            ir.ImagePart(ir.MediaSource("base64", media_type="image/png", data="AAA=")),
                        ),
                        is_error=True,
                    ),
                    ir.TextPart("continue"),
                ),
            ),
        ),
        tools=(
            ir.Tool("Read", "Read a file", {"type": "object", "properties": {"path": {"type": "string"}}}),
            ir.Tool("web_search", kind="web_search_20250305", config={"max_uses": 3}),
        ),
        tool_choice=ir.ToolChoice(ir.ToolChoiceMode.REQUIRED),
        max_output_tokens=32000,
        top_k=5,
        stop=("\n\nHuman:",),
        reasoning=ir.Reasoning(budget_tokens=24576),
        stream=True,
        metadata={"user_id": "abc"},
        extras={"anthropic": {"anthropic_beta": ["x"]}},
    )
    encoded = ADAPTER.encode_request(request)
    body = encoded.body
    assert body == {
        "model": "gpt-4o",
        "messages": [
            {"role": "system", "content": "You are Claude Code.\n\nBe brief."},
            {
                "role": "user",
                "content": [{"type": "text", "text": "<reminder>"}, {"type": "text", "text": "fix the bug"}],
            },
            {
                "role": "assistant",
                "content": "Reading.",
                "tool_calls": [
                    {
                        "id": "toolu_01",
                        "type": "function",
                        "function": {"name": "Read", "arguments": '{"path":"a.py"}'},
                    }
                ],
            },
            {"role": "tool", "tool_call_id": "toolu_01", "content": "line 1\nline 2"},
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": "continue"},
                    {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAA="}},
                ],
            },
        ],
        "tools": [
            {
                "type": "function",
                "function": {
                    "name": "Read",
                    "description": "Read a file",
                    "parameters": {"type": "object", "properties": {"path": {"type": "string"}}},
                },
            }
        ],
        "tool_choice": "required",
        "max_completion_tokens": 32000,
        "stop": ["\n\nHuman:"],
        "reasoning_effort": "high",
        "stream": True,
        "stream_options": {"include_usage": True},
    }
    dropped = {d.field for d in encoded.drops}
    assert dropped == {
        "system[0].cache",
        "messages[1].parts[0]",
        "messages[1].parts[1]",
        "messages[2].parts[0].is_error",
        "tools[1]",
        "top_k",
        "metadata",
    }


def test_encode_drops_and_refusals() -> None:
    # No tools: tool_choice and parallel_tool_calls cannot be sent.
    encoded = ADAPTER.encode_request(
        plain_request(tool_choice=ir.ToolChoice(ir.ToolChoiceMode.AUTO), parallel_tool_calls=True)
    )
    assert "tool_choice" not in encoded.body and "parallel_tool_calls" not in encoded.body
    assert {d.field for d in encoded.drops} == {"tool_choice", "parallel_tool_calls"}
    # Reasoning knobs Chat does not have.
    encoded = ADAPTER.encode_request(
        plain_request(
            reasoning=ir.Reasoning(
                effort="max", summary="auto", include_encrypted=True, include_thoughts=True
            )
        )
    )
    assert encoded.body["reasoning_effort"] == "xhigh"
    assert {d.field for d in encoded.drops} == {
        "reasoning.effort",
        "reasoning.summary",
        "reasoning.include_encrypted",
        "reasoning.include_thoughts",
    }


@pytest.mark.parametrize(
    ("budget", "effort"),
    [(0, "none"), (512, "minimal"), (1000, "low"), (8192, "medium"), (24576, "high"), (30000, "xhigh")],
)
def test_budget_becomes_an_effort(budget: int, effort: str) -> None:
    body = ADAPTER.encode_request(plain_request(reasoning=ir.Reasoning(budget_tokens=budget))).body
    assert body["reasoning_effort"] == effort


def test_tool_names_are_sanitised_and_mappable() -> None:
    assert sanitize_tool_name("get_weather") == "get_weather"
    assert sanitize_tool_name("mcp.server:tool") == "mcp_server_tool"
    long = "a" * 100
    assert len(sanitize_tool_name(long)) == 64
    assert sanitize_tool_name(long) == sanitize_tool_name(long)
    assert sanitize_tool_name(long) != sanitize_tool_name("a" * 99)
    request = plain_request(
        tools=(ir.Tool("mcp.server:tool"), ir.Tool("ok_name")),
        tool_choice=ir.ToolChoice(ir.ToolChoiceMode.TOOL, "mcp.server:tool"),
        messages=(
            ir.Message(ir.Role.USER, (ir.TextPart("x"),)),
            ir.Message(ir.Role.ASSISTANT, (ir.ToolCallPart("c1", "mcp.server:tool", ""),)),
        ),
    )
    encoded = ADAPTER.encode_request(request)
    assert [t["function"]["name"] for t in encoded.body["tools"]] == ["mcp_server_tool", "ok_name"]
    assert encoded.body["tool_choice"] == {"type": "function", "function": {"name": "mcp_server_tool"}}
    call = encoded.body["messages"][1]["tool_calls"][0]
    assert call["function"] == {"name": "mcp_server_tool", "arguments": "{}"}
    assert {d.field for d in encoded.drops} == {"tools[0].name", "messages[1].parts[0].name"}
    assert tool_name_mapping(request) == {"mcp_server_tool": "mcp.server:tool"}


def test_documents_and_media_from_another_format() -> None:
    parts: tuple[ir.Part, ...] = (
        ir.DocumentPart(ir.MediaSource("base64", media_type="application/pdf", data="JVBE"), title="Spec"),
        ir.DocumentPart(ir.MediaSource("url", url="https://x.test/a.pdf")),
        ir.DocumentPart(ir.MediaSource("file", file_id="file-1"), filename="a.pdf"),
        ir.ImagePart(ir.MediaSource("file", file_id="file-2")),
        ir.ImagePart(
            ir.MediaSource("url", url="https://x.test/i.png"), detail="high", cache=ir.CacheControl()
        ),
    )
    encoded = ADAPTER.encode_request(plain_request(messages=(ir.Message(ir.Role.USER, parts),)))
    assert encoded.body["messages"][0]["content"] == [
        {"type": "file", "file": {"file_data": "data:application/pdf;base64,JVBE", "filename": "Spec"}},
        {"type": "file", "file": {"file_id": "file-1", "filename": "a.pdf"}},
        {"type": "image_url", "image_url": {"url": "https://x.test/i.png", "detail": "high"}},
    ]
    assert {d.field for d in encoded.drops} == {
        "messages[0].parts[1]",
        "messages[0].parts[3]",
        "messages[0].parts[4].cache",
    }


def test_stale_layout_is_ignored() -> None:
    """A stage that rewrites the conversation (a token saver) gets the default layout, not a stale one."""
    body = {
        "model": "m",
        "messages": [
            {"role": "developer", "content": "a"},
            {"role": "user", "content": [{"type": "text", "text": "x"}]},
        ],
    }
    r = decode(body)
    changed = dataclasses.replace(
        r,
        system=(ir.TextPart("injected"), *r.system),
        messages=(ir.Message(ir.Role.USER, (ir.TextPart("x"), ir.TextPart("y"))),),
    )
    assert ADAPTER.encode_request(changed).body["messages"] == [
        {"role": "system", "content": "injected\n\na"},
        {"role": "user", "content": [{"type": "text", "text": "x"}, {"type": "text", "text": "y"}]},
    ]


def test_upstream_path_and_stream_usage_is_always_requested() -> None:
    assert ADAPTER.upstream_path("gpt-4o", True) == "/chat/completions"
    body = {"model": "m", "messages": [{"role": "user", "content": "x"}], "stream": True}
    r = decode(body)
    assert r.stream_usage is False
    assert ADAPTER.encode_request(r).body["stream_options"] == {"include_usage": True}
    assert "stream_options" not in ADAPTER.encode_request(plain_request()).body


# --- responses ---------------------------------------------------------------------------------------


def test_encode_response_from_another_format() -> None:
    response = ir.Response(
        id="msg_01ABC",
        model="claude-sonnet-4-5",
        content=(
            ir.ThinkingPart("Let me think.", signature="EqQB"),
            ir.TextPart("Checking.", extras={"anthropic": {"citations": []}}),
            ir.ToolCallPart("toolu_1", "lookup", '{"q":1}', thought_signature="gsig"),
        ),
        stop_reason=ir.StopReason.TOOL_USE,
        usage=ir.Usage(100, 40, cache_read_tokens=80, cache_write_tokens=10, reasoning_tokens=12),
        created=1700000000,
    )
    encoded = ADAPTER.encode_response(response, plain_request(model="my-alias"))
    body = encoded.body
    completion = ChatCompletion.model_validate(body)
    assert completion.id == "chatcmpl-msg_01ABC"
    assert completion.model == "my-alias"
    message = body["choices"][0]["message"]
    assert message["content"] == "Checking."
    assert message["reasoning_content"] == "Let me think."
    assert message["reasoning_details"] == [
        {"type": "reasoning.text", "text": "Let me think.", "signature": "EqQB", "index": 0}
    ]
    assert message["tool_calls"] == [
        {
            "id": "toolu_1",
            "type": "function",
            "function": {"name": "lookup", "arguments": '{"q":1}'},
            "extra_content": {"google": {"thought_signature": "gsig"}},
        }
    ]
    assert body["choices"][0]["finish_reason"] == "tool_calls"
    assert body["usage"]["prompt_tokens_details"] == {
        "cached_tokens": 80,
        "audio_tokens": 0,
        "cache_write_tokens": 10,
    }
    assert body["usage"]["completion_tokens_details"]["reasoning_tokens"] == 12
    assert body["usage"]["total_tokens"] == 140
    assert {d.field for d in encoded.drops} == {"content[1].extras"}
    # A chat client hands the message back: signatures and the Gemini signature survive the trip.
    again = decode({"model": "m", "messages": [{"role": "user", "content": "q"}, message]})
    assert again.messages[1].parts == (
        ir.ThinkingPart("Let me think.", signature="EqQB"),
        ir.TextPart("Checking."),
        ir.ToolCallPart("toolu_1", "lookup", '{"q":1}', thought_signature="gsig"),
    )


@pytest.mark.parametrize(
    ("stop", "finish"),
    [
        (ir.StopReason.END_TURN, "stop"),
        (ir.StopReason.STOP_SEQUENCE, "stop"),
        (ir.StopReason.MAX_TOKENS, "length"),
        (ir.StopReason.TOOL_USE, "tool_calls"),
        (ir.StopReason.CONTENT_FILTER, "content_filter"),
        (ir.StopReason.REFUSAL, "content_filter"),
        (ir.StopReason.PAUSE, "stop"),
    ],
)
def test_finish_reasons(stop: ir.StopReason, finish: str) -> None:
    response = ir.Response(id="r", model="x", content=(ir.TextPart("t"),), stop_reason=stop)
    assert ADAPTER.encode_response(response, plain_request()).body["choices"][0]["finish_reason"] == finish


def test_decode_response_variants() -> None:
    refusal: dict[str, Any] = {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 5,
        "model": "gpt-4o",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": None, "refusal": "I can't.", "annotations": []},
                "logprobs": None,
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": 1, "completion_tokens": 2, "total_tokens": 3},
    }
    r = ADAPTER.decode_response(refusal)
    assert r.stop_reason is ir.StopReason.REFUSAL
    assert r.content == (ir.TextPart("I can't.", extras={"openai_chat": {"refusal": True}}),)
    assert ADAPTER.encode_response(r, plain_request(model="gpt-4o")).body == refusal

    annotated = copy.deepcopy(refusal)
    annotated["choices"][0]["message"] = {
        "role": "assistant",
        "content": "See x.",
        "refusal": None,
        "annotations": [
            {
                "type": "url_citation",
                "url_citation": {"url": "u", "title": "t", "start_index": 0, "end_index": 1},
            }
        ],
    }
    annotated["choices"].append(
        {"index": 1, "message": {"role": "assistant", "content": "alt"}, "finish_reason": "length"}
    )
    annotated["prompt_filter_results"] = []
    r = ADAPTER.decode_response(annotated)
    assert r.content[0] == ir.TextPart(
        "See x.", extras={"openai_chat": {"annotations": annotated["choices"][0]["message"]["annotations"]}}
    )
    assert ADAPTER.encode_response(r, plain_request(model="gpt-4o")).body == annotated

    empty = ADAPTER.decode_response({"choices": []})
    assert (empty.content, empty.stop_reason, empty.usage) == ((), ir.StopReason.END_TURN, ir.Usage())
    length = ADAPTER.decode_response({"choices": [{"message": {"content": "a"}, "finish_reason": "length"}]})
    assert length.stop_reason is ir.StopReason.MAX_TOKENS


def test_decode_response_dialects() -> None:
    openrouter = {
        "choices": [
            {
                "message": {
                    "role": "assistant",
                    "content": "ok",
                    "reasoning": "hmm",
                    "reasoning_details": [{"type": "reasoning.text", "text": "hmm", "signature": "s1"}],
                },
                "finish_reason": "stop",
            }
        ]
    }
    assert ADAPTER.decode_response(openrouter).content == (
        ir.ThinkingPart("hmm", signature="s1"),
        ir.TextPart("ok"),
    )
    mistral = {
        "choices": [
            {
                "message": {
                    "role": "assistant",
                    "content": [
                        {"type": "thinking", "thinking": [{"type": "text", "text": "deep"}]},
                        {"type": "text", "text": "answer"},
                    ],
                },
                "finish_reason": "stop",
            }
        ]
    }
    assert ADAPTER.decode_response(mistral).content == (ir.ThinkingPart("deep"), ir.TextPart("answer"))
    gemini = {
        "choices": [
            {
                "message": {
                    "role": "assistant",
                    "tool_calls": [
                        {
                            "id": "c1",
                            "type": "function",
                            "function": {"name": "f", "arguments": "{}"},
                            "extra_content": {"google": {"thought_signature": "g=="}},
                        }
                    ],
                },
                "finish_reason": "tool_calls",
            }
        ]
    }
    assert ADAPTER.decode_response(gemini).content == (
        ir.ToolCallPart("c1", "f", "{}", thought_signature="g=="),
    )


# --- stream decoding ---------------------------------------------------------------------------------


def test_stream_text_with_usage_after_finish() -> None:
    raw = sse(
        chunk({"role": "assistant", "content": "", "refusal": None}, usage=None),
        chunk({"content": "Hel"}, usage=None),
        chunk({"content": "lo"}, usage=None),
        chunk({}, "stop", usage=None),
        usage_chunk(5, 2, prompt_tokens_details={"cached_tokens": 3}),
    )
    events = stream_events(raw)
    assert events == [
        ir.StreamStart(id="chatcmpl-x", model="m", created=1),
        ir.BlockStart(0, ir.BlockKind.TEXT),
        ir.TextDelta(0, "Hel"),
        ir.TextDelta(0, "lo"),
        ir.BlockStop(0),
        ir.StreamEnd(ir.StopReason.END_TURN, ir.Usage(5, 2, cache_read_tokens=3)),
    ]


def test_stream_text_then_tool_calls_maps_indexes() -> None:
    raw = sse(
        chunk({"role": "assistant", "content": "Let me check."}),
        chunk(
            {
                "tool_calls": [
                    {
                        "index": 0,
                        "id": "call_a",
                        "type": "function",
                        "function": {"name": "f", "arguments": ""},
                    }
                ]
            }
        ),
        chunk({"tool_calls": [{"index": 0, "function": {"arguments": '{"x":'}}]}),
        chunk({"tool_calls": [{"index": 0, "function": {"arguments": "1}"}}]}),
        chunk(
            {
                "tool_calls": [
                    {
                        "index": 1,
                        "id": "call_b",
                        "type": "function",
                        "function": {"name": "g", "arguments": "{}"},
                    }
                ]
            }
        ),
        chunk({}, "tool_calls"),
    )
    parts, end = assemble(stream_events(raw))
    assert parts == (
        ir.TextPart("Let me check."),
        ir.ToolCallPart("call_a", "f", '{"x":1}'),
        ir.ToolCallPart("call_b", "g", "{}"),
    )
    assert end.stop_reason is ir.StopReason.TOOL_USE


def test_stream_reasoning_then_text_then_tool() -> None:
    raw = sse(
        chunk({"role": "assistant", "content": None, "reasoning_content": ""}),
        chunk({"reasoning_content": "think"}),
        chunk({"reasoning": " more"}),
        chunk({"content": "ok"}),
        chunk({"tool_calls": [{"index": 0, "id": "t", "function": {"name": "f", "arguments": "{}"}}]}),
        chunk({}, "tool_calls"),
    )
    parts, _ = assemble(stream_events(raw))
    assert parts == (ir.ThinkingPart("think more"), ir.TextPart("ok"), ir.ToolCallPart("t", "f", "{}"))


def test_stream_openrouter_reasoning_details() -> None:
    raw = sse(
        chunk({"reasoning": "a", "reasoning_details": [{"type": "reasoning.text", "text": "a", "index": 0}]}),
        chunk({"reasoning": "b", "reasoning_details": [{"type": "reasoning.text", "text": "b", "index": 0}]}),
        chunk({"reasoning_details": [{"type": "reasoning.text", "signature": "sig", "index": 0}]}),
        chunk({"reasoning_details": [{"type": "reasoning.encrypted", "data": "red", "index": 1}]}),
        chunk({"content": "done"}),
        chunk({}, "stop"),
    )
    parts, _ = assemble(stream_events(raw))
    assert parts == (
        ir.ThinkingPart("ab", signature="sig"),
        ir.RedactedThinkingPart("red"),
        ir.TextPart("done"),
    )


def test_stream_ollama_reuses_index_zero() -> None:
    raw = sse(
        chunk({"tool_calls": [{"index": 0, "id": "c1", "function": {"name": "f", "arguments": '{"a":1}'}}]}),
        chunk({"tool_calls": [{"index": 0, "id": "c2", "function": {"name": "g", "arguments": '{"b":2}'}}]}),
        chunk({}, "tool_calls"),
    )
    parts, _ = assemble(stream_events(raw))
    assert parts == (ir.ToolCallPart("c1", "f", '{"a":1}'), ir.ToolCallPart("c2", "g", '{"b":2}'))


def test_stream_tool_calls_without_index_and_late_name() -> None:
    raw = sse(
        chunk({"tool_calls": [{"id": "c1", "function": {"arguments": '{"a"'}}]}),
        chunk({"tool_calls": [{"function": {"name": "f", "arguments": ":1}"}}]}),
        chunk({"tool_calls": [{"id": "c2", "function": {"name": "g", "arguments": {"b": 2}}}]}),
        chunk({}, "tool_calls"),
    )
    parts, _ = assemble(stream_events(raw))
    assert parts == (ir.ToolCallPart("c1", "f", '{"a":1}'), ir.ToolCallPart("c2", "g", '{"b":2}'))


def test_stream_gemini_thought_signature_and_groq_usage() -> None:
    raw = sse(
        chunk(
            {
                "tool_calls": [
                    {
                        "index": 0,
                        "id": "c",
                        "type": "function",
                        "function": {"name": "f", "arguments": "{}"},
                        "extra_content": {"google": {"thought_signature": "sig=="}},
                    }
                ]
            }
        ),
        chunk({}, "tool_calls", x_groq={"usage": {"prompt_tokens": 4, "completion_tokens": 1}}),
    )
    events = stream_events(raw)
    assert ir.BlockStart(0, ir.BlockKind.TOOL_CALL, "c", "f", thought_signature="sig==") in events
    assert events[-1] == ir.StreamEnd(ir.StopReason.TOOL_USE, ir.Usage(4, 1))


def test_stream_refusal_and_other_choices() -> None:
    second = chunk({"content": "IGNORED"})
    second["choices"][0]["index"] = 1
    raw = sse(chunk({"refusal": "No."}), second, chunk({}, "stop"))
    parts, end = assemble(stream_events(raw))
    assert parts == (ir.TextPart("No."),)
    assert end.stop_reason is ir.StopReason.REFUSAL


def test_stream_finish_without_done_ends_at_close() -> None:
    raw = sse(chunk({"content": "x"}), chunk({}, "length"), done=False)
    events = stream_events(raw)
    assert events[-1] == ir.StreamEnd(ir.StopReason.MAX_TOKENS)
    # A final [DONE] without its blank line is still seen.
    assert stream_events(sse(chunk({"content": "x"}), done=False) + b"data: [DONE]")[-1] == ir.StreamEnd(
        ir.StopReason.END_TURN
    )


def test_stream_cut_short_is_an_error() -> None:
    raw = sse(
        chunk({"content": "x"}),
        chunk({"tool_calls": [{"index": 0, "id": "t", "function": {"name": "f"}}]}),
        done=False,
    )
    events = stream_events(raw)
    assert events[-2:] == [ir.BlockStop(1), ir.StreamError(502, "upstream stream ended early", "api_error")]
    assert stream_events(b"") == [ir.StreamError(502, "upstream stream ended early", "api_error")]
    # Half an event, then nothing.
    assert stream_events(b'data: {"id":"chatcmpl-x","cho')[-1].status == 502  # type: ignore[union-attr]


def test_stream_error_chunk() -> None:
    error = {
        "error": {
            "message": "Rate limit reached",
            "type": "requests",
            "param": None,
            "code": "rate_limit_exceeded",
        }
    }
    events = stream_events(sse(chunk({"content": "x"}), error, done=False))
    assert events[-1] == ir.StreamError(429, "Rate limit reached", "rate_limit_error")
    assert events[-2] == ir.BlockStop(0)
    openrouter = {"error": {"code": 502, "message": "Provider returned error"}}
    assert stream_events(sse(openrouter))[-1] == ir.StreamError(502, "Provider returned error", "api_error")
    assert stream_events(sse({"error": "boom"}))[-1] == ir.StreamError(500, "boom", "api_error")
    assert stream_events(b"data: {not json\n\n")[-1] == ir.StreamError(
        502, "upstream sent a malformed stream chunk"
    )


def test_stream_azure_prompt_filter_chunk_comes_first() -> None:
    azure = {"choices": [], "created": 0, "id": "", "model": "", "object": "", "prompt_filter_results": []}
    events = stream_events(sse(azure, chunk({"content": "x"}), chunk({}, "stop")))
    assert events[0] == ir.StreamStart(id="chatcmpl-x", model="m", created=1)


def test_stream_decoder_ignores_noise() -> None:
    raw = (
        b": OPENROUTER PROCESSING\n\n"
        + b"data: \n\n"
        + b"event: ping\ndata: 1\n\n"
        + sse(chunk({"content": "x"}), chunk({}, "stop"))
    )
    parts, _ = assemble(stream_events(raw))
    assert parts == (ir.TextPart("x"),)


# --- stream encoding ---------------------------------------------------------------------------------


def anthropic_like_events() -> list[ir.StreamEvent]:
    return [
        ir.StreamStart(id="msg_1", model="claude", usage=ir.Usage(input_tokens=10), created=1700000000),
        ir.BlockStart(0, ir.BlockKind.THINKING),
        ir.ThinkingDelta(0, "Hmm"),
        ir.ThinkingDelta(0, " ok"),
        ir.SignatureDelta(0, signature="EqQB"),
        ir.BlockStop(0),
        ir.BlockStart(1, ir.BlockKind.TEXT),
        ir.TextDelta(1, "Looking."),
        ir.BlockStop(1),
        ir.BlockStart(2, ir.BlockKind.TOOL_CALL, tool_call_id="toolu_a", tool_name="f"),
        ir.ToolArgsDelta(2, '{"x":'),
        ir.ToolArgsDelta(2, "1}"),
        ir.BlockStop(2),
        ir.BlockStart(3, ir.BlockKind.TOOL_CALL, tool_call_id="toolu_b", tool_name="g"),
        ir.ToolArgsDelta(3, "{}"),
        ir.BlockStop(3),
        ir.StreamEnd(ir.StopReason.TOOL_USE, ir.Usage(10, 30, reasoning_tokens=5)),
    ]


@pytest.mark.parametrize("with_usage", [True, False])
def test_stream_encoder_output_is_what_the_sdk_expects(with_usage: bool) -> None:
    request = plain_request(model="alias", stream=True, stream_usage=with_usage)
    raw = encode_stream(anthropic_like_events(), request)
    chunks = list(sdk_chunks(raw))
    assert all(c.id == "chatcmpl-msg_1" and c.model == "alias" and c.created == 1700000000 for c in chunks)
    first = chunks[0].choices[0].delta
    assert (first.role, first.content, first.refusal) == ("assistant", "", None)
    # OpenAI's tool-call index counts tool calls only (blocks 2 and 3 are calls 0 and 1).
    indexes = [tc.index for c in chunks for ch in c.choices for tc in ch.delta.tool_calls or []]
    assert indexes == [0, 0, 0, 1, 1]
    final = sdk_final(raw)
    message = final.choices[0].message
    assert message.content == "Looking."
    assert message.model_dump()["reasoning_content"] == "Hmm ok"
    assert [(t.id, t.function.name, t.function.arguments) for t in message.tool_calls or []] == [  # type: ignore[union-attr]
        ("toolu_a", "f", '{"x":1}'),
        ("toolu_b", "g", "{}"),
    ]
    assert final.choices[0].finish_reason == "tool_calls"
    details = [
        json.loads(e.data)["choices"][0]["delta"] for e in parse_events(raw) if "reasoning_details" in e.data
    ]
    assert details == [
        {"reasoning_details": [{"type": "reasoning.text", "text": "Hmm ok", "signature": "EqQB", "index": 0}]}
    ]
    if with_usage:
        assert all(json.loads(e.data).get("usage", 0) is None for e in parse_events(raw)[:-2])
        assert final.usage is not None and (final.usage.prompt_tokens, final.usage.completion_tokens) == (
            10,
            30,
        )
        assert chunks[-1].choices == []
    else:
        assert all("usage" not in json.loads(e.data) for e in parse_events(raw)[:-1])


def test_stream_encoder_tool_call_first_uses_the_role_chunk() -> None:
    events: list[ir.StreamEvent] = [
        ir.StreamStart(id="chatcmpl-1", model="x"),
        ir.BlockStart(0, ir.BlockKind.TOOL_CALL, tool_call_id="c", tool_name="f", thought_signature="g"),
        ir.ToolArgsDelta(0, "{}"),
        ir.BlockStop(0),
        ir.StreamEnd(ir.StopReason.TOOL_USE),
    ]
    raw = encode_stream(events, plain_request(stream=True))
    deltas = [json.loads(e.data)["choices"][0]["delta"] for e in parse_events(raw)[:-1]]
    assert deltas[0] == {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {
                "index": 0,
                "id": "c",
                "type": "function",
                "function": {"name": "f", "arguments": ""},
                "extra_content": {"google": {"thought_signature": "g"}},
            }
        ],
        "refusal": None,
    }
    assert deltas[-1] == {}
    sdk_final(raw)


def test_stream_encoder_empty_answer_and_errors() -> None:
    request = plain_request(stream=True, stream_usage=True)
    raw = encode_stream([ir.StreamStart(id="r", model="x"), ir.StreamEnd(ir.StopReason.END_TURN)], request)
    assert sdk_final(raw).choices[0].message.content == ""
    # An error mid-stream: the SDK raises on a chunk with a top-level "error"; no [DONE] follows.
    encoder = ADAPTER.stream_encoder(request)
    out = encoder.feed(ir.StreamStart(id="r", model="x")) + encoder.feed(ir.TextDelta(0, "partial"))
    out += encoder.feed(ir.StreamError(529, "Overloaded", "overloaded_error"))
    assert out.endswith(
        b'data: {"error":{"message":"Overloaded","type":"service_unavailable_error","param":null,"code":null}}\n\n'
    )
    assert encoder.feed(ir.TextDelta(0, "more")) == b"" and encoder.close() == b""
    # No terminal event at all: close() tells the client.
    encoder = ADAPTER.stream_encoder(request)
    encoder.feed(ir.StreamStart(id="r", model="x"))
    assert b'"error"' in encoder.close()


def test_stream_encoder_redacted_and_encrypted_reasoning() -> None:
    events: list[ir.StreamEvent] = [
        ir.StreamStart(id="r", model="x"),
        ir.BlockStart(0, ir.BlockKind.REDACTED_THINKING, data="opaque"),
        ir.BlockStop(0),
        ir.BlockStart(1, ir.BlockKind.THINKING),
        ir.SignatureDelta(1, encrypted="enc", reasoning_id="rs_1"),
        ir.BlockStop(1),
        ir.StreamEnd(ir.StopReason.END_TURN),
    ]
    raw = encode_stream(events, plain_request(stream=True))
    # Decoding our own output gives the same reasoning back.
    parts, _ = assemble(stream_events(raw))
    assert parts == (ir.RedactedThinkingPart("opaque"), ir.ThinkingPart("", signature=None))
    decoded = stream_events(raw)
    assert ir.SignatureDelta(1, encrypted="enc", reasoning_id="rs_1") in decoded


@given(data=st.data())
@settings(max_examples=50, deadline=None)
def test_encode_then_decode_is_stable_under_any_chunking(data: st.DataObject) -> None:
    raw = encode_stream(anthropic_like_events(), plain_request(stream=True, stream_usage=True))
    cuts = sorted(data.draw(st.sets(st.integers(min_value=0, max_value=len(raw)), max_size=30)))
    pieces = [raw[a:b] for a, b in zip([0, *cuts], [*cuts, len(raw)], strict=True)]
    parts, end = assemble(stream_events(raw, pieces))
    assert parts == (
        ir.ThinkingPart("Hmm ok", signature="EqQB"),
        ir.TextPart("Looking."),
        ir.ToolCallPart("toolu_a", "f", '{"x":1}'),
        ir.ToolCallPart("toolu_b", "g", "{}"),
    )
    assert end == ir.StreamEnd(ir.StopReason.TOOL_USE, ir.Usage(10, 30, reasoning_tokens=5))


# --- errors ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "body", "expected"),
    [
        (
            429,
            b'{"error":{"message":"Rate limit","type":"requests","param":null,"code":"rate_limit_exceeded"}}',
            ErrorInfo(429, "Rate limit", "rate_limit_error", code="rate_limit_exceeded"),
        ),
        (
            400,
            b'{"error":{"message":"bad","type":"invalid_request_error","param":"messages","code":null}}',
            ErrorInfo(400, "bad", "invalid_request_error", param="messages"),
        ),
        (
            401,
            b'{"error":{"message":"key","code":"invalid_api_key"}}',
            ErrorInfo(401, "key", "authentication_error", code="invalid_api_key"),
        ),
        (404, b'{"error":"model not found"}', ErrorInfo(404, "model not found", "not_found_error")),
        (503, b"<html>Bad gateway</html>", ErrorInfo(503, "Upstream error (HTTP 503)", "overloaded_error")),
        (500, b"", ErrorInfo(500, "Upstream error (HTTP 500)", "api_error")),
        (422, b'{"detail":"Field required"}', ErrorInfo(422, "Field required", "invalid_request_error")),
        (
            400,
            b'[{"error":{"code":400,"message":"Invalid JSON payload","status":"INVALID_ARGUMENT"}}]',
            ErrorInfo(400, "Invalid JSON payload", "invalid_request_error", code="400"),
        ),
        (413, b'{"error":{"message":"too big"}}', ErrorInfo(413, "too big", "request_too_large")),
        (418, b"{}", ErrorInfo(418, "Upstream error (HTTP 418)", "invalid_request_error")),
    ],
)
def test_decode_error(status: int, body: bytes, expected: ErrorInfo) -> None:
    assert ADAPTER.decode_error(status, body) == expected


def test_encode_error_shapes() -> None:
    info = ErrorInfo(
        400, "Missing 'model'", "invalid_request_error", code="missing_required_parameter", param="model"
    )
    assert ADAPTER.encode_error(info) == {
        "error": {
            "message": "Missing 'model'",
            "type": "invalid_request_error",
            "param": "model",
            "code": "missing_required_parameter",
        }
    }
    assert ADAPTER.encode_error(ErrorInfo(500, "x"))["error"]["type"] == "server_error"
    assert (
        ADAPTER.encode_error(ErrorInfo(429, "x", "rate_limit_error"))["error"]["type"] == "rate_limit_error"
    )
    framed = ADAPTER.encode_stream_error(ErrorInfo(502, "upstream broke"))
    assert framed.startswith(b"data: {") and framed.endswith(b"}\n\n")
    assert json.loads(framed[6:]) == {
        "error": {"message": "upstream broke", "type": "server_error", "param": None, "code": None}
    }


def test_the_sdk_raises_on_the_stream_error_event() -> None:
    payload = encode_stream(
        [ir.StreamStart(id="r", model="x"), ir.TextDelta(0, "a"), ir.StreamError(500, "upstream broke")],
        plain_request(stream=True),
    )

    def handler(request: httpx2.Request) -> httpx2.Response:
        return httpx2.Response(200, headers={"content-type": "text/event-stream"}, content=payload)

    with openai.OpenAI(
        api_key="k",
        base_url="http://test/v1",
        http_client=httpx2.Client(transport=httpx2.MockTransport(handler)),
    ) as client:
        stream = client.chat.completions.create(
            model="x", messages=[{"role": "user", "content": "q"}], stream=True
        )
        with pytest.raises(openai.APIError, match="upstream broke"):
            for _ in stream:
                pass


# --- against the fake upstream ------------------------------------------------------------------------


async def _post(fake: FakeOpenAI, body: dict[str, Any]) -> bytes:
    async with (
        aiohttp.ClientSession() as session,
        session.post(
            fake.base_url + ADAPTER.upstream_path(body["model"], bool(body.get("stream"))),
            json=body,
            headers={"Authorization": f"Bearer {fake.api_key}"},
        ) as resp,
    ):
        assert resp.status == 200, await resp.text()
        return await resp.read()


@pytest.mark.parametrize(
    "behaviour",
    [
        Behaviour(text="Hello there, friend"),
        Behaviour(
            tool_calls=[
                {"name": "get_weather", "arguments": {"city": "Paris"}},
                {"name": "get_time", "arguments": "{}"},
            ]
        ),
        Behaviour(text="Both", tool_calls=[{"name": "f", "arguments": {}}]),
        Behaviour(reasoning="First think it over", text="Answer"),
    ],
    ids=["text", "tools", "text-and-tool", "reasoning"],
)
async def test_stream_from_the_fake_reencodes_byte_for_byte(behaviour: Behaviour) -> None:
    """The fake speaks api.openai.com's framing; decoding and re-encoding it gives the same chunks."""
    async with FakeOpenAI(models=("gpt-4o-mini",)) as fake:
        fake.script(behaviour, behaviour)
        request = ADAPTER.decode_request(
            {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}], "stream": True}
        )
        upstream_body = ADAPTER.encode_request(request).body
        raw = await _post(fake, upstream_body)
        assert fake.requests[-1].json["stream_options"] == {"include_usage": True}
        events = stream_events(raw, [raw[i : i + 7] for i in range(0, len(raw), 7)])
        client_request = dataclasses.replace(request, stream_usage=True)
        again = encode_stream(events, client_request)

        def chunks(data: bytes) -> list[Any]:
            out = []
            for event in parse_events(data):
                obj = json.loads(event.data) if event.data != "[DONE]" else event.data
                if isinstance(obj, dict):
                    obj.pop("system_fingerprint")
                out.append(obj)
            return out

        assert chunks(again) == chunks(raw)

        # The same answer, not streamed, decodes to what the stream said.
        plain = dataclasses.replace(request, stream=False)
        body = json.loads(await _post(fake, ADAPTER.encode_request(plain).body))
        parts, end = assemble(events)
        response = ADAPTER.decode_response(body)
        assert [dataclasses.replace(p, id="") if isinstance(p, ir.ToolCallPart) else p for p in parts] == [
            dataclasses.replace(p, id="") if isinstance(p, ir.ToolCallPart) else p for p in response.content
        ]
        assert end.usage == response.usage
        if behaviour.reasoning:
            assert response.usage.reasoning_tokens == 4
