"""Wire vocabulary every direction of the Chat Completions adapter shares: the key its leftovers live
under in `extras`, the upstream path, finish_reason ⇄ StopReason (keeping the upstream's own value
when it still means the same thing), and the `chatcmpl-` id form. Kept apart so the request,
response and stream modules agree on them without importing each other."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from app.formats import ir

FORMAT: Final = "openai_chat"
UPSTREAM_PATH: Final = "/chat/completions"

_FINISH_TO_STOP: Mapping[str, ir.StopReason] = {
    "stop": ir.StopReason.END_TURN,
    "length": ir.StopReason.MAX_TOKENS,
    "tool_calls": ir.StopReason.TOOL_USE,
    "function_call": ir.StopReason.TOOL_USE,
    "content_filter": ir.StopReason.CONTENT_FILTER,
}
_STOP_TO_FINISH: Mapping[ir.StopReason, str] = {
    ir.StopReason.END_TURN: "stop",
    ir.StopReason.STOP_SEQUENCE: "stop",
    ir.StopReason.PAUSE: "stop",
    ir.StopReason.ERROR: "stop",
    ir.StopReason.MAX_TOKENS: "length",
    ir.StopReason.TOOL_USE: "tool_calls",
    ir.StopReason.CONTENT_FILTER: "content_filter",
    ir.StopReason.REFUSAL: "content_filter",
}


def _stop_reason(finish_reason: object) -> ir.StopReason:
    if isinstance(finish_reason, str):
        return _FINISH_TO_STOP.get(finish_reason, ir.StopReason.END_TURN)
    return ir.StopReason.END_TURN


def _finish_reason(stop: ir.StopReason, original: object = None) -> str:
    """Chat's finish_reason; the upstream's own value when it still means the same thing."""
    if isinstance(original, str) and original in _FINISH_TO_STOP and _stop_reason(original) == stop:
        return original
    if stop is ir.StopReason.REFUSAL and original == "stop":
        return "stop"  # OpenAI refusals finish with "stop" and a `refusal` message field
    return _STOP_TO_FINISH.get(stop, "stop")


def _completion_id(response_id: str) -> str:
    if response_id.startswith("chatcmpl-"):
        return response_id
    return "chatcmpl-" + (response_id or "0")
