"""Every direction between the four formats, on the golden cases, plus properties of round trips.

Each golden case is the same conversation written by hand in each vendor's format. Decoding format X
and encoding it as format Y must mean the same as Y's own golden file: same system text, turns,
text, tool calls with their arguments, tool results, tools offered and tool choice. Ids, signatures,
token counts and vendor-only extras differ by nature and are not compared.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.core.records import WireFormat
from app.formats.ir import (
    BlockStart,
    DocumentPart,
    ImagePart,
    Message,
    Part,
    RedactedThinkingPart,
    Request,
    Response,
    Role,
    StreamEnd,
    StreamEvent,
    TextDelta,
    TextPart,
    ThinkingDelta,
    ThinkingPart,
    ToolArgsDelta,
    ToolCallPart,
    ToolResultPart,
)
from app.formats.registry import adapter_for

GOLDEN = Path(__file__).parent / "golden"
FORMATS = {
    "openai_chat": WireFormat.OPENAI,
    "responses": WireFormat.RESPONSES,
    "anthropic": WireFormat.ANTHROPIC,
    "gemini": WireFormat.GEMINI,
}
CASES = sorted(p.name for p in GOLDEN.iterdir() if p.is_dir())


def golden(case: str, name: str, what: str) -> Path:
    return GOLDEN / case / f"{name}.{what}"


def pairs(what: str) -> list[Any]:
    found = []
    for case in CASES:
        for x, y in itertools.permutations(FORMATS, 2):
            if golden(case, x, what).exists() and golden(case, y, what).exists():
                found.append(pytest.param(case, x, y, id=f"{case}-{x}-to-{y}"))
    return found


# --- what "the same meaning" is -----------------------------------------------------------------


def _args(text: str) -> Any:
    try:
        return json.loads(text) if text else {}
    except json.JSONDecodeError:
        return text


def _part(part: Part) -> tuple[Any, ...] | None:
    if isinstance(part, TextPart):
        return ("text", part.text) if part.text else None
    if isinstance(part, ToolCallPart):
        return ("call", part.name, _args(part.arguments))
    if isinstance(part, ToolResultPart):
        texts = tuple(p.text for p in part.content if isinstance(p, TextPart))
        return ("result", texts, part.is_error)
    if isinstance(part, ImagePart):
        return ("image", part.source.kind, part.source.data or part.source.url)
    if isinstance(part, DocumentPart):
        return ("document", part.source.kind)
    if isinstance(part, ThinkingPart):
        return ("thinking", part.text) if part.text else None
    if isinstance(part, RedactedThinkingPart):
        return None
    raise AssertionError(f"unexpected part {part!r}")


def _parts(parts: tuple[Part, ...]) -> list[tuple[Any, ...]]:
    return [p for p in (_part(x) for x in parts) if p is not None]


def request_meaning(request: Request) -> dict[str, Any]:
    # Consecutive messages of one role are one turn: OpenAI, for one, puts tool results and the
    # user's next words in separate messages where Anthropic and Gemini use one.
    turns: list[tuple[str, list[tuple[Any, ...]]]] = []
    for message in request.messages:
        parts = _parts(message.parts)
        if not parts:
            continue
        if turns and turns[-1][0] == message.role.value:
            turns[-1][1].extend(parts)
        else:
            turns.append((message.role.value, parts))
    return {
        "system": "\n".join(p.text for p in request.system),
        "turns": turns,
        "tools": [(t.name, t.description) for t in request.tools if t.kind == "function"],
        "tool_choice": request.tool_choice.mode.value if request.tool_choice else "auto",
    }


def response_meaning(response: Response) -> dict[str, Any]:
    return {"content": _parts(response.content), "stop": response.stop_reason.value}


def stream_meaning(events: list[StreamEvent]) -> dict[str, Any]:
    """A stream collapsed to what it says: text, thinking and tool calls in block order."""
    blocks: dict[int, list[Any]] = {}
    stop = None
    for event in events:
        if isinstance(event, BlockStart):
            blocks[event.index] = [event.kind.value, event.tool_name or "", ""]
        elif isinstance(event, TextDelta | ThinkingDelta):
            blocks[event.index][2] += event.text
        elif isinstance(event, ToolArgsDelta):
            blocks[event.index][2] += event.partial_json
        elif isinstance(event, StreamEnd):
            stop = event.stop_reason.value
    said = []
    for kind, name, text in (blocks[i] for i in sorted(blocks)):
        if kind == "tool_call":
            said.append(("call", name, _args(text)))
        elif text:
            said.append((kind, text))
    return {"content": said, "stop": stop}


def decode_stream(fmt: WireFormat, raw: bytes) -> list[StreamEvent]:
    decoder = adapter_for(fmt).stream_decoder()
    return [*decoder.feed(raw), *decoder.close()]


# --- every direction ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("case", "x", "y"), pairs("request.json"))
def test_request_means_the_same_in_every_format(case: str, x: str, y: str) -> None:
    fx, fy = FORMATS[x], FORMATS[y]
    source = adapter_for(fx).decode_request(
        orjson.loads(golden(case, x, "request.json").read_bytes()), model="m", stream=False
    )
    encoded = adapter_for(fy).encode_request(source)
    translated = adapter_for(fy).decode_request(encoded.body, model="m", stream=False)
    expected = adapter_for(fy).decode_request(
        orjson.loads(golden(case, y, "request.json").read_bytes()), model="m", stream=False
    )
    assert request_meaning(translated) == request_meaning(expected)


@pytest.mark.parametrize(("case", "x", "y"), pairs("response.json") + pairs("tool_call_response.json"))
def test_response_means_the_same_in_every_format(case: str, x: str, y: str) -> None:
    fx, fy = FORMATS[x], FORMATS[y]
    for what in ("response.json", "tool_call_response.json"):
        if not (golden(case, x, what).exists() and golden(case, y, what).exists()):
            continue
        client_request = adapter_for(fy).decode_request(
            orjson.loads(golden(case, y, "request.json").read_bytes()), model="m", stream=False
        )
        source = adapter_for(fx).decode_response(orjson.loads(golden(case, x, what).read_bytes()))
        encoded = adapter_for(fy).encode_response(source, client_request)
        translated = adapter_for(fy).decode_response(encoded.body)
        expected = adapter_for(fy).decode_response(orjson.loads(golden(case, y, what).read_bytes()))
        assert response_meaning(translated) == response_meaning(expected), what


@pytest.mark.parametrize(("case", "x", "y"), pairs("stream.sse") + pairs("tool_call_stream.sse"))
def test_stream_means_the_same_in_every_format(case: str, x: str, y: str) -> None:
    fx, fy = FORMATS[x], FORMATS[y]
    for what in ("stream.sse", "tool_call_stream.sse"):
        if not (golden(case, x, what).exists() and golden(case, y, what).exists()):
            continue
        client_request = adapter_for(fy).decode_request(
            orjson.loads(golden(case, y, "request.json").read_bytes()), model="m", stream=True
        )
        encoder = adapter_for(fy).stream_encoder(client_request)
        wire = (
            b"".join(encoder.feed(e) for e in decode_stream(fx, golden(case, x, what).read_bytes()))
            + encoder.close()
        )
        translated = stream_meaning(decode_stream(fy, wire))
        expected = stream_meaning(decode_stream(fy, golden(case, y, what).read_bytes()))
        assert translated == expected, what


@pytest.mark.parametrize(("case", "x", "y"), pairs("request.json"))
def test_translation_is_stable(case: str, x: str, y: str) -> None:
    """Once translated, a request survives any further round trip through its new format unchanged."""
    fx, fy = FORMATS[x], FORMATS[y]
    source = adapter_for(fx).decode_request(
        orjson.loads(golden(case, x, "request.json").read_bytes()), model="m", stream=False
    )
    once = adapter_for(fy).encode_request(source).body
    twice = adapter_for(fy).encode_request(adapter_for(fy).decode_request(once, model="m", stream=False)).body
    assert twice == once


# --- properties over generated conversations -------------------------------------------------------

_text = st.text(alphabet=st.characters(exclude_categories=["Cs", "Cc"]), min_size=1, max_size=40).filter(
    str.strip
)
_name = st.from_regex(r"[a-z][a-z0-9_]{0,15}", fullmatch=True)
_args_json = st.dictionaries(_name, st.one_of(st.integers(-1000, 1000), _text), max_size=3)


@st.composite
def conversations(draw: st.DrawFn) -> Request:
    """user text, then any number of (assistant text and/or tool calls → user tool results + text)."""
    messages = [Message(Role.USER, (TextPart(draw(_text)),))]
    for turn in range(draw(st.integers(0, 3))):
        calls = [
            ToolCallPart(f"call_{turn}_{i}", draw(_name), orjson.dumps(draw(_args_json)).decode())
            for i in range(draw(st.integers(0, 2)))
        ]
        said = [TextPart(draw(_text))] if draw(st.booleans()) or not calls else []
        messages.append(Message(Role.ASSISTANT, (*said, *calls)))
        results = [ToolResultPart(c.id, (TextPart(draw(_text)),), name=c.name) for c in calls]
        messages.append(Message(Role.USER, (*results, TextPart(draw(_text)))))
    system = (TextPart(draw(_text)),) if draw(st.booleans()) else ()
    return Request(model="m", messages=tuple(messages), system=system, max_output_tokens=1024)


@pytest.mark.parametrize("fmt", list(FORMATS.values()), ids=list(FORMATS))
@settings(max_examples=60, deadline=None)
@given(request=conversations())
def test_any_conversation_survives_its_own_format(fmt: WireFormat, request: Request) -> None:
    adapter = adapter_for(fmt)
    back = adapter.decode_request(adapter.encode_request(request).body, model="m", stream=False)
    assert request_meaning(back) == request_meaning(request)
