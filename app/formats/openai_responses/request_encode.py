"""`encode_request`: canonical Request → `POST /v1/responses` body. Unmarked system parts become
`instructions`; marked ones and opaque hosted-tool items are put back at their original
positions in `input`; parameters Responses lacks (top_k, seed, penalties, stop) are reported as
drops. Requests from other formats get `store: false`, because the gateway is stateless.
"""

from __future__ import annotations

from typing import Any

from app.formats import ir
from app.formats.json_values import count
from app.formats.openai_responses.extras import FORMAT, _ours
from app.formats.openai_responses.items_encode import _Writer
from app.formats.openai_responses.reasoning import _encode_include, _encode_reasoning
from app.formats.openai_responses.tools import _custom_names, _encode_tool_choice, _encode_tools


def _encode_format(fmt: ir.ResponseFormat) -> dict[str, Any]:
    if fmt.type != "json_schema":
        return {"type": fmt.type}
    out: dict[str, Any] = {
        "type": "json_schema",
        "name": fmt.name or "response",
        "schema": dict(fmt.schema or {}),
    }
    if fmt.description is not None:
        out["description"] = fmt.description
    if fmt.strict is not None:
        out["strict"] = fmt.strict
    return out


def _encode_text(request: ir.Request) -> dict[str, Any] | None:
    ours = request.extras.get(FORMAT) or {}
    text = dict(ours.get("text") or {})
    if request.response_format is not None:
        text = {"format": _encode_format(request.response_format), **text}
    return text or None


def _split_system(request: ir.Request, drops: list[ir.Drop]) -> tuple[str | None, list[list[Any]]]:
    """Unmarked system parts → `instructions`; parts marked with a role → message items, each
    returned as [at, input index, item]."""
    texts: list[str] = []
    items: dict[tuple[int, int, str], tuple[dict[str, Any], list[dict[str, Any]]]] = {}
    for k, part in enumerate(request.system):
        mark = _ours(part.extras)
        role = mark.get("role")
        if role not in ("system", "developer"):
            texts.append(part.text)
            if part.cache is not None:
                drops.append(ir.Drop(f"system[{k}].cache", "cache marks are not sent to OpenAI"))
            continue
        at, index = count(mark.get("at")), count(mark.get("i"))
        key = (at, index, str(role))
        if key not in items:
            items[key] = (dict(mark.get("item") or {}), [])
        meta, content = items[key]
        out: dict[str, Any] = {"type": mark.get("ptype") or "input_text", "text": part.text}
        out.update(mark.get("pextra") or {})
        content.append(out)
    placed: list[list[Any]] = []
    for (at, index, role), (meta, content) in items.items():
        item: dict[str, Any] = {}
        if not meta.get("untyped"):
            item["type"] = "message"
        item["role"] = role
        if meta.get("string") and len(content) == 1 and len(content[0]) == 2:
            item["content"] = content[0]["text"]
        else:
            item["content"] = content
        item.update(meta.get("extra") or {})
        placed.append([at, index, item])
    return ("\n\n".join(texts) if texts else None), placed


def encode_request(request: ir.Request) -> ir.Encoded:
    drops: list[ir.Drop] = []
    ours = request.extras.get(FORMAT)
    from_responses = ours is not None
    ours = ours or {}

    tools, renames = _encode_tools(request, drops)
    instructions, placed = _split_system(request, drops)
    placed.extend(list(entry) for entry in ours.get("items") or ())
    placed.sort(key=lambda entry: (count(entry[0]), count(entry[1])))

    writer = _Writer(output=False, custom_names=_custom_names(request), renames=renames)
    items: list[Any] = []
    cursor = 0
    for m, message in enumerate(request.messages):
        while cursor < len(placed) and count(placed[cursor][0]) <= m:
            items.append(placed[cursor][2])
            cursor += 1
        path = f"messages[{m}]"
        if message.name is not None:
            drops.append(ir.Drop(f"{path}.name", "Responses messages have no name"))
        if message.role is ir.Role.ASSISTANT:
            items.extend(writer.assistant(message.parts, path))
        else:
            items.extend(writer.user(message.parts, path))
    items.extend(entry[2] for entry in placed[cursor:])
    drops.extend(writer.drops)

    body: dict[str, Any] = {"model": request.model}
    if instructions is not None:
        body["instructions"] = instructions
    if (
        ours.get("input_string")
        and len(items) == 1
        and items[0].get("role") == "user"
        and isinstance(items[0].get("content"), list)
        and len(items[0]["content"]) == 1
        and items[0]["content"][0].keys() == {"type", "text"}
        and items[0]["content"][0]["type"] == "input_text"
    ):
        body["input"] = items[0]["content"][0]["text"]
    else:
        body["input"] = items
    if tools or request.tools:
        body["tools"] = tools
    choice = _encode_tool_choice(request, renames)
    if choice is not None:
        body["tool_choice"] = choice
    if request.parallel_tool_calls is not None:
        body["parallel_tool_calls"] = request.parallel_tool_calls
    reasoning = _encode_reasoning(request, drops)
    if reasoning is not None:
        body["reasoning"] = reasoning
    if not from_responses:
        body["store"] = False  # the gateway is stateless: never ask OpenAI to keep a copy
    if request.stream:
        body["stream"] = True
    include = _encode_include(request)
    if include is not None:
        body["include"] = include
    text = _encode_text(request)
    if text is not None:
        body["text"] = text
    if request.max_output_tokens is not None:
        body["max_output_tokens"] = request.max_output_tokens
    if request.temperature is not None:
        body["temperature"] = request.temperature
    if request.top_p is not None:
        body["top_p"] = request.top_p
    if request.user is not None:
        body["user"] = request.user
    if request.metadata:
        body["metadata"] = dict(request.metadata)
    for key, value in (ours.get("fields") or {}).items():
        body.setdefault(key, value)

    for name, value in (
        ("top_k", request.top_k),
        ("seed", request.seed),
        ("presence_penalty", request.presence_penalty),
        ("frequency_penalty", request.frequency_penalty),
    ):
        if value is not None:
            drops.append(ir.Drop(name, "OpenAI Responses has no such parameter"))
    if request.stop:
        drops.append(ir.Drop("stop", "OpenAI Responses has no stop sequences"))
    return ir.Encoded(body=body, drops=tuple(drops))
