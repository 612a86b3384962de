"""Non-streaming Response objects in both directions, plus the pieces the stream encoder shares:
response and item ids, the request fields a Response echoes (in the API's key order), the
Response object builder, and the mapping between canonical stop reasons and `status` /
`incomplete_details`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, Final

from app.core.errors import InvalidRequest, UpstreamError
from app.formats import ir
from app.formats.json_values import count
from app.formats.openai_responses.checks import _join, _list, _obj
from app.formats.openai_responses.extras import FORMAT
from app.formats.openai_responses.items_decode import (
    _decode_call,
    _decode_content,
    _InputDecoder,
    _with_item_meta,
)
from app.formats.openai_responses.items_encode import _Writer
from app.formats.openai_responses.reasoning import _decode_reasoning, _encode_reasoning
from app.formats.openai_responses.request_encode import _encode_text, _split_system
from app.formats.openai_responses.tools import _custom_names, _encode_tool_choice, _encode_tools
from app.formats.openai_responses.usage import _decode_usage, _encode_usage

_ID_CHARS = re.compile(r"[^A-Za-z0-9]")

# Top-level response keys the encoder always derives itself.
_RESPONSE_DERIVED: Final = frozenset(
    {"id", "object", "created_at", "status", "model", "output", "usage", "error", "incomplete_details"}
)


def _response_id(value: str) -> str:
    if value.startswith("resp_"):
        return value
    core = _ID_CHARS.sub("", value)
    return f"resp_{core or 'vansroute'}"


def _id_base(response_id: str) -> str:
    core = response_id.removeprefix("resp_")
    return (_ID_CHARS.sub("", core)[-24:] or "vr") + "_"


def _echo(request: ir.Request) -> dict[str, Any]:
    """The request fields a Response object repeats, in the API's key order (without the
    per-response ones, which the caller adds)."""
    drops: list[ir.Drop] = []
    ours = request.extras.get(FORMAT) or {}
    fields = ours.get("fields") or {}
    tools, renames = _encode_tools(request, drops)
    instructions, _ = _split_system(request, drops)
    try:
        choice = _encode_tool_choice(request, renames)
    except InvalidRequest:
        choice = None
    reasoning = _encode_reasoning(request, drops) or {}
    text = _encode_text(request) or {}
    return {
        "background": fields.get("background", False),
        "instructions": instructions,
        "max_output_tokens": request.max_output_tokens,
        "max_tool_calls": fields.get("max_tool_calls"),
        "parallel_tool_calls": True if request.parallel_tool_calls is None else request.parallel_tool_calls,
        "previous_response_id": fields.get("previous_response_id"),
        "prompt_cache_key": fields.get("prompt_cache_key"),
        "reasoning": {"effort": reasoning.get("effort"), "summary": reasoning.get("summary")},
        "safety_identifier": fields.get("safety_identifier"),
        "service_tier": fields.get("service_tier", "default"),
        "store": fields.get("store", False),
        "temperature": 1.0 if request.temperature is None else request.temperature,
        "text": {"format": {"type": "text"}, "verbosity": "medium", **text},
        "tool_choice": "auto" if choice is None else choice,
        "tools": tools,
        "top_logprobs": fields.get("top_logprobs", 0),
        "top_p": 1.0 if request.top_p is None else request.top_p,
        "truncation": fields.get("truncation", "disabled"),
        "user": request.user,
        "metadata": dict(request.metadata),
    }


# The API's key order after `output` and before `usage`.
_ECHO_AFTER_OUTPUT: Final = (
    "parallel_tool_calls",
    "previous_response_id",
    "prompt_cache_key",
    "reasoning",
    "safety_identifier",
    "service_tier",
    "store",
    "temperature",
    "text",
    "tool_choice",
    "tools",
    "top_logprobs",
    "top_p",
    "truncation",
)


def _response_object(
    *,
    response_id: str,
    created: int,
    model: str,
    echo: Mapping[str, Any],
    status: str,
    output: list[dict[str, Any]],
    usage: ir.Usage | None,
    incomplete: str | None = None,
    error: Mapping[str, Any] | None = None,
    overlay: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": response_id,
        "object": "response",
        "created_at": created,
        "status": status,
        "background": echo["background"],
        "error": dict(error) if error is not None else None,
        "incomplete_details": {"reason": incomplete} if incomplete is not None else None,
        "instructions": echo["instructions"],
        "max_output_tokens": echo["max_output_tokens"],
        "max_tool_calls": echo["max_tool_calls"],
        "model": model,
        "output": output,
    }
    for key in _ECHO_AFTER_OUTPUT:
        body[key] = echo[key]
    body["usage"] = _encode_usage(usage) if usage is not None else None
    body["user"] = echo["user"]
    body["metadata"] = echo["metadata"]
    for key, value in (overlay or {}).items():
        if key not in _RESPONSE_DERIVED:
            body[key] = value
    return body


def _status_of(stop: ir.StopReason) -> tuple[str, str | None]:
    if stop is ir.StopReason.MAX_TOKENS:
        return "incomplete", "max_output_tokens"
    if stop is ir.StopReason.CONTENT_FILTER:
        return "incomplete", "content_filter"
    if stop is ir.StopReason.ERROR:
        return "failed", None
    return "completed", None


def _stop_of(status: Any, incomplete: Any, output: Sequence[Any]) -> ir.StopReason:
    if status == "incomplete":
        reason = incomplete.get("reason") if isinstance(incomplete, Mapping) else None
        return ir.StopReason.CONTENT_FILTER if reason == "content_filter" else ir.StopReason.MAX_TOKENS
    if status == "failed":
        return ir.StopReason.ERROR
    calls = False
    refusal = False
    for item in output:
        if not isinstance(item, Mapping):
            continue
        if item.get("type") in ("function_call", "custom_tool_call"):
            calls = True
        elif item.get("type") == "message":
            for part in item.get("content") or ():
                if isinstance(part, Mapping) and part.get("type") == "refusal":
                    refusal = True
    if calls:
        return ir.StopReason.TOOL_USE
    if refusal:
        return ir.StopReason.REFUSAL
    return ir.StopReason.END_TURN


def decode_response(body: Mapping[str, Any]) -> ir.Response:
    if not isinstance(body, Mapping) or not isinstance(body.get("output", []), list):
        raise UpstreamError("the upstream answered with a malformed Responses object")
    try:
        decoder = _InputDecoder()
        decoder.open = "assistant"
        decoder.messages.append((ir.Role.ASSISTANT, []))
        parts = decoder.messages[0][1]
        opaque: list[list[Any]] = []
        for index, raw in enumerate(body.get("output") or ()):
            path = f"output[{index}]"
            item = _obj(raw, path)
            kind = item.get("type")
            if kind == "message":
                meta = {k: v for k, v in item.items() if k not in ("type", "role", "content")}
                content = _list(item.get("content") or [], _join(path, "content"))
                new = [
                    _decode_content(c, f"{path}.content[{j}]", "output_text") for j, c in enumerate(content)
                ]
                parts.extend(_with_item_meta(new, {"extra": meta} if meta else {}, force=True))
            elif kind in ("function_call", "custom_tool_call"):
                parts.append(_decode_call(item, path, decoder.tool_sigs))
            elif kind == "reasoning":
                parts.extend(_decode_reasoning(item, path, decoder.tool_sigs))
            else:
                opaque.append([len(parts), index, dict(item)])
    except InvalidRequest as exc:
        raise UpstreamError(
            f"the upstream answered with a malformed Responses object: {exc.message}"
        ) from None
    ours: dict[str, Any] = {}
    fields = {k: v for k, v in body.items() if k not in _RESPONSE_DERIVED}
    if fields:
        ours["fields"] = fields
    if opaque:
        ours["items"] = opaque
    created = body.get("created_at")
    return ir.Response(
        id=str(body.get("id") or ""),
        model=str(body.get("model") or ""),
        content=tuple(parts),
        stop_reason=_stop_of(body.get("status"), body.get("incomplete_details"), body.get("output") or ()),
        usage=_decode_usage(body.get("usage")),
        created=int(created) if isinstance(created, int | float) and not isinstance(created, bool) else 0,
        extras={FORMAT: ours},
    )


def encode_response(response: ir.Response, request: ir.Request) -> ir.Encoded:
    response_id = _response_id(response.id)
    writer = _Writer(output=True, id_base=_id_base(response_id), custom_names=_custom_names(request))
    ours = response.extras.get(FORMAT) or {}
    opaque = sorted((list(e) for e in ours.get("items") or ()), key=lambda e: (count(e[0]), count(e[1])))
    output: list[dict[str, Any]] = []
    # Output items are written in runs between the opaque items' positions.
    start = 0
    for at, _, item in opaque:
        end = min(count(at), len(response.content))
        if end > start:
            output.extend(writer.assistant(response.content[start:end], "content"))
            start = end
        output.append(dict(item))
    output.extend(writer.assistant(response.content[start:], "content"))
    drops = list(writer.drops)
    if response.stop_sequence is not None:
        drops.append(ir.Drop("stop_sequence", "Responses does not report stop sequences"))
    status, incomplete = _status_of(response.stop_reason)
    error = (
        {"code": "server_error", "message": "The model failed to generate a response."}
        if status == "failed"
        else None
    )
    body = _response_object(
        response_id=response_id,
        created=response.created,
        model=request.model,
        echo=_echo(request),
        status=status,
        output=output,
        usage=response.usage,
        incomplete=incomplete,
        error=error,
        overlay=ours.get("fields"),
    )
    return ir.Encoded(body=body, drops=tuple(drops))
