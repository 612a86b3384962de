"""Anthropic Messages adapter: golden round trips, decoding, encoding from other formats, streams."""

from __future__ import annotations

import asyncio
import base64
import copy
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import anthropic
import httpx2
import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.core.errors import InvalidRequest
from app.core.records import WireFormat
from app.formats import ir
from app.formats.adapter import ErrorInfo
from app.formats.anthropic import (
    ADAPTER,
    escape_tool_name,
    kind_for_status,
    system_messages_refused,
    unescape_tool_name,
)
from app.formats.sse import SSEParser

GOLDEN = Path(__file__).parent / "golden"
CASES = sorted(p.name for p in GOLDEN.iterdir() if (p / "anthropic.request.json").exists())
RESPONSES = sorted(
    (case, name)
    for case in CASES
    for name in ("response", "tool_call_response")
    if (GOLDEN / case / f"anthropic.{name}.json").exists()
)
STREAMS = sorted(
    (case, name)
    for case in CASES
    for name in ("stream", "tool_call_stream")
    if (GOLDEN / case / f"anthropic.{name}.sse").exists()
)
MODEL = "claude-sonnet-4-5"


def golden_json(case: str, what: str) -> dict[str, Any]:
    data = orjson.loads((GOLDEN / case / f"anthropic.{what}.json").read_bytes())
    assert isinstance(data, dict)
    return data


def golden_sse(case: str, what: str) -> bytes:
    return (GOLDEN / case / f"anthropic.{what}.sse").read_bytes()


def request(**fields: Any) -> ir.Request:
    base: dict[str, Any] = {
        "model": MODEL,
        "messages": (ir.Message(ir.Role.USER, (ir.TextPart("hi"),)),),
    }
    return ir.Request(**{**base, **fields})


def decode_stream(raw: bytes) -> list[ir.StreamEvent]:
    decoder = ADAPTER.stream_decoder()
    return decoder.feed(raw) + decoder.close()


def encode_stream(events: Sequence[ir.StreamEvent], req: ir.Request | None = None) -> bytes:
    encoder = ADAPTER.stream_encoder(req or request())
    return b"".join(encoder.feed(e) for e in events) + encoder.close()


def wire_events(raw: bytes) -> list[tuple[str | None, dict[str, Any]]]:
    parser = SSEParser()
    events = parser.feed(raw) + parser.close()
    return [(e.event, orjson.loads(e.data)) for e in events]


def check_wire(raw: bytes) -> dict[str, Any]:
    """Asserts the stream is one the Anthropic SDKs accept; returns the message it builds."""
    events = wire_events(raw)
    assert events, "empty stream"
    for name, payload in events:
        assert name is not None, "every event needs an event: line"
        assert name == payload["type"]
    names = [n for n, _ in events if n != "ping"]
    assert names[0] == "message_start"
    assert names.count("message_start") == 1
    message: dict[str, Any] | None = None
    open_index: int | None = None
    next_index = 0
    ended = False
    allowed = {
        "text": {"text_delta", "citations_delta"},
        "thinking": {"thinking_delta", "signature_delta"},
        "tool_use": {"input_json_delta"},
        "server_tool_use": {"input_json_delta"},
    }
    args: dict[int, str] = {}
    for name, payload in events:
        assert not ended, "nothing may follow message_stop"
        if name == "message_start":
            message = copy.deepcopy(payload["message"])
            assert message["content"] == []
        elif name == "content_block_start":
            assert message is not None
            assert open_index is None, "a block started while another is open"
            assert payload["index"] == next_index, "block indexes must count up from 0"
            open_index = next_index
            next_index += 1
            message["content"].append(copy.deepcopy(payload["content_block"]))
        elif name == "content_block_delta":
            assert message is not None
            assert payload["index"] == open_index, "delta outside the open block"
            block = message["content"][payload["index"]]
            delta = payload["delta"]
            assert delta["type"] in allowed.get(block["type"], set()), (block["type"], delta["type"])
            if delta["type"] == "text_delta":
                block["text"] += delta["text"]
            elif delta["type"] == "thinking_delta":
                block["thinking"] += delta["thinking"]
            elif delta["type"] == "signature_delta":
                block["signature"] = delta["signature"]
            elif delta["type"] == "input_json_delta":
                args[payload["index"]] = args.get(payload["index"], "") + delta["partial_json"]
        elif name == "content_block_stop":
            assert payload["index"] == open_index, "stop of a block that is not open"
            open_index = None
        elif name == "message_delta":
            assert message is not None
            assert open_index is None
            message["stop_reason"] = payload["delta"]["stop_reason"]
            message["stop_sequence"] = payload["delta"]["stop_sequence"]
            message["usage"].update(payload["usage"])
        elif name == "message_stop":
            assert open_index is None
            ended = True
        elif name == "error":
            ended = True
    assert message is not None
    for index, text in args.items():
        try:
            message["content"][index]["input"] = orjson.loads(text) if text else {}
        except orjson.JSONDecodeError:
            message["content"][index]["input"] = text  # the test fed fragments that are not JSON
    return message


async def sdk_final_message(raw: bytes) -> anthropic.types.Message:
    """Runs the official SDK's stream helper over `raw`."""

    def handler(_: httpx2.Request) -> httpx2.Response:
        return httpx2.Response(200, headers={"content-type": "text/event-stream"}, content=raw)

    async with httpx2.AsyncClient(transport=httpx2.MockTransport(handler)) as http:
        client = anthropic.AsyncAnthropic(
            api_key="k", base_url="http://upstream", http_client=http, max_retries=0
        )
        async with client.messages.stream(
            model="claude-sonnet-4-6", max_tokens=10, messages=[{"role": "user", "content": "hi"}]
        ) as stream:
            return await stream.get_final_message()


def test_adapter_identity() -> None:
    assert ADAPTER.wire_format is WireFormat.ANTHROPIC
    assert ADAPTER.upstream_path(MODEL, False) == "/messages"
    assert ADAPTER.upstream_path(MODEL, True) == "/messages"


# --------------------------------------------------------------------------- golden files


@pytest.mark.parametrize("case", CASES)
def test_golden_request_round_trip(case: str) -> None:
    body = golden_json(case, "request")
    encoded = ADAPTER.encode_request(ADAPTER.decode_request(body))
    assert encoded.body == body
    assert encoded.drops == ()


@pytest.mark.parametrize(("case", "what"), RESPONSES)
def test_golden_response_round_trip(case: str, what: str) -> None:
    body = golden_json(case, what)
    decoded = ADAPTER.decode_response(body)
    encoded = ADAPTER.encode_response(decoded, request(model=body["model"]))
    assert encoded.body == body
    assert encoded.drops == ()


@pytest.mark.parametrize(("case", "what"), STREAMS)
def test_golden_stream_round_trip(case: str, what: str) -> None:
    raw = golden_sse(case, what)
    check_wire(raw)
    events = decode_stream(raw)
    assert isinstance(events[0], ir.StreamStart)
    assert isinstance(events[-1], ir.StreamEnd)
    again = encode_stream(events, request(model=events[0].model))
    check_wire(again)
    assert decode_stream(again) == events


@pytest.mark.parametrize(("case", "what"), STREAMS)
def test_golden_stream_matches_its_response(case: str, what: str) -> None:
    """Decoding the stream and the non-stream file of a case gives the same content and usage."""
    response_name = "tool_call_response" if what == "tool_call_stream" else "response"
    response = ADAPTER.decode_response(golden_json(case, response_name))
    events = decode_stream(golden_sse(case, what))
    end = events[-1]
    assert isinstance(end, ir.StreamEnd)
    assert end.usage == response.usage
    assert end.stop_reason == response.stop_reason
    assert collect(events) == response.content


def collect(events: Sequence[ir.StreamEvent]) -> tuple[ir.Part, ...]:
    """Folds stream events into response parts (what a non-stream response would hold)."""
    parts: dict[int, dict[str, Any]] = {}
    for e in events:
        if isinstance(e, ir.BlockStart):
            parts[e.index] = {"start": e, "text": "", "sig": None}
        elif isinstance(e, ir.TextDelta | ir.ThinkingDelta):
            parts[e.index]["text"] += e.text
        elif isinstance(e, ir.ToolArgsDelta):
            parts[e.index]["text"] += e.partial_json
        elif isinstance(e, ir.SignatureDelta):
            parts[e.index]["sig"] = e.signature
    out: list[ir.Part] = []
    for _, p in sorted(parts.items()):
        start: ir.BlockStart = p["start"]
        if start.kind is ir.BlockKind.TEXT:
            out.append(ir.TextPart(p["text"]))
        elif start.kind is ir.BlockKind.THINKING:
            out.append(ir.ThinkingPart(p["text"], signature=p["sig"]))
        elif start.kind is ir.BlockKind.TOOL_CALL:
            args = orjson.dumps(orjson.loads(p["text"] or "{}")).decode()
            out.append(ir.ToolCallPart(start.tool_call_id or "", start.tool_name or "", args))
        else:
            out.append(ir.RedactedThinkingPart(start.data or ""))
    return tuple(out)


@pytest.mark.parametrize(("case", "what"), STREAMS)
async def test_golden_streams_parse_in_the_sdk(case: str, what: str) -> None:
    message = await sdk_final_message(golden_sse(case, what))
    assert message.stop_reason in ("end_turn", "tool_use")


def test_golden_semantics() -> None:
    basic = ADAPTER.decode_request(golden_json("text_basic", "request"))
    assert basic.system == (ir.TextPart("You are terse."),)
    assert [(m.role, m.parts) for m in basic.messages] == [
        (ir.Role.USER, (ir.TextPart("What is 2+2?"),)),
        (ir.Role.ASSISTANT, (ir.TextPart("4"),)),
        (ir.Role.USER, (ir.TextPart("And 3+3?"),)),
    ]
    assert (basic.max_output_tokens, basic.temperature) == (256, 0.2)
    answer = ADAPTER.decode_response(golden_json("text_basic", "response"))
    assert answer.content == (ir.TextPart("6"),)
    assert answer.usage == ir.Usage(input_tokens=30, output_tokens=2)

    tools = ADAPTER.decode_request(golden_json("tools_parallel", "request"))
    assert [t.name for t in tools.tools] == ["get_weather", "get_time"]
    assert tools.tools[0].parameters["required"] == ["city"]
    assert tools.tool_choice == ir.ToolChoice(ir.ToolChoiceMode.AUTO)
    assert tools.messages[1].parts == (
        ir.ToolCallPart("call_1", "get_weather", '{"city":"Paris"}'),
        ir.ToolCallPart("call_2", "get_time", '{"tz":"Europe/Paris"}'),
    )
    assert tools.messages[2].parts == (
        ir.ToolResultPart("call_1", (ir.TextPart("18°C, cloudy"),)),
        ir.ToolResultPart("call_2", (ir.TextPart("14:05"),)),
    )
    calls = ADAPTER.decode_response(golden_json("tools_parallel", "tool_call_response"))
    assert calls.stop_reason is ir.StopReason.TOOL_USE
    assert [p.name for p in calls.content if isinstance(p, ir.ToolCallPart)] == ["get_weather", "get_time"]

    image = ADAPTER.decode_request(golden_json("image_base64", "request"))
    assert image.messages[0].parts[1] == ir.ImagePart(ir.MediaSource("base64", "image/png", "iVBORw0KGgo="))

    reasoning = ADAPTER.decode_request(golden_json("reasoning", "request"))
    assert reasoning.reasoning is not None
    assert reasoning.reasoning.effective_budget() == 24576
    assert reasoning.reasoning.effective_effort() == "high"
    thought = ADAPTER.decode_response(golden_json("reasoning", "response"))
    assert thought.content == (ir.ThinkingPart("17*23 = 391", signature="sig-abc"), ir.TextPart("391"))
    assert thought.usage == ir.Usage(input_tokens=20, output_tokens=50, reasoning_tokens=30)

    structured = ADAPTER.decode_request(golden_json("structured", "request"))
    assert structured.response_format is not None
    assert structured.response_format.type == "json_schema"
    assert structured.response_format.strict is True
    assert structured.response_format.schema == {
        "type": "object",
        "properties": {"name": {"type": "string"}},
        "required": ["name"],
        "additionalProperties": False,
    }


# --------------------------------------------------------------------------- a Claude Code-like request

CLAUDE_CODE_BODY: dict[str, Any] = {
    "model": "claude-sonnet-4-6",
    "max_tokens": 32000,
    "stream": True,
    "system": [
        {"type": "text", "text": "x-anthropic-billing-header: cc_version=2.1"},
        {"type": "text", "text": "You are Claude Code.", "cache_control": {"type": "ephemeral"}},
    ],
    "tools": [
        {
            "name": "Bash",
            "description": "Run a command",
            "input_schema": {"type": "object", "properties": {"command": {"type": "string"}}},
        },
        {
            "name": "mcp__files__read",
            "description": "Read",
            "input_schema": {"type": "object", "properties": {}},
            "cache_control": {"type": "ephemeral", "ttl": "1h"},
            "defer_loading": True,
        },
        {"type": "web_search_20250305", "name": "web_search", "max_uses": 5},
    ],
    "tool_choice": {"type": "auto", "disable_parallel_tool_use": False},
    "thinking": {"type": "adaptive", "display": "summarized"},
    "output_config": {"effort": "high"},
    "metadata": {"user_id": "user_abc_account_def_session_123"},
    "context_management": {"edits": [{"type": "clear_thinking_20251015", "keep": "all"}]},
    "messages": [
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "<system-reminder>ctx</system-reminder>"},
                {"type": "text", "text": "List files, then search.", "cache_control": {"type": "ephemeral"}},
                {
                    "type": "document",
                    "source": {"type": "base64", "media_type": "application/pdf", "data": "JVBERi0x"},
                    "title": "spec.pdf",
                    "context": "the spec",
                    "citations": {"enabled": True},
                },
                {"type": "image", "source": {"type": "url", "url": "https://example.com/a.png"}},
                {"type": "document", "source": {"type": "text", "media_type": "text/plain", "data": "plain"}},
            ],
        },
        {
            "role": "assistant",
            "content": [
                {"type": "thinking", "thinking": "I should run ls.", "signature": "EqQBCkgIBx"},
                {"type": "redacted_thinking", "data": "EmwKAhgBEgy3va3pzix"},
                {"type": "text", "text": "Running ls.", "citations": None},
                {"type": "tool_use", "id": "toolu_01A", "name": "Bash", "input": {"command": "ls"}},
                {"type": "tool_use", "id": "toolu_01B", "name": "mcp__files__read", "input": {}},
            ],
        },
        {
            "role": "user",
            "content": [
                {"type": "tool_result", "tool_use_id": "toolu_01A", "content": "a.txt\nb.txt"},
                {
                    "type": "tool_result",
                    "tool_use_id": "toolu_01B",
                    "is_error": True,
                    "cache_control": {"type": "ephemeral"},
                    "content": [
                        {"type": "text", "text": "no such file"},
                        {
                            "type": "image",
                            "source": {"type": "base64", "media_type": "image/png", "data": "iVBO"},
                        },
                        {"type": "search_result", "source": "s", "title": "t", "content": []},
                    ],
                },
                {"type": "tool_result", "tool_use_id": "toolu_01C"},
                {"type": "tool_result", "tool_use_id": "toolu_01D", "content": ""},
            ],
        },
        {
            "role": "assistant",
            "content": [
                {
                    "type": "server_tool_use",
                    "id": "srvtoolu_01",
                    "name": "web_search",
                    "input": {"query": "x"},
                },
                {
                    "type": "web_search_tool_result",
                    "tool_use_id": "srvtoolu_01",
                    "content": [{"type": "web_search_result", "url": "https://x", "title": "X"}],
                },
                {"type": "text", "text": "Found it."},
            ],
        },
        {"role": "user", "content": [{"type": "text", "text": "Thanks"}]},
    ],
}


def test_claude_code_request_round_trips() -> None:
    decoded = ADAPTER.decode_request(CLAUDE_CODE_BODY)
    encoded = ADAPTER.encode_request(decoded)
    # Exactly, down to a lone text block spelled as a list: a prompt-cache prefix written by a
    # passthrough turn must still match when a later turn is decoded and re-encoded.
    assert encoded.body == CLAUDE_CODE_BODY
    assert encoded.drops == ()


def test_lone_text_blocks_from_other_formats_use_the_shorthand() -> None:
    encoded = encode(
        system=(ir.TextPart("S"),),
        messages=(
            ir.Message(ir.Role.USER, (ir.TextPart("hi"), ir.ToolResultPart("t", (ir.TextPart("r"),)))),
        ),
    )
    assert encoded.body["system"] == "S"
    assert encoded.body["messages"][0]["content"][0]["content"] == "r"
    single = {
        "model": MODEL,
        "max_tokens": 5,
        "messages": [{"role": "user", "content": [{"type": "text", "text": "x"}]}],
    }
    stripped = ADAPTER.decode_request(single)
    assert ADAPTER.encode_request(ir.Request(model=MODEL, messages=stripped.messages)).body["messages"] == [
        {"role": "user", "content": "x"}
    ]


def test_claude_code_request_decodes_to_canonical_parts() -> None:
    req = ADAPTER.decode_request(CLAUDE_CODE_BODY)
    assert req.stream is True
    assert req.user == "user_abc_account_def_session_123"
    assert req.system[1] == ir.TextPart("You are Claude Code.", cache=ir.CacheControl())
    assert req.tool_choice == ir.ToolChoice(ir.ToolChoiceMode.AUTO)
    assert req.parallel_tool_calls is True
    assert req.reasoning == ir.Reasoning(effort="high")
    assert req.extras["anthropic"]["context_management"] == CLAUDE_CODE_BODY["context_management"]
    bash, read, search = req.tools
    assert (bash.kind, bash.parameters["properties"]) == ("function", {"command": {"type": "string"}})
    assert read.cache == ir.CacheControl(ttl="1h")
    assert (search.kind, search.name, search.config) == ("web_search_20250305", "web_search", {"max_uses": 5})
    user = req.messages[0].parts
    assert isinstance(user[2], ir.DocumentPart)
    assert user[2].title == "spec.pdf"
    assert user[3] == ir.ImagePart(ir.MediaSource("url", url="https://example.com/a.png"))
    assert user[4] == ir.DocumentPart(ir.MediaSource("text", "text/plain", "plain"))
    thinking, redacted, text, call, _ = req.messages[1].parts
    assert thinking == ir.ThinkingPart("I should run ls.", signature="EqQBCkgIBx")
    assert redacted == ir.RedactedThinkingPart("EmwKAhgBEgy3va3pzix")
    assert isinstance(text, ir.TextPart) and text.text == "Running ls."
    assert call == ir.ToolCallPart("toolu_01A", "Bash", '{"command":"ls"}')
    results = req.messages[2].parts
    assert results[0] == ir.ToolResultPart("toolu_01A", (ir.TextPart("a.txt\nb.txt"),))
    second = results[1]
    assert isinstance(second, ir.ToolResultPart)
    assert second.is_error and second.cache == ir.CacheControl()
    assert second.content[0] == ir.TextPart("no such file")
    assert isinstance(second.content[1], ir.ImagePart)
    assert results[2] == ir.ToolResultPart("toolu_01C", ())
    # Blocks with no canonical type ride along opaquely, as empty text for other formats.
    server_use = req.messages[3].parts[0]
    assert isinstance(server_use, ir.TextPart) and server_use.text == ""


# --------------------------------------------------------------------------- system messages in `messages`

# What Claude Code 2.1.331 sends for a model name it does not know as Claude (docs/CLIENTS.md): the
# environment block as a system message, last in the first request (a list with a cache mark)…
ENVIRONMENT = "# Environment\nYou have been invoked in the following environment: ..."
CC_SYSTEM = [
    {"type": "text", "text": "x-anthropic-billing-header: cc_version=2.1.331"},
    {"type": "text", "text": "You are a Claude agent.", "cache_control": {"type": "ephemeral"}},
]
CC_FIRST_TURN: dict[str, Any] = {
    "model": "oai/gpt-4o-mini",
    "max_tokens": 32000,
    "stream": True,
    "system": CC_SYSTEM,
    "messages": [
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "<system-reminder>r</system-reminder>"},
                {"type": "text", "text": "What is in notes.txt?"},
            ],
        },
        {
            "role": "system",
            "content": [{"type": "text", "text": ENVIRONMENT, "cache_control": {"type": "ephemeral"}}],
        },
    ],
}
# …and between the first user message and the assistant turn in the next one (now a string).
CC_SECOND_TURN: dict[str, Any] = {
    **CC_FIRST_TURN,
    "messages": [
        CC_FIRST_TURN["messages"][0],
        {"role": "system", "content": ENVIRONMENT},
        {
            "role": "assistant",
            "content": [{"type": "tool_use", "id": "t1", "name": "Read", "input": {"file_path": "/n"}}],
        },
        {
            "role": "user",
            "content": [
                {
                    "type": "tool_result",
                    "tool_use_id": "t1",
                    "content": "1\tThe code is X.",
                    "cache_control": {"type": "ephemeral"},
                }
            ],
        },
    ],
}


def test_system_messages_join_the_canonical_system_prompt() -> None:
    first = ADAPTER.decode_request(CC_FIRST_TURN)
    assert first.system[2:] == (ir.TextPart(ENVIRONMENT, cache=ir.CacheControl()),)
    assert [m.role for m in first.messages] == [ir.Role.USER]
    second = ADAPTER.decode_request(CC_SECOND_TURN)
    assert second.system[2:] == (ir.TextPart(ENVIRONMENT),)
    assert [m.role for m in second.messages] == [ir.Role.USER, ir.Role.ASSISTANT, ir.Role.USER]
    # The hints of the later messages are keyed by their canonical index (system messages not counted).
    assert second.messages[2].parts[0] == ir.ToolResultPart(
        "t1", (ir.TextPart("1\tThe code is X."),), cache=ir.CacheControl()
    )


@pytest.mark.parametrize("body", [CC_FIRST_TURN, CC_SECOND_TURN])
def test_system_messages_round_trip_for_a_model_that_takes_them(body: dict[str, Any]) -> None:
    body = {**body, "model": "claude-opus-4-8"}
    encoded = ADAPTER.encode_request(ADAPTER.decode_request(body))
    assert encoded.body == body
    assert encoded.drops == ()


@pytest.mark.parametrize("body", [CC_FIRST_TURN, CC_SECOND_TURN])
def test_system_messages_move_to_the_top_for_other_models(body: dict[str, Any]) -> None:
    decoded = ADAPTER.decode_request({**body, "model": MODEL})
    encoded = ADAPTER.encode_request(decoded)
    assert [m["role"] for m in encoded.body["messages"]] == [
        m["role"] for m in body["messages"] if m["role"] != "system"
    ]
    environment = next(m for m in body["messages"] if m["role"] == "system")["content"]
    tail = environment if isinstance(environment, list) else [{"type": "text", "text": environment}]
    assert encoded.body["system"] == CC_SYSTEM + tail
    assert drop_fields(encoded) == ["system[2]"]
    # Nothing else changed: the rest still round trips exactly.
    rest = {k: v for k, v in encoded.body.items() if k not in ("system", "messages")}
    assert rest == {k: v for k, v in body.items() if k not in ("system", "messages", "model")} | {
        "model": MODEL
    }


def test_system_messages_stay_where_the_api_allows_them() -> None:
    mark = {"type": "ephemeral", "ttl": "1h"}
    body: dict[str, Any] = {
        "model": "claude-opus-4-8-20260528",
        "max_tokens": 100,
        "messages": [
            {"role": "user", "content": "search"},
            {
                "role": "assistant",
                "content": [{"type": "server_tool_use", "id": "s", "name": "web_search", "input": {}}],
            },
            # After a server tool use, before an assistant turn: a turn boundary of its own.
            {"role": "system", "content": [{"type": "text", "text": "A"}, {"type": "text", "text": "B"}]},
            {"role": "assistant", "content": "found"},
            {"role": "user", "content": "and?"},
            # A mark on the message itself, and an empty one.
            {"role": "system", "content": "C", "cache_control": mark},
        ],
    }
    decoded = ADAPTER.decode_request(body)
    assert decoded.system == (
        ir.TextPart("A"),
        ir.TextPart("B"),
        ir.TextPart("C", cache=ir.CacheControl(ttl="1h")),
    )
    encoded = ADAPTER.encode_request(decoded)
    assert encoded.body == body
    assert encoded.drops == ()
    empty = {**body, "messages": [{"role": "user", "content": "x"}, {"role": "system", "content": ""}]}
    assert ADAPTER.encode_request(ADAPTER.decode_request(empty)).body == empty


@pytest.mark.parametrize(
    "roles",
    [
        ["system", "user"],  # first
        ["user", "system", "user"],  # not followed by an assistant turn
        ["user", "assistant", "system"],  # after an assistant turn with no server tool use
    ],
)
def test_system_messages_where_the_api_refuses_them_move_to_the_top(roles: list[str]) -> None:
    body = {
        "model": "claude-opus-4-8",
        "max_tokens": 100,
        "system": "S",
        "messages": [{"role": r, "content": r.upper()} for r in roles],
    }
    encoded = ADAPTER.encode_request(ADAPTER.decode_request(body))
    assert all(m["role"] != "system" for m in encoded.body["messages"])
    assert encoded.body["system"] == [{"type": "text", "text": "S"}, {"type": "text", "text": "SYSTEM"}]
    assert drop_fields(encoded) == ["system[1]"]


def test_a_changed_request_gets_no_system_messages() -> None:
    decoded = ADAPTER.decode_request({**CC_SECOND_TURN, "model": "claude-opus-4-8"})
    # Something dropped a message (say, one whose reasoning tokens were left out): no position fits.
    shorter = replace(decoded, messages=decoded.messages[:2])
    assert all(m["role"] != "system" for m in ADAPTER.encode_request(shorter).body["messages"])
    # From another format, a system prompt is only ever the top-level one.
    other = encode(model="claude-opus-4-8", system=(ir.TextPart("S"), ir.TextPart("T")))
    assert other.body["system"] == [{"type": "text", "text": "S"}, {"type": "text", "text": "T"}]
    assert [m["role"] for m in other.body["messages"]] == ["user"]


@pytest.mark.parametrize(
    ("model", "takes"),
    [
        ("claude-opus-4-8", True),
        ("claude-opus-4-8-20260528", True),
        ("anthropic.claude-opus-4-8-v1:0", True),
        ("claude-opus-4-10", True),
        ("claude-opus-5", True),
        ("claude-opus-4-7", False),
        ("claude-opus-4-20250514", False),
        ("claude-sonnet-4-5-20250929", False),
        ("claude-haiku-4-5", False),
        ("claude-3-7-sonnet-latest", False),
        ("gpt-4o-mini", False),
    ],
)
def test_models_that_take_system_messages(model: str, takes: bool) -> None:
    body = {**CC_FIRST_TURN, "model": model}
    roles = [m["role"] for m in ADAPTER.encode_request(ADAPTER.decode_request(body)).body["messages"]]
    assert roles == (["user", "system"] if takes else ["user"])


def test_which_bodies_cannot_be_relayed_as_is() -> None:
    assert system_messages_refused(CC_FIRST_TURN, "claude-sonnet-4-5")
    assert not system_messages_refused(CC_FIRST_TURN, "claude-opus-4-8")
    assert not system_messages_refused(CLAUDE_CODE_BODY, "claude-sonnet-4-5")
    assert not system_messages_refused({"messages": "x"}, "claude-sonnet-4-5")


def test_system_messages_reach_other_formats_as_system_prompt() -> None:
    from app.formats.registry import adapter_for

    decoded = ADAPTER.decode_request(CC_SECOND_TURN)
    chat = adapter_for(WireFormat.OPENAI).encode_request(replace(decoded, model="gpt-4o-mini")).body
    assert chat["messages"][0]["role"] == "system"
    assert chat["messages"][0]["content"].endswith(ENVIRONMENT)
    assert [m["role"] for m in chat["messages"][1:]] == ["user", "assistant", "tool"]
    gemini = adapter_for(WireFormat.GEMINI).encode_request(replace(decoded, model="gemini-2.5-flash")).body
    assert gemini["systemInstruction"]["parts"][-1]["text"] == ENVIRONMENT


def test_system_string_and_string_content() -> None:
    req = ADAPTER.decode_request({"model": MODEL, "max_tokens": 5, "system": "S", "messages": []})
    assert req.system == (ir.TextPart("S"),)
    assert ADAPTER.encode_request(req).body["system"] == "S"
    for blocks in (
        [{"type": "text", "text": "A"}, {"type": "text", "text": "B"}],
        [{"type": "text", "text": "A"}],
    ):
        req = ADAPTER.decode_request({"model": MODEL, "max_tokens": 5, "system": blocks, "messages": []})
        assert ADAPTER.encode_request(req).body["system"] == blocks
    opaque = ir.TextPart("", extras={"anthropic": {"block": {"type": "search_result"}}})
    encoded = encode(system=(opaque, ir.TextPart("kept")))
    assert encoded.body["system"] == "kept"
    assert drop_fields(encoded) == ["system[0]"]


def test_overrides_from_the_url() -> None:
    body = {"model": "a", "max_tokens": 5, "messages": [], "stream": False}
    req = ADAPTER.decode_request(body, model="b", stream=True)
    assert (req.model, req.stream) == ("b", True)


@pytest.mark.parametrize(
    ("tool_choice", "expected", "parallel"),
    [
        ({"type": "auto"}, ir.ToolChoice(ir.ToolChoiceMode.AUTO), None),
        ({"type": "any"}, ir.ToolChoice(ir.ToolChoiceMode.REQUIRED), None),
        ({"type": "none"}, ir.ToolChoice(ir.ToolChoiceMode.NONE), None),
        (
            {"type": "tool", "name": "get_time", "disable_parallel_tool_use": True},
            ir.ToolChoice(ir.ToolChoiceMode.TOOL, "get_time"),
            False,
        ),
        (
            {"type": "any", "disable_parallel_tool_use": False},
            ir.ToolChoice(ir.ToolChoiceMode.REQUIRED),
            True,
        ),
    ],
)
def test_tool_choice(tool_choice: dict[str, Any], expected: ir.ToolChoice, parallel: bool | None) -> None:
    body = golden_json("tools_parallel", "request")
    body["tool_choice"] = tool_choice
    req = ADAPTER.decode_request(body)
    assert (req.tool_choice, req.parallel_tool_calls) == (expected, parallel)
    assert ADAPTER.encode_request(req).body["tool_choice"] == tool_choice


@pytest.mark.parametrize(
    ("fields", "reasoning"),
    [
        ({"thinking": {"type": "enabled", "budget_tokens": 2048}}, ir.Reasoning(budget_tokens=2048)),
        ({"thinking": {"type": "disabled"}}, ir.Reasoning(effort="none")),
        ({"thinking": {"type": "adaptive"}}, ir.Reasoning()),
        ({"thinking": {"type": "adaptive"}, "output_config": {"effort": "max"}}, ir.Reasoning(effort="max")),
        ({"output_config": {"effort": "low"}}, ir.Reasoning(effort="low")),
        (
            {"thinking": {"type": "enabled", "budget_tokens": 4096}, "output_config": {"effort": "medium"}},
            ir.Reasoning(effort="medium", budget_tokens=4096),
        ),
        ({"thinking": {"type": "disabled"}, "output_config": {"effort": "low"}}, ir.Reasoning(effort="none")),
        ({}, None),
    ],
)
def test_thinking_round_trips(fields: dict[str, Any], reasoning: ir.Reasoning | None) -> None:
    body = {"model": MODEL, "max_tokens": 8192, "messages": [{"role": "user", "content": "x"}], **fields}
    req = ADAPTER.decode_request(body)
    assert req.reasoning == reasoning
    assert ADAPTER.encode_request(req).body == body


def test_beta_output_format_round_trips() -> None:
    schema = {"type": "object", "properties": {}, "additionalProperties": False}
    body = {
        "model": MODEL,
        "max_tokens": 64,
        "messages": [{"role": "user", "content": "x"}],
        "output_format": {"type": "json_schema", "schema": schema},
    }
    req = ADAPTER.decode_request(body)
    assert req.response_format == ir.ResponseFormat("json_schema", schema=schema, strict=True)
    assert ADAPTER.encode_request(req).body == body


def test_unknown_top_level_fields_are_kept() -> None:
    body = {
        "model": MODEL,
        "max_tokens": 64,
        "messages": [{"role": "user", "content": "x"}],
        "service_tier": "auto",
        "tools": [
            {"type": "mcp_toolset", "mcp_server_name": "m", "cache_control": {"type": "ephemeral"}},
            {"type": "text_editor_20250728", "name": "str_replace_based_edit_tool", "max_characters": 10000},
            {"type": "custom", "name": "f", "input_schema": {"type": "object"}, "strict": True},
        ],
        "container": "cntr_1",
        "mcp_servers": [{"type": "url", "url": "https://mcp", "name": "m"}],
        "cache_control": {"type": "ephemeral"},
        "top_k": 5,
        "top_p": 0.9,
        "temperature": 0.5,
        "stop_sequences": ["END"],
    }
    req = ADAPTER.decode_request(body)
    assert (req.top_k, req.top_p, req.temperature, req.stop) == (5, 0.9, 0.5, ("END",))
    assert ADAPTER.encode_request(req).body == body


@pytest.mark.parametrize(
    ("body", "param"),
    [
        ({"max_tokens": 5, "messages": []}, "model"),
        ({"model": 5, "max_tokens": 5, "messages": []}, "model"),
        ({"model": MODEL, "max_tokens": 5}, "messages"),
        ({"model": MODEL, "max_tokens": "5", "messages": []}, "max_tokens"),
        ({"model": MODEL, "max_tokens": True, "messages": []}, "max_tokens"),
        ({"model": MODEL, "messages": ["hi"]}, "messages[0]"),
        ({"model": MODEL, "messages": [{"role": "developer", "content": "x"}]}, "messages[0].role"),
        (
            {
                "model": MODEL,
                "messages": [
                    {"role": "user", "content": "x"},
                    {"role": "system", "content": [{"type": "image", "source": {}}]},
                ],
            },
            "messages[1].content[0].type",
        ),
        ({"model": MODEL, "messages": [{"role": "system", "content": 5}]}, "messages[0].content"),
        ({"model": MODEL, "messages": [{"role": "user"}]}, "messages[0].content"),
        (
            {"model": MODEL, "messages": [{"role": "user", "content": [{"text": "x"}]}]},
            "messages[0].content[0].type",
        ),
        (
            {"model": MODEL, "messages": [{"role": "user", "content": [{"type": "text", "text": 1}]}]},
            "messages[0].content[0].text",
        ),
        (
            {"model": MODEL, "messages": [{"role": "user", "content": [{"type": "image", "source": "x"}]}]},
            "messages[0].content[0].source",
        ),
        (
            {
                "model": MODEL,
                "messages": [{"role": "user", "content": [{"type": "image", "source": {"type": "base64"}}]}],
            },
            "messages[0].content[0].source.data",
        ),
        (
            {
                "model": MODEL,
                "messages": [
                    {
                        "role": "assistant",
                        "content": [{"type": "tool_use", "id": "t", "name": "n", "input": []}],
                    }
                ],
            },
            "messages[0].content[0].input",
        ),
        (
            {
                "model": MODEL,
                "messages": [{"role": "user", "content": [{"type": "tool_result", "content": "x"}]}],
            },
            "messages[0].content[0].tool_use_id",
        ),
        (
            {
                "model": MODEL,
                "messages": [
                    {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t", "content": 3}]}
                ],
            },
            "messages[0].content[0].content",
        ),
        (
            {
                "model": MODEL,
                "messages": [
                    {
                        "role": "user",
                        "content": [
                            {"type": "text", "text": "x", "cache_control": {"type": "ephemeral", "ttl": 5}}
                        ],
                    }
                ],
            },
            "messages[0].content[0].cache_control.ttl",
        ),
        ({"model": MODEL, "messages": [], "system": [{"type": "image"}]}, "system[0].type"),
        ({"model": MODEL, "messages": [], "system": 5}, "system"),
        ({"model": MODEL, "messages": [], "tools": [{"name": "x"}]}, "tools[0].input_schema"),
        ({"model": MODEL, "messages": [], "tools": {}}, "tools"),
        ({"model": MODEL, "messages": [], "tool_choice": {"type": "required"}}, "tool_choice.type"),
        ({"model": MODEL, "messages": [], "tool_choice": {"type": "tool"}}, "tool_choice.name"),
        ({"model": MODEL, "messages": [], "thinking": {"type": "enabled"}}, "thinking.budget_tokens"),
        ({"model": MODEL, "messages": [], "thinking": {"type": "on"}}, "thinking.type"),
        ({"model": MODEL, "messages": [], "thinking": "on"}, "thinking"),
        (
            {"model": MODEL, "messages": [], "output_config": {"format": {"type": "json"}}},
            "output_config.format.type",
        ),
        (
            {"model": MODEL, "messages": [], "output_config": {"format": {"type": "json_schema"}}},
            "output_config.format.schema",
        ),
        ({"model": MODEL, "messages": [], "metadata": {"user_id": 5}}, "metadata.user_id"),
        ({"model": MODEL, "messages": [], "stop_sequences": [1]}, "stop_sequences[0]"),
        ({"model": MODEL, "messages": [], "temperature": "hot"}, "temperature"),
        ({"model": MODEL, "messages": [], "stream": "yes"}, "stream"),
    ],
)
def test_malformed_requests_name_the_field(body: dict[str, Any], param: str) -> None:
    with pytest.raises(InvalidRequest) as caught:
        ADAPTER.decode_request(body)
    assert caught.value.param == param


# --------------------------------------------------------------------------- encoding from other formats


def encode(**fields: Any) -> ir.Encoded:
    return ADAPTER.encode_request(request(**fields))


def drop_fields(encoded: ir.Encoded) -> list[str]:
    return [d.field for d in encoded.drops]


def test_consecutive_messages_merge_and_tool_results_come_first() -> None:
    messages = (
        ir.Message(ir.Role.USER, (ir.TextPart("weather?"),)),
        ir.Message(
            ir.Role.ASSISTANT, (ir.TextPart(""), ir.ToolCallPart("c1", "get_weather", '{"city":"Paris"}'))
        ),
        ir.Message(ir.Role.ASSISTANT, (ir.ToolCallPart("c2", "get_time", ""),)),
        ir.Message(ir.Role.USER, (ir.ToolResultPart("c1", (ir.TextPart("sunny"),)),)),
        ir.Message(ir.Role.USER, (ir.TextPart("also"), ir.ToolResultPart("c2", (ir.TextPart("noon"),)))),
    )
    body = encode(messages=messages).body
    assert body["messages"] == [
        {"role": "user", "content": "weather?"},
        {
            "role": "assistant",
            "content": [
                {"type": "tool_use", "id": "c1", "name": "get_weather", "input": {"city": "Paris"}},
                {"type": "tool_use", "id": "c2", "name": "get_time", "input": {}},
            ],
        },
        {
            "role": "user",
            "content": [
                {"type": "tool_result", "tool_use_id": "c1", "content": "sunny"},
                {"type": "tool_result", "tool_use_id": "c2", "content": "noon"},
                {"type": "text", "text": "also"},
            ],
        },
    ]


def test_empty_messages_are_dropped() -> None:
    messages = (
        ir.Message(ir.Role.USER, (ir.TextPart("a"),)),
        ir.Message(ir.Role.ASSISTANT, (ir.TextPart(""),)),
        ir.Message(ir.Role.USER, (ir.TextPart("b"),)),
    )
    encoded = encode(messages=messages)
    assert encoded.body["messages"] == [
        {"role": "user", "content": "a"},
        {"role": "user", "content": "b"},
    ]
    assert drop_fields(encoded) == ["messages[1]"]


def test_max_tokens_defaults() -> None:
    assert encode().body["max_tokens"] == 8192
    high = encode(reasoning=ir.Reasoning(effort="high"))
    assert high.body["thinking"] == {"type": "enabled", "budget_tokens": 24576}
    assert high.body["max_tokens"] == 32000
    big = encode(reasoning=ir.Reasoning(budget_tokens=64000))
    assert big.body["max_tokens"] > 64000
    assert encode(max_output_tokens=100).body["max_tokens"] == 100


def test_thinking_budget_fits_under_max_tokens() -> None:
    squeezed = encode(reasoning=ir.Reasoning(effort="high"), max_output_tokens=4096)
    assert squeezed.body["thinking"] == {"type": "enabled", "budget_tokens": 2048}
    assert squeezed.body["max_tokens"] == 4096
    assert "reasoning.budget_tokens" in drop_fields(squeezed)
    no_room = encode(reasoning=ir.Reasoning(effort="low"), max_output_tokens=1000)
    assert "thinking" not in no_room.body
    assert "reasoning" in drop_fields(no_room)
    dynamic = encode(reasoning=ir.Reasoning(budget_tokens=-1))
    assert dynamic.body["thinking"] == {"type": "enabled", "budget_tokens": 8192}
    assert drop_fields(dynamic) == ["reasoning.budget_tokens"]
    # The client's own budget above max_tokens (interleaved thinking) is kept; an override is fitted.
    body = {
        "model": MODEL,
        "max_tokens": 4096,
        "thinking": {"type": "enabled", "budget_tokens": 8192},
        "messages": [{"role": "user", "content": "x"}],
    }
    own = ADAPTER.decode_request(body)
    assert ADAPTER.encode_request(own).body == body
    overridden = ADAPTER.encode_request(
        replace(own, reasoning=ir.Reasoning(effort="max", budget_tokens=128000))
    )
    assert overridden.body["thinking"] == {"type": "enabled", "budget_tokens": 2048}
    minimal = encode(reasoning=ir.Reasoning(effort="minimal"))
    assert minimal.body["thinking"] == {"type": "enabled", "budget_tokens": 1024}
    assert drop_fields(minimal) == ["reasoning.budget_tokens"]


def test_reasoning_levels() -> None:
    assert encode(reasoning=ir.Reasoning(effort="none")).body["thinking"] == {"type": "disabled"}
    assert "thinking" not in encode(reasoning=ir.Reasoning(summary="auto")).body
    # A router can ask for adaptive thinking on models that prefer it.
    adaptive = encode(
        reasoning=ir.Reasoning(effort="minimal"), extras={"anthropic": {"_thinking": {"type": "adaptive"}}}
    )
    assert adaptive.body["thinking"] == {"type": "adaptive"}
    assert adaptive.body["max_tokens"] == 32000
    assert adaptive.body["output_config"] == {"effort": "low"}
    assert drop_fields(adaptive) == ["reasoning.effort"]


def test_sampling_is_dropped_while_thinking() -> None:
    encoded = encode(reasoning=ir.Reasoning(effort="low"), temperature=0.2, top_p=0.5, top_k=3)
    assert not {"temperature", "top_p", "top_k"} & set(encoded.body)
    assert drop_fields(encoded) == ["temperature", "top_p", "top_k"]
    plain = encode(temperature=0.2, top_p=0.5, top_k=3, stop=("x",))
    assert (plain.body["temperature"], plain.body["top_p"], plain.body["top_k"]) == (0.2, 0.5, 3)
    assert plain.body["stop_sequences"] == ["x"]
    assert encode(reasoning=ir.Reasoning(effort="low"), temperature=1).body["temperature"] == 1


def test_fields_anthropic_cannot_carry_are_dropped() -> None:
    encoded = encode(seed=1, presence_penalty=0.1, frequency_penalty=0.2, metadata={"k": "v"}, user="u1")
    assert encoded.body["metadata"] == {"user_id": "u1"}
    assert drop_fields(encoded) == ["metadata", "seed", "presence_penalty", "frequency_penalty"]
    named = encode(messages=(ir.Message(ir.Role.USER, (ir.TextPart("x"),), name="bob"),))
    assert drop_fields(named) == ["messages[0].name"]


TOOL = ir.Tool("get_time", "Get the local time", {"type": "object", "properties": {"tz": {"type": "string"}}})


def test_tools_and_tool_choice_from_other_formats() -> None:
    encoded = encode(
        tools=(
            TOOL,
            ir.Tool("noargs"),
            ir.Tool("web_search_preview", kind="web_search_preview"),
            ir.Tool("code", kind="code_execution_20250825", config={}),
        ),
        tool_choice=ir.ToolChoice(ir.ToolChoiceMode.REQUIRED),
        parallel_tool_calls=False,
    )
    assert encoded.body["tools"] == [
        {"name": "get_time", "description": "Get the local time", "input_schema": dict(TOOL.parameters)},
        {"name": "noargs", "input_schema": {"type": "object", "properties": {}}},
        {"type": "code_execution_20250825", "name": "code"},
    ]
    assert encoded.body["tool_choice"] == {"type": "any", "disable_parallel_tool_use": True}
    assert drop_fields(encoded) == ["tools[2]"]
    only_parallel = encode(tools=(TOOL,), parallel_tool_calls=False)
    assert only_parallel.body["tool_choice"] == {"type": "auto", "disable_parallel_tool_use": True}
    assert "tool_choice" not in encode(tools=(TOOL,), parallel_tool_calls=True).body
    none = encode(tools=(TOOL,), tool_choice=ir.ToolChoice(ir.ToolChoiceMode.NONE), parallel_tool_calls=False)
    assert none.body["tool_choice"] == {"type": "none"}


def test_tool_choice_without_tools() -> None:
    forced = encode(tool_choice=ir.ToolChoice(ir.ToolChoiceMode.REQUIRED))
    assert "tool_choice" not in forced.body
    assert drop_fields(forced) == ["tool_choice"]
    assert encode(tool_choice=ir.ToolChoice(ir.ToolChoiceMode.AUTO)).drops == ()
    with pytest.raises(InvalidRequest) as caught:
        encode(tools=(TOOL,), tool_choice=ir.ToolChoice(ir.ToolChoiceMode.TOOL))
    assert caught.value.param == "tool_choice"


def test_tool_names_are_escaped_and_come_back() -> None:
    assert escape_tool_name("get_time") == ("get_time", True)
    assert escape_tool_name("fs.read:v2") == ("fs-x2e-read-x3a-v2", True)
    assert unescape_tool_name("fs-x2e-read-x3a-v2") == "fs.read:v2"
    assert escape_tool_name("a b") == ("a_b", False)
    assert escape_tool_name("x" * 130)[1] is False

    tool = ir.Tool("fs.read", parameters={"type": "object"})
    call = ir.ToolCallPart("c1", "fs.read", "{}")
    encoded = encode(
        tools=(tool,),
        tool_choice=ir.ToolChoice(ir.ToolChoiceMode.TOOL, "fs.read"),
        messages=(ir.Message(ir.Role.USER, (ir.TextPart("go"),)), ir.Message(ir.Role.ASSISTANT, (call,))),
    )
    assert encoded.body["tools"][0]["name"] == "fs-x2e-read"
    assert encoded.body["tool_choice"]["name"] == "fs-x2e-read"
    assert encoded.body["messages"][1]["content"][0]["name"] == "fs-x2e-read"
    assert encoded.drops == ()
    response = ADAPTER.decode_response(
        {"id": "msg_1", "content": [{"type": "tool_use", "id": "t", "name": "fs-x2e-read", "input": {}}]}
    )
    assert isinstance(response.content[0], ir.ToolCallPart)
    assert response.content[0].name == "fs.read"
    sse = (
        b'event: message_start\ndata: {"type":"message_start","message":{"id":"m","model":"x","usage":{}}}\n\n'
        b"event: content_block_start\n"
        b'data: {"type":"content_block_start","index":0,"content_block":'
        b'{"type":"tool_use","id":"t","name":"fs-x2e-read","input":{}}}\n\n'
    )
    start = decode_stream(sse)[1]
    assert isinstance(start, ir.BlockStart) and start.tool_name == "fs.read"
    renamed = encode(tools=(ir.Tool("a b"),))
    assert renamed.body["tools"][0]["name"] == "a_b"
    assert drop_fields(renamed) == ["tools[0].name"]


def test_media_from_other_formats() -> None:
    pdf_text = base64.b64encode(b"hello").decode()
    parts = (
        ir.ImagePart(ir.MediaSource("url", url="data:image/jpeg;base64,/9j/AA"), detail="high"),
        ir.ImagePart(ir.MediaSource("base64", data="iVBORw0KGgoAAA")),
        ir.ImagePart(ir.MediaSource("base64", data="????")),
        ir.ImagePart(ir.MediaSource("file", file_id="file_1")),
        ir.DocumentPart(ir.MediaSource("base64", "text/plain", pdf_text), filename="a.txt"),
        ir.DocumentPart(ir.MediaSource("base64", "application/msword", "AAAA")),
        ir.DocumentPart(ir.MediaSource("url", url="https://x/a.pdf"), title="A", filename="a.pdf"),
    )
    encoded = encode(messages=(ir.Message(ir.Role.USER, parts),))
    assert encoded.body["messages"][0]["content"] == [
        {"type": "image", "source": {"type": "base64", "media_type": "image/jpeg", "data": "/9j/AA"}},
        {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "iVBORw0KGgoAAA"}},
        {"type": "image", "source": {"type": "file", "file_id": "file_1"}},
        {
            "type": "document",
            "source": {"type": "text", "media_type": "text/plain", "data": "hello"},
            "title": "a.txt",
        },
        {"type": "document", "source": {"type": "url", "url": "https://x/a.pdf"}, "title": "A"},
    ]
    assert drop_fields(encoded) == [
        "messages[0].parts[0].detail",
        "messages[0].parts[2].source",
        "messages[0].parts[5].source",
        "messages[0].parts[6].filename",
    ]


def test_thinking_from_other_formats() -> None:
    parts = (
        ir.ThinkingPart("summary", encrypted="enc", kind="summary"),
        ir.ThinkingPart("gemini thought"),
        ir.ThinkingPart("signed", signature="sig"),
        ir.ToolCallPart("c", "f", '{"a":1}', thought_signature="ts"),
        ir.ToolCallPart("d", "f", "not json"),
    )
    encoded = encode(
        messages=(ir.Message(ir.Role.USER, (ir.TextPart("x"),)), ir.Message(ir.Role.ASSISTANT, parts))
    )
    assert encoded.body["messages"][1]["content"] == [
        {"type": "thinking", "thinking": "signed", "signature": "sig"},
        {"type": "tool_use", "id": "c", "name": "f", "input": {"a": 1}},
        {"type": "tool_use", "id": "d", "name": "f", "input": {}},
    ]
    assert drop_fields(encoded) == [
        "messages[1].parts[0]",
        "messages[1].parts[1]",
        "messages[1].parts[3].thought_signature",
        "messages[1].parts[4].arguments",
    ]


def test_response_format_from_other_formats() -> None:
    schema = {"type": "object", "properties": {"name": {"type": "string"}}}
    encoded = encode(
        response_format=ir.ResponseFormat("json_schema", schema=schema, name="person", strict=True)
    )
    assert encoded.body["output_config"] == {"format": {"type": "json_schema", "schema": schema}}
    assert drop_fields(encoded) == ["response_format.name"]
    loose = encode(response_format=ir.ResponseFormat("json_object"))
    assert "output_config" not in loose.body
    assert drop_fields(loose) == ["response_format"]
    assert encode(response_format=ir.ResponseFormat("text")).drops == ()


def test_cache_marks_are_written() -> None:
    cache = ir.CacheControl(ttl="1h")
    encoded = encode(
        system=(ir.TextPart("sys", cache=cache),),
        tools=(ir.Tool("f", parameters={"type": "object"}, cache=cache),),
        messages=(
            ir.Message(
                ir.Role.USER,
                (
                    ir.TextPart("a", cache=cache),
                    ir.ImagePart(ir.MediaSource("url", url="https://i"), cache=cache),
                    ir.ToolResultPart("t", (ir.TextPart("r"),), cache=cache),
                ),
            ),
        ),
    )
    mark = {"type": "ephemeral", "ttl": "1h"}
    assert encoded.body["system"] == [{"type": "text", "text": "sys", "cache_control": mark}]
    assert encoded.body["tools"][0]["cache_control"] == mark
    assert [b["cache_control"] for b in encoded.body["messages"][0]["content"]] == [mark] * 3


# --------------------------------------------------------------------------- responses


def test_response_from_another_format() -> None:
    response = ir.Response(
        id="chatcmpl-123",
        model="gpt-x",
        content=(
            ir.ThinkingPart("why", encrypted="enc", kind="summary"),
            ir.TextPart("hi"),
            ir.ToolCallPart("", "f", '{"a": 1}'),
            ir.ToolResultPart("x", ()),
        ),
        stop_reason=ir.StopReason.CONTENT_FILTER,
        usage=ir.Usage(
            input_tokens=100,
            output_tokens=40,
            cache_read_tokens=30,
            cache_write_tokens=10,
            reasoning_tokens=5,
        ),
    )
    encoded = ADAPTER.encode_response(response, request(model="claude-alias"))
    assert encoded.body == {
        "id": "msg_chatcmpl-123",
        "type": "message",
        "role": "assistant",
        "model": "claude-alias",
        "content": [
            {"type": "thinking", "thinking": "why", "signature": ""},
            {"type": "text", "text": "hi"},
            {"type": "tool_use", "id": "toolu_chatcmpl-123_2", "name": "f", "input": {"a": 1}},
        ],
        "stop_reason": "refusal",
        "stop_sequence": None,
        "usage": {
            "input_tokens": 60,
            "cache_creation_input_tokens": 10,
            "cache_read_input_tokens": 30,
            "output_tokens": 40,
            "output_tokens_details": {"thinking_tokens": 5},
        },
    }
    assert drop_fields(encoded) == ["content[0].encrypted", "content[3]"]


def test_response_thinking_never_follows_text() -> None:
    """Claude Code prints only the last block: Gemini 3's signature on its last text part (an empty
    signed thinking part after the text) is left out, and thinking with text moves ahead of it."""
    signed_text = ir.Response(
        id="r1",
        model="gemini-3-pro-preview",
        content=(ir.TextPart("The answer."), ir.ThinkingPart("", signature="vr1:gemini:c2ln")),
    )
    encoded = ADAPTER.encode_response(signed_text, request())
    assert encoded.body["content"] == [{"type": "text", "text": "The answer."}]
    assert drop_fields(encoded) == ["content[1]"]

    late = ir.Response(
        id="r2",
        model="m",
        content=(
            ir.ThinkingPart("first", signature="s1"),
            ir.TextPart("A"),
            ir.TextPart("B"),
            ir.ThinkingPart("second", signature="s2"),
            ir.ToolCallPart("c", "f", "{}"),
            ir.ThinkingPart("", signature="s3"),
        ),
    )
    encoded = ADAPTER.encode_response(late, request())
    assert [(b["type"], b.get("thinking", b.get("text"))) for b in encoded.body["content"]] == [
        ("thinking", "first"),
        ("thinking", "second"),
        ("text", "A"),
        ("text", "B"),
        ("tool_use", None),
    ]
    assert drop_fields(encoded) == ["content[5]"]

    # Thinking after a server tool's block is Anthropic's own interleaved thinking: kept in place.
    interleaved = {
        "id": "msg_1",
        "type": "message",
        "role": "assistant",
        "model": MODEL,
        "content": [
            {"type": "text", "text": "Searching."},
            {"type": "server_tool_use", "id": "srvtoolu_1", "name": "web_search", "input": {"query": "q"}},
            {"type": "web_search_tool_result", "tool_use_id": "srvtoolu_1", "content": []},
            {"type": "thinking", "thinking": "hm", "signature": "sig"},
            {"type": "text", "text": "Found."},
        ],
        "stop_reason": "end_turn",
        "stop_sequence": None,
        "usage": {"input_tokens": 1, "output_tokens": 1},
    }
    decoded = ADAPTER.decode_response(interleaved)
    assert ADAPTER.encode_response(decoded, request()).body["content"] == interleaved["content"]


def test_response_with_server_tools_and_extras_round_trips() -> None:
    body = {
        "id": "msg_1",
        "type": "message",
        "role": "assistant",
        "model": MODEL,
        "content": [
            {"type": "server_tool_use", "id": "srvtoolu_1", "name": "web_search", "input": {"query": "q"}},
            {"type": "web_search_tool_result", "tool_use_id": "srvtoolu_1", "content": []},
            {
                "type": "text",
                "text": "Per [1]",
                "citations": [{"type": "web_search_result_location", "url": "u"}],
            },
            {"type": "redacted_thinking", "data": "abc"},
        ],
        "stop_reason": "model_context_window_exceeded",
        "stop_sequence": None,
        "container": {"id": "c", "expires_at": "2026-01-01T00:00:00Z"},
        "usage": {
            "input_tokens": 5,
            "cache_creation_input_tokens": 1,
            "cache_read_input_tokens": 2,
            "output_tokens": 3,
            "service_tier": "standard",
            "server_tool_use": {"web_search_requests": 1},
        },
    }
    decoded = ADAPTER.decode_response(body)
    assert decoded.stop_reason is ir.StopReason.MAX_TOKENS
    assert decoded.usage == ir.Usage(
        input_tokens=8, output_tokens=3, cache_read_tokens=2, cache_write_tokens=1
    )
    assert ADAPTER.encode_response(decoded, request()).body == body


@pytest.mark.parametrize(
    ("raw", "stop"),
    [
        ("end_turn", ir.StopReason.END_TURN),
        ("max_tokens", ir.StopReason.MAX_TOKENS),
        ("stop_sequence", ir.StopReason.STOP_SEQUENCE),
        ("tool_use", ir.StopReason.TOOL_USE),
        ("pause_turn", ir.StopReason.PAUSE),
        ("refusal", ir.StopReason.REFUSAL),
        (None, ir.StopReason.END_TURN),
    ],
)
def test_stop_reasons(raw: str | None, stop: ir.StopReason) -> None:
    decoded = ADAPTER.decode_response({"id": "msg_1", "content": [], "stop_reason": raw})
    assert decoded.stop_reason is stop
    assert ADAPTER.encode_response(decoded, request()).body["stop_reason"] == (raw or "end_turn")


# --------------------------------------------------------------------------- stream decoding

REASONING_EVENTS: list[ir.StreamEvent] = [
    ir.StreamStart(
        "msg_01Ldb7Y4TXfZkVX9r3v2y8Ka",
        "claude-sonnet-4-5-20250929",
        ir.Usage(input_tokens=20, output_tokens=1),
    ),
    ir.BlockStart(0, ir.BlockKind.THINKING),
    ir.ThinkingDelta(0, "17*23"),
    ir.ThinkingDelta(0, " = 391"),
    ir.SignatureDelta(0, signature="sig-abc"),
    ir.BlockStop(0),
    ir.BlockStart(1, ir.BlockKind.TEXT),
    ir.TextDelta(1, "391"),
    ir.BlockStop(1),
    ir.StreamEnd(ir.StopReason.END_TURN, ir.Usage(input_tokens=20, output_tokens=50, reasoning_tokens=30)),
]


def test_reasoning_stream_decodes() -> None:
    assert decode_stream(golden_sse("reasoning", "stream")) == REASONING_EVENTS


def test_tool_call_stream_decodes() -> None:
    events = decode_stream(golden_sse("tools_parallel", "tool_call_stream"))
    starts = [e for e in events if isinstance(e, ir.BlockStart)]
    assert [(s.index, s.tool_call_id, s.tool_name) for s in starts] == [
        (0, "call_1", "get_weather"),
        (1, "call_2", "get_time"),
    ]
    args = {
        i: "".join(e.partial_json for e in events if isinstance(e, ir.ToolArgsDelta) and e.index == i)
        for i in (0, 1)
    }
    assert args == {0: '{"city": "Paris"}', 1: '{"tz": "Europe/Paris"}'}


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), which=st.sampled_from(STREAMS))
def test_stream_decoding_survives_any_chunking(data: st.DataObject, which: tuple[str, str]) -> None:
    raw = golden_sse(*which)
    cuts = sorted(data.draw(st.lists(st.integers(0, len(raw)), max_size=40)))
    decoder = ADAPTER.stream_decoder()
    events: list[ir.StreamEvent] = []
    previous = 0
    for cut in [*cuts, len(raw)]:
        events += decoder.feed(raw[previous:cut])
        previous = cut
    events += decoder.close()
    assert events == decode_stream(raw)


UNICODE_STREAM = encode_stream(
    [
        ir.StreamStart("msg_u", MODEL, ir.Usage(input_tokens=3)),
        ir.BlockStart(0, ir.BlockKind.TEXT),
        ir.TextDelta(0, "18°C, "),
        ir.TextDelta(0, "pluie 🌧 à Paris\r\n"),
        ir.BlockStop(0),
        ir.StreamEnd(ir.StopReason.END_TURN, ir.Usage(input_tokens=3, output_tokens=9)),
    ]
)


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow])
@given(cuts=st.lists(st.integers(0, len(UNICODE_STREAM)), max_size=60))
def test_stream_decoding_splits_inside_characters(cuts: list[int]) -> None:
    decoder = ADAPTER.stream_decoder()
    events: list[ir.StreamEvent] = []
    previous = 0
    for cut in [*sorted(cuts), len(UNICODE_STREAM)]:
        events += decoder.feed(UNICODE_STREAM[previous:cut])
        previous = cut
    events += decoder.close()
    text = "".join(e.text for e in events if isinstance(e, ir.TextDelta))
    assert text == "18°C, pluie 🌧 à Paris\r\n"
    assert events == decode_stream(UNICODE_STREAM)


def test_stream_cut_short_is_an_error() -> None:
    raw = golden_sse("reasoning", "stream")
    cut = raw[: raw.index(b"event: message_delta")]
    events = decode_stream(cut)
    assert events[-1] == ir.StreamError(status=502, message="upstream stream ended early", kind="api_error")
    assert not any(isinstance(e, ir.StreamEnd) for e in events)


def test_stream_error_event() -> None:
    raw = golden_sse("text_basic", "stream").split(b"event: content_block_stop")[0]
    raw += (
        b'event: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}\n\n'
    )
    decoder = ADAPTER.stream_decoder()
    events = decoder.feed(raw)
    assert events[-1] == ir.StreamError(status=529, message="Overloaded", kind="overloaded_error")
    assert decoder.feed(b"event: message_stop\ndata: {}\n\n") == []
    assert decoder.close() == []


def test_stream_decoder_tolerates_noise_and_rejects_garbage() -> None:
    raw = (
        b": keep-alive comment\n\n"
        b'event: message_start\ndata: {"type":"message_start","message":{"id":"m","model":"x","usage":{"input_tokens":3}}}\n\n'
        b'event: message_start\ndata: {"type":"message_start","message":{"id":"dup","model":"x","usage":{}}}\n\n'
        b'event: ping\ndata: {"type": "ping"}\n\n'
        b'event: future_event\ndata: {"type":"future_event"}\n\n'
        b'event: content_block_start\ndata: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":"Hi"}}\n\n'
        b'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"citations_delta","citation":{}}}\n\n'
        b'event: content_block_stop\ndata: {"type":"content_block_stop","index":0}\n\n'
        b"event: content_block_delta\ndata: not json\n\n"
    )
    events = decode_stream(raw)
    assert events == [
        ir.StreamStart("m", "x", ir.Usage(input_tokens=3)),
        ir.BlockStart(0, ir.BlockKind.TEXT),
        ir.TextDelta(0, "Hi"),
        ir.BlockStop(0),
        ir.StreamError(502, "upstream sent an event that is not JSON", "api_error"),
    ]
    malformed = decode_stream(
        b'event: message_start\ndata: {"type":"message_start","message":{"id":"m","usage":{}}}\n\n'
        b'event: content_block_delta\ndata: {"type":"content_block_delta","index":0}\n\n'
    )
    assert isinstance(malformed[-1], ir.StreamError)
    assert "content_block_delta" in malformed[-1].message


def test_stream_decoder_usage_and_opaque_blocks() -> None:
    raw = (
        b'event: message_start\ndata: {"type":"message_start","message":{"id":"m","model":"x",'
        b'"usage":{"input_tokens":10,"cache_read_input_tokens":90,"cache_creation_input_tokens":5,"output_tokens":1}}}\n\n'
        b'event: content_block_start\ndata: {"type":"content_block_start","index":0,"content_block":'
        b'{"type":"server_tool_use","id":"srv","name":"web_search","input":{}}}\n\n'
        b'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":'
        b'{"type":"input_json_delta","partial_json":"{\\"query\\": \\"q\\"}"}}\n\n'
        b'event: content_block_stop\ndata: {"type":"content_block_stop","index":0}\n\n'
        b'event: content_block_start\ndata: {"type":"content_block_start","index":1,"content_block":'
        b'{"type":"redacted_thinking","data":"xyz"}}\n\n'
        b'event: content_block_stop\ndata: {"type":"content_block_stop","index":1}\n\n'
        b'event: message_delta\ndata: {"type":"message_delta","delta":{"stop_reason":"pause_turn","stop_sequence":null},'
        b'"usage":{"output_tokens":7,"input_tokens":12,"cache_read_input_tokens":null}}\n\n'
        b'event: message_stop\ndata: {"type":"message_stop"}\n\n'
    )
    events = decode_stream(raw)
    opaque = orjson.dumps(
        {"type": "server_tool_use", "id": "srv", "name": "web_search", "input": {"query": "q"}}
    )
    assert events == [
        ir.StreamStart(
            "m", "x", ir.Usage(input_tokens=105, output_tokens=1, cache_read_tokens=90, cache_write_tokens=5)
        ),
        ir.BlockStart(0, ir.BlockKind.TEXT, data=opaque.decode()),
        ir.BlockStop(0),
        ir.BlockStart(1, ir.BlockKind.REDACTED_THINKING, data="xyz"),
        ir.BlockStop(1),
        ir.StreamEnd(
            ir.StopReason.PAUSE,
            ir.Usage(input_tokens=107, output_tokens=7, cache_read_tokens=90, cache_write_tokens=5),
        ),
    ]
    # The same-format encoder writes both blocks back whole.
    message = check_wire(encode_stream(events))
    assert message["content"] == [
        {"type": "server_tool_use", "id": "srv", "name": "web_search", "input": {"query": "q"}},
        {"type": "redacted_thinking", "data": "xyz"},
    ]
    assert message["stop_reason"] == "pause_turn"


# --------------------------------------------------------------------------- stream encoding


def test_encoder_output_for_a_plain_stream() -> None:
    raw = encode_stream(REASONING_EVENTS, request(model="claude-alias"))
    message = check_wire(raw)
    assert message["id"] == "msg_01Ldb7Y4TXfZkVX9r3v2y8Ka"
    assert message["model"] == "claude-alias"
    assert message["content"] == [
        {"type": "thinking", "thinking": "17*23 = 391", "signature": "sig-abc"},
        {"type": "text", "text": "391"},
    ]
    assert message["usage"]["output_tokens"] == 50
    names = [n for n, _ in wire_events(raw)]
    assert names[:3] == ["message_start", "ping", "content_block_start"]
    assert names[-2:] == ["message_delta", "message_stop"]


def test_encoder_never_repeats_message_start_and_ignores_events_after_the_end() -> None:
    encoder = ADAPTER.stream_encoder(request())
    first = encoder.feed(ir.StreamStart("a", "m"))
    assert encoder.feed(ir.StreamStart("b", "m")) == b""
    rest = encoder.feed(ir.StreamEnd(ir.StopReason.END_TURN))
    assert encoder.feed(ir.TextDelta(0, "late")) == b""
    assert encoder.feed(ir.StreamStart("c", "m")) == b""
    assert encoder.close() == b""
    check_wire(first + rest)


def test_encoder_synthesises_the_start_and_blocks() -> None:
    events: list[ir.StreamEvent] = [
        ir.TextDelta(0, "Hello"),
        ir.ThinkingDelta(0, "ignored: not a text delta"),
        ir.ToolArgsDelta(1, '{"a":'),
        ir.ToolArgsDelta(1, "1}"),
        ir.StreamEnd(ir.StopReason.TOOL_USE, ir.Usage(input_tokens=9, output_tokens=4)),
    ]
    raw = encode_stream(events)
    message = check_wire(raw)
    assert message["id"] == "msg_vansroute"
    assert message["content"] == [
        {"type": "text", "text": "Hello"},
        {"type": "tool_use", "id": "toolu_vansroute_1", "name": "", "input": {"a": 1}},
    ]
    # Input tokens known only at the end (OpenAI) reach the client in message_delta.
    assert message["usage"]["input_tokens"] == 9


def test_encoder_serialises_interleaved_parallel_tool_calls() -> None:
    """OpenAI chat can interleave the argument fragments of parallel tool calls."""
    events: list[ir.StreamEvent] = [
        ir.StreamStart("chatcmpl-1", "gpt"),
        ir.BlockStart(0, ir.BlockKind.TEXT),
        ir.TextDelta(0, "Let me check. "),
        ir.BlockStart(1, ir.BlockKind.TOOL_CALL, tool_call_id="call_1", tool_name="get_weather"),
        ir.BlockStart(2, ir.BlockKind.TOOL_CALL, tool_call_id="call_2", tool_name="get_time"),
        ir.ToolArgsDelta(1, '{"city":'),
        ir.ToolArgsDelta(2, '{"tz":'),
        ir.TextDelta(0, "Done soon."),
        ir.ToolArgsDelta(2, '"Europe/Paris"}'),
        ir.ToolArgsDelta(1, '"Paris"}'),
        ir.BlockStop(0),
        ir.BlockStop(2),
        ir.BlockStop(1),
        ir.StreamEnd(ir.StopReason.TOOL_USE, ir.Usage(input_tokens=5, output_tokens=20)),
    ]
    raw = encode_stream(events)
    message = check_wire(raw)
    assert message["content"] == [
        {"type": "text", "text": "Let me check. "},
        {"type": "tool_use", "id": "call_1", "name": "get_weather", "input": {"city": "Paris"}},
        {"type": "tool_use", "id": "call_2", "name": "get_time", "input": {"tz": "Europe/Paris"}},
        {"type": "text", "text": "Done soon."},
    ]
    final = asyncio.run(sdk_final_message(raw))
    assert [b.type for b in final.content] == ["text", "tool_use", "tool_use", "text"]
    assert final.content[2].input == {"tz": "Europe/Paris"}  # type: ignore[union-attr]


def test_encoder_streams_a_tool_call_without_waiting_for_text_to_stop() -> None:
    encoder = ADAPTER.stream_encoder(request())
    encoder.feed(ir.StreamStart("m", "x"))
    encoder.feed(ir.TextDelta(0, "thinking out loud"))
    out = encoder.feed(ir.BlockStart(1, ir.BlockKind.TOOL_CALL, tool_call_id="c", tool_name="f"))
    assert [n for n, _ in wire_events(out)] == ["content_block_stop", "content_block_start"]
    out = encoder.feed(ir.ToolArgsDelta(1, "{}"))
    assert [p["delta"]["type"] for _, p in wire_events(out)] == ["input_json_delta"]


def test_encoder_leaves_out_thinking_after_text() -> None:
    # What the Gemini stream decoder makes of a signed last text part: the signature as an empty
    # thinking block right after the text.
    gemini3: list[ir.StreamEvent] = [
        ir.StreamStart("r", "gemini-3-pro-preview"),
        ir.BlockStart(0, ir.BlockKind.TEXT),
        ir.TextDelta(0, "The answer."),
        ir.BlockStop(0),
        ir.BlockStart(1, ir.BlockKind.THINKING),
        ir.SignatureDelta(1, signature="vr1:gemini:c2ln"),
        ir.BlockStop(1),
        ir.StreamEnd(ir.StopReason.END_TURN),
    ]
    raw = encode_stream(gemini3)
    assert check_wire(raw)["content"] == [{"type": "text", "text": "The answer."}]
    final = asyncio.run(sdk_final_message(raw))
    assert [b.type for b in final.content] == ["text"]

    # Reasoning before the text is kept; reasoning that resumes after it, or starts while it streams,
    # is left out (the text is already sent), and the text is not split for it.
    resumed: list[ir.StreamEvent] = [
        ir.StreamStart("r", "m"),
        ir.ThinkingDelta(0, "plan"),
        ir.SignatureDelta(0, signature="s"),
        ir.TextDelta(1, "Hello"),
        ir.ThinkingDelta(0, " more"),
        ir.BlockStart(2, ir.BlockKind.THINKING),
        ir.ThinkingDelta(2, "late"),
        ir.TextDelta(1, " world"),
        ir.BlockStop(2),
        ir.BlockStop(1),
        ir.BlockStop(0),
        ir.BlockStart(3, ir.BlockKind.TOOL_CALL, tool_call_id="c", tool_name="f"),
        ir.ToolArgsDelta(3, "{}"),
        ir.BlockStop(3),
        ir.StreamEnd(ir.StopReason.TOOL_USE),
    ]
    assert check_wire(encode_stream(resumed))["content"] == [
        {"type": "thinking", "thinking": "plan", "signature": "s"},
        {"type": "text", "text": "Hello world"},
        {"type": "tool_use", "id": "c", "name": "f", "input": {}},
    ]


def test_encoder_keeps_interleaved_thinking_after_a_server_tool() -> None:
    events: list[ir.StreamEvent] = [
        ir.StreamStart("m", "x"),
        ir.TextDelta(0, "Searching."),
        ir.BlockStop(0),
        ir.BlockStart(
            1, ir.BlockKind.TEXT, data='{"type":"server_tool_use","id":"s","name":"web_search","input":{}}'
        ),
        ir.BlockStop(1),
        ir.ThinkingDelta(2, "hm"),
        ir.SignatureDelta(2, signature="sig"),
        ir.BlockStop(2),
        ir.TextDelta(3, "Found."),
        ir.StreamEnd(ir.StopReason.END_TURN),
    ]
    assert [b["type"] for b in check_wire(encode_stream(events))["content"]] == [
        "text",
        "server_tool_use",
        "thinking",
        "text",
    ]


def test_encoder_error_and_early_close() -> None:
    encoder = ADAPTER.stream_encoder(request())
    head = encoder.feed(ir.StreamStart("m", "x")) + encoder.feed(ir.TextDelta(0, "partial"))
    err = encoder.feed(ir.StreamError(529, "Overloaded", "overloaded_error"))
    assert wire_events(err) == [
        ("error", {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}})
    ]
    assert encoder.close() == b""
    with pytest.raises(anthropic.APIStatusError) as caught:
        asyncio.run(sdk_final_message(head + err))
    assert caught.value.type == "overloaded_error"

    cut = ADAPTER.stream_encoder(request())
    cut.feed(ir.StreamStart("m", "x"))
    tail = cut.close()
    assert wire_events(tail)[0][1]["error"]["type"] == "api_error"
    assert ADAPTER.stream_encoder(request()).close() == b""
    foreign = ADAPTER.stream_encoder(request()).feed(ir.StreamError(502, "bad gateway", "upstream_thing"))
    assert wire_events(foreign)[0][1]["error"]["type"] == "api_error"


BLOCK_KINDS = st.sampled_from([ir.BlockKind.TEXT, ir.BlockKind.THINKING, ir.BlockKind.TOOL_CALL])


@st.composite
def interleaved_streams(
    draw: st.DrawFn,
) -> tuple[list[ir.StreamEvent], dict[int, tuple[ir.BlockKind, str]], dict[int, str]]:
    """Several blocks whose events interleave arbitrarily (each block's own order kept)."""
    kinds = draw(st.lists(BLOCK_KINDS, min_size=1, max_size=5))
    per_block: list[list[ir.StreamEvent]] = []
    expected: dict[int, tuple[ir.BlockKind, str]] = {}
    ids: dict[int, str] = {}
    for index, kind in enumerate(kinds):
        # Each block writes its own letters, so the wire text can be traced back to its block.
        alphabet = chr(ord("a") + index) + chr(ord("A") + index)
        pieces = draw(st.lists(st.text(alphabet=alphabet, min_size=1, max_size=3), max_size=4))
        events: list[ir.StreamEvent] = []
        started = draw(st.booleans())
        if started:
            events.append(ir.BlockStart(index, kind, tool_call_id=f"c{index}", tool_name="f"))
        for piece in pieces:
            if kind is ir.BlockKind.TEXT:
                events.append(ir.TextDelta(index, piece))
            elif kind is ir.BlockKind.THINKING:
                events.append(ir.ThinkingDelta(index, piece))
            else:
                events.append(ir.ToolArgsDelta(index, piece))
        if not events:
            started = True
            events.append(ir.BlockStart(index, kind, tool_call_id=f"c{index}", tool_name="f"))
        # A tool call seen only through its deltas gets an id made from the message id.
        ids[index] = f"c{index}" if started else f"toolu_m_{index}"
        if draw(st.booleans()):
            events.append(ir.BlockStop(index))
        per_block.append(events)
        expected[index] = (kind, "".join(pieces))
    merged: list[ir.StreamEvent] = []
    while any(per_block):
        choices = [i for i, evs in enumerate(per_block) if evs]
        pick = draw(st.sampled_from(choices))
        merged.append(per_block[pick].pop(0))
    return [ir.StreamStart("m", "x"), *merged, ir.StreamEnd(ir.StopReason.END_TURN)], expected, ids


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(stream=interleaved_streams())
def test_encoder_output_is_always_valid_and_complete(
    stream: tuple[list[ir.StreamEvent], dict[int, tuple[ir.BlockKind, str]], dict[int, str]],
) -> None:
    events, expected, ids = stream
    encoder = ADAPTER.stream_encoder(request())
    raw = b"".join(encoder.feed(e) for e in events) + encoder.close()
    check_wire(raw)
    # Tool calls are never split: each is one wire block with all its arguments. A text or thinking
    # block may be split into several wire blocks of its kind; its letters, in order, are all there —
    # except thinking that would come after text, which is left out (so thinking keeps a prefix).
    wire = wire_events(raw)
    starts = {p["index"]: p["content_block"] for n, p in wire if n == "content_block_start"}
    order = [starts[w]["type"] for w in sorted(starts)]
    assert "thinking" not in order[order.index("text") :] if "text" in order else True
    got: dict[int, str] = {}
    for name, payload in wire:
        if name == "content_block_delta":
            delta = payload["delta"]
            text = delta.get("text") or delta.get("thinking") or delta.get("partial_json") or ""
            got[payload["index"]] = got.get(payload["index"], "") + text
    wire_type = {
        ir.BlockKind.TEXT: "text",
        ir.BlockKind.THINKING: "thinking",
        ir.BlockKind.TOOL_CALL: "tool_use",
    }
    tool_wire = {block.get("id"): w for w, block in starts.items() if block["type"] == "tool_use"}
    assert len(tool_wire) == sum(1 for k, _ in expected.values() if k is ir.BlockKind.TOOL_CALL)
    for i, (kind, text) in expected.items():
        letters = set(chr(ord("a") + i) + chr(ord("A") + i))
        if kind is ir.BlockKind.TOOL_CALL:
            assert got.get(tool_wire[ids[i]], "") == text
            continue
        same_kind = "".join(got.get(w, "") for w in sorted(starts) if starts[w]["type"] == wire_type[kind])
        sent = "".join(c for c in same_kind if c in letters)
        if kind is ir.BlockKind.THINKING:
            assert text.startswith(sent)
        else:
            assert sent == text


# --------------------------------------------------------------------------- errors and usage


@pytest.mark.parametrize(
    ("status", "body", "expected"),
    [
        (
            529,
            b'{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"},"request_id":"req_1"}',
            ErrorInfo(529, "Overloaded", "overloaded_error"),
        ),
        (
            400,
            b'{"type":"error","error":{"type":"invalid_request_error","message":"messages: Field required"}}',
            ErrorInfo(400, "messages: Field required", "invalid_request_error"),
        ),
        (429, b'{"error":{"message":"slow down"}}', ErrorInfo(429, "slow down", "rate_limit_error")),
        (502, b"<html>Bad Gateway</html>", ErrorInfo(502, "upstream returned HTTP 502", "api_error")),
        (503, b"", ErrorInfo(503, "upstream returned HTTP 503", "overloaded_error")),
        (401, b'["odd"]', ErrorInfo(401, "upstream returned HTTP 401", "authentication_error")),
    ],
)
def test_decode_error(status: int, body: bytes, expected: ErrorInfo) -> None:
    assert ADAPTER.decode_error(status, body) == expected


@pytest.mark.parametrize(
    ("status", "kind"),
    [
        (400, "invalid_request_error"),
        (401, "authentication_error"),
        (402, "billing_error"),
        (403, "permission_error"),
        (404, "not_found_error"),
        (409, "invalid_request_error"),
        (413, "request_too_large"),
        (429, "rate_limit_error"),
        (500, "api_error"),
        (502, "api_error"),
        (504, "timeout_error"),
        (529, "overloaded_error"),
    ],
)
def test_kind_for_status(status: int, kind: str) -> None:
    assert kind_for_status(status) == kind


def test_encode_errors() -> None:
    error = ErrorInfo(400, "messages.0: bad", "invalid_request_error", param="messages[0]")
    assert ADAPTER.encode_error(error) == {
        "type": "error",
        "error": {"type": "invalid_request_error", "message": "messages.0: bad"},
    }
    assert ADAPTER.encode_error(ErrorInfo(429, "slow", "requests"))["error"]["type"] == "rate_limit_error"
    raw = ADAPTER.encode_stream_error(ErrorInfo(529, "Overloaded", "overloaded_error"))
    assert (
        raw
        == b'event: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}\n\n'
    )


def test_usage_from_body() -> None:
    body = orjson.dumps(golden_json("reasoning", "response"))
    assert ADAPTER.usage_from_body(body) == ir.Usage(input_tokens=20, output_tokens=50, reasoning_tokens=30)
    assert ADAPTER.usage_from_body(b"not json") == ir.Usage()
    assert ADAPTER.usage_from_body(b"[]") == ir.Usage()
    cached = b'{"usage":{"input_tokens":4,"cache_read_input_tokens":100,"cache_creation_input_tokens":6,"output_tokens":2}}'
    assert ADAPTER.usage_from_body(cached) == ir.Usage(
        input_tokens=110, output_tokens=2, cache_read_tokens=100, cache_write_tokens=6
    )


def test_usage_from_stream_windows() -> None:
    raw = golden_sse("tools_parallel", "tool_call_stream")
    assert ADAPTER.usage_from_stream(raw[:600], raw[-400:]) == ir.Usage(input_tokens=420, output_tokens=85)
    # A window edge cutting through an event is skipped; the whole stream works as both windows.
    assert ADAPTER.usage_from_stream(raw, raw) == ir.Usage(input_tokens=420, output_tokens=85)
    assert ADAPTER.usage_from_stream(raw[:600], raw[-30:]) == ir.Usage(input_tokens=420, output_tokens=1)
    assert ADAPTER.usage_from_stream(b"", b"") == ir.Usage()
