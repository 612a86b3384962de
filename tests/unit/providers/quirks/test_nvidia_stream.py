from __future__ import annotations

from app.formats import ir
from app.providers.quirks import kimi_tool_markup, nvidia_stream


def test_needs_unstreamed() -> None:
    assert nvidia_stream.needs_unstreamed("nvidia", "moonshotai/kimi-k2.6")
    assert not nvidia_stream.needs_unstreamed("nvidia", "meta/llama-3.3-70b-instruct")
    assert not nvidia_stream.needs_unstreamed("moonshot", "kimi-k2.6")


# Recorded shape: NVIDIA NIM's `stream: false` answer for moonshotai/kimi-k2.6, decoded.
RESPONSE = ir.Response(
    id="chatcmpl-9f1",
    model="moonshotai/kimi-k2.6",
    content=(
        ir.ThinkingPart("The user wants the weather.", signature="sig"),
        ir.RedactedThinkingPart("opaque"),
        ir.TextPart("Checking."),
        ir.ToolCallPart("call_1", "get_weather", '{"city":"Paris"}'),
    ),
    stop_reason=ir.StopReason.TOOL_USE,
    usage=ir.Usage(input_tokens=120, output_tokens=40, cache_read_tokens=100, reasoning_tokens=12),
    created=1_764_000_000,
)


def test_response_as_stream() -> None:
    events = nvidia_stream.response_as_stream(RESPONSE)
    assert events == [
        ir.StreamStart(
            "chatcmpl-9f1",
            "moonshotai/kimi-k2.6",
            ir.Usage(input_tokens=120, cache_read_tokens=100),
            1_764_000_000,
        ),
        ir.BlockStart(0, ir.BlockKind.THINKING),
        ir.ThinkingDelta(0, "The user wants the weather."),
        ir.SignatureDelta(0, signature="sig"),
        ir.BlockStop(0),
        ir.BlockStart(1, ir.BlockKind.REDACTED_THINKING, data="opaque"),
        ir.BlockStop(1),
        ir.BlockStart(2, ir.BlockKind.TEXT),
        ir.TextDelta(2, "Checking."),
        ir.BlockStop(2),
        ir.BlockStart(3, ir.BlockKind.TOOL_CALL, tool_call_id="call_1", tool_name="get_weather"),
        ir.ToolArgsDelta(3, '{"city":"Paris"}'),
        ir.BlockStop(3),
        ir.StreamEnd(ir.StopReason.TOOL_USE, RESPONSE.usage),
    ]


def test_empty_response() -> None:
    events = nvidia_stream.response_as_stream(ir.Response(id="r", model="m", content=()))
    assert [type(e).__name__ for e in events] == ["StreamStart", "StreamEnd"]


def test_composes_with_markup_fix() -> None:
    leaked = ir.Response(
        id="r",
        model="moonshotai/kimi-k2.6",
        content=(
            ir.TextPart(
                "<|tool_calls_section_begin|><|tool_call_begin|>functions.ls:0<|tool_call_argument_begin|>{}"
                "<|tool_call_end|><|tool_calls_section_end|>"
            ),
        ),
    )
    events = nvidia_stream.response_as_stream(kimi_tool_markup.fix_response(leaked))
    starts = [e for e in events if isinstance(e, ir.BlockStart)]
    assert [(s.kind, s.tool_name) for s in starts] == [(ir.BlockKind.TOOL_CALL, "ls")]
    end = events[-1]
    assert isinstance(end, ir.StreamEnd) and end.stop_reason is ir.StopReason.TOOL_USE
