"""A non-streamed `chat.completion` ⇄ `ir.Response`. Decoding is lenient (upstreams differ: Mistral
content chunks, DeepSeek/OpenRouter reasoning fields, legacy function calls); what has no canonical
home (logprobs, further choices, fields a server left out, unknown fields) is kept in extras so an
answer passed back to a Chat client is the upstream's own."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from app.formats import ir
from app.formats.json_values import json_text
from app.formats.openai_chat.reasoning import _parts_from_reasoning_details, _thinking_fields
from app.formats.openai_chat.tools import _thought_signature
from app.formats.openai_chat.usage import _ir_usage, _usage_json
from app.formats.openai_chat.vocabulary import FORMAT, _completion_id, _finish_reason, _stop_reason

_RESPONSE_FIELDS: Final = frozenset(
    {"id", "object", "created", "model", "choices", "usage", "system_fingerprint", "service_tier"}
)
_MESSAGE_FIELDS: Final = frozenset(
    {
        "role",
        "content",
        "refusal",
        "tool_calls",
        "function_call",
        "annotations",
        "reasoning_content",
        "reasoning",
        "reasoning_details",
    }
)


def decode_response(body: Mapping[str, Any]) -> ir.Response:
    extras: dict[str, Any] = {}
    choices = body.get("choices")
    choices = choices if isinstance(choices, list) else []
    first = choices[0] if choices and isinstance(choices[0], dict) else {}
    message = first.get("message")
    message = message if isinstance(message, dict) else {}
    content = _decode_message_parts(message, extras)
    finish = first.get("finish_reason")
    stop = _stop_reason(finish)
    if stop is ir.StopReason.END_TURN and isinstance(message.get("refusal"), str) and message["refusal"]:
        stop = ir.StopReason.REFUSAL
    if finish is not None:
        extras["finish_reason"] = finish
    if first.get("logprobs") is not None:
        extras["logprobs"] = first["logprobs"]
    if len(choices) > 1:
        extras["choices_rest"] = choices[1:]
    for key in ("system_fingerprint", "service_tier"):
        if key in body:
            extras[key] = body[key]
    absent = [key for key in ("service_tier", "system_fingerprint") if key not in body]
    absent += [f"message.{key}" for key in ("refusal", "annotations") if key not in message]
    if "logprobs" not in first:
        absent.append("logprobs")
    if absent:
        extras["absent"] = absent
    message_x = {k: v for k, v in message.items() if k not in _MESSAGE_FIELDS}
    if message_x:
        extras["message_x"] = message_x
    top_x = {k: v for k, v in body.items() if k not in _RESPONSE_FIELDS}
    if top_x:
        extras["x"] = top_x
    raw_usage = body.get("usage")
    usage = ir.Usage()
    if isinstance(raw_usage, dict):
        usage = _ir_usage(raw_usage)
        extras["usage"] = raw_usage
    created = body.get("created")
    return ir.Response(
        id=str(body.get("id") or ""),
        model=str(body.get("model") or ""),
        content=tuple(content),
        stop_reason=stop,
        usage=usage,
        created=created if isinstance(created, int) and not isinstance(created, bool) else 0,
        extras={FORMAT: extras},
    )


def encode_response(response: ir.Response, request: ir.Request) -> ir.Encoded:
    own = response.extras.get(FORMAT) or {}
    drops: list[ir.Drop] = []
    message = _response_message(response, drops)
    for i, part in enumerate(response.content):
        if (
            isinstance(part, ir.ThinkingPart)
            and not part.text
            and part.encrypted is None
            and part.signature is None
        ):
            drops.append(ir.Drop(f"content[{i}]", "empty reasoning"))
    if response.stop_sequence is not None:
        drops.append(ir.Drop("stop_sequence", "OpenAI Chat does not say which stop sequence matched"))
    choice: dict[str, Any] = {
        "index": 0,
        "message": message,
        "logprobs": own.get("logprobs"),
        "finish_reason": _finish_reason(response.stop_reason, own.get("finish_reason")),
    }
    body: dict[str, Any] = {
        # An id of this format is kept as it is (DeepSeek's are bare UUIDs).
        "id": response.id if own else _completion_id(response.id),
        "object": "chat.completion",
        "created": response.created,
        "model": request.model,
        "choices": [choice, *(own.get("choices_rest") or ())],
        "usage": _usage_json(response.usage, own.get("usage")),
        "service_tier": own.get("service_tier", "default"),
        "system_fingerprint": own.get("system_fingerprint"),
    }
    extra = own.get("x")
    if isinstance(extra, dict):
        body.update(extra)
    absent = own.get("absent")
    for key in absent if isinstance(absent, list) else ():
        if key in ("service_tier", "system_fingerprint"):
            body.pop(key, None)
        elif key == "logprobs":
            choice.pop("logprobs", None)
        elif isinstance(key, str) and key.startswith("message."):
            message.pop(key.removeprefix("message."), None)
    return ir.Encoded(body, tuple(drops))


def _decode_message_parts(message: Mapping[str, Any], extras: dict[str, Any]) -> list[ir.Part]:
    """A response `message` → parts: thinking, text (or refusal), tool calls."""
    parts: list[ir.Part] = []
    field = "reasoning_content" if isinstance(message.get("reasoning_content"), str) else "reasoning"
    plain = message.get(field) if isinstance(message.get(field), str) else None
    if field == "reasoning" and plain is not None:
        extras["reasoning_field"] = "reasoning"
    details = message.get("reasoning_details")
    thinking_texts: list[ir.Part] = []
    content = message.get("content")
    texts: list[ir.Part] = []
    annotations = message.get("annotations")
    text_extras: dict[str, Any] = {}
    if isinstance(annotations, list) and annotations:
        text_extras = {FORMAT: {"annotations": annotations}}
    if isinstance(content, str):
        if content:
            texts.append(ir.TextPart(content, extras=text_extras))
    elif isinstance(content, list):  # Mistral-style content chunks, possibly with thinking
        for chunk in content:
            if not isinstance(chunk, dict):
                continue
            if chunk.get("type") == "text" and isinstance(chunk.get("text"), str):
                texts.append(ir.TextPart(chunk["text"]))
            elif chunk.get("type") == "thinking" and isinstance(chunk.get("thinking"), list):
                text = "".join(
                    t.get("text", "")
                    for t in chunk["thinking"]
                    if isinstance(t, dict) and isinstance(t.get("text"), str)
                )
                thinking_texts.append(ir.ThinkingPart(text))
        extras["content_list"] = True
    if isinstance(details, list) and details:
        parts.extend(_parts_from_reasoning_details(details, plain))
    elif plain:
        parts.append(ir.ThinkingPart(plain))
    parts.extend(thinking_texts)
    parts.extend(texts)
    refusal = message.get("refusal")
    if isinstance(refusal, str) and refusal:
        parts.append(ir.TextPart(refusal, extras={FORMAT: {"refusal": True}}))
    tool_calls = message.get("tool_calls")
    if isinstance(tool_calls, list):
        for i, call in enumerate(tool_calls):
            if not isinstance(call, dict):
                continue
            parts.append(_response_tool_call(call, i))
    function_call = message.get("function_call")
    if isinstance(function_call, dict) and isinstance(function_call.get("name"), str):
        arguments = function_call.get("arguments")
        parts.append(
            ir.ToolCallPart(
                "call_legacy_0",
                function_call["name"],
                arguments if isinstance(arguments, str) else "",
                extras={FORMAT: {"legacy": True}},
            )
        )
    return parts


def _response_tool_call(call: Mapping[str, Any], index: int) -> ir.ToolCallPart:
    call_id = call.get("id") if isinstance(call.get("id"), str) and call.get("id") else f"call_{index}"
    extras: dict[str, Any] = {}
    signature = _thought_signature(call)
    if call.get("type") == "custom" and isinstance(call.get("custom"), dict):
        custom = call["custom"]
        name = custom.get("name") if isinstance(custom.get("name"), str) else ""
        arguments = custom.get("input") if isinstance(custom.get("input"), str) else ""
        extras["type"] = "custom"
    else:
        function = call.get("function")
        function = function if isinstance(function, dict) else {}
        name = function.get("name") if isinstance(function.get("name"), str) else ""
        raw_arguments = function.get("arguments")
        if isinstance(raw_arguments, str):
            arguments = raw_arguments
        elif isinstance(raw_arguments, dict):
            arguments = json_text(raw_arguments)
        else:
            arguments = ""
    return ir.ToolCallPart(
        str(call_id),
        str(name),
        str(arguments),
        thought_signature=signature,
        extras={FORMAT: extras} if extras else {},
    )


def _response_message(response: ir.Response, drops: list[ir.Drop]) -> dict[str, Any]:
    own = response.extras.get(FORMAT) or {}
    texts: list[str] = []
    refusals: list[str] = []
    annotations: list[Any] = []
    calls: list[dict[str, Any]] = []
    thinking: list[ir.ThinkingPart | ir.RedactedThinkingPart] = []
    legacy_call: dict[str, Any] | None = None
    for i, part in enumerate(response.content):
        path = f"content[{i}]"
        if isinstance(part, ir.TextPart):
            mine = part.extras.get(FORMAT)
            mine = mine if isinstance(mine, dict) else {}
            if mine.get("refusal"):
                refusals.append(part.text)
            else:
                texts.append(part.text)
            found = mine.get("annotations")
            if isinstance(found, list):
                annotations.extend(found)
            if any(key != FORMAT for key in part.extras):
                drops.append(ir.Drop(f"{path}.extras", "citations of another format are not sent"))
        elif isinstance(part, ir.ToolCallPart):
            mine = part.extras.get(FORMAT)
            mine = mine if isinstance(mine, dict) else {}
            if mine.get("legacy"):
                legacy_call = {"name": part.name, "arguments": part.arguments}
                continue
            calls.append(_tool_call_json(part))
        elif isinstance(part, ir.ThinkingPart | ir.RedactedThinkingPart):
            thinking.append(part)
        else:
            drops.append(ir.Drop(path, f"OpenAI Chat answers cannot hold {type(part).__name__}"))
    message: dict[str, Any] = {"role": "assistant", "content": "".join(texts) if texts else None}
    if own.get("content_list") and texts:
        message["content"] = [{"type": "text", "text": t} for t in texts]
    field = own.get("reasoning_field") if isinstance(own.get("reasoning_field"), str) else "reasoning_content"
    fields, _ = _thinking_fields(thinking, str(field))
    message.update(fields)
    if calls:
        message["tool_calls"] = calls
    if legacy_call is not None:
        message["function_call"] = legacy_call
    message["refusal"] = "".join(refusals) if refusals else None
    message["annotations"] = annotations
    extra = own.get("message_x")
    if isinstance(extra, dict):
        message.update(extra)
    return message


def _tool_call_json(part: ir.ToolCallPart) -> dict[str, Any]:
    mine = part.extras.get(FORMAT)
    mine = mine if isinstance(mine, dict) else {}
    out: dict[str, Any]
    if mine.get("type") == "custom":
        out = {"id": part.id, "type": "custom", "custom": {"name": part.name, "input": part.arguments}}
    else:
        out = {
            "id": part.id,
            "type": "function",
            "function": {"name": part.name, "arguments": part.arguments},
        }
    if part.thought_signature is not None:
        out["extra_content"] = {"google": {"thought_signature": part.thought_signature}}
    return out
