"""Gemini `generateContent` request body → canonical Request. The model and streaming come from the
URL (passed in), `contents` turns become messages, and everything without a canonical field
(tool grouping, original schemas and configs, unknown keys) is kept in `extras["gemini"]` so the
request can be encoded back for Gemini unchanged."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from app.core.errors import InvalidRequest
from app.formats import ir
from app.formats.gemini.fields import (
    FORMAT,
    SYNTHETIC_ID_PREFIX,
    _camel,
    _camel_keys,
    _get,
    _JSONDict,
    _list,
    _mapping,
    _opt_int,
    _opt_list,
    _opt_number,
    _opt_str,
)
from app.formats.gemini.parts_decode import _CallLinker, _decode_parts
from app.formats.gemini.schema import openapi_to_json_schema
from app.formats.gemini.thinking import _decode_thinking
from app.formats.gemini.tools import _decode_declaration, _decode_tool_choice

_GEN_CONFIG_MAPPED = frozenset(
    {
        "temperature",
        "topP",
        "topK",
        "maxOutputTokens",
        "stopSequences",
        "seed",
        "presencePenalty",
        "frequencyPenalty",
        "responseMimeType",
        "responseSchema",
        "responseJsonSchema",
        "thinkingConfig",
    }
)
_TOP_LEVEL = frozenset({"contents", "systemInstruction", "tools", "toolConfig", "generationConfig", "model"})


def _decode_system(value: Any) -> tuple[tuple[ir.TextPart, ...], str | None]:
    if isinstance(value, str):
        return (ir.TextPart(value),), None
    system = _mapping(value, "systemInstruction")
    role = _opt_str(_get(system, "role"), "systemInstruction.role")
    parts: list[ir.TextPart] = []
    for j, raw in enumerate(_opt_list(_get(system, "parts"), "systemInstruction.parts")):
        part = _mapping(raw, f"systemInstruction.parts[{j}]")
        text = _opt_str(part.get("text"), f"systemInstruction.parts[{j}].text")
        if text is None:
            raise InvalidRequest(
                "system instruction parts must be text", param=f"systemInstruction.parts[{j}]"
            )
        parts.append(ir.TextPart(text))
    return tuple(parts), role


def _decode_response_format(gc: Mapping[str, Any], extras: _JSONDict) -> ir.ResponseFormat | None:
    mime = _opt_str(_get(gc, "responseMimeType"), "generationConfig.responseMimeType")
    json_schema = _get(gc, "responseJsonSchema")
    schema = _get(gc, "responseSchema")
    if json_schema is not None:
        rjs = _mapping(json_schema, "generationConfig.responseJsonSchema")
        if mime not in (None, "application/json"):
            extras["responseMimeType"] = mime
        return ir.ResponseFormat(type="json_schema", schema=dict(rjs))
    if schema is not None and mime == "application/json":
        original = _mapping(schema, "generationConfig.responseSchema")
        extras["responseSchema"] = dict(original)
        return ir.ResponseFormat(type="json_schema", schema=openapi_to_json_schema(original))
    if schema is not None:
        extras.setdefault("generationConfig", {})["responseSchema"] = schema
        if mime is not None:
            extras["generationConfig"]["responseMimeType"] = mime
        return None
    if mime == "application/json":
        return ir.ResponseFormat(type="json_object")
    if mime == "text/plain":
        return ir.ResponseFormat(type="text")
    if mime is not None:
        extras.setdefault("generationConfig", {})["responseMimeType"] = mime
    return None


def _request_ids(message_index: int) -> Callable[[int], str]:
    """Ids for the calls of one history turn that came without one: stable as the history grows."""

    def make(part_index: int) -> str:
        return f"{SYNTHETIC_ID_PREFIX}r{message_index}_{part_index}"

    return make


def _decode_request(body: Mapping[str, Any], model: str | None, stream: bool | None) -> ir.Request:
    if not isinstance(body, Mapping):
        raise InvalidRequest("the request body must be a JSON object")
    extras: _JSONDict = {}
    for key, value in body.items():
        if _camel(key) not in _TOP_LEVEL:
            extras[_camel(key)] = value
    if model is None:
        body_model = _opt_str(_get(body, "model"), "model")
        if not body_model:
            raise InvalidRequest(
                "the model is part of the URL: /models/{model}:generateContent", param="model"
            )
        model = body_model
    model = model.removeprefix("models/")

    linker = _CallLinker()
    # Parts stay lists until the end: a later response may give an earlier call its id.
    turns: list[tuple[ir.Role, list[ir.Part]]] = []
    for i, raw in enumerate(_opt_list(_get(body, "contents"), "contents")):
        param = f"contents[{i}]"
        content = _mapping(raw, param)
        role_name = _opt_str(_get(content, "role"), f"{param}.role") or "user"
        if role_name == "model":
            role = ir.Role.ASSISTANT
        elif role_name in ("user", "function", "tool"):
            role = ir.Role.USER
        else:
            raise InvalidRequest(
                f"unknown role {role_name!r}: expected 'user' or 'model'", param=f"{param}.role"
            )
        raw_parts = _opt_list(_get(content, "parts"), f"{param}.parts")
        parts = _decode_parts(raw_parts, f"{param}.parts", linker, _request_ids(i))
        turns.append((role, parts))

    system: tuple[ir.TextPart, ...] = ()
    if _get(body, "systemInstruction") is not None:
        system, system_role = _decode_system(_get(body, "systemInstruction"))
        if system_role is not None:
            extras["systemInstructionRole"] = system_role

    tools: list[ir.Tool] = []
    tool_groups: list[list[str]] = []
    declaration_meta: dict[str, _JSONDict] = {}
    for t, raw in enumerate(_opt_list(_get(body, "tools"), "tools")):
        tool_obj = _mapping(raw, f"tools[{t}]")
        group: list[str] = []
        for key, value in tool_obj.items():
            camel = _camel(key)
            if camel == "functionDeclarations":
                for d, decl in enumerate(_list(value, f"tools[{t}].{key}")):
                    d_param = f"tools[{t}].functionDeclarations[{d}]"
                    tool = _decode_declaration(_mapping(decl, d_param), d_param, declaration_meta)
                    tools.append(tool)
                    group.append(f"f:{tool.name}")
            else:
                config = value if isinstance(value, Mapping) else {}
                tools.append(ir.Tool(name=camel, kind=camel, config=dict(config)))
                group.append(f"b:{camel}")
        tool_groups.append(group)
    if tools:
        extras["toolGroups"] = tool_groups
    if declaration_meta:
        extras["functionDeclarations"] = declaration_meta

    tool_choice: ir.ToolChoice | None = None
    tool_config = _get(body, "toolConfig")
    if tool_config is not None:
        tool_config = _mapping(tool_config, "toolConfig")
        tool_choice = _decode_tool_choice(tool_config, "toolConfig")
        extras["toolConfig"] = _camel_keys(tool_config)

    gc_raw = _get(body, "generationConfig")
    gc: Mapping[str, Any] = _mapping(gc_raw, "generationConfig") if gc_raw is not None else {}
    leftover = {_camel(k): v for k, v in gc.items() if _camel(k) not in _GEN_CONFIG_MAPPED}
    if leftover:
        extras["generationConfig"] = leftover
    reasoning: ir.Reasoning | None = None
    thinking = _get(gc, "thinkingConfig")
    if thinking is not None:
        thinking = _mapping(thinking, "generationConfig.thinkingConfig")
        reasoning = _decode_thinking(thinking, "generationConfig.thinkingConfig")
        extras["thinkingConfig"] = _camel_keys(thinking)
    stop = _get(gc, "stopSequences")
    stop_list = tuple(_list(stop, "generationConfig.stopSequences")) if stop is not None else ()
    if not all(isinstance(s, str) for s in stop_list):
        raise InvalidRequest("stop sequences must be strings", param="generationConfig.stopSequences")
    response_format = _decode_response_format(gc, extras)
    top_k = _opt_number(_get(gc, "topK"), "generationConfig.topK")

    return ir.Request(
        model=model,
        messages=tuple(ir.Message(role=role, parts=tuple(parts)) for role, parts in turns),
        system=system,
        tools=tuple(tools),
        tool_choice=tool_choice,
        max_output_tokens=_opt_int(_get(gc, "maxOutputTokens"), "generationConfig.maxOutputTokens"),
        temperature=_opt_number(_get(gc, "temperature"), "generationConfig.temperature"),
        top_p=_opt_number(_get(gc, "topP"), "generationConfig.topP"),
        top_k=int(top_k) if top_k is not None else None,
        stop=stop_list,
        seed=_opt_int(_get(gc, "seed"), "generationConfig.seed"),
        presence_penalty=_opt_number(_get(gc, "presencePenalty"), "generationConfig.presencePenalty"),
        frequency_penalty=_opt_number(_get(gc, "frequencyPenalty"), "generationConfig.frequencyPenalty"),
        reasoning=reasoning,
        response_format=response_format,
        stream=bool(stream),
        extras={FORMAT: extras} if extras else {},
    )
