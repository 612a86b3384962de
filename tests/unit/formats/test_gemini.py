"""Gemini generateContent adapter: golden round trips, the Gemini-specific rules, streams, errors."""

from __future__ import annotations

import pathlib
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.core.errors import InvalidRequest
from app.formats import ir
from app.formats.adapter import ErrorInfo
from app.formats.gemini import (
    ADAPTER,
    SKIP_SIGNATURE,
    SYNTHETIC_ID_PREFIX,
    clean_schema,
    openapi_to_json_schema,
    sanitize_name,
)

GOLDEN = pathlib.Path(__file__).parent / "golden"
CASES = ("text_basic", "tools_parallel", "image_base64", "reasoning", "structured")
MODEL = "gemini-2.5-flash"
GEMINI3 = "gemini-3-pro-preview"


def golden(case: str, what: str) -> Any:
    return orjson.loads((GOLDEN / case / f"gemini.{what}.json").read_bytes())


def golden_sse(case: str, what: str) -> bytes:
    return (GOLDEN / case / f"gemini.{what}.sse").read_bytes()


def decode(body: dict[str, Any], model: str = MODEL) -> ir.Request:
    return ADAPTER.decode_request(body, model=model, stream=False)


def user(*parts: ir.Part) -> ir.Message:
    return ir.Message(ir.Role.USER, tuple(parts))


def assistant(*parts: ir.Part) -> ir.Message:
    return ir.Message(ir.Role.ASSISTANT, tuple(parts))


def stream_events(data: bytes, pieces: list[int] | None = None) -> list[ir.StreamEvent]:
    decoder = ADAPTER.stream_decoder()
    events: list[ir.StreamEvent] = []
    if pieces is None:
        events.extend(decoder.feed(data))
    else:
        start = 0
        for cut in [*sorted(pieces), len(data)]:
            events.extend(decoder.feed(data[start:cut]))
            start = cut
    events.extend(decoder.close())
    return events


def encode_stream(events: list[ir.StreamEvent], request: ir.Request) -> bytes:
    encoder = ADAPTER.stream_encoder(request)
    return b"".join(encoder.feed(event) for event in events) + encoder.close()


def sse_chunks(data: bytes) -> list[Any]:
    return [orjson.loads(block[6:]) for block in data.split(b"\n\n") if block.startswith(b"data: ")]


# --------------------------------------------------------------------------- golden files


@pytest.mark.parametrize("case", CASES)
def test_golden_request_round_trips(case: str) -> None:
    body = golden(case, "request")
    encoded = ADAPTER.encode_request(decode(body))
    assert encoded.body == body
    assert encoded.drops == ()


@pytest.mark.parametrize(
    ("case", "what"),
    [(case, "response") for case in CASES] + [("tools_parallel", "tool_call_response")],
)
def test_golden_response_round_trips(case: str, what: str) -> None:
    body = golden(case, what)
    response = ADAPTER.decode_response(body)
    assert ADAPTER.encode_response(response, decode(golden(case, "request"))).body == body


def test_golden_text_basic_semantics() -> None:
    request = decode(golden("text_basic", "request"))
    assert request.model == MODEL
    assert request.system == (ir.TextPart("You are terse."),)
    assert request.messages == (
        user(ir.TextPart("What is 2+2?")),
        assistant(ir.TextPart("4")),
        user(ir.TextPart("And 3+3?")),
    )
    assert (request.max_output_tokens, request.temperature) == (256, 0.2)
    response = ADAPTER.decode_response(golden("text_basic", "response"))
    assert response.content == (ir.TextPart("6"),)
    assert response.stop_reason is ir.StopReason.END_TURN
    assert (response.usage.input_tokens, response.usage.output_tokens) == (30, 2)
    assert response.model == MODEL


def test_golden_tools_parallel_semantics() -> None:
    request = decode(golden("tools_parallel", "request"))
    assert [(t.name, t.description) for t in request.tools] == [
        ("get_weather", "Get the weather for a city"),
        ("get_time", "Get the local time"),
    ]
    assert request.tools[0].parameters == {
        "type": "object",
        "properties": {"city": {"type": "string"}},
        "required": ["city"],
    }
    assert request.tool_choice == ir.ToolChoice(ir.ToolChoiceMode.AUTO)
    assert request.messages[1] == assistant(
        ir.ToolCallPart(id="call_1", name="get_weather", arguments='{"city":"Paris"}'),
        ir.ToolCallPart(id="call_2", name="get_time", arguments='{"tz":"Europe/Paris"}'),
    )
    assert request.messages[2] == user(
        ir.ToolResultPart("call_1", (ir.TextPart("18°C, cloudy"),), name="get_weather"),
        ir.ToolResultPart("call_2", (ir.TextPart("14:05"),), name="get_time"),
    )
    calls = ADAPTER.decode_response(golden("tools_parallel", "tool_call_response"))
    assert calls.stop_reason is ir.StopReason.TOOL_USE
    assert [(p.id, p.name) for p in calls.content if isinstance(p, ir.ToolCallPart)] == [
        ("call_1", "get_weather"),
        ("call_2", "get_time"),
    ]
    answer = ADAPTER.decode_response(golden("tools_parallel", "response"))
    assert answer.content == (ir.TextPart("It is 18°C and cloudy; the time is 14:05."),)


def test_golden_image_and_structured_semantics() -> None:
    image = decode(golden("image_base64", "request"))
    assert image.messages == (
        user(
            ir.TextPart("What is in this image?"),
            ir.ImagePart(ir.MediaSource(kind="base64", media_type="image/png", data="iVBORw0KGgo=")),
        ),
    )
    structured = decode(golden("structured", "request"))
    assert structured.response_format == ir.ResponseFormat(
        type="json_schema",
        schema={
            "type": "object",
            "properties": {"name": {"type": "string"}},
            "required": ["name"],
            "additionalProperties": False,
        },
    )
    assert ADAPTER.decode_response(golden("structured", "response")).content == (
        ir.TextPart('{"name":"Ada"}'),
    )


def test_golden_reasoning_semantics() -> None:
    request = decode(golden("reasoning", "request"))
    assert request.reasoning == ir.Reasoning(budget_tokens=24576, include_thoughts=True)
    assert request.reasoning.effective_effort() == "high"
    response = ADAPTER.decode_response(golden("reasoning", "response"))
    assert response.content == (ir.ThinkingPart("17*23 = 391", signature="sig-abc"), ir.TextPart("391"))
    assert response.usage == ir.Usage(input_tokens=20, output_tokens=50, reasoning_tokens=30)


# --------------------------------------------------------------------------- streams


def test_reasoning_stream_decodes_to_blocks() -> None:
    events = stream_events(golden_sse("reasoning", "stream"))
    assert events == [
        ir.StreamStart(id="GW5oaNfDAdOs1MkPy4Lv-AM", model=MODEL, usage=ir.Usage(input_tokens=20)),
        ir.BlockStart(0, ir.BlockKind.THINKING),
        ir.ThinkingDelta(0, "17*23 = 391"),
        ir.SignatureDelta(0, signature="sig-abc"),
        ir.BlockStop(0),
        ir.BlockStart(1, ir.BlockKind.TEXT),
        ir.TextDelta(1, "391"),
        ir.BlockStop(1),
        ir.StreamEnd(
            ir.StopReason.END_TURN, ir.Usage(input_tokens=20, output_tokens=50, reasoning_tokens=30)
        ),
    ]


def test_tool_call_stream_decodes_whole_calls() -> None:
    events = stream_events(golden_sse("tools_parallel", "tool_call_stream"))
    assert events[1:] == [
        ir.BlockStart(0, ir.BlockKind.TOOL_CALL, tool_call_id="call_1", tool_name="get_weather"),
        ir.ToolArgsDelta(0, '{"city":"Paris"}'),
        ir.BlockStop(0),
        ir.BlockStart(1, ir.BlockKind.TOOL_CALL, tool_call_id="call_2", tool_name="get_time"),
        ir.ToolArgsDelta(1, '{"tz":"Europe/Paris"}'),
        ir.BlockStop(1),
        ir.StreamEnd(ir.StopReason.TOOL_USE, ir.Usage(input_tokens=74, output_tokens=23)),
    ]


@pytest.mark.parametrize(("case", "what"), [("reasoning", "stream"), ("tools_parallel", "tool_call_stream")])
def test_stream_encode_then_decode_is_stable(case: str, what: str) -> None:
    events = stream_events(golden_sse(case, what))
    again = stream_events(encode_stream(events, decode(golden(case, "request"))))
    assert again == events


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
@pytest.mark.parametrize(("case", "what"), [("reasoning", "stream"), ("tools_parallel", "tool_call_stream")])
def test_stream_decoder_survives_any_split(case: str, what: str, data: st.DataObject) -> None:
    raw = golden_sse(case, what)
    cuts = data.draw(st.lists(st.integers(min_value=0, max_value=len(raw)), max_size=12))
    assert stream_events(raw, cuts) == stream_events(raw)


def test_encoded_stream_is_what_the_sdks_parse() -> None:
    """Each event is one `data: {json}` line ended by a blank line (the SDKs' regex); no [DONE]."""
    events = stream_events(golden_sse("reasoning", "stream"))
    raw = encode_stream(events, decode(golden("reasoning", "request")))
    assert b"[DONE]" not in raw and b"event:" not in raw
    for block in raw.split(b"\n\n")[:-1]:
        assert block.startswith(b"data: ") and b"\n" not in block
    chunks = sse_chunks(raw)
    assert chunks[0]["candidates"][0]["content"]["parts"] == [{"text": "17*23 = 391", "thought": True}]
    last = chunks[-1]
    assert last["candidates"][0]["finishReason"] == "STOP"
    assert last["usageMetadata"] == {
        "promptTokenCount": 20,
        "candidatesTokenCount": 20,
        "thoughtsTokenCount": 30,
        "totalTokenCount": 70,
    }
    assert all(chunk["modelVersion"] == MODEL for chunk in chunks)


def test_stream_encoder_buffers_tool_arguments_until_the_block_ends() -> None:
    request = decode(golden("tools_parallel", "request"))
    events: list[ir.StreamEvent] = [
        ir.StreamStart(id="msg_1", model="claude"),
        ir.BlockStart(0, ir.BlockKind.TEXT),
        ir.TextDelta(0, "Checking."),
        ir.BlockStop(0),
        ir.BlockStart(1, ir.BlockKind.TOOL_CALL, tool_call_id="toolu_1", tool_name="get_weather"),
        ir.ToolArgsDelta(1, '{"ci'),
        ir.ToolArgsDelta(1, 'ty": "Paris"}'),
        ir.BlockStop(1),
        ir.StreamEnd(ir.StopReason.TOOL_USE, ir.Usage(input_tokens=10, output_tokens=5)),
    ]
    chunks = sse_chunks(encode_stream(events, request))
    parts = [chunk["candidates"][0]["content"]["parts"] for chunk in chunks]
    assert parts == [
        [{"text": "Checking."}],
        [{"functionCall": {"name": "get_weather", "id": "toolu_1", "args": {"city": "Paris"}}}],
        [{"text": ""}],
    ]
    assert chunks[-1]["candidates"][0]["finishReason"] == "STOP"
    assert {chunk["responseId"] for chunk in chunks} == {"msg_1"}


def test_stream_signature_on_text_becomes_a_signed_block_after_it() -> None:
    raw = (
        b'data: {"candidates": [{"content": {"parts": [{"text": "Hel"}],"role": "model"},"index": 0}],'
        b'"responseId": "r1","modelVersion": "gemini-3-pro-preview"}\r\n\r\n'
        b'data: {"candidates": [{"content": {"parts": [{"text": "lo"}],"role": "model"},"index": 0}]}\r\n\r\n'
        b'data: {"candidates": [{"content": {"parts": [{"text": "","thoughtSignature": "c2ln"}],"role": "model"},'
        b'"finishReason": "STOP","index": 0}],"usageMetadata": {"promptTokenCount": 3,'
        b'"candidatesTokenCount": 2,"totalTokenCount": 5}}\r\n\r\n'
    )
    events = stream_events(raw)
    assert events[1:] == [
        ir.BlockStart(0, ir.BlockKind.TEXT),
        ir.TextDelta(0, "Hel"),
        ir.TextDelta(0, "lo"),
        ir.BlockStop(0),
        ir.BlockStart(1, ir.BlockKind.THINKING),
        ir.SignatureDelta(1, signature="c2ln"),
        ir.BlockStop(1),
        ir.StreamEnd(ir.StopReason.END_TURN, ir.Usage(input_tokens=3, output_tokens=2)),
    ]
    request = decode({"contents": [{"parts": [{"text": "hi"}]}]}, GEMINI3)
    assert stream_events(encode_stream(events, request)) == events


def test_stream_function_call_without_id_gets_a_synthetic_one_and_keeps_its_signature() -> None:
    raw = (
        b'data: {"candidates": [{"content": {"parts": [{"functionCall": {"name": "ls","args": {}},'
        b'"thoughtSignature": "Q0FF"}],"role": "model"},"finishReason": "STOP","index": 0}],'
        b'"responseId": "abc","modelVersion": "gemini-3-pro-preview"}\r\n\r\n'
    )
    events = stream_events(raw)
    start = events[1]
    assert isinstance(start, ir.BlockStart)
    assert start.tool_call_id == f"{SYNTHETIC_ID_PREFIX}abc_0"
    assert start.thought_signature == "Q0FF"
    assert events[-1] == ir.StreamEnd(ir.StopReason.TOOL_USE, ir.Usage())
    # Re-encoded for a Gemini client: the invented id is not shown, the signature is.
    request = decode({"contents": [{"parts": [{"text": "hi"}]}]}, GEMINI3)
    part = sse_chunks(encode_stream(events, request))[0]["candidates"][0]["content"]["parts"][0]
    assert part == {"functionCall": {"name": "ls", "args": {}}, "thoughtSignature": "Q0FF"}


def test_stream_error_chunk_and_early_end() -> None:
    raw = (
        b'data: {"candidates": [{"content": {"parts": [{"text": "Hi"}],"role": "model"},"index": 0}]}\r\n\r\n'
        b'data: {"error": {"code": 503,"message": "The model is overloaded.","status": "UNAVAILABLE"}}\r\n\r\n'
    )
    events = stream_events(raw)
    assert events[-1] == ir.StreamError(
        status=503, message="The model is overloaded.", kind="overloaded_error"
    )
    assert sum(isinstance(e, ir.StreamError) for e in events) == 1
    cut = stream_events(raw.split(b"\r\n\r\n")[0] + b"\r\n\r\n")
    assert cut[-1] == ir.StreamError(status=502, message="upstream stream ended early", kind="api_error")


def test_stream_encoder_error_event_is_a_gemini_error_chunk() -> None:
    encoder = ADAPTER.stream_encoder(decode({"contents": []}))
    raw = encoder.feed(ir.StreamError(status=429, message="slow down", kind="rate_limit_error"))
    assert sse_chunks(raw) == [
        {"error": {"code": 429, "message": "slow down", "status": "RESOURCE_EXHAUSTED"}}
    ]
    assert encoder.feed(ir.StreamEnd(ir.StopReason.END_TURN)) == b""
    assert ADAPTER.encode_stream_error(ErrorInfo(500, "boom")) == (
        b'data: {"error":{"code":500,"message":"boom","status":"INTERNAL"}}\n\n'
    )


def test_prompt_blocked_stream_ends_with_content_filter() -> None:
    raw = b'data: {"promptFeedback": {"blockReason": "SAFETY"},"usageMetadata": {"promptTokenCount": 7}}\r\n\r\n'
    assert stream_events(raw)[-1] == ir.StreamEnd(ir.StopReason.CONTENT_FILTER, ir.Usage(input_tokens=7))


# --------------------------------------------------------------------------- requests: decoding


def test_snake_case_body_is_accepted() -> None:
    body = {
        "contents": [
            {"role": "user", "parts": [{"inline_data": {"mime_type": "image/jpeg", "data": "AAAA"}}]},
            {
                "role": "model",
                "parts": [{"function_call": {"name": "f", "args": {"a": 1}}, "thought_signature": "s"}],
            },
            {"role": "user", "parts": [{"function_response": {"name": "f", "response": {"output": "ok"}}}]},
        ],
        "system_instruction": {"parts": [{"text": "sys"}]},
        "tool_config": {"function_calling_config": {"mode": "ANY", "allowed_function_names": ["f"]}},
        "generation_config": {
            "max_output_tokens": 10,
            "top_k": 3,
            "stop_sequences": ["x"],
            "thinking_config": {"thinking_budget": 0},
        },
    }
    request = decode(body)
    assert request.system == (ir.TextPart("sys"),)
    image = request.messages[0].parts[0]
    assert isinstance(image, ir.ImagePart) and image.source.media_type == "image/jpeg"
    call = request.messages[1].parts[0]
    assert call == ir.ToolCallPart(
        id=f"{SYNTHETIC_ID_PREFIX}r1_0", name="f", arguments='{"a":1}', thought_signature="s"
    )
    assert request.messages[2].parts[0] == ir.ToolResultPart(call.id, (ir.TextPart("ok"),), name="f")
    assert request.tool_choice == ir.ToolChoice(ir.ToolChoiceMode.TOOL, "f")
    assert (request.max_output_tokens, request.top_k, request.stop) == (10, 3, ("x",))
    assert request.reasoning == ir.Reasoning(budget_tokens=0)
    encoded = ADAPTER.encode_request(request).body
    assert encoded["contents"][1]["parts"][0] == {
        "functionCall": {"name": "f", "args": {"a": 1}},
        "thoughtSignature": "s",
    }
    assert encoded["contents"][2]["parts"][0] == {
        "functionResponse": {"name": "f", "response": {"output": "ok"}}
    }


def test_responses_without_ids_link_to_calls_by_name_in_order() -> None:
    body = {
        "contents": [
            {"role": "user", "parts": [{"text": "go"}]},
            {
                "role": "model",
                "parts": [
                    {"functionCall": {"name": "read", "args": {"p": "a"}}},
                    {"functionCall": {"name": "read", "args": {"p": "b"}}},
                    {"functionCall": {"name": "ls"}},
                ],
            },
            {
                "role": "user",
                "parts": [
                    {"functionResponse": {"name": "ls", "response": {"output": "x"}}},
                    {"functionResponse": {"name": "read", "response": {"output": "A"}}},
                    {"functionResponse": {"name": "read", "response": {"output": "B"}}},
                ],
            },
        ]
    }
    request = decode(body)
    calls = [p.id for p in request.messages[1].parts if isinstance(p, ir.ToolCallPart)]
    results = [p.call_id for p in request.messages[2].parts if isinstance(p, ir.ToolResultPart)]
    assert results == [calls[2], calls[0], calls[1]]
    assert len(set(calls)) == 3
    encoded = ADAPTER.encode_request(request).body
    assert encoded["contents"][1]["parts"][2] == {
        "functionCall": {"name": "ls", "args": {}}
    }  # args: a default
    encoded["contents"][1]["parts"][2]["functionCall"].pop("args")
    assert encoded == body


def test_gemini_cli_response_ids_are_given_to_their_id_less_calls() -> None:
    """Gemini CLI keeps the API's id-less functionCall but answers with an id it made up."""
    body = {
        "contents": [
            {"role": "user", "parts": [{"text": "list"}]},
            {
                "role": "model",
                "parts": [{"functionCall": {"name": "ls", "args": {"path": "."}}, "thoughtSignature": "s"}],
            },
            {
                "role": "user",
                "parts": [
                    {
                        "functionResponse": {
                            "id": "ls-1760000000000-8f2a",
                            "name": "ls",
                            "response": {"output": "a"},
                        }
                    }
                ],
            },
        ]
    }
    request = decode(body)
    call = request.messages[1].parts[0]
    result = request.messages[2].parts[0]
    assert isinstance(call, ir.ToolCallPart) and isinstance(result, ir.ToolResultPart)
    assert call.id == result.call_id == "ls-1760000000000-8f2a"
    assert call.thought_signature == "s"
    assert ADAPTER.encode_request(request).body == body  # the call still goes back without an id


def test_function_response_shapes() -> None:
    body = {
        "contents": [
            {"role": "model", "parts": [{"functionCall": {"id": "c1", "name": "f", "args": {}}}]},
            {
                "role": "user",
                "parts": [
                    {"functionResponse": {"id": "c1", "name": "f", "response": {"error": "denied"}}},
                    {"functionResponse": {"name": "g", "response": {"rows": [1, 2], "ok": True}}},
                    {"functionResponse": {"name": "h", "response": {}}},
                ],
            },
        ]
    }
    request = decode(body)
    err, obj, empty = request.messages[1].parts
    assert isinstance(err, ir.ToolResultPart) and err.is_error and err.content == (ir.TextPart("denied"),)
    assert isinstance(obj, ir.ToolResultPart) and obj.content[0].text == '{"rows":[1,2],"ok":true}'  # type: ignore[union-attr]
    assert isinstance(empty, ir.ToolResultPart) and empty.content == ()
    assert ADAPTER.encode_request(request).body == body


def test_unknown_parts_travel_as_text_and_come_back_unchanged() -> None:
    code = {"executableCode": {"language": "PYTHON", "code": "print(1)"}}
    result = {"codeExecutionResult": {"outcome": "OUTCOME_OK", "output": "1\n"}}
    body = {"contents": [{"role": "model", "parts": [code, result, {"text": "Done."}]}]}
    request = decode(body)
    first = request.messages[0].parts[0]
    assert isinstance(first, ir.TextPart) and first.text == "```python\nprint(1)\n```"
    assert ADAPTER.encode_request(request).body == body


def test_file_data_and_documents() -> None:
    body = {
        "contents": [
            {
                "role": "user",
                "parts": [
                    {
                        "fileData": {
                            "mimeType": "application/pdf",
                            "fileUri": "https://generativelanguage.googleapis.com/v1beta/files/abc",
                        }
                    },
                    {"fileData": {"mimeType": "video/mp4", "fileUri": "https://www.youtube.com/watch?v=x"}},
                    {"inlineData": {"mimeType": "application/pdf", "data": "JVBERi0="}},
                ],
            }
        ]
    }
    request = decode(body)
    pdf_file, video, pdf = request.messages[0].parts
    assert isinstance(pdf_file, ir.DocumentPart) and pdf_file.source.kind == "file"
    assert isinstance(video, ir.DocumentPart) and video.source == ir.MediaSource(
        kind="url", media_type="video/mp4", url="https://www.youtube.com/watch?v=x"
    )
    assert isinstance(pdf, ir.DocumentPart) and pdf.source.data == "JVBERi0="
    assert ADAPTER.encode_request(request).body == body


def test_gemini_side_openapi_schema_is_normalised_and_restored() -> None:
    params = {
        "type": "OBJECT",
        "properties": {
            "path": {"type": "STRING", "description": "where"},
            "depth": {"type": "INTEGER", "nullable": True, "format": "int32"},
            "mode": {"type": "STRING", "format": "enum", "enum": ["a", "b"]},
            "tags": {"type": "ARRAY", "items": {"type": "STRING"}, "maxItems": "3"},
        },
        "required": ["path"],
        "propertyOrdering": ["path", "depth", "mode", "tags"],
    }
    body = {"contents": [], "tools": [{"functionDeclarations": [{"name": "walk", "parameters": params}]}]}
    request = decode(body)
    assert request.tools[0].parameters == {
        "type": "object",
        "properties": {
            "path": {"type": "string", "description": "where"},
            "depth": {"type": ["integer", "null"], "format": "int32"},
            "mode": {"type": "string", "enum": ["a", "b"]},
            "tags": {"type": "array", "items": {"type": "string"}, "maxItems": 3},
        },
        "required": ["path"],
    }
    assert ADAPTER.encode_request(request).body == body


def test_parameters_json_schema_and_builtin_tools_round_trip() -> None:
    schema = {
        "type": "object",
        "properties": {"q": {"type": "string"}, "meta": {"type": "object", "additionalProperties": True}},
        "$defs": {"x": {"type": "string"}},
    }
    body = {
        "contents": [{"role": "user", "parts": [{"text": "hi"}]}],
        "tools": [
            {
                "functionDeclarations": [
                    {"name": "search", "description": "d", "parametersJsonSchema": schema}
                ]
            },
            {"googleSearch": {}},
            {"codeExecution": {}},
        ],
        "safetySettings": [{"category": "HARM_CATEGORY_HARASSMENT", "threshold": "BLOCK_NONE"}],
        "cachedContent": "cachedContents/abc",
        "generationConfig": {
            "candidateCount": 1,
            "responseModalities": ["TEXT"],
            "mediaResolution": "MEDIA_RESOLUTION_LOW",
        },
    }
    request = decode(body)
    assert request.tools[0].parameters == schema
    assert [(t.kind, t.name) for t in request.tools[1:]] == [
        ("googleSearch", "googleSearch"),
        ("codeExecution", "codeExecution"),
    ]
    assert ADAPTER.encode_request(request).body == body


def test_invalid_bodies_raise_invalid_request_with_the_path() -> None:
    cases: list[tuple[Any, str | None]] = [
        ({"contents": {}}, "contents"),
        ({"contents": ["x"]}, "contents[0]"),
        ({"contents": [{"role": "system", "parts": []}]}, "contents[0].role"),
        ({"contents": [{"parts": [{"text": 3}]}]}, "contents[0].parts[0].text"),
        (
            {"contents": [{"parts": [{"functionCall": {"args": {}}}]}]},
            "contents[0].parts[0].functionCall.name",
        ),
        (
            {"contents": [{"parts": [{"functionCall": {"name": "f", "args": [1]}}]}]},
            "contents[0].parts[0].functionCall.args",
        ),
        (
            {"contents": [{"parts": [{"functionResponse": {"name": "f", "response": "x"}}]}]},
            "contents[0].parts[0].functionResponse.response",
        ),
        (
            {"contents": [{"parts": [{"inlineData": {"mimeType": "image/png"}}]}]},
            "contents[0].parts[0].inlineData.data",
        ),
        ({"contents": [], "generationConfig": {"temperature": "hot"}}, "generationConfig.temperature"),
        ({"contents": [], "generationConfig": {"maxOutputTokens": 1.5}}, "generationConfig.maxOutputTokens"),
        ({"contents": [], "generationConfig": {"stopSequences": [1]}}, "generationConfig.stopSequences"),
        (
            {"contents": [], "tools": [{"functionDeclarations": [{"description": "x"}]}]},
            "tools[0].functionDeclarations[0].name",
        ),
        (
            {"contents": [], "systemInstruction": {"parts": [{"inlineData": {}}]}},
            "systemInstruction.parts[0]",
        ),
        (
            {"contents": [], "toolConfig": {"functionCallingConfig": "AUTO"}},
            "toolConfig.functionCallingConfig",
        ),
        (
            {"contents": [], "generationConfig": {"thinkingConfig": {"thinkingBudget": "lots"}}},
            "generationConfig.thinkingConfig.thinkingBudget",
        ),
    ]
    for body, param in cases:
        with pytest.raises(InvalidRequest) as raised:
            ADAPTER.decode_request(body, model=MODEL)
        assert raised.value.param == param, body
    with pytest.raises(InvalidRequest):
        ADAPTER.decode_request([], model=MODEL)  # type: ignore[arg-type]
    with pytest.raises(InvalidRequest) as no_model:
        ADAPTER.decode_request({"contents": []})
    assert no_model.value.param == "model"


def test_model_may_come_from_the_body_and_stream_from_the_url() -> None:
    request = ADAPTER.decode_request({"model": "models/gemini-2.5-pro", "contents": []}, stream=True)
    assert (request.model, request.stream) == ("gemini-2.5-pro", True)


# --------------------------------------------------------------------------- requests: encoding from other formats


def test_tool_result_name_is_looked_up_from_the_call() -> None:
    request = ir.Request(
        model=MODEL,
        messages=(
            user(ir.TextPart("hi")),
            assistant(ir.ToolCallPart(id="toolu_1", name="read_file", arguments='{"path": "a"}')),
            user(ir.ToolResultPart("toolu_1", (ir.TextPart("content"),)), ir.TextPart("and now?")),
        ),
    )
    body = ADAPTER.encode_request(request).body
    assert body["contents"][1] == {
        "role": "model",
        "parts": [{"functionCall": {"name": "read_file", "id": "toolu_1", "args": {"path": "a"}}}],
    }
    assert body["contents"][2]["parts"] == [
        {"functionResponse": {"name": "read_file", "id": "toolu_1", "response": {"output": "content"}}},
        {"text": "and now?"},
    ]


def test_unknown_call_id_is_named_and_recorded() -> None:
    request = ir.Request(
        model=MODEL, messages=(user(ir.ToolResultPart("gone", (ir.TextPart("x"),), is_error=True)),)
    )
    encoded = ADAPTER.encode_request(request)
    assert encoded.body["contents"][0]["parts"][0]["functionResponse"]["name"] == "unknown_function"
    assert encoded.body["contents"][0]["parts"][0]["functionResponse"]["response"] == {"error": "x"}
    assert any(d.field == "messages[0].parts[0].name" for d in encoded.drops)


def test_gemini3_history_without_signatures_gets_the_skip_value() -> None:
    history = (
        user(ir.TextPart("weather?")),
        assistant(
            ir.TextPart("Let me check."),
            ir.ToolCallPart(id="toolu_1", name="get_weather", arguments='{"city":"Paris"}'),
            ir.ToolCallPart(id="toolu_2", name="get_time", arguments="{}"),
        ),
        user(
            ir.ToolResultPart("toolu_1", (ir.TextPart("sunny"),)),
            ir.ToolResultPart("toolu_2", (ir.TextPart("9"),)),
        ),
        assistant(ir.ToolCallPart(id="toolu_3", name="get_time", arguments="{}", thought_signature="real")),
    )
    body = ADAPTER.encode_request(ir.Request(model=GEMINI3, messages=history)).body
    first_turn = body["contents"][1]["parts"]
    assert first_turn[0] == {"text": "Let me check."}
    assert first_turn[1]["thoughtSignature"] == SKIP_SIGNATURE
    assert "thoughtSignature" not in first_turn[2]  # only the first call of a step carries one
    assert body["contents"][3]["parts"][0]["thoughtSignature"] == "real"
    older = ADAPTER.encode_request(ir.Request(model=MODEL, messages=history)).body
    assert "thoughtSignature" not in older["contents"][1]["parts"][1]


def test_signature_on_the_last_text_part_round_trips() -> None:
    body = {
        "contents": [
            {"role": "user", "parts": [{"text": "hi"}]},
            {"role": "model", "parts": [{"text": "Hello!", "thoughtSignature": "U0lH"}]},
            {"role": "model", "parts": [{"text": "", "thoughtSignature": "T05MWQ=="}]},
            {"role": "user", "parts": [{"text": "bye"}]},
        ]
    }
    request = decode(body, GEMINI3)
    assert request.messages[1].parts == (ir.TextPart("Hello!"), ir.ThinkingPart("", signature="U0lH"))
    assert request.messages[2].parts == (ir.ThinkingPart("", signature="T05MWQ=="),)
    assert ADAPTER.encode_request(request).body == body


def test_images_in_tool_results_nest_for_gemini3_and_sit_beside_for_older_models() -> None:
    png = ir.ImagePart(ir.MediaSource(kind="base64", media_type="image/png", data="AAA"))
    messages = (
        assistant(ir.ToolCallPart(id="c1", name="screenshot", arguments="{}")),
        user(ir.ToolResultPart("c1", (ir.TextPart("here"), png))),
    )
    blob = {"inlineData": {"mimeType": "image/png", "data": "AAA"}}
    new = ADAPTER.encode_request(ir.Request(model=GEMINI3, messages=messages)).body
    assert new["contents"][1]["parts"] == [
        {
            "functionResponse": {
                "name": "screenshot",
                "id": "c1",
                "response": {"output": "here"},
                "parts": [blob],
            }
        }
    ]
    old = ADAPTER.encode_request(ir.Request(model=MODEL, messages=messages)).body
    assert old["contents"][1]["parts"] == [
        {"functionResponse": {"name": "screenshot", "id": "c1", "response": {"output": "here"}}},
        blob,
    ]
    # And the nested form decodes back to the same result.
    again = decode({"contents": new["contents"]}, GEMINI3)
    assert again.messages[1].parts[0] == ir.ToolResultPart(
        "c1", (ir.TextPart("here"), png), name="screenshot"
    )


def test_foreign_parts_that_gemini_cannot_take_are_dropped_on_record() -> None:
    request = ir.Request(
        model=MODEL,
        system=(ir.TextPart("sys", cache=ir.CacheControl()),),
        messages=(
            user(
                ir.TextPart("look", cache=ir.CacheControl(ttl="1h")),
                ir.ImagePart(ir.MediaSource(kind="url", url="https://x/cat.png"), detail="high"),
                ir.ImagePart(ir.MediaSource(kind="url", url="data:image/gif;base64,R0lG")),
                ir.DocumentPart(ir.MediaSource(kind="file", file_id="file-abc")),
            ),
            assistant(
                ir.RedactedThinkingPart("opaque"),
                ir.ThinkingPart("", encrypted="enc", reasoning_id="rs_1", kind="summary"),
                ir.ThinkingPart("I think", signature="anthropic-sig"),
                ir.TextPart("ok"),
            ),
            user(ir.TextPart("")),
        ),
        user="u1",
        metadata={"k": "v"},
        parallel_tool_calls=False,
        extras={"anthropic": {"container": "c"}},
    )
    encoded = ADAPTER.encode_request(request)
    assert encoded.body["contents"] == [
        {
            "role": "user",
            "parts": [
                {"text": "look"},
                {"fileData": {"fileUri": "https://x/cat.png"}},
                {"inlineData": {"mimeType": "image/gif", "data": "R0lG"}},
            ],
        },
        {
            "role": "model",
            "parts": [
                {"text": "I think", "thought": True, "thoughtSignature": "anthropic-sig"},
                {"text": "ok"},
            ],
        },
    ]
    fields = {d.field for d in encoded.drops}
    assert fields >= {
        "system[0].cache",
        "messages[0].parts[0].cache",
        "messages[0].parts[1].detail",
        "messages[0].parts[3]",
        "messages[1].parts[0]",
        "messages[1].parts[1]",
        "messages[2]",
        "user",
        "metadata",
        "parallel_tool_calls",
        "extras.anthropic.container",
    }


def test_tool_choice_encoding() -> None:
    tool = ir.Tool(name="f", parameters={"type": "object", "properties": {"a": {"type": "string"}}})

    def config(choice: ir.ToolChoice) -> Any:
        body = ADAPTER.encode_request(
            ir.Request(model=MODEL, messages=(), tools=(tool,), tool_choice=choice)
        ).body
        return body["toolConfig"]

    assert config(ir.ToolChoice(ir.ToolChoiceMode.AUTO)) == {"functionCallingConfig": {"mode": "AUTO"}}
    assert config(ir.ToolChoice(ir.ToolChoiceMode.NONE)) == {"functionCallingConfig": {"mode": "NONE"}}
    assert config(ir.ToolChoice(ir.ToolChoiceMode.REQUIRED)) == {"functionCallingConfig": {"mode": "ANY"}}
    assert config(ir.ToolChoice(ir.ToolChoiceMode.TOOL, "f")) == {
        "functionCallingConfig": {"mode": "ANY", "allowedFunctionNames": ["f"]}
    }
    # VALIDATED and several allowed names have no canonical form: kept for Gemini as they were.
    body = {
        "contents": [],
        "tools": [{"functionDeclarations": [{"name": "f"}, {"name": "g"}]}],
        "toolConfig": {"functionCallingConfig": {"mode": "ANY", "allowedFunctionNames": ["f", "g"]}},
    }
    assert decode(body).tool_choice == ir.ToolChoice(ir.ToolChoiceMode.REQUIRED)
    assert ADAPTER.encode_request(decode(body)).body == body
    validated = {**body, "toolConfig": {"functionCallingConfig": {"mode": "VALIDATED"}}}
    assert ADAPTER.encode_request(decode(validated)).body == validated


def test_tool_names_are_sanitised_with_a_drop() -> None:
    assert sanitize_name("mcp__server__read.file:v1-x") == "mcp__server__read.file:v1-x"
    assert sanitize_name("1password/lookup") == "_1password_lookup"
    long = "a" * 100
    assert len(sanitize_name(long)) == 64 and sanitize_name(long) != sanitize_name("a" * 99)
    request = ir.Request(
        model=MODEL,
        messages=(assistant(ir.ToolCallPart(id="t", name="9lives", arguments="{}")),),
        tools=(ir.Tool(name="9lives"),),
        tool_choice=ir.ToolChoice(ir.ToolChoiceMode.TOOL, "9lives"),
    )
    encoded = ADAPTER.encode_request(request)
    assert encoded.body["tools"] == [{"functionDeclarations": [{"name": "_9lives"}]}]
    assert encoded.body["contents"][0]["parts"][0]["functionCall"]["name"] == "_9lives"
    assert encoded.body["toolConfig"]["functionCallingConfig"]["allowedFunctionNames"] == ["_9lives"]
    assert [d.field for d in encoded.drops] == ["tools[0].name"]


def test_bad_tool_arguments_are_recorded() -> None:
    request = ir.Request(
        model=MODEL, messages=(assistant(ir.ToolCallPart(id="t", name="f", arguments="{oops")),)
    )
    encoded = ADAPTER.encode_request(request)
    assert encoded.body["contents"][0]["parts"][0]["functionCall"]["args"] == {}
    assert encoded.drops[0].field == "messages[0].parts[0].arguments"


def test_foreign_builtin_tools_and_strict_flags_are_dropped() -> None:
    request = ir.Request(
        model=MODEL,
        messages=(),
        tools=(
            ir.Tool(name="web_search", kind="web_search_20250305", config={"max_uses": 3}),
            ir.Tool(
                name="f",
                strict=True,
                parameters={"type": "object", "properties": {}, "additionalProperties": False},
            ),
        ),
    )
    encoded = ADAPTER.encode_request(request)
    assert encoded.body["tools"] == [{"functionDeclarations": [{"name": "f"}]}]
    assert {d.field for d in encoded.drops} == {"tools[0]", "tools[1].strict"}


# --------------------------------------------------------------------------- schema cleaning


def test_clean_schema_inlines_refs_and_maps_json_schema_idioms() -> None:
    schema = {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "title": "Args",
        "type": "object",
        "properties": {
            "point": {"$ref": "#/$defs/Point"},
            "mode": {"const": "fast"},
            "level": {"type": "integer", "enum": [1, 2, 3], "description": "How deep."},
            "when": {"type": "string", "format": "date-time"},
            "mail": {"type": "string", "format": "email", "pattern": "^.+@.+$"},
            "name": {"anyOf": [{"type": "string"}, {"type": "null"}], "default": None},
            "size": {"type": ["number", "null"], "exclusiveMinimum": 0},
            "either": {"oneOf": [{"type": "string"}, {"type": "integer"}]},
            "both": {
                "allOf": [{"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a"]}]
            },
        },
        "required": ["point", "missing"],
        "additionalProperties": False,
        "$defs": {
            "Point": {
                "type": "object",
                "properties": {"x": {"type": "number"}, "y": {"type": "number"}},
                "required": ["x", "y"],
                "additionalProperties": False,
            }
        },
    }
    cleaned, removed, inexpressible = clean_schema(schema)
    assert inexpressible is None
    assert cleaned == {
        "type": "object",
        "properties": {
            "point": {
                "type": "object",
                "properties": {"x": {"type": "number"}, "y": {"type": "number"}},
                "required": ["x", "y"],
            },
            "mode": {"enum": ["fast"], "type": "string"},
            "level": {"type": "integer", "description": "How deep. Allowed values: 1, 2, 3."},
            "when": {"type": "string", "format": "date-time"},
            "mail": {"type": "string", "pattern": "^.+@.+$"},
            "name": {"type": "string", "default": None, "nullable": True},
            "size": {"type": "number", "minimum": 0, "nullable": True},
            "either": {"anyOf": [{"type": "string"}, {"type": "integer"}]},
            "both": {"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a"]},
        },
        "required": ["point"],
    }
    assert removed == {
        "additionalProperties: false",
        "non-string enum",
        "format email",
        "exclusiveMinimum (sent as inclusive minimum)",
        "required names without a property",
    }


def test_foreign_tool_schema_is_cleaned_with_a_drop() -> None:
    schema = {
        "type": "object",
        "properties": {"path": {"type": "string", "format": "uri"}},
        "required": ["path"],
        "additionalProperties": False,
    }
    encoded = ADAPTER.encode_request(
        ir.Request(model=MODEL, messages=(), tools=(ir.Tool("read", "Read", schema),))
    )
    assert encoded.body["tools"][0]["functionDeclarations"][0] == {
        "name": "read",
        "description": "Read",
        "parameters": {"type": "object", "properties": {"path": {"type": "string"}}, "required": ["path"]},
    }
    assert encoded.drops == (
        ir.Drop(
            "tools[0].parameters", "not in Gemini's schema subset: additionalProperties: false, format uri"
        ),
    )


@pytest.mark.parametrize(
    "schema",
    [
        {
            "type": "object",
            "properties": {"env": {"type": "object", "additionalProperties": {"type": "string"}}},
        },
        {"type": "object", "properties": {"opts": {"type": "object"}}},
        {"type": "object", "properties": {"list": {"type": "array"}}},
        {"type": "object", "properties": {"any": {}}},
        {"type": "object", "additionalProperties": True},
        {
            "anyOf": [
                {"type": "object", "properties": {"a": {"type": "string"}}},
                {"type": "object", "properties": {"b": {"type": "string"}}},
            ]
        },
        {
            "type": "object",
            "properties": {"node": {"$ref": "#/$defs/Node"}},
            "$defs": {"Node": {"type": "object", "properties": {"next": {"$ref": "#/$defs/Node"}}}},
        },
    ],
)
def test_schemas_the_subset_cannot_express_go_as_parameters_json_schema(schema: dict[str, Any]) -> None:
    full = {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema}
    encoded = ADAPTER.encode_request(
        ir.Request(model=MODEL, messages=(), tools=(ir.Tool("t", parameters=full),))
    )
    assert encoded.body["tools"][0]["functionDeclarations"][0] == {
        "name": "t",
        "parametersJsonSchema": schema,
    }


def test_tools_without_parameters_send_none() -> None:
    for schema in ({}, {"type": "object", "properties": {}}, {"type": "object"}):
        body = ADAPTER.encode_request(
            ir.Request(model=MODEL, messages=(), tools=(ir.Tool("noop", parameters=schema),))
        ).body
        assert body["tools"] == [{"functionDeclarations": [{"name": "noop"}]}]


def test_openapi_to_json_schema_handles_nullable_without_type() -> None:
    assert openapi_to_json_schema({"anyOf": [{"type": "STRING"}], "nullable": True}) == {
        "anyOf": [{"type": "string"}, {"type": "null"}]
    }
    assert openapi_to_json_schema({"nullable": True}) == {"nullable": True}


# --------------------------------------------------------------------------- reasoning


def test_dynamic_budget_and_levels_round_trip() -> None:
    dynamic = {
        "contents": [],
        "generationConfig": {"thinkingConfig": {"thinkingBudget": -1, "includeThoughts": True}},
    }
    request = decode(dynamic)
    assert request.reasoning == ir.Reasoning(effort="medium", include_thoughts=True)
    assert ADAPTER.encode_request(request).body == dynamic
    level = {"contents": [], "generationConfig": {"thinkingConfig": {"thinkingLevel": "HIGH"}}}
    assert decode(level, GEMINI3).reasoning == ir.Reasoning(effort="high")
    assert ADAPTER.encode_request(decode(level, GEMINI3)).body == level


@pytest.mark.parametrize(
    ("model", "reasoning", "expected", "dropped"),
    [
        (GEMINI3, ir.Reasoning(effort="high"), {"thinkingLevel": "HIGH", "includeThoughts": True}, False),
        (
            GEMINI3,
            ir.Reasoning(budget_tokens=2000),
            {"thinkingLevel": "MEDIUM", "includeThoughts": True},
            False,
        ),
        (GEMINI3, ir.Reasoning(effort="max"), {"thinkingLevel": "HIGH", "includeThoughts": True}, True),
        (GEMINI3, ir.Reasoning(effort="minimal"), {"thinkingLevel": "LOW", "includeThoughts": True}, True),
        (
            "gemini-3-flash-preview",
            ir.Reasoning(effort="minimal"),
            {"thinkingLevel": "MINIMAL", "includeThoughts": True},
            False,
        ),
        (MODEL, ir.Reasoning(effort="low"), {"thinkingBudget": 1024, "includeThoughts": True}, False),
        (MODEL, ir.Reasoning(effort="max"), {"thinkingBudget": 24576, "includeThoughts": True}, True),
        (MODEL, ir.Reasoning(effort="none"), {"thinkingBudget": 0}, False),
        ("gemini-2.5-pro", ir.Reasoning(budget_tokens=0), {"thinkingBudget": 128}, True),
        (
            "gemini-2.5-pro",
            ir.Reasoning(budget_tokens=5000, include_thoughts=False),
            {"thinkingBudget": 5000, "includeThoughts": False},
            False,
        ),
    ],
)
def test_foreign_reasoning_is_mapped_per_model(
    model: str, reasoning: ir.Reasoning, expected: dict[str, Any], dropped: bool
) -> None:
    encoded = ADAPTER.encode_request(ir.Request(model=model, messages=(), reasoning=reasoning))
    assert encoded.body["generationConfig"]["thinkingConfig"] == expected
    assert any(d.field.startswith("reasoning") for d in encoded.drops) is dropped


# --------------------------------------------------------------------------- response format


def test_response_formats() -> None:
    schema = {"type": "object", "properties": {"n": {"type": "integer"}}, "additionalProperties": False}
    rf = ir.ResponseFormat(type="json_schema", schema=schema, name="thing", strict=True)
    new = ADAPTER.encode_request(ir.Request(model=MODEL, messages=(), response_format=rf))
    assert new.body["generationConfig"] == {
        "responseMimeType": "application/json",
        "responseJsonSchema": schema,
    }
    assert [d.field for d in new.drops] == ["response_format.name"]
    old = ADAPTER.encode_request(ir.Request(model="gemini-2.0-flash", messages=(), response_format=rf))
    assert old.body["generationConfig"]["responseSchema"] == {
        "type": "object",
        "properties": {"n": {"type": "integer"}},
    }
    json_object = ir.Request(model=MODEL, messages=(), response_format=ir.ResponseFormat(type="json_object"))
    assert ADAPTER.encode_request(json_object).body["generationConfig"] == {
        "responseMimeType": "application/json"
    }
    legacy = {
        "contents": [],
        "generationConfig": {
            "responseMimeType": "application/json",
            "responseSchema": {"type": "OBJECT", "properties": {"a": {"type": "STRING"}}},
        },
    }
    assert decode(legacy).response_format == ir.ResponseFormat(
        type="json_schema", schema={"type": "object", "properties": {"a": {"type": "string"}}}
    )
    assert ADAPTER.encode_request(decode(legacy)).body == legacy
    enum = {
        "contents": [],
        "generationConfig": {
            "responseMimeType": "text/x.enum",
            "responseSchema": {"type": "STRING", "enum": ["a"]},
        },
    }
    assert decode(enum).response_format is None
    assert ADAPTER.encode_request(decode(enum)).body == enum


# --------------------------------------------------------------------------- responses


def test_response_with_signed_function_calls_and_no_ids() -> None:
    body: dict[str, Any] = {
        "candidates": [
            {
                "content": {
                    "role": "model",
                    "parts": [
                        {"text": "Reading.", "thought": True},
                        {"functionCall": {"name": "read", "args": {"p": "a"}}, "thoughtSignature": "U0lH"},
                        {"functionCall": {"name": "read", "args": {"p": "b"}}},
                    ],
                },
                "finishReason": "STOP",
                "index": 0,
                "safetyRatings": [],
            }
        ],
        "usageMetadata": {
            "promptTokenCount": 100,
            "candidatesTokenCount": 10,
            "thoughtsTokenCount": 5,
            "cachedContentTokenCount": 60,
            "totalTokenCount": 115,
        },
        "modelVersion": GEMINI3,
        "responseId": "resp-1",
    }
    response = ADAPTER.decode_response(body)
    assert response.stop_reason is ir.StopReason.TOOL_USE
    thinking, first, second = response.content
    assert thinking == ir.ThinkingPart("Reading.")
    assert first == ir.ToolCallPart(
        id=f"{SYNTHETIC_ID_PREFIX}resp-1_1", name="read", arguments='{"p":"a"}', thought_signature="U0lH"
    )
    assert isinstance(second, ir.ToolCallPart) and second.id == f"{SYNTHETIC_ID_PREFIX}resp-1_2"
    assert response.usage == ir.Usage(
        input_tokens=100, output_tokens=15, cache_read_tokens=60, reasoning_tokens=5
    )
    request = decode({"contents": []}, GEMINI3)
    assert ADAPTER.encode_response(response, request).body == body
    # The history a Gemini client sends back decodes to the same calls, signature in place.
    replay = decode(
        {"contents": [{"role": "model", "parts": body["candidates"][0]["content"]["parts"]}]}, GEMINI3
    )
    calls = [p for p in replay.messages[0].parts if isinstance(p, ir.ToolCallPart)]
    assert [c.thought_signature for c in calls] == ["U0lH", None]


@pytest.mark.parametrize(
    ("finish", "stop"),
    [
        ("MAX_TOKENS", ir.StopReason.MAX_TOKENS),
        ("SAFETY", ir.StopReason.CONTENT_FILTER),
        ("RECITATION", ir.StopReason.CONTENT_FILTER),
        ("MALFORMED_FUNCTION_CALL", ir.StopReason.ERROR),
        ("OTHER", ir.StopReason.END_TURN),
    ],
)
def test_finish_reasons(finish: str, stop: ir.StopReason) -> None:
    body = {
        "candidates": [
            {"content": {"parts": [{"text": "x"}], "role": "model"}, "finishReason": finish, "index": 0}
        ],
        "usageMetadata": {"promptTokenCount": 1, "candidatesTokenCount": 1, "totalTokenCount": 2},
        "modelVersion": MODEL,
        "responseId": "r",
    }
    response = ADAPTER.decode_response(body)
    assert response.stop_reason is stop
    assert ADAPTER.encode_response(response, decode({"contents": []})).body == body


def test_blocked_prompt_and_foreign_response() -> None:
    blocked = ADAPTER.decode_response({"promptFeedback": {"blockReason": "PROHIBITED_CONTENT"}})
    assert blocked.stop_reason is ir.StopReason.CONTENT_FILTER and blocked.content == ()
    foreign = ir.Response(
        id="msg_1",
        model="claude-sonnet-4-5",
        content=(
            ir.ThinkingPart("hmm", signature="sig"),
            ir.TextPart("Hi"),
            ir.ToolCallPart(id="toolu_9", name="ls", arguments=""),
        ),
        stop_reason=ir.StopReason.TOOL_USE,
        usage=ir.Usage(
            input_tokens=50, output_tokens=20, cache_read_tokens=30, cache_write_tokens=5, reasoning_tokens=4
        ),
    )
    body = ADAPTER.encode_response(foreign, decode({"contents": []}, "my-alias")).body
    assert body == {
        "candidates": [
            {
                "content": {
                    "parts": [
                        {"text": "hmm", "thought": True, "thoughtSignature": "sig"},
                        {"text": "Hi"},
                        {"functionCall": {"name": "ls", "id": "toolu_9", "args": {}}},
                    ],
                    "role": "model",
                },
                "finishReason": "STOP",
                "index": 0,
            }
        ],
        "usageMetadata": {
            "promptTokenCount": 50,
            "candidatesTokenCount": 16,
            "totalTokenCount": 70,
            "cachedContentTokenCount": 30,
            "thoughtsTokenCount": 4,
        },
        "modelVersion": "my-alias",
        "responseId": "msg_1",
    }


def test_usage_readers() -> None:
    body = golden("reasoning", "response")
    assert ADAPTER.usage_from_body(orjson.dumps(body)) == ir.Usage(
        input_tokens=20, output_tokens=50, reasoning_tokens=30
    )
    assert ADAPTER.usage_from_body(b"garbage") == ir.Usage()
    raw = golden_sse("reasoning", "stream")
    assert ADAPTER.usage_from_stream(raw[:40], raw[-300:]) == ir.Usage(
        input_tokens=20, output_tokens=50, reasoning_tokens=30
    )
    assert ADAPTER.usage_from_stream(b"", b'data: {"candidates": []}\r\n\r\n') == ir.Usage()
    # A tail cut inside the last usage object falls back to the previous one.
    assert ADAPTER.usage_from_stream(b"", raw[: raw.rindex(b"thoughtsTokenCount")]) == ir.Usage(
        input_tokens=20, output_tokens=30, reasoning_tokens=30
    )


# --------------------------------------------------------------------------- errors


QUOTA = {
    "error": {
        "code": 429,
        "message": "You exceeded your current quota, please check your plan and billing details.",
        "status": "RESOURCE_EXHAUSTED",
        "details": [
            {"@type": "type.googleapis.com/google.rpc.QuotaFailure", "violations": [{"quotaMetric": "m"}]},
            {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "30s"},
        ],
    }
}
BAD_KEY = {
    "error": {
        "code": 400,
        "message": "API key not valid. Please pass a valid API key.",
        "status": "INVALID_ARGUMENT",
        "details": [
            {
                "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                "reason": "API_KEY_INVALID",
                "domain": "googleapis.com",
                "metadata": {"service": "generativelanguage.googleapis.com"},
            }
        ],
    }
}


@pytest.mark.parametrize(
    ("status", "body", "kind", "code"),
    [
        (429, QUOTA, "rate_limit_error", "RESOURCE_EXHAUSTED"),
        (400, BAD_KEY, "authentication_error", "API_KEY_INVALID"),
        (
            403,
            {"error": {"code": 403, "message": "denied", "status": "PERMISSION_DENIED"}},
            "permission_error",
            "PERMISSION_DENIED",
        ),
        (
            404,
            {"error": {"code": 404, "message": "models/x is not found", "status": "NOT_FOUND"}},
            "not_found_error",
            "NOT_FOUND",
        ),
        (500, {"error": {"code": 500, "message": "internal", "status": "INTERNAL"}}, "api_error", "INTERNAL"),
        (
            503,
            {"error": {"code": 503, "message": "overloaded", "status": "UNAVAILABLE"}},
            "overloaded_error",
            "UNAVAILABLE",
        ),
        (
            400,
            [{"error": {"code": 400, "message": "bad", "status": "INVALID_ARGUMENT"}}],
            "invalid_request_error",
            "INVALID_ARGUMENT",
        ),
    ],
)
def test_decode_error(status: int, body: Any, kind: str, code: str) -> None:
    info = ADAPTER.decode_error(status, orjson.dumps(body))
    assert (info.status, info.kind, info.code) == (status, kind, code)
    message = body[0]["error"]["message"] if isinstance(body, list) else body["error"]["message"]
    assert info.message == message


def test_decode_error_garbage_and_field_violations() -> None:
    assert ADAPTER.decode_error(502, b"<html>Bad Gateway</html>") == ErrorInfo(
        502, "upstream returned HTTP 502: <html>Bad Gateway</html>", "overloaded_error"
    )
    assert ADAPTER.decode_error(500, b"").message == "upstream returned HTTP 500"
    violation = {
        "error": {
            "code": 400,
            "message": "Invalid value",
            "status": "INVALID_ARGUMENT",
            "details": [
                {
                    "@type": "type.googleapis.com/google.rpc.BadRequest",
                    "fieldViolations": [{"field": "contents[0]"}],
                }
            ],
        }
    }
    assert ADAPTER.decode_error(400, orjson.dumps(violation)).param == "contents[0]"


def test_retry_delay_is_read_from_the_body() -> None:
    assert ADAPTER.decode_error(429, orjson.dumps(QUOTA)).retry_after == 30.0
    in_message = {
        "error": {
            "code": 429,
            "message": "Quota exceeded. Please retry in 12.5s.",
            "status": "RESOURCE_EXHAUSTED",
        }
    }
    assert ADAPTER.decode_error(429, orjson.dumps(in_message)).retry_after == 12.5
    assert ADAPTER.decode_error(429, orjson.dumps(BAD_KEY)).retry_after is None
    assert ADAPTER.decode_error(429, b"nope").retry_after is None


def test_encode_error_shapes() -> None:
    assert ADAPTER.encode_error(ErrorInfo(429, "slow", "rate_limit_error")) == {
        "error": {"code": 429, "message": "slow", "status": "RESOURCE_EXHAUSTED"}
    }
    assert ADAPTER.encode_error(
        ErrorInfo(401, "bad key", "authentication_error", code="invalid_api_key")
    ) == {
        "error": {
            "code": 401,
            "message": "bad key",
            "status": "UNAUTHENTICATED",
            "details": [
                {
                    "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                    "reason": "API_KEY_INVALID",
                    "domain": "googleapis.com",
                }
            ],
        }
    }
    invalid = ADAPTER.encode_error(ErrorInfo(400, "bad", "invalid_request_error", param="contents"))
    assert invalid["error"]["details"] == [
        {
            "@type": "type.googleapis.com/google.rpc.BadRequest",
            "fieldViolations": [{"field": "contents", "description": "bad"}],
        }
    ]
    assert ADAPTER.encode_error(ErrorInfo(0, "?", "overloaded_error"))["error"]["code"] == 503
    # What the encoder writes, the decoder reads back.
    for info in (
        ErrorInfo(404, "no such model", "not_found_error"),
        ErrorInfo(503, "busy", "overloaded_error"),
    ):
        again = ADAPTER.decode_error(info.status, orjson.dumps(ADAPTER.encode_error(info)))
        assert (again.status, again.message, again.kind) == (info.status, info.message, info.kind)


def test_upstream_path() -> None:
    assert ADAPTER.upstream_path("gemini-2.5-flash", False) == "/models/gemini-2.5-flash:generateContent"
    assert ADAPTER.upstream_path("models/gemini-3-pro-preview", True) == (
        "/models/gemini-3-pro-preview:streamGenerateContent?alt=sse"
    )
