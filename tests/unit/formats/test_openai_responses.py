"""The OpenAI Responses adapter: golden round trips, Codex-shaped requests, streams checked by the
official SDK (strict response validation, the `responses.stream()` helper), errors and usage."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import httpx2
import openai
import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openai import OpenAI
from openai.types.responses import Response
from openai.types.responses.response_stream_event import ResponseStreamEvent
from pydantic import TypeAdapter

from app.core.errors import InvalidRequest, UpstreamError
from app.formats import ir
from app.formats.adapter import ErrorInfo
from app.formats.openai_responses import ADAPTER, ENVELOPE_PREFIX, seal, stateful_fields, unseal
from tests.fakes.sse import parse_events

GOLDEN = Path(__file__).parent / "golden"
CASES = ("text_basic", "tools_parallel", "image_base64", "reasoning", "structured")
RESPONSES = [(case, "response") for case in CASES] + [("tools_parallel", "tool_call_response")]
STREAMS = [("reasoning", "stream"), ("tools_parallel", "tool_call_stream")]
EVENT = TypeAdapter(ResponseStreamEvent)


def golden(case: str, what: str) -> Any:
    return json.loads((GOLDEN / case / f"responses.{what}.json").read_text())


def golden_sse(case: str, what: str) -> bytes:
    return (GOLDEN / case / f"responses.{what}.sse").read_bytes()


def sdk(body: bytes, *, status: int = 200, content_type: str = "application/json") -> OpenAI:
    """An SDK client whose every request is answered with `body`; strict response validation on."""

    def handler(request: httpx2.Request) -> httpx2.Response:
        return httpx2.Response(status, content=body, headers={"content-type": content_type})

    return OpenAI(
        api_key="sk-test",
        base_url="http://upstream.test/v1",
        max_retries=0,
        _strict_response_validation=True,
        http_client=httpx2.Client(transport=httpx2.MockTransport(handler)),
    )


def sse_sdk(body: bytes) -> OpenAI:
    return sdk(body, content_type="text/event-stream")


def encode_stream(request: ir.Request, events: Sequence[ir.StreamEvent]) -> bytes:
    encoder = ADAPTER.stream_encoder(request)
    return b"".join(encoder.feed(e) for e in events) + encoder.close()


def decode_stream(data: bytes) -> list[ir.StreamEvent]:
    decoder = ADAPTER.stream_decoder()
    return decoder.feed(data) + decoder.close()


def wire_events(data: bytes) -> list[dict[str, Any]]:
    """Parses an encoded stream and checks the framing every Responses client relies on."""
    events = []
    for n, sse in enumerate(parse_events(data)):
        payload = json.loads(sse.data)
        assert sse.event == payload["type"], "the event: line must equal the type"
        assert payload["sequence_number"] == n
        EVENT.validate_python(payload)
        events.append(payload)
    return events


def simple_request(**kw: Any) -> ir.Request:
    body = {"model": "gpt-4.1", "input": "hi", **kw}
    return ADAPTER.decode_request(body)


def text_of(parts: Sequence[ir.Part]) -> str:
    return "".join(p.text for p in parts if isinstance(p, ir.TextPart))


# --------------------------------------------------------------------------- golden files


@pytest.mark.parametrize("case", CASES)
def test_golden_request_round_trips(case: str) -> None:
    body = golden(case, "request")
    encoded = ADAPTER.encode_request(ADAPTER.decode_request(body))
    assert encoded.body == body
    assert encoded.drops == ()


@pytest.mark.parametrize(("case", "what"), RESPONSES)
def test_golden_response_round_trips(case: str, what: str) -> None:
    body = golden(case, what)
    request = ADAPTER.decode_request(golden(case, "request"))
    encoded = ADAPTER.encode_response(ADAPTER.decode_response(body), request)
    assert encoded.body == {**body, "model": request.model}  # the client's model name is echoed
    assert encoded.drops == ()


@pytest.mark.parametrize(("case", "what"), RESPONSES)
def test_golden_responses_pass_strict_sdk_validation(case: str, what: str) -> None:
    body = golden(case, what)
    parsed = sdk(json.dumps(body).encode()).responses.create(model="x", input="y")
    assert isinstance(parsed, Response)
    assert parsed.id == body["id"]


def test_golden_request_semantics() -> None:
    text = ADAPTER.decode_request(golden("text_basic", "request"))
    assert [p.text for p in text.system] == ["You are terse."]
    assert [(m.role, text_of(m.parts)) for m in text.messages] == [
        (ir.Role.USER, "What is 2+2?"),
        (ir.Role.ASSISTANT, "4"),
        (ir.Role.USER, "And 3+3?"),
    ]
    assert (text.max_output_tokens, text.temperature) == (256, 0.2)

    tools = ADAPTER.decode_request(golden("tools_parallel", "request"))
    assert [(t.name, t.description, t.parameters["required"]) for t in tools.tools] == [
        ("get_weather", "Get the weather for a city", ["city"]),
        ("get_time", "Get the local time", ["tz"]),
    ]
    assert tools.tool_choice == ir.ToolChoice(ir.ToolChoiceMode.AUTO)
    user, assistant, results = tools.messages
    assert text_of(user.parts) == "Weather and time in Paris?"
    assert [(p.id, p.name, p.arguments) for p in assistant.parts if isinstance(p, ir.ToolCallPart)] == [
        ("call_1", "get_weather", '{"city":"Paris"}'),
        ("call_2", "get_time", '{"tz":"Europe/Paris"}'),
    ]
    assert results.role is ir.Role.USER
    assert [(p.call_id, text_of(p.content)) for p in results.parts if isinstance(p, ir.ToolResultPart)] == [
        ("call_1", "18°C, cloudy"),
        ("call_2", "14:05"),
    ]

    image = ADAPTER.decode_request(golden("image_base64", "request"))
    (message,) = image.messages
    assert message.parts[0] == ir.TextPart("What is in this image?")
    assert message.parts[1] == ir.ImagePart(ir.MediaSource("base64", "image/png", data="iVBORw0KGgo="))

    reasoning = ADAPTER.decode_request(golden("reasoning", "request"))
    assert reasoning.reasoning is not None
    assert reasoning.reasoning.effective_budget() == 24576
    assert reasoning.reasoning.include_encrypted
    assert text_of(reasoning.messages[0].parts) == "Think, then answer: 17*23?"

    structured = ADAPTER.decode_request(golden("structured", "request"))
    assert structured.response_format == ir.ResponseFormat(
        type="json_schema",
        name="person",
        strict=True,
        schema={
            "type": "object",
            "properties": {"name": {"type": "string"}},
            "required": ["name"],
            "additionalProperties": False,
        },
    )


def test_golden_response_semantics() -> None:
    text = ADAPTER.decode_response(golden("text_basic", "response"))
    assert text_of(text.content) == "6"
    assert text.stop_reason is ir.StopReason.END_TURN
    assert (text.usage.input_tokens, text.usage.output_tokens) == (30, 2)

    calls = ADAPTER.decode_response(golden("tools_parallel", "tool_call_response"))
    assert calls.stop_reason is ir.StopReason.TOOL_USE
    assert [(p.id, p.name, p.arguments) for p in calls.content if isinstance(p, ir.ToolCallPart)] == [
        ("call_1", "get_weather", '{"city":"Paris"}'),
        ("call_2", "get_time", '{"tz":"Europe/Paris"}'),
    ]

    reasoning = ADAPTER.decode_response(golden("reasoning", "response"))
    thinking, answer = reasoning.content
    assert isinstance(thinking, ir.ThinkingPart)
    assert (thinking.text, thinking.encrypted, thinking.kind) == ("17*23 = 391", "enc-abc", "summary")
    assert thinking.reasoning_id is not None and thinking.reasoning_id.startswith("rs_")
    assert answer == ir.TextPart("391", extras=answer.extras)  # type: ignore[union-attr]
    assert reasoning.usage == ir.Usage(input_tokens=20, output_tokens=50, reasoning_tokens=30)

    structured = ADAPTER.decode_response(golden("structured", "response"))
    assert json.loads(text_of(structured.content)) == {"name": "Ada"}


# --------------------------------------------------------------------------- stream decoding


def test_golden_reasoning_stream_decodes() -> None:
    events = decode_stream(golden_sse("reasoning", "stream"))
    start = events[0]
    assert isinstance(start, ir.StreamStart) and start.id.startswith("resp_")
    thinking = "".join(e.text for e in events if isinstance(e, ir.ThinkingDelta))
    text = "".join(e.text for e in events if isinstance(e, ir.TextDelta))
    assert (thinking, text) == ("17*23 = 391", "391")
    (signature,) = [e for e in events if isinstance(e, ir.SignatureDelta)]
    assert signature.encrypted == "enc-abc" and signature.index == 0
    assert [type(e).__name__ for e in events if isinstance(e, ir.BlockStart | ir.BlockStop)] == [
        "BlockStart",
        "BlockStop",
        "BlockStart",
        "BlockStop",
    ]
    assert events[-1] == ir.StreamEnd(ir.StopReason.END_TURN, ir.Usage(20, 50, reasoning_tokens=30))


def test_golden_tool_call_stream_decodes() -> None:
    events = decode_stream(golden_sse("tools_parallel", "tool_call_stream"))
    starts = [e for e in events if isinstance(e, ir.BlockStart)]
    assert [(s.index, s.tool_call_id, s.tool_name) for s in starts] == [
        (0, "call_1", "get_weather"),
        (1, "call_2", "get_time"),
    ]
    for index, args in ((0, '{"city":"Paris"}'), (1, '{"tz":"Europe/Paris"}')):
        assert (
            "".join(e.partial_json for e in events if isinstance(e, ir.ToolArgsDelta) and e.index == index)
            == args
        )
    end = events[-1]
    assert isinstance(end, ir.StreamEnd) and end.stop_reason is ir.StopReason.TOOL_USE


@pytest.mark.parametrize(("case", "what"), STREAMS)
@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_stream_decoding_survives_any_chunking(case: str, what: str, data: st.DataObject) -> None:
    raw = golden_sse(case, what)
    cuts = sorted(data.draw(st.lists(st.integers(0, len(raw)), max_size=40)))
    decoder = ADAPTER.stream_decoder()
    events: list[ir.StreamEvent] = []
    previous = 0
    for cut in [*cuts, len(raw)]:
        events.extend(decoder.feed(raw[previous:cut]))
        previous = cut
    events.extend(decoder.close())
    assert events == decode_stream(raw)


@settings(max_examples=60, deadline=None)
@given(cuts=st.lists(st.integers(0, 10_000), max_size=30))
def test_splits_inside_multibyte_characters(cuts: list[int]) -> None:
    events: list[ir.StreamEvent] = [
        ir.StreamStart("x", "m"),
        ir.BlockStart(0, ir.BlockKind.TEXT),
        ir.TextDelta(0, "18°C, ☁️ — "),
        ir.TextDelta(0, "日本語 🙂"),
        ir.BlockStop(0),
        ir.StreamEnd(ir.StopReason.END_TURN),
    ]
    raw = encode_stream(simple_request(), events)
    decoder = ADAPTER.stream_decoder()
    got: list[ir.StreamEvent] = []
    previous = 0
    for cut in [*sorted(c % (len(raw) + 1) for c in cuts), len(raw)]:
        got.extend(decoder.feed(raw[previous:cut]))
        previous = max(previous, cut)
    got.extend(decoder.close())
    assert "".join(e.text for e in got if isinstance(e, ir.TextDelta)) == "18°C, ☁️ — 日本語 🙂"
    assert got == decode_stream(raw)


def test_stream_that_stops_early_reports_an_error() -> None:
    raw = golden_sse("reasoning", "stream")
    cut = raw.index(b"event: response.completed")
    events = decode_stream(raw[:cut])
    assert events[-1] == ir.StreamError(502, "upstream stream ended early", "api_error")


def test_upstream_failure_events_decode_to_stream_errors() -> None:
    created = b'event: response.created\ndata: {"type":"response.created","sequence_number":0,"response":{"id":"resp_1","model":"m","created_at":1}}\n\n'
    error = (
        b'event: error\ndata: {"type":"error","sequence_number":1,"error":{"type":"too_many_requests",'
        b'"code":"rate_limit_exceeded","message":"Slow down. Please try again in 2s.","param":null}}\n\n'
    )
    events = decode_stream(created + error)
    assert events[-1] == ir.StreamError(429, "Slow down. Please try again in 2s.", "rate_limit_error")
    failed = (
        b'event: response.failed\ndata: {"type":"response.failed","sequence_number":1,"response":{"id":"resp_1",'
        b'"status":"failed","error":{"code":"server_error","message":"boom"}}}\n\n'
    )
    assert decode_stream(created + failed)[-1] == ir.StreamError(500, "boom", "api_error")


def test_stream_without_deltas_takes_text_from_done_events() -> None:
    frames = [
        {"type": "response.created", "response": {"id": "resp_1", "model": "m"}},
        {
            "type": "response.output_item.done",
            "output_index": 0,
            "item": {
                "type": "message",
                "id": "msg_1",
                "role": "assistant",
                "status": "completed",
                "content": [{"type": "output_text", "text": "whole", "annotations": []}],
            },
        },
        {
            "type": "response.output_item.done",
            "output_index": 1,
            "item": {"type": "function_call", "id": "fc_1", "call_id": "c", "name": "f", "arguments": "{}"},
        },
        {"type": "response.completed", "response": {"id": "resp_1", "status": "completed", "output": []}},
    ]
    raw = b"".join(b"data: " + orjson.dumps(f) + b"\n\n" for f in frames)
    events = decode_stream(raw)
    assert ir.TextDelta(0, "whole") in events
    assert ir.ToolArgsDelta(1, "{}") in events
    end = events[-1]
    assert isinstance(end, ir.StreamEnd) and end.stop_reason is ir.StopReason.TOOL_USE


# --------------------------------------------------------------------------- stream encoding


@pytest.mark.parametrize(("case", "what"), STREAMS)
def test_translated_golden_stream_is_accepted_by_the_sdk_helper(case: str, what: str) -> None:
    request = ADAPTER.decode_request(golden(case, "request"))
    data = encode_stream(request, decode_stream(golden_sse(case, what)))
    wire = wire_events(data)
    assert wire[0]["type"] == "response.created" and wire[-1]["type"] == "response.completed"
    with sse_sdk(data).responses.stream(model="x", input="y") as stream:
        seen = [event.type for event in stream]
        final = stream.get_final_response()
    assert seen == [event["type"] for event in wire]
    original = golden(case, "response" if what == "stream" else "tool_call_response")
    assert final.output_text == Response.model_validate(original).output_text
    assert [o.type for o in final.output] == [o["type"] for o in original["output"]]
    assert final.usage is not None and final.usage.total_tokens == original["usage"]["total_tokens"]


@pytest.mark.parametrize(("case", "what"), STREAMS)
def test_stream_round_trip_is_stable(case: str, what: str) -> None:
    request = ADAPTER.decode_request(golden(case, "request"))
    first = decode_stream(golden_sse(case, what))
    second = decode_stream(encode_stream(request, first))
    # Item ids are minted by the encoder; everything else survives.
    strip = [
        ir.SignatureDelta(e.index, e.signature, e.encrypted) if isinstance(e, ir.SignatureDelta) else e
        for e in first
    ]
    assert [
        ir.SignatureDelta(e.index, e.signature, e.encrypted) if isinstance(e, ir.SignatureDelta) else e
        for e in second
    ] == [
        ir.StreamStart(e.id, request.model, e.usage, e.created) if isinstance(e, ir.StreamStart) else e
        for e in strip
    ]


def test_raw_sdk_iteration_and_output_text() -> None:
    request = simple_request(stream=True)
    events: list[ir.StreamEvent] = [
        ir.StreamStart("chatcmpl-abc", "up", created=1700000000),
        ir.BlockStart(0, ir.BlockKind.TEXT),
        ir.TextDelta(0, "Hello"),
        ir.TextDelta(0, ", world"),
        ir.BlockStop(0),
        ir.StreamEnd(ir.StopReason.END_TURN, ir.Usage(3, 4)),
    ]
    data = encode_stream(request, events)
    stream = sse_sdk(data).responses.create(model="x", input="y", stream=True)
    received = list(stream)
    assert [e.type for e in received][:2] == ["response.created", "response.in_progress"]
    deltas = [e.delta for e in received if e.type == "response.output_text.delta"]
    assert deltas == ["Hello", ", world"]
    completed = received[-1]
    assert completed.type == "response.completed"
    assert completed.response.output_text == "Hello, world"
    assert completed.response.id == "resp_chatcmplabc"
    assert completed.response.model == "gpt-4.1"
    assert completed.response.created_at == 1700000000


def test_interleaved_blocks_become_sequential_items() -> None:
    request = simple_request()
    events: list[ir.StreamEvent] = [
        ir.StreamStart("x", "m"),
        ir.BlockStart(0, ir.BlockKind.TOOL_CALL, tool_call_id="c0", tool_name="a"),
        ir.BlockStart(1, ir.BlockKind.TOOL_CALL, tool_call_id="c1", tool_name="b"),
        ir.ToolArgsDelta(1, '{"y":'),
        ir.ToolArgsDelta(0, '{"x":'),
        ir.ToolArgsDelta(1, "2}"),
        ir.BlockStop(1),
        ir.ToolArgsDelta(0, "1}"),
        ir.BlockStart(2, ir.BlockKind.TEXT),
        ir.TextDelta(2, "done"),
        ir.BlockStop(0),
        ir.BlockStop(2),
        ir.StreamEnd(ir.StopReason.TOOL_USE),
    ]
    wire = wire_events(encode_stream(request, events))
    # Items never overlap: each is added, streamed and done before the next one is added.
    opened: int | None = None
    for event in wire:
        if event["type"] == "response.output_item.added":
            assert opened is None
            opened = event["output_index"]
        elif event["type"] == "response.output_item.done":
            assert opened == event["output_index"]
            opened = None
        elif "output_index" in event:
            assert event["output_index"] == opened
    final = wire[-1]["response"]
    assert [(o["type"], o.get("call_id"), o.get("arguments")) for o in final["output"]] == [
        ("function_call", "c0", '{"x":1}'),
        ("function_call", "c1", '{"y":2}'),
        ("message", None, None),
    ]
    assert final["output"][2]["content"][0]["text"] == "done"
    with sse_sdk(encode_stream(request, events)).responses.stream(model="x", input="y") as stream:
        assert [c.call_id for c in stream.get_final_response().output if c.type == "function_call"] == [
            "c0",
            "c1",
        ]


def test_consecutive_text_blocks_share_one_message() -> None:
    events: list[ir.StreamEvent] = [
        ir.StreamStart("x", "m"),
        ir.BlockStart(0, ir.BlockKind.TEXT),
        ir.TextDelta(0, "a"),
        ir.BlockStop(0),
        ir.BlockStart(1, ir.BlockKind.TEXT),
        ir.TextDelta(1, "b"),
        ir.BlockStop(1),
        ir.StreamEnd(ir.StopReason.END_TURN),
    ]
    wire = wire_events(encode_stream(simple_request(), events))
    (message,) = wire[-1]["response"]["output"]
    assert [c["text"] for c in message["content"]] == ["a", "b"]
    assert [e["content_index"] for e in wire if e["type"] == "response.output_text.delta"] == [0, 1]


def test_max_tokens_ends_with_response_incomplete() -> None:
    events: list[ir.StreamEvent] = [
        ir.StreamStart("x", "m"),
        ir.BlockStart(0, ir.BlockKind.TEXT),
        ir.TextDelta(0, "cut"),
        ir.StreamEnd(ir.StopReason.MAX_TOKENS, ir.Usage(5, 9)),
    ]
    data = encode_stream(simple_request(), events)
    wire = wire_events(data)
    last = wire[-1]
    assert last["type"] == "response.incomplete"
    assert last["response"]["incomplete_details"] == {"reason": "max_output_tokens"}
    assert decode_stream(data)[-1] == ir.StreamEnd(ir.StopReason.MAX_TOKENS, ir.Usage(5, 9))


def test_thinking_signatures_travel_sealed_to_the_client() -> None:
    request = simple_request()
    events: list[ir.StreamEvent] = [
        ir.StreamStart("msg_01", "claude", ir.Usage(input_tokens=12)),
        ir.BlockStart(0, ir.BlockKind.THINKING),
        ir.ThinkingDelta(0, "plan"),
        ir.SignatureDelta(0, signature="sig-abc"),
        ir.BlockStop(0),
        ir.BlockStart(1, ir.BlockKind.REDACTED_THINKING, data="opaque"),
        ir.BlockStop(1),
        ir.BlockStart(
            2, ir.BlockKind.TOOL_CALL, tool_call_id="toolu_1", tool_name="f", thought_signature="ts"
        ),
        ir.ToolArgsDelta(2, "{}"),
        ir.BlockStop(2),
        ir.StreamEnd(ir.StopReason.TOOL_USE, ir.Usage(output_tokens=3)),
    ]
    wire = wire_events(encode_stream(request, events))
    final = wire[-1]["response"]
    assert final["usage"]["input_tokens"] == 12 and final["usage"]["output_tokens"] == 3
    output = final["output"]
    assert [o["type"] for o in output] == ["reasoning", "reasoning", "reasoning", "function_call"]
    assert all(o["encrypted_content"].startswith(ENVELOPE_PREFIX) for o in output[:3])
    # Codex sends the items back without ids: the signatures come back to the canonical form.
    back = ADAPTER.decode_request(
        {"model": "m", "input": [{k: v for k, v in o.items() if k != "id"} for o in output]}
    )
    (turn,) = back.messages
    assert turn.parts == (
        ir.ThinkingPart("plan", signature="sig-abc"),
        ir.RedactedThinkingPart("opaque"),
        ir.ToolCallPart("toolu_1", "f", "{}", thought_signature="ts", extras=turn.parts[2].extras),  # type: ignore[union-attr]
    )


def test_gemini_thought_signature_on_a_thinking_block_is_kept() -> None:
    events: list[ir.StreamEvent] = [
        ir.StreamStart("x", "gemini"),
        ir.BlockStart(0, ir.BlockKind.THINKING, thought_signature="gsig"),
        ir.ThinkingDelta(0, "thought"),
        ir.BlockStop(0),
        ir.StreamEnd(ir.StopReason.END_TURN),
    ]
    (item,) = wire_events(encode_stream(simple_request(), events))[-1]["response"]["output"]
    assert unseal(item["encrypted_content"]) == {"k": "thinking", "sig": "gsig"}


def test_custom_tool_calls_stream_as_custom_items() -> None:
    request = ADAPTER.decode_request(
        {"model": "gpt-5-codex", "input": "fix it", "tools": [{"type": "custom", "name": "apply_patch"}]}
    )
    events: list[ir.StreamEvent] = [
        ir.StreamStart("x", "m"),
        ir.BlockStart(0, ir.BlockKind.TOOL_CALL, tool_call_id="call_9", tool_name="apply_patch"),
        ir.ToolArgsDelta(0, '{"input": "*** Begin'),
        ir.ToolArgsDelta(0, ' Patch"}'),
        ir.BlockStop(0),
        ir.StreamEnd(ir.StopReason.TOOL_USE),
    ]
    data = encode_stream(request, events)
    wire = wire_events(data)
    (item,) = wire[-1]["response"]["output"]
    assert item == {
        "type": "custom_tool_call",
        "id": item["id"],
        "call_id": "call_9",
        "name": "apply_patch",
        "input": "*** Begin Patch",
    }
    assert "response.custom_tool_call_input.delta" in [e["type"] for e in wire]
    decoded = decode_stream(data)
    assert (
        "".join(e.partial_json for e in decoded if isinstance(e, ir.ToolArgsDelta))
        == orjson.dumps({"input": "*** Begin Patch"}).decode()
    )


def test_mid_stream_error_raises_in_the_sdk() -> None:
    events: list[ir.StreamEvent] = [
        ir.StreamStart("x", "m"),
        ir.BlockStart(0, ir.BlockKind.TEXT),
        ir.TextDelta(0, "par"),
        ir.StreamError(429, "Rate limited. Please try again in 3s.", "rate_limit_error"),
        ir.TextDelta(0, "ignored"),
    ]
    data = encode_stream(simple_request(), events)
    wire = wire_events(data)
    assert [e["type"] for e in wire[-2:]] == ["error", "response.failed"]
    assert wire[-1]["response"]["error"] == {
        "code": "rate_limit_exceeded",
        "message": "Rate limited. Please try again in 3s.",
    }
    with pytest.raises(openai.APIError, match="try again in 3s"):
        list(sse_sdk(data).responses.create(model="x", input="y", stream=True))
    assert decode_stream(data)[-1] == ir.StreamError(
        429, "Rate limited. Please try again in 3s.", "rate_limit_error"
    )


def test_error_before_any_event_still_starts_the_response() -> None:
    data = encode_stream(simple_request(), [ir.StreamError(502, "upstream stream ended early")])
    assert [e["type"] for e in wire_events(data)] == [
        "response.created",
        "response.in_progress",
        "error",
        "response.failed",
    ]


def test_encoder_close_without_terminal_event_fails_the_response() -> None:
    encoder = ADAPTER.stream_encoder(simple_request())
    head = encoder.feed(ir.StreamStart("x", "m")) + encoder.feed(ir.BlockStart(0, ir.BlockKind.TEXT))
    tail = encoder.close()
    assert wire_events(head + tail)[-1]["type"] == "response.failed"
    assert encoder.close() == b""


def test_stateless_stream_error_raises_in_the_sdk() -> None:
    data = ADAPTER.encode_stream_error(ErrorInfo(503, "overloaded", "overloaded_error"))
    payloads = [json.loads(e.data) for e in parse_events(data)]
    assert [p["type"] for p in payloads] == ["error", "response.failed"]
    for payload in payloads:
        EVENT.validate_python(payload)
    assert payloads[0]["error"]["code"] == "server_is_overloaded"
    assert payloads[1]["response"]["error"]["code"] == "server_error"
    codex = ADAPTER.encode_stream_error(
        ErrorInfo(400, "too long", "invalid_request_error", "context_length_exceeded")
    )
    assert json.loads(parse_events(codex)[1].data)["response"]["error"]["code"] == "context_length_exceeded"
    with pytest.raises(openai.APIError, match="overloaded"):
        list(sse_sdk(data).responses.create(model="x", input="y", stream=True))


# --------------------------------------------------------------------------- Codex-shaped requests

CODEX_BODY: dict[str, Any] = {
    "model": "gpt-5-codex",
    "instructions": "You are Codex, based on GPT-5.",
    "input": [
        {
            "type": "message",
            "role": "developer",
            "content": [
                {"type": "input_text", "text": "<permissions instructions>sandbox</permissions instructions>"}
            ],
        },
        {
            "type": "message",
            "role": "user",
            "content": [{"type": "input_text", "text": "# AGENTS.md instructions"}],
        },
        {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "list the files"}]},
        {
            "type": "reasoning",
            "summary": [
                {"type": "summary_text", "text": "**Listing**"},
                {"type": "summary_text", "text": "ls"},
            ],
            "content": None,
            "encrypted_content": "gAAAAABo-enc-1",
        },
        {
            "type": "message",
            "role": "assistant",
            "content": [{"type": "output_text", "text": "Looking."}],
            "phase": "commentary",
        },
        {
            "type": "function_call",
            "name": "shell_command",
            "arguments": '{"command":"ls"}',
            "call_id": "call_a",
        },
        {"type": "function_call_output", "call_id": "call_a", "output": "README.md\nsrc"},
        {"type": "reasoning", "summary": [], "encrypted_content": "gAAAAABo-enc-2"},
        {
            "type": "custom_tool_call",
            "status": "completed",
            "call_id": "call_b",
            "name": "apply_patch",
            "input": "*** Begin Patch\n*** End Patch",
        },
        {"type": "custom_tool_call_output", "call_id": "call_b", "output": "Success."},
        {"type": "function_call", "name": "view_image", "arguments": '{"path":"a.png"}', "call_id": "call_c"},
        {
            "type": "function_call_output",
            "call_id": "call_c",
            "output": [{"type": "input_image", "image_url": "data:image/png;base64,AAAA"}],
        },
        {"type": "web_search_call", "status": "completed", "action": {"type": "search", "query": "codex"}},
        {
            "type": "message",
            "role": "assistant",
            "content": [{"type": "output_text", "text": "Done."}],
            "phase": "final_answer",
        },
        {"type": "compaction", "encrypted_content": "gAAAAABo-compacted"},
        {"type": "message", "role": "developer", "content": [{"type": "input_text", "text": "mode changed"}]},
        {
            "type": "message",
            "role": "user",
            "content": [
                {"type": "input_text", "text": "thanks"},
                {"type": "input_image", "image_url": "https://example.com/x.png"},
            ],
        },
    ],
    "tools": [
        {
            "type": "function",
            "name": "shell_command",
            "description": "Runs a shell command.",
            "strict": False,
            "parameters": {
                "type": "object",
                "properties": {"command": {"type": "string"}},
                "required": ["command"],
                "additionalProperties": False,
            },
        },
        {
            "type": "custom",
            "name": "apply_patch",
            "description": "Use the `apply_patch` tool to edit files.",
            "format": {
                "type": "grammar",
                "syntax": "lark",
                "definition": 'start: begin_patch hunk+ end_patch\nbegin_patch: "*** Begin Patch" LF',
            },
        },
        {
            "type": "function",
            "name": "view_image",
            "description": "Attach an image.",
            "strict": False,
            "parameters": {
                "type": "object",
                "properties": {"path": {"type": "string"}},
                "required": ["path"],
                "additionalProperties": False,
            },
        },
        {"type": "web_search", "external_web_access": False},
        {"type": "local_shell"},
    ],
    "tool_choice": "auto",
    "parallel_tool_calls": False,
    "reasoning": {"effort": "medium", "summary": "auto"},
    "store": False,
    "stream": True,
    "include": ["reasoning.encrypted_content"],
    "prompt_cache_key": "0199a213-81c0-7800-8aa1-bbab2a035a53",
    "text": {"verbosity": "low"},
    "service_tier": "priority",
    "client_metadata": {"x-codex-installation-id": "abc"},
}


def test_codex_request_decodes_and_round_trips() -> None:
    request = ADAPTER.decode_request(CODEX_BODY)
    assert request.stream and request.parallel_tool_calls is False
    assert request.reasoning == ir.Reasoning(effort="medium", summary="auto", include_encrypted=True)
    assert [p.text for p in request.system][:2] == [
        "You are Codex, based on GPT-5.",
        "<permissions instructions>sandbox</permissions instructions>",
    ]
    roles = [m.role.value for m in request.messages]
    assert roles == [
        "user",
        "user",
        "assistant",
        "user",
        "assistant",
        "user",
        "assistant",
        "user",
        "assistant",
        "user",
    ]
    turn = request.messages[2]
    assert [type(p).__name__ for p in turn.parts] == [
        "ThinkingPart",
        "ThinkingPart",
        "TextPart",
        "ToolCallPart",
    ]
    thinking = turn.parts[0]
    assert isinstance(thinking, ir.ThinkingPart) and thinking.encrypted == "gAAAAABo-enc-1"
    # The freeform apply_patch tool is a function taking {"input": …} for other vendors.
    patch_tool = next(t for t in request.tools if t.name == "apply_patch")
    assert patch_tool.kind == "function" and patch_tool.parameters["required"] == ["input"]
    assert "lark grammar" in (patch_tool.description or "")
    patch_call = request.messages[4].parts[1]
    assert isinstance(patch_call, ir.ToolCallPart)
    assert json.loads(patch_call.arguments) == {"input": "*** Begin Patch\n*** End Patch"}
    assert [t.kind for t in request.tools][-2:] == ["web_search", "local_shell"]
    image_result = request.messages[7].parts[0]
    assert isinstance(image_result, ir.ToolResultPart)
    assert image_result.content == (ir.ImagePart(ir.MediaSource("base64", "image/png", data="AAAA")),)

    encoded = ADAPTER.encode_request(request)
    assert encoded.body == {k: v for k, v in CODEX_BODY.items()} | {
        "input": [
            {k: v for k, v in item.items() if not (k == "content" and v is None)}
            for item in CODEX_BODY["input"]
        ]
    }
    assert encoded.drops == ()


def test_codex_request_to_another_vendor_keeps_what_matters() -> None:
    request = ADAPTER.decode_request(CODEX_BODY)
    # A target that reads only the canonical form still sees every turn and every tool result.
    calls = [p for m in request.messages for p in m.parts if isinstance(p, ir.ToolCallPart)]
    results = [p for m in request.messages for p in m.parts if isinstance(p, ir.ToolResultPart)]
    assert [c.id for c in calls] == [r.call_id for r in results] == ["call_a", "call_b", "call_c"]
    assert stateful_fields(request) == []
    chained = ADAPTER.decode_request({**CODEX_BODY, "previous_response_id": "resp_prev"})
    assert stateful_fields(chained) == ["previous_response_id"]
    assert ADAPTER.encode_request(chained).body["previous_response_id"] == "resp_prev"


def test_developer_messages_and_hosted_items_keep_their_place() -> None:
    body = {
        "model": "m",
        "input": [
            {"role": "user", "content": "a"},
            {"type": "item_reference", "id": "msg_123"},
            {"role": "developer", "content": "b"},
            {
                "role": "system",
                "content": [{"type": "input_text", "text": "c"}, {"type": "input_text", "text": "d"}],
            },
            {"role": "user", "content": "e"},
        ],
    }
    request = ADAPTER.decode_request(body)
    assert [p.text for p in request.system] == ["b", "c", "d"]
    assert len(request.messages) == 2
    assert stateful_fields(request) == ["input[1]"]
    assert ADAPTER.encode_request(request).body == body


def test_sdk_style_replayed_output_round_trips() -> None:
    """`input += response.output` from the SDK: items with ids, status and annotations."""
    output = golden("reasoning", "response")["output"]
    question = {"role": "user", "content": "Think, then answer: 17*23?"}
    body = {"model": "o4-mini", "input": [question, *output, {"role": "user", "content": "and 18*23?"}]}
    request = ADAPTER.decode_request(body)
    assert [m.role for m in request.messages] == [ir.Role.USER, ir.Role.ASSISTANT, ir.Role.USER]
    assert ADAPTER.encode_request(request).body == body


def test_overrides_from_the_url() -> None:
    request = ADAPTER.decode_request({"model": "a", "input": "x", "stream": False}, model="b", stream=True)
    assert (request.model, request.stream) == ("b", True)


@pytest.mark.parametrize(
    ("body", "param"),
    [
        ({"input": "x"}, "model"),
        ({"model": 3, "input": "x"}, "model"),
        ({"model": "m"}, "input"),
        ({"model": "m", "input": 5}, "input"),
        ({"model": "m", "input": [3]}, "input[0]"),
        ({"model": "m", "input": [{"type": 7}]}, "input[0].type"),
        ({"model": "m", "input": [{"role": "user"}]}, "input[0].content"),
        ({"model": "m", "input": [{"role": "wizard", "content": "x"}]}, "input[0].role"),
        (
            {"model": "m", "input": [{"role": "user", "content": [{"type": "input_audio"}]}]},
            "input[0].content[0].type",
        ),
        (
            {"model": "m", "input": [{"role": "user", "content": [{"type": "input_text"}]}]},
            "input[0].content[0].text",
        ),
        (
            {"model": "m", "input": [{"role": "user", "content": [{"type": "input_image"}]}]},
            "input[0].content[0].image_url",
        ),
        (
            {
                "model": "m",
                "input": [{"role": "developer", "content": [{"type": "input_image", "image_url": "u"}]}],
            },
            "input[0].content[0].type",
        ),
        (
            {"model": "m", "input": [{"type": "function_call", "name": "f", "arguments": "{}"}]},
            "input[0].call_id",
        ),
        (
            {
                "model": "m",
                "input": [{"type": "function_call", "call_id": "c", "name": "f", "arguments": {}}],
            },
            "input[0].arguments",
        ),
        ({"model": "m", "input": [{"type": "function_call_output", "call_id": "c"}]}, "input[0].output"),
        (
            {"model": "m", "input": [{"type": "function_call_output", "call_id": "c", "output": 4}]},
            "input[0].output",
        ),
        ({"model": "m", "input": [{"type": "reasoning", "summary": "x"}]}, "input[0].summary"),
        (
            {"model": "m", "input": [{"type": "reasoning", "summary": [{"type": "summary_text"}]}]},
            "input[0].summary[0].text",
        ),
        ({"model": "m", "input": "x", "tools": {}}, "tools"),
        ({"model": "m", "input": "x", "tools": [{"name": "f"}]}, "tools[0].type"),
        ({"model": "m", "input": "x", "tools": [{"type": "function"}]}, "tools[0].name"),
        (
            {"model": "m", "input": "x", "tools": [{"type": "function", "name": "f", "parameters": []}]},
            "tools[0].parameters",
        ),
        ({"model": "m", "input": "x", "tool_choice": "sometimes"}, "tool_choice"),
        ({"model": "m", "input": "x", "tool_choice": {"type": "function"}}, "tool_choice.name"),
        ({"model": "m", "input": "x", "max_output_tokens": "10"}, "max_output_tokens"),
        ({"model": "m", "input": "x", "max_output_tokens": True}, "max_output_tokens"),
        ({"model": "m", "input": "x", "temperature": "hot"}, "temperature"),
        ({"model": "m", "input": "x", "parallel_tool_calls": 1}, "parallel_tool_calls"),
        ({"model": "m", "input": "x", "reasoning": "high"}, "reasoning"),
        ({"model": "m", "input": "x", "include": "all"}, "include"),
        (
            {"model": "m", "input": "x", "text": {"format": {"type": "json_schema", "name": "x"}}},
            "text.format.schema",
        ),
        ({"model": "m", "input": "x", "text": {"format": {"type": "yaml"}}}, "text.format.type"),
        ({"model": "m", "input": "x", "metadata": []}, "metadata"),
        ({"model": "m", "input": "x", "stream": "yes"}, "stream"),
    ],
)
def test_malformed_requests_name_the_field(body: dict[str, Any], param: str) -> None:
    with pytest.raises(InvalidRequest) as caught:
        ADAPTER.decode_request(body)
    assert caught.value.param == param


def test_non_object_body_is_refused() -> None:
    with pytest.raises(InvalidRequest):
        ADAPTER.decode_request([])  # type: ignore[arg-type]


# --------------------------------------------------------------------------- requests from other formats


def foreign_request(**kw: Any) -> ir.Request:
    """A canonical request as another format's decoder would produce it (no responses extras)."""
    base: dict[str, Any] = {
        "model": "gpt-5",
        "system": (ir.TextPart("Be brief.", cache=ir.CacheControl()), ir.TextPart("Really.")),
        "messages": (
            ir.Message(
                ir.Role.USER,
                (
                    ir.TextPart("look", cache=ir.CacheControl(ttl="1h")),
                    ir.ImagePart(ir.MediaSource("base64", "image/jpeg", data="/9j/"), detail="high"),
                    ir.DocumentPart(ir.MediaSource("base64", "application/pdf", data="JVBER"), title="Spec"),
                    ir.ImagePart(ir.MediaSource("url", url="https://x/y.png")),
                ),
            ),
            ir.Message(
                ir.Role.ASSISTANT,
                (
                    ir.ThinkingPart("hmm", signature="sig"),
                    ir.RedactedThinkingPart("xyz"),
                    ir.TextPart("calling"),
                    ir.ToolCallPart("toolu_1", "get.weather", '{"city":"Paris"}', thought_signature="ts"),
                ),
            ),
            ir.Message(
                ir.Role.USER,
                (ir.ToolResultPart("toolu_1", (ir.TextPart("sunny"),), is_error=True), ir.TextPart("thanks")),
            ),
        ),
        "tools": (
            ir.Tool("get.weather", "Weather", {"type": "object", "properties": {}}),
            ir.Tool("web_search", kind="web_search_20250305", config={"max_uses": 3}),
        ),
        "tool_choice": ir.ToolChoice(ir.ToolChoiceMode.TOOL, "get.weather"),
        "max_output_tokens": 1000,
        "temperature": 0.5,
        "top_k": 40,
        "stop": ("END",),
        "reasoning": ir.Reasoning(budget_tokens=2000),
        "stream": True,
    }
    base.update(kw)
    return ir.Request(**base)


def test_foreign_request_encoding() -> None:
    encoded = ADAPTER.encode_request(foreign_request())
    body = encoded.body
    assert body["instructions"] == "Be brief.\n\nReally."
    assert body["store"] is False and body["stream"] is True
    assert body["reasoning"] == {"effort": "medium"}
    assert body["tools"] == [
        {
            "type": "function",
            "name": "get_weather",
            "description": "Weather",
            "parameters": {"type": "object", "properties": {}},
            "strict": False,
        }
    ]
    assert body["tool_choice"] == {"type": "function", "name": "get_weather"}
    assert body["input"] == [
        {
            "type": "message",
            "role": "user",
            "content": [
                {"type": "input_text", "text": "look"},
                {"type": "input_image", "image_url": "data:image/jpeg;base64,/9j/", "detail": "high"},
                {"type": "input_file", "file_data": "data:application/pdf;base64,JVBER", "filename": "Spec"},
                {"type": "input_image", "image_url": "https://x/y.png"},
            ],
        },
        {"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": "calling"}]},
        {
            "type": "function_call",
            "call_id": "toolu_1",
            "name": "get_weather",
            "arguments": '{"city":"Paris"}',
        },
        {"type": "function_call_output", "call_id": "toolu_1", "output": "sunny"},
        {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "thanks"}]},
    ]
    dropped = {d.field for d in encoded.drops}
    assert dropped == {
        "system[0].cache",
        "messages[0].parts[0].cache",
        "messages[1].parts[0]",
        "messages[1].parts[1]",
        "messages[1].parts[3].thought_signature",
        "messages[2].parts[0].is_error",
        "tools[0].name",
        "tools[1]",
        "top_k",
        "stop",
    }


@pytest.mark.parametrize(
    ("reasoning", "expected", "dropped"),
    [
        (ir.Reasoning(effort="low"), {"effort": "low"}, False),
        (ir.Reasoning(budget_tokens=0), {"effort": "none"}, False),
        (ir.Reasoning(budget_tokens=30000), {"effort": "xhigh"}, False),
        (ir.Reasoning(budget_tokens=100000), {"effort": "xhigh"}, True),
        (ir.Reasoning(effort="high", include_thoughts=True), {"effort": "high"}, False),
        (ir.Reasoning(effort="high", summary="detailed"), {"effort": "high", "summary": "detailed"}, False),
    ],
)
def test_reasoning_levels(reasoning: ir.Reasoning, expected: dict[str, Any], dropped: bool) -> None:
    encoded = ADAPTER.encode_request(ir.Request(model="m", messages=(), reasoning=reasoning))
    assert encoded.body["reasoning"] == expected
    assert any(d.field == "reasoning.effort" for d in encoded.drops) is dropped


def test_include_follows_the_reasoning_flag() -> None:
    on = ir.Request(model="m", messages=(), reasoning=ir.Reasoning(effort="low", include_encrypted=True))
    assert ADAPTER.encode_request(on).body["include"] == ["reasoning.encrypted_content"]
    off = ir.Request(model="m", messages=(), reasoning=ir.Reasoning(effort="low"))
    assert "include" not in ADAPTER.encode_request(off).body


@pytest.mark.parametrize(
    ("choice", "expected"),
    [
        (ir.ToolChoice(ir.ToolChoiceMode.AUTO), "auto"),
        (ir.ToolChoice(ir.ToolChoiceMode.NONE), "none"),
        (ir.ToolChoice(ir.ToolChoiceMode.REQUIRED), "required"),
        (ir.ToolChoice(ir.ToolChoiceMode.TOOL, "f"), {"type": "function", "name": "f"}),
        (ir.ToolChoice(ir.ToolChoiceMode.TOOL, "apply_patch"), {"type": "custom", "name": "apply_patch"}),
        (ir.ToolChoice(ir.ToolChoiceMode.TOOL, "web_search"), {"type": "web_search"}),
    ],
)
def test_tool_choice_encoding(choice: ir.ToolChoice, expected: Any) -> None:
    base = ADAPTER.decode_request(
        {
            "model": "m",
            "input": "x",
            "tools": [
                {"type": "function", "name": "f", "parameters": {}},
                {"type": "custom", "name": "apply_patch"},
                {"type": "web_search"},
            ],
        }
    )
    request = ir.Request(model="m", messages=base.messages, tools=base.tools, tool_choice=choice)
    assert ADAPTER.encode_request(request).body["tool_choice"] == expected


def test_forcing_a_foreign_builtin_tool_is_refused() -> None:
    request = ir.Request(
        model="m",
        messages=(),
        tools=(ir.Tool("web_search", kind="web_search_20250305"),),
        tool_choice=ir.ToolChoice(ir.ToolChoiceMode.TOOL, "web_search"),
    )
    with pytest.raises(InvalidRequest) as caught:
        ADAPTER.encode_request(request)
    assert caught.value.param == "tool_choice"


def test_hosted_tool_choice_round_trips() -> None:
    body = {
        "model": "m",
        "input": "x",
        "tools": [{"type": "function", "name": "f", "parameters": {}, "strict": True}],
        "tool_choice": {
            "type": "allowed_tools",
            "mode": "required",
            "tools": [{"type": "function", "name": "f"}],
        },
    }
    request = ADAPTER.decode_request(body)
    assert request.tool_choice == ir.ToolChoice(ir.ToolChoiceMode.REQUIRED)
    assert ADAPTER.encode_request(request).body == body


# --------------------------------------------------------------------------- responses


@pytest.mark.parametrize(
    ("status", "details", "output", "stop"),
    [
        ("completed", None, [], ir.StopReason.END_TURN),
        ("incomplete", {"reason": "max_output_tokens"}, [], ir.StopReason.MAX_TOKENS),
        ("incomplete", {"reason": "content_filter"}, [], ir.StopReason.CONTENT_FILTER),
        ("failed", None, [], ir.StopReason.ERROR),
        (
            "completed",
            None,
            [{"type": "function_call", "call_id": "c", "name": "f", "arguments": "{}"}],
            ir.StopReason.TOOL_USE,
        ),
        (
            "completed",
            None,
            [
                {
                    "type": "message",
                    "id": "m",
                    "role": "assistant",
                    "content": [{"type": "refusal", "refusal": "no"}],
                }
            ],
            ir.StopReason.REFUSAL,
        ),
    ],
)
def test_stop_reasons(status: str, details: Any, output: list[Any], stop: ir.StopReason) -> None:
    body = {
        "id": "resp_1",
        "object": "response",
        "status": status,
        "incomplete_details": details,
        "output": output,
    }
    assert ADAPTER.decode_response(body).stop_reason is stop


def test_foreign_response_encoding_passes_the_sdk() -> None:
    request = foreign_request(stream=False)
    response = ir.Response(
        id="msg_01ABC",
        model="claude-sonnet-4-5",
        content=(
            ir.ThinkingPart("plan", signature="sig"),
            ir.TextPart("Sure."),
            ir.ToolCallPart("toolu_9", "get.weather", '{"city":"Oslo"}'),
        ),
        stop_reason=ir.StopReason.TOOL_USE,
        usage=ir.Usage(100, 20, cache_read_tokens=60, cache_write_tokens=10, reasoning_tokens=5),
        created=1700000000,
    )
    encoded = ADAPTER.encode_response(response, request)
    body = encoded.body
    parsed = sdk(orjson.dumps(body)).responses.create(model="x", input="y")
    assert parsed.id == "resp_msg01ABC"
    assert parsed.model == "gpt-5"
    assert parsed.output_text == "Sure."
    assert [o.type for o in parsed.output] == ["reasoning", "message", "function_call"]
    assert parsed.usage is not None
    assert (parsed.usage.input_tokens, parsed.usage.input_tokens_details.cached_tokens) == (100, 60)
    assert parsed.usage.output_tokens_details.reasoning_tokens == 5
    assert unseal(body["output"][0]["encrypted_content"]) == {"k": "thinking", "sig": "sig"}
    # The request fields are echoed back as a Responses client expects them.
    assert body["instructions"] == "Be brief.\n\nReally."
    assert body["max_output_tokens"] == 1000 and body["temperature"] == 0.5


def test_malformed_upstream_response() -> None:
    with pytest.raises(UpstreamError):
        ADAPTER.decode_response({"output": "nope"})
    with pytest.raises(UpstreamError):
        ADAPTER.decode_response({"output": [{"type": "function_call", "name": "f"}]})


def test_hosted_output_items_keep_their_place() -> None:
    body = golden("text_basic", "response")
    search = {"id": "ws_1", "type": "web_search_call", "status": "completed", "action": {"type": "search"}}
    body = {**body, "output": [search, *body["output"]]}
    request = ADAPTER.decode_request(golden("text_basic", "request"))
    assert ADAPTER.encode_response(ADAPTER.decode_response(body), request).body["output"] == body["output"]


def test_sealing_is_reversible_and_ignores_garbage() -> None:
    assert unseal(seal({"k": "x"})) == {"k": "x"}
    assert unseal("gAAAAAB-real") is None
    assert unseal(ENVELOPE_PREFIX + "!!!") is None


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("status", "body", "expected"),
    [
        (
            429,
            b'{"error":{"message":"Rate limit reached","type":"requests","param":null,"code":"rate_limit_exceeded"}}',
            ErrorInfo(429, "Rate limit reached", "rate_limit_error", "rate_limit_exceeded"),
        ),
        (
            400,
            b'{"error":{"message":"Bad input","type":"invalid_request_error","param":"input[2]","code":null}}',
            ErrorInfo(400, "Bad input", "invalid_request_error", None, "input[2]"),
        ),
        (
            503,
            b'{"error":{"message":"busy","type":"server_error","code":"server_is_overloaded"}}',
            ErrorInfo(503, "busy", "overloaded_error", "server_is_overloaded"),
        ),
        (401, b'{"error":"nope"}', ErrorInfo(401, "nope", "authentication_error")),
        (
            502,
            b"<html>bad gateway</html>",
            ErrorInfo(502, "The upstream answered with HTTP status 502.", "api_error"),
        ),
        (404, b"", ErrorInfo(404, "The upstream answered with HTTP status 404.", "not_found_error")),
    ],
)
def test_decode_error(status: int, body: bytes, expected: ErrorInfo) -> None:
    assert ADAPTER.decode_error(status, body) == expected


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (
            ErrorInfo(400, "bad", "invalid_request_error", param="input"),
            {"message": "bad", "type": "invalid_request_error", "param": "input", "code": None},
        ),
        (
            ErrorInfo(401, "who?", "authentication_error"),
            {"message": "who?", "type": "invalid_request_error", "param": None, "code": "invalid_api_key"},
        ),
        (
            ErrorInfo(429, "slow", "rate_limit_error"),
            {"message": "slow", "type": "rate_limit_error", "param": None, "code": "rate_limit_exceeded"},
        ),
        (
            ErrorInfo(503, "busy", "overloaded_error"),
            {"message": "busy", "type": "server_error", "param": None, "code": "server_is_overloaded"},
        ),
        (
            ErrorInfo(500, "oops", "api_error", code="custom"),
            {"message": "oops", "type": "server_error", "param": None, "code": "custom"},
        ),
    ],
)
def test_encode_error(error: ErrorInfo, expected: dict[str, Any]) -> None:
    assert ADAPTER.encode_error(error) == {"error": expected}


@pytest.mark.parametrize(
    ("status", "exception"),
    [
        (400, openai.BadRequestError),
        (401, openai.AuthenticationError),
        (404, openai.NotFoundError),
        (429, openai.RateLimitError),
        (500, openai.InternalServerError),
    ],
)
def test_encoded_errors_raise_the_right_sdk_exception(status: int, exception: type[Exception]) -> None:
    info = ErrorInfo(status, f"failure {status}", ADAPTER.decode_error(status, b"").kind)
    client = sdk(orjson.dumps(ADAPTER.encode_error(info)), status=status)
    with pytest.raises(exception, match=f"failure {status}"):
        client.responses.create(model="x", input="y")


# --------------------------------------------------------------------------- usage on the side


def test_usage_from_body() -> None:
    body = json.dumps(golden("reasoning", "response")).encode()
    assert ADAPTER.usage_from_body(body) == ir.Usage(20, 50, reasoning_tokens=30)
    assert ADAPTER.usage_from_body(b"nope") == ir.Usage()
    assert ADAPTER.usage_from_body(b"[1]") == ir.Usage()


@pytest.mark.parametrize("window", [300, 800, 4096])
def test_usage_from_the_tail_of_a_stream(window: int) -> None:
    raw = golden_sse("reasoning", "stream")
    assert ADAPTER.usage_from_stream(raw[:4096], raw[-window:]) == ir.Usage(20, 50, reasoning_tokens=30)


def test_usage_ignores_the_word_usage_inside_text() -> None:
    tail = (
        b'data: {"type":"response.output_text.delta","delta":"\\"usage\\": {\\"input_tokens\\": 99}"}\n\n'
        b'data: {"type":"response.completed","response":{"usage":{"input_tokens":7,"output_tokens":1,'
        b'"total_tokens":8},"user":null}}\n\n'
    )
    assert ADAPTER.usage_from_stream(b"", tail) == ir.Usage(7, 1)
    assert ADAPTER.usage_from_stream(b"", b'"usage": null') == ir.Usage()


def test_upstream_path() -> None:
    assert ADAPTER.upstream_path("gpt-5", True) == "/responses"
