from __future__ import annotations

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from app.formats import ir
from app.providers.quirks import kimi_tool_markup as km

# Recorded shape: a Kimi K2 answer whose tool call leaked into the content text.
LEAKED = (
    "I'll check the weather in both cities.\n\n"
    "<|tool_calls_section_begin|><|tool_call_begin|>functions.get_weather:0<|tool_call_argument_begin|>"
    '{"city": "Paris"}<|tool_call_end|><|tool_call_begin|>functions.get_weather:1'
    '<|tool_call_argument_begin|>{"city": "Tokyo"}<|tool_call_end|><|tool_calls_section_end|>'
)
# Recorded shape with the newlines vLLM documents between tokens.
LEAKED_NEWLINES = (
    "<|tool_calls_section_begin|>\n<|tool_call_begin|>\nfunctions.Bash:3<|tool_call_argument_begin|>\n"
    '{"command": "ls -la"}\n<|tool_call_end|>\n<|tool_calls_section_end|>'
)


def _collect(events: list[ir.StreamEvent]) -> tuple[str, list[tuple[str, str, str]]]:
    texts: dict[int, str] = {}
    calls: dict[int, list[str]] = {}
    for e in events:
        if isinstance(e, ir.BlockStart) and e.kind is ir.BlockKind.TOOL_CALL:
            calls[e.index] = [e.tool_call_id or "", e.tool_name or "", ""]
        elif isinstance(e, ir.ToolArgsDelta):
            calls[e.index][2] += e.partial_json
        elif isinstance(e, ir.TextDelta):
            texts[e.index] = texts.get(e.index, "") + e.text
    ordered = [calls[i] for i in sorted(calls)]
    return "".join(texts[i] for i in sorted(texts)), [(c[0], c[1], c[2]) for c in ordered]


def _check_well_formed(events: list[ir.StreamEvent]) -> None:
    """Indexes dense from 0 in order of first appearance; every block started once and stopped once."""
    started: list[int] = []
    open_: set[int] = set()
    for e in events:
        if isinstance(e, ir.BlockStart):
            assert e.index == len(started)
            started.append(e.index)
            open_.add(e.index)
        elif isinstance(e, ir.BlockStop):
            assert e.index in open_
            open_.remove(e.index)
        elif isinstance(e, ir.TextDelta | ir.ToolArgsDelta | ir.ThinkingDelta):
            assert e.index in open_
    assert not open_


def _stream(text_chunks: list[str], stop: ir.StopReason = ir.StopReason.END_TURN) -> list[ir.StreamEvent]:
    f = km.MarkupStreamFilter()
    out: list[ir.StreamEvent] = []
    upstream: list[ir.StreamEvent] = [ir.StreamStart("id1", "kimi-k2.6"), ir.BlockStart(0, ir.BlockKind.TEXT)]
    upstream += [ir.TextDelta(0, c) for c in text_chunks]
    upstream += [ir.BlockStop(0), ir.StreamEnd(stop, ir.Usage(10, 20))]
    for e in upstream:
        out.extend(f.feed(e))
    return out


def test_split_markup_parses_calls_and_keeps_text() -> None:
    segments = km.split_markup(LEAKED)
    assert segments[0] == "I'll check the weather in both cities.\n\n"
    calls = segments[1:]
    assert [(c.name, c.arguments) for c in calls if isinstance(c, ir.ToolCallPart)] == [
        ("get_weather", '{"city": "Paris"}'),
        ("get_weather", '{"city": "Tokyo"}'),
    ]
    first = calls[0]
    assert isinstance(first, ir.ToolCallPart)
    assert first.id == "call_functions_get_weather_0"
    assert first.extras == {"kimi": {"native_id": "functions.get_weather:0"}}
    assert orjson.loads(first.arguments) == {"city": "Paris"}


def test_split_markup_newlines_and_dotted_names() -> None:
    (call,) = km.split_markup(LEAKED_NEWLINES)
    assert isinstance(call, ir.ToolCallPart)
    assert (call.name, call.arguments) == ("Bash", '{"command": "ls -la"}')
    (dotted,) = km.split_markup(
        "<|tool_call_section_begin|><|tool_call_begin|>functions.mcp.search:7<|tool_call_argument_begin|>"
        "<|tool_call_end|><|tool_call_section_end|>"
    )
    assert isinstance(dotted, ir.ToolCallPart)
    assert (dotted.name, dotted.arguments) == ("mcp.search", "{}")


def test_split_markup_without_markup_and_unterminated() -> None:
    assert km.split_markup("plain answer") == ["plain answer"]
    # Cut off before the section end: the complete call is still recovered.
    (call,) = km.split_markup(LEAKED_NEWLINES.removesuffix("<|tool_calls_section_end|>"))
    assert isinstance(call, ir.ToolCallPart)
    # A section opener with no call after it stays text.
    assert km.split_markup("a <|tool_calls_section_begin|> b") == ["a <|tool_calls_section_begin|> b"]


def test_fix_response() -> None:
    resp = ir.Response(
        id="r",
        model="moonshotai/kimi-k2.6",
        content=(ir.ThinkingPart("hmm"), ir.TextPart(LEAKED + "\n")),
        usage=ir.Usage(5, 7),
    )
    fixed = km.fix_response(resp)
    assert fixed.stop_reason is ir.StopReason.TOOL_USE
    assert [type(p).__name__ for p in fixed.content] == [
        "ThinkingPart",
        "TextPart",
        "ToolCallPart",
        "ToolCallPart",
    ]
    assert fixed.usage == resp.usage
    plain = ir.Response(id="r", model="m", content=(ir.TextPart("hello"),))
    assert km.fix_response(plain) is plain
    capped = ir.Response(
        id="r", model="m", content=(ir.TextPart(LEAKED),), stop_reason=ir.StopReason.MAX_TOKENS
    )
    assert km.fix_response(capped).stop_reason is ir.StopReason.MAX_TOKENS


def test_stream_turns_markup_into_tool_blocks() -> None:
    events = _stream([LEAKED])
    _check_well_formed(events)
    text, calls = _collect(events)
    assert text == "I'll check the weather in both cities.\n\n"
    assert calls == [
        ("call_functions_get_weather_0", "get_weather", '{"city": "Paris"}'),
        ("call_functions_get_weather_1", "get_weather", '{"city": "Tokyo"}'),
    ]
    assert isinstance(events[0], ir.StreamStart)
    end = events[-1]
    assert isinstance(end, ir.StreamEnd)
    assert end.stop_reason is ir.StopReason.TOOL_USE
    assert end.usage == ir.Usage(10, 20)


def test_stream_without_markup_passes_text_and_other_blocks() -> None:
    f = km.MarkupStreamFilter()
    upstream: list[ir.StreamEvent] = [
        ir.StreamStart("id", "kimi"),
        ir.BlockStart(0, ir.BlockKind.THINKING),
        ir.ThinkingDelta(0, "think"),
        ir.BlockStop(0),
        ir.BlockStart(1, ir.BlockKind.TEXT),
        ir.TextDelta(1, "Hello <|"),
        ir.TextDelta(1, " world"),
        ir.BlockStop(1),
        ir.BlockStart(2, ir.BlockKind.TOOL_CALL, tool_call_id="c", tool_name="t"),
        ir.ToolArgsDelta(2, "{}"),
        ir.BlockStop(2),
        ir.StreamEnd(ir.StopReason.TOOL_USE),
    ]
    out = [e for u in upstream for e in f.feed(u)]
    _check_well_formed(out)
    assert _collect(out) == ("Hello <| world", [("c", "t", "{}")])
    assert f.tool_calls_found == 0


def test_stream_text_after_section_and_thinking_first() -> None:
    f = km.MarkupStreamFilter()
    upstream: list[ir.StreamEvent] = [
        ir.StreamStart("id", "kimi"),
        ir.BlockStart(0, ir.BlockKind.THINKING),
        ir.ThinkingDelta(0, "plan"),
        ir.BlockStop(0),
        ir.BlockStart(1, ir.BlockKind.TEXT),
        ir.TextDelta(1, LEAKED_NEWLINES + "\nDone."),
        ir.BlockStop(1),
        ir.StreamEnd(ir.StopReason.END_TURN),
    ]
    out = [e for u in upstream for e in f.feed(u)]
    _check_well_formed(out)
    kinds = [e.kind for e in out if isinstance(e, ir.BlockStart)]
    assert kinds == [ir.BlockKind.THINKING, ir.BlockKind.TOOL_CALL, ir.BlockKind.TEXT]
    assert _collect(out)[0] == "\nDone."


def test_stream_cut_short_section_is_flushed_on_close() -> None:
    f = km.MarkupStreamFilter()
    out: list[ir.StreamEvent] = []
    for e in (
        ir.StreamStart("id", "kimi"),
        ir.BlockStart(0, ir.BlockKind.TEXT),
        ir.TextDelta(0, "x <|tool_calls_sec"),
    ):
        out.extend(f.feed(e))
    out.extend(f.close())
    _check_well_formed(out)
    assert _collect(out)[0] == "x <|tool_calls_sec"


def test_applies() -> None:
    assert km.applies("nvidia", "moonshotai/kimi-k2.6")
    assert km.applies("moonshot", "moonshot-v1-8k")
    assert not km.applies("openai", "gpt-4o")


_texts = st.sampled_from(
    [
        "",
        "Sure.",
        " ",
        "\n",
        "a<|b",
        "<|tool",
        "ok |> done",
        "中文",
        "<|tool_calls_section_end|>",
        "<|tool_call_begin|>x",
    ]
)


@st.composite
def _markup_text(draw: st.DrawFn) -> str:
    out = draw(_texts)
    for i in range(draw(st.integers(0, 2))):
        section = draw(st.sampled_from(km.SECTION_BEGINS))
        for j in range(draw(st.integers(0, 2))):
            args = orjson.dumps({"q": draw(st.text(max_size=5)), "n": j}).decode()
            section += f"{km.CALL_BEGIN}functions.tool_{i}:{j}{km.ARGUMENT_BEGIN}{args}{km.CALL_END}"
        section += draw(st.sampled_from((*km.SECTION_ENDS, "")))
        out += section + draw(_texts)
    return out


def _coalesce(events: list[ir.StreamEvent]) -> list[ir.StreamEvent]:
    """Adjacent text deltas of one block merged: chunking may change delta sizes, nothing else."""
    out: list[ir.StreamEvent] = []
    for e in events:
        last = out[-1] if out else None
        if isinstance(e, ir.TextDelta) and isinstance(last, ir.TextDelta) and last.index == e.index:
            out[-1] = ir.TextDelta(e.index, last.text + e.text)
        else:
            out.append(e)
    return out


def _normalise(segments: list[str | ir.ToolCallPart]) -> tuple[str, list[tuple[str, str, str]]]:
    text = "".join(s for s in segments if isinstance(s, str))
    calls = [(s.id, s.name, s.arguments) for s in segments if isinstance(s, ir.ToolCallPart)]
    return text, calls


@settings(max_examples=300, deadline=None)
@given(text=_markup_text(), data=st.data())
def test_stream_survives_any_split(text: str, data: st.DataObject) -> None:
    cuts = sorted(data.draw(st.sets(st.integers(0, len(text)), max_size=12)))
    chunks = [text[a:b] for a, b in zip([0, *cuts], [*cuts, len(text)], strict=True)]
    split = _stream(chunks)
    whole = _stream([text])
    _check_well_formed(split)
    assert _coalesce(split) == _coalesce(whole)
    stream_text, stream_calls = _collect(split)
    ref_text, ref_calls = _normalise(km.split_markup(text))
    assert stream_calls == ref_calls
    assert stream_text == ref_text
    end = split[-1]
    assert isinstance(end, ir.StreamEnd)
    assert (end.stop_reason is ir.StopReason.TOOL_USE) == bool(ref_calls)


def test_text_delta_without_block_start_is_filtered() -> None:
    f = km.MarkupStreamFilter()
    out = [
        e for u in (ir.TextDelta(0, LEAKED_NEWLINES), ir.StreamEnd(ir.StopReason.END_TURN)) for e in f.feed(u)
    ]
    _check_well_formed(out)
    assert _collect(out)[1] == [("call_functions_Bash_3", "Bash", '{"command": "ls -la"}')]
