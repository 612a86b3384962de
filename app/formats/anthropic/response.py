"""Non-streaming responses: an Anthropic message body ⇄ canonical Response, and the stop-reason and
message-id conventions the stream codecs share. Unknown top-level and usage fields, and a stop reason
the canonical form folds into another, are kept in `extras["anthropic"]` and written back for an
Anthropic client."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from app.core.errors import InvalidRequest
from app.formats import ir
from app.formats.anthropic.blocks import FORMAT, _opaque, _opaque_block, _part_extras
from app.formats.anthropic.fields import _list, _obj, _opt_str, _rest, _str
from app.formats.anthropic.tools import unescape_tool_name
from app.formats.anthropic.usage import _USAGE_FIELDS, _usage_in, _usage_out
from app.formats.json_values import json_text
from app.formats.tool_arguments import arguments_object

_RESPONSE_FIELDS: Final = frozenset(
    {"id", "type", "role", "model", "content", "stop_reason", "stop_sequence", "usage"}
)
_STOP_IN: Final[Mapping[str, ir.StopReason]] = {
    "end_turn": ir.StopReason.END_TURN,
    "max_tokens": ir.StopReason.MAX_TOKENS,
    "stop_sequence": ir.StopReason.STOP_SEQUENCE,
    "tool_use": ir.StopReason.TOOL_USE,
    "pause_turn": ir.StopReason.PAUSE,
    "refusal": ir.StopReason.REFUSAL,
    "model_context_window_exceeded": ir.StopReason.MAX_TOKENS,
}
_STOP_OUT: Final[Mapping[ir.StopReason, str]] = {
    ir.StopReason.END_TURN: "end_turn",
    ir.StopReason.MAX_TOKENS: "max_tokens",
    ir.StopReason.STOP_SEQUENCE: "stop_sequence",
    ir.StopReason.TOOL_USE: "tool_use",
    ir.StopReason.CONTENT_FILTER: "refusal",
    ir.StopReason.PAUSE: "pause_turn",
    ir.StopReason.REFUSAL: "refusal",
    ir.StopReason.ERROR: "end_turn",
}


# Claude Code prints only the last content block of an answer, so a thinking block never follows a
# text block (Gemini 3 signs its last text part, which decodes to an empty signed thinking part
# after the text; that signature need not be handed back).
_LATE_THINKING: Final = "a thinking block with no text after a text block is left out"


def _response_block_in(raw: Any, path: str) -> ir.Part:
    block = _obj(raw, path)
    kind = block.get("type")
    if kind == "text":
        rest = _rest(block, ("type", "text"))
        return ir.TextPart(_str(block.get("text"), f"{path}.text"), extras={FORMAT: rest} if rest else {})
    if kind == "thinking":
        return ir.ThinkingPart(
            text=_str(block.get("thinking"), f"{path}.thinking"),
            signature=_opt_str(block.get("signature"), f"{path}.signature"),
        )
    if kind == "redacted_thinking":
        return ir.RedactedThinkingPart(_str(block.get("data"), f"{path}.data"))
    if kind == "tool_use":
        rest = _rest(block, ("type", "id", "name", "input"))
        return ir.ToolCallPart(
            id=_str(block.get("id"), f"{path}.id"),
            name=unescape_tool_name(_str(block.get("name"), f"{path}.name")),
            arguments=json_text(block.get("input") or {}),
            extras={FORMAT: rest} if rest else {},
        )
    return _opaque(block)


def _message_id(response_id: str) -> str:
    if not response_id:
        return "msg_vansroute"
    return response_id if response_id.startswith("msg_") else f"msg_{response_id}"


def _decode_response(body: Mapping[str, Any]) -> ir.Response:
    if not isinstance(body, Mapping):
        raise InvalidRequest("the response body must be a JSON object")
    content = tuple(
        _response_block_in(b, f"content[{i}]")
        for i, b in enumerate(_list(body.get("content") or [], "content"))
    )
    raw_stop = body.get("stop_reason")
    extras: dict[str, Any] = _rest(body, _RESPONSE_FIELDS)
    if isinstance(raw_stop, str) and raw_stop not in _STOP_OUT.values():
        extras["_stop_reason"] = raw_stop
    raw_usage = body.get("usage")
    if isinstance(raw_usage, Mapping):
        usage_rest = _rest(raw_usage, _USAGE_FIELDS)
        if usage_rest:
            extras["_usage"] = usage_rest
    return ir.Response(
        id=str(body.get("id") or ""),
        model=str(body.get("model") or ""),
        content=content,
        stop_reason=_STOP_IN.get(str(raw_stop), ir.StopReason.END_TURN),
        stop_sequence=_opt_str(body.get("stop_sequence"), "stop_sequence"),
        usage=_usage_in(raw_usage),
        extras={FORMAT: extras} if extras else {},
    )


def _encode_response(response: ir.Response, request: ir.Request) -> ir.Encoded:
    drops: list[ir.Drop] = []
    mine = response.extras.get(FORMAT) or {}
    content: list[dict[str, Any]] = []
    # Where the first text block since the start (or since the last server-tool block) stands: a
    # thinking part that comes after it is moved in front of it, or left out when it is empty.
    first_text: int | None = None
    for i, part in enumerate(response.content):
        path = f"content[{i}]"
        opaque = _opaque_block(part)
        if opaque is not None:
            content.append(opaque)
            # Anthropic's own interleaved thinking may follow a server tool's result: as sent.
            first_text = None
        elif isinstance(part, ir.TextPart):
            if first_text is None:
                first_text = len(content)
            content.append({"type": "text", "text": part.text, **_part_extras(part)})
        elif isinstance(part, ir.ThinkingPart):
            if part.encrypted is not None:
                drops.append(ir.Drop(f"{path}.encrypted", "Anthropic cannot carry encrypted reasoning"))
            block = {"type": "thinking", "thinking": part.text, "signature": part.signature or ""}
            if first_text is None:
                content.append(block)
            elif not part.text:
                drops.append(ir.Drop(path, _LATE_THINKING))
            else:
                content.insert(first_text, block)
                first_text += 1
        elif isinstance(part, ir.RedactedThinkingPart):
            content.append({"type": "redacted_thinking", "data": part.data})
        elif isinstance(part, ir.ToolCallPart):
            tool_input = arguments_object(part.arguments, f"{path}.arguments", drops)
            call_id = part.id or f"toolu_{_message_id(response.id).removeprefix('msg_')}_{i}"
            content.append(
                {
                    "type": "tool_use",
                    "id": call_id,
                    "name": part.name,
                    "input": tool_input,
                    **_part_extras(part),
                }
            )
        else:
            drops.append(ir.Drop(path, f"{type(part).__name__} cannot appear in an Anthropic response"))
    stop_reason = _STOP_OUT[response.stop_reason]
    raw_stop = mine.get("_stop_reason")
    if isinstance(raw_stop, str) and _STOP_IN.get(raw_stop) == response.stop_reason:
        stop_reason = raw_stop
    if response.stop_reason is ir.StopReason.ERROR:
        drops.append(ir.Drop("stop_reason", "Anthropic has no error stop reason"))
    usage_rest = mine.get("_usage")
    body: dict[str, Any] = {
        "id": _message_id(response.id),
        "type": "message",
        "role": "assistant",
        "model": request.model,
        "content": content,
        "stop_reason": stop_reason,
        "stop_sequence": response.stop_sequence,
        "usage": _usage_out(response.usage, usage_rest if isinstance(usage_rest, Mapping) else None),
    }
    body.update({k: v for k, v in mine.items() if not k.startswith("_")})
    return ir.Encoded(body=body, drops=tuple(drops))
