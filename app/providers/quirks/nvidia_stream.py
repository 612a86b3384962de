"""NVIDIA-hosted Kimi streams badly: the upstream is called with `stream: false` and the whole
response is replayed to the client as a canonical event stream, which its encoder writes in the
client's own format."""

from __future__ import annotations

from typing import Final

from app.formats import ir

_NVIDIA_PROVIDERS: Final = frozenset({"nvidia", "nvidia-nim", "nvidia_nim", "nim"})


def needs_unstreamed(provider_id: str, model: str) -> bool:
    """Whether the upstream must be called with `stream: false` even when the client streams."""
    return provider_id.lower() in _NVIDIA_PROVIDERS and "kimi" in model.lower()


def response_as_stream(response: ir.Response) -> list[ir.StreamEvent]:
    """StreamStart, one block per content part (text, thinking, redacted thinking, tool call) with
    indexes from 0, then StreamEnd with the stop reason and usage. Parts a response never holds
    (images, documents, tool results) are skipped."""
    usage = response.usage
    events: list[ir.StreamEvent] = [
        ir.StreamStart(
            id=response.id,
            model=response.model,
            usage=ir.Usage(
                input_tokens=usage.input_tokens,
                cache_read_tokens=usage.cache_read_tokens,
                cache_write_tokens=usage.cache_write_tokens,
            ),
            created=response.created,
        )
    ]
    index = 0
    for part in response.content:
        match part:
            case ir.TextPart():
                events.append(ir.BlockStart(index, ir.BlockKind.TEXT))
                if part.text:
                    events.append(ir.TextDelta(index, part.text))
            case ir.ThinkingPart():
                events.append(ir.BlockStart(index, ir.BlockKind.THINKING))
                if part.text:
                    events.append(ir.ThinkingDelta(index, part.text))
                if part.signature or part.encrypted or part.reasoning_id:
                    events.append(
                        ir.SignatureDelta(
                            index,
                            signature=part.signature,
                            encrypted=part.encrypted,
                            reasoning_id=part.reasoning_id,
                        )
                    )
            case ir.RedactedThinkingPart():
                events.append(ir.BlockStart(index, ir.BlockKind.REDACTED_THINKING, data=part.data))
            case ir.ToolCallPart():
                events.append(
                    ir.BlockStart(
                        index,
                        ir.BlockKind.TOOL_CALL,
                        tool_call_id=part.id,
                        tool_name=part.name,
                        thought_signature=part.thought_signature,
                    )
                )
                if part.arguments:
                    events.append(ir.ToolArgsDelta(index, part.arguments))
            case _:
                continue
        events.append(ir.BlockStop(index))
        index += 1
    events.append(
        ir.StreamEnd(stop_reason=response.stop_reason, usage=usage, stop_sequence=response.stop_sequence)
    )
    return events
