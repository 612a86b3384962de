"""Tools in Chat Completions: names made acceptable to OpenAI (`sanitize_tool_name`, deterministic so
the answer's tool calls can be mapped back), decoding `tools` and `tool_choice` (function, custom,
allowed_tools), and reading Gemini's thought signature from a tool call's `extra_content`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.formats import ir
from app.formats.cache_marks import read_cache_mark
from app.formats.openai_chat.checks import FIELDS, _fail, _list, _obj, _opt_bool, _opt_str, _str
from app.formats.tool_names import openai_tool_name

# A name OpenAI accepts (^[a-zA-Z0-9_-]{1,64}$); unchanged when already valid.
sanitize_tool_name = openai_tool_name


def tool_name_mapping(request: ir.Request) -> dict[str, str]:
    """Sanitized name → original name for the tools of `request` that had to be renamed; the caller
    maps tool calls in the upstream's answer back with it (decoders do not see the request)."""
    return {
        sanitize_tool_name(tool.name): tool.name
        for tool in request.tools
        if sanitize_tool_name(tool.name) != tool.name
    }


def _decode_tools(raw: object) -> tuple[ir.Tool, ...]:
    if raw is None:
        return ()
    tools: list[ir.Tool] = []
    for i, tool in enumerate(_list(raw, "tools")):
        path = f"tools[{i}]"
        tool = _obj(tool, path)
        kind = tool.get("type") or "function"
        if kind == "function":
            function = _obj(tool.get("function"), f"{path}.function")
            parameters = function.get("parameters")
            tools.append(
                ir.Tool(
                    name=_str(function.get("name"), f"{path}.function.name"),
                    description=_opt_str(function.get("description"), f"{path}.function.description"),
                    parameters=_obj(parameters, f"{path}.function.parameters")
                    if parameters is not None
                    else {},
                    strict=_opt_bool(function.get("strict"), f"{path}.function.strict"),
                    cache=read_cache_mark(tool.get("cache_control"), f"{path}.cache_control", FIELDS),
                )
            )
        elif kind == "custom":
            custom = _obj(tool.get("custom"), f"{path}.custom")
            tools.append(
                ir.Tool(
                    name=_str(custom.get("name"), f"{path}.custom.name"),
                    description=_opt_str(custom.get("description"), f"{path}.custom.description"),
                    kind="custom",
                    config=dict(tool),
                )
            )
        else:
            _fail(f"Invalid value: '{kind}'. Supported values are: 'function' and 'custom'.", f"{path}.type")
    return tuple(tools)


def _decode_tool_choice(raw: object, extras: dict[str, Any]) -> ir.ToolChoice | None:
    if raw is None:
        return None
    if isinstance(raw, str):
        try:
            mode = ir.ToolChoiceMode(raw)
        except ValueError:
            mode = None
        if mode is None or mode is ir.ToolChoiceMode.TOOL:
            _fail(
                f"Invalid value: '{raw}'. Supported values are: 'none', 'auto', and 'required'.",
                "tool_choice",
            )
        return ir.ToolChoice(mode)
    choice = _obj(raw, "tool_choice")
    kind = choice.get("type")
    if kind == "function":
        function = _obj(choice.get("function"), "tool_choice.function")
        return ir.ToolChoice(ir.ToolChoiceMode.TOOL, _str(function.get("name"), "tool_choice.function.name"))
    if kind == "custom":
        custom = _obj(choice.get("custom"), "tool_choice.custom")
        return ir.ToolChoice(ir.ToolChoiceMode.TOOL, _str(custom.get("name"), "tool_choice.custom.name"))
    if kind == "allowed_tools":
        allowed = _obj(choice.get("allowed_tools"), "tool_choice.allowed_tools")
        mode_name = allowed.get("mode")
        if mode_name not in ("auto", "required"):
            _fail(
                f"Invalid value: '{mode_name}'. Supported values are: 'auto' and 'required'.",
                "tool_choice.allowed_tools.mode",
            )
        _list(allowed.get("tools"), "tool_choice.allowed_tools.tools")
        extras["_tool_choice"] = dict(choice)
        return ir.ToolChoice(ir.ToolChoiceMode(mode_name))
    _fail(
        f"Invalid value: '{kind}'. Supported values are: 'function', 'custom', and 'allowed_tools'.",
        "tool_choice.type",
    )


def _thought_signature(call: Mapping[str, Any]) -> str | None:
    extra = call.get("extra_content")
    if isinstance(extra, dict):
        google = extra.get("google")
        if isinstance(google, dict) and isinstance(google.get("thought_signature"), str):
            return str(google["thought_signature"])
    return None
