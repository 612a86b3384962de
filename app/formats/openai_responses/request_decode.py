"""`decode_request`: a `POST /v1/responses` body → canonical Request. `instructions` and
system / developer items become system parts, `input` goes through the item decoder, and tools,
tool choice, reasoning, `text.format` and sampling settings map to their canonical fields; every
top-level key without a canonical home is kept verbatim in `extras["responses"]["fields"]`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from app.core.errors import InvalidRequest
from app.formats import ir
from app.formats.openai_responses.checks import (
    _bad,
    _join,
    _list,
    _obj,
    _opt_bool,
    _opt_int,
    _opt_num,
    _opt_str,
    _req_str,
    _str,
)
from app.formats.openai_responses.extras import FORMAT
from app.formats.openai_responses.items_decode import _InputDecoder
from app.formats.openai_responses.reasoning import _INCLUDE_ENCRYPTED
from app.formats.openai_responses.tools import _decode_tool, _decode_tool_choice

# Top-level request keys with a canonical home; every other key is kept verbatim in extras.
_REQUEST_KEYS: Final = frozenset(
    {
        "model",
        "input",
        "instructions",
        "tools",
        "tool_choice",
        "parallel_tool_calls",
        "max_output_tokens",
        "temperature",
        "top_p",
        "reasoning",
        "include",
        "text",
        "stream",
        "user",
        "metadata",
    }
)


def _decode_format(value: Any, path: str) -> ir.ResponseFormat:
    fmt = _obj(value, path)
    kind = _req_str(fmt, "type", path)
    if kind == "json_schema":
        schema = _obj(fmt.get("schema"), _join(path, "schema"))
        return ir.ResponseFormat(
            type=kind,
            schema=dict(schema),
            name=_opt_str(fmt, "name", path),
            strict=_opt_bool(fmt, "strict", path),
            description=_opt_str(fmt, "description", path),
        )
    if kind in ("text", "json_object"):
        return ir.ResponseFormat(type=kind)
    raise _bad(_join(path, "type"), f"unsupported format {kind!r}")


def decode_request(
    body: Mapping[str, Any], *, model: str | None = None, stream: bool | None = None
) -> ir.Request:
    if not isinstance(body, Mapping):
        raise InvalidRequest("The request body must be a JSON object.")
    name = model if model is not None else _req_str(body, "model", "")
    ours: dict[str, Any] = {}
    fields = {k: v for k, v in body.items() if k not in _REQUEST_KEYS}
    if fields:
        ours["fields"] = fields

    decoder = _InputDecoder()
    system: list[ir.TextPart] = []
    instructions = _opt_str(body, "instructions", "")
    if instructions:
        system.append(ir.TextPart(instructions))
    if "input" not in body:
        raise _bad("input", "missing required parameter")
    raw_input = body["input"]
    if isinstance(raw_input, str):
        ours["input_string"] = True
        decoder.messages.append((ir.Role.USER, [ir.TextPart(raw_input)]))
    else:
        for index, raw in enumerate(_list(raw_input, "input")):
            decoder.item(raw, index)
    system.extend(decoder.system)
    if decoder.opaque:
        ours["items"] = decoder.opaque

    tools: list[ir.Tool] = []
    raw_tools = body.get("tools")
    if raw_tools is not None:
        tools = [_decode_tool(raw, f"tools[{i}]") for i, raw in enumerate(_list(raw_tools, "tools"))]

    tool_choice = None
    raw_choice = body.get("tool_choice")
    if raw_choice is not None:
        tool_choice = _decode_tool_choice(raw_choice, "tool_choice")
        if isinstance(raw_choice, Mapping) and raw_choice.get("type") not in ("function", "custom"):
            ours["tool_choice"] = dict(raw_choice)

    include: list[str] = []
    raw_include = body.get("include")
    if raw_include is not None:
        include = [_str(v, f"include[{i}]") for i, v in enumerate(_list(raw_include, "include"))]
        ours["include"] = include

    reasoning = None
    raw_reasoning = body.get("reasoning")
    if raw_reasoning is not None:
        r = _obj(raw_reasoning, "reasoning")
        summary = _opt_str(r, "summary", "reasoning")
        other = {k: v for k, v in r.items() if k not in ("effort", "summary")}
        if summary is None and isinstance(other.get("generate_summary"), str):
            summary = other["generate_summary"]
            ours["summary_from_generate_summary"] = True
        if other:
            ours["reasoning"] = other
        reasoning = ir.Reasoning(
            effort=_opt_str(r, "effort", "reasoning"),
            summary=summary,
            include_encrypted=_INCLUDE_ENCRYPTED in include,
        )

    response_format = None
    raw_text = body.get("text")
    if raw_text is not None:
        text = _obj(raw_text, "text")
        if text.get("format") is not None:
            response_format = _decode_format(text["format"], "text.format")
        other = {k: v for k, v in text.items() if k != "format"}
        if other:
            ours["text"] = other

    metadata = body.get("metadata")
    if metadata is not None:
        metadata = dict(_obj(metadata, "metadata"))
    max_tokens = _opt_int(body, "max_output_tokens", "")
    streaming = stream if stream is not None else bool(_opt_bool(body, "stream", ""))
    return ir.Request(
        model=name,
        messages=tuple(ir.Message(role, tuple(parts)) for role, parts in decoder.messages),
        system=tuple(system),
        tools=tuple(tools),
        tool_choice=tool_choice,
        parallel_tool_calls=_opt_bool(body, "parallel_tool_calls", ""),
        max_output_tokens=max_tokens,
        temperature=_opt_num(body, "temperature", ""),
        top_p=_opt_num(body, "top_p", ""),
        reasoning=reasoning,
        response_format=response_format,
        stream=streaming,
        user=_opt_str(body, "user", ""),
        metadata=metadata or {},
        extras={FORMAT: ours},
    )
