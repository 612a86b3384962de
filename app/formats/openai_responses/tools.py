"""Tool definitions, tool choice and tool names. Function tools are flat in Responses; Codex's
freeform `custom` tools (apply_patch) become function tools taking `{"input": string}` with the
original definition kept in `config["responses"]`, and their calls' arguments are turned back
into raw input; hosted tools travel verbatim. Names other vendors allow but OpenAI refuses are
rewritten by `safe_tool_name` and the renames reported as drops.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.core.errors import InvalidRequest
from app.formats import ir
from app.formats.json_values import parse_or_none
from app.formats.openai_responses.checks import _bad, _join, _obj, _opt_bool, _opt_str, _req_str
from app.formats.openai_responses.extras import FORMAT, _ours
from app.formats.tool_names import openai_tool_name

# A name OpenAI accepts (^[a-zA-Z0-9_-]{1,64}$); unchanged when already valid.
safe_tool_name = openai_tool_name


def _custom_tool_as_function(tool: Mapping[str, Any], path: str) -> ir.Tool:
    name = _req_str(tool, "name", path)
    description = _opt_str(tool, "description", path) or ""
    fmt = tool.get("format")
    if isinstance(fmt, Mapping) and fmt.get("type") == "grammar" and isinstance(fmt.get("definition"), str):
        syntax = fmt.get("syntax") or "lark"
        description = (
            f"{description}\n\nThe input must follow this {syntax} grammar:\n{fmt['definition']}".strip()
        )
    return ir.Tool(
        name=name,
        description=description or None,
        parameters={
            "type": "object",
            "properties": {"input": {"type": "string", "description": "The raw input of the tool."}},
            "required": ["input"],
            "additionalProperties": False,
        },
        config={FORMAT: {"custom": dict(tool)}},
    )


def _decode_tool(raw: Any, path: str) -> ir.Tool:
    tool = _obj(raw, path)
    kind = _req_str(tool, "type", path)
    if kind == "function":
        name = _req_str(tool, "name", path)
        params = tool.get("parameters")
        if params is not None:
            _obj(params, _join(path, "parameters"))
        extra = {
            k: v for k, v in tool.items() if k not in ("type", "name", "description", "parameters", "strict")
        }
        if params is None and "parameters" in tool:
            extra["parameters"] = None
        if "strict" not in tool:
            extra["strict_absent"] = True
        return ir.Tool(
            name=name,
            description=_opt_str(tool, "description", path),
            parameters=dict(params) if isinstance(params, Mapping) else {},
            strict=_opt_bool(tool, "strict", path),
            config={FORMAT: {"extra": extra}} if extra else {},
        )
    if kind == "custom":
        return _custom_tool_as_function(tool, path)
    name = tool.get("name") or tool.get("server_label") or kind
    return ir.Tool(name=str(name), kind=kind, config={FORMAT: {"tool": dict(tool)}})


def _decode_tool_choice(value: Any, path: str) -> ir.ToolChoice:
    if isinstance(value, str):
        if value in ("auto", "none", "required"):
            return ir.ToolChoice(ir.ToolChoiceMode(value))
        raise _bad(path, f"unsupported value {value!r}")
    choice = _obj(value, path)
    kind = _req_str(choice, "type", path)
    if kind in ("function", "custom"):
        return ir.ToolChoice(ir.ToolChoiceMode.TOOL, _req_str(choice, "name", path))
    if kind == "allowed_tools":
        mode = choice.get("mode")
        return ir.ToolChoice(ir.ToolChoiceMode.REQUIRED if mode == "required" else ir.ToolChoiceMode.AUTO)
    name = choice.get("name") or choice.get("server_label") or kind
    return ir.ToolChoice(ir.ToolChoiceMode.TOOL, str(name))


def _custom_names(request: ir.Request) -> frozenset[str]:
    return frozenset(t.name for t in request.tools if "custom" in _ours(t.config))


def _custom_input(arguments: str) -> str:
    parsed = parse_or_none(arguments)
    if isinstance(parsed, Mapping) and isinstance(parsed.get("input"), str):
        return str(parsed["input"])
    return arguments


def _encode_tools(request: ir.Request, drops: list[ir.Drop]) -> tuple[list[dict[str, Any]], dict[str, str]]:
    tools: list[dict[str, Any]] = []
    renames: dict[str, str] = {}
    for i, tool in enumerate(request.tools):
        ours = _ours(tool.config)
        if tool.cache is not None:
            drops.append(ir.Drop(f"tools[{i}].cache", "cache marks are not sent to OpenAI"))
        if tool.kind == "function":
            if isinstance(ours.get("custom"), Mapping):
                tools.append(dict(ours["custom"]))
                continue
            extra = dict(ours.get("extra") or {})
            name = safe_tool_name(tool.name)
            if name != tool.name:
                renames[tool.name] = name
                drops.append(ir.Drop(f"tools[{i}].name", f"renamed {tool.name!r} to {name!r} for OpenAI"))
            out: dict[str, Any] = {"type": "function", "name": name}
            if tool.description is not None:
                out["description"] = tool.description
            out["parameters"] = (
                dict(tool.parameters) if "parameters" not in extra else extra.pop("parameters")
            )
            strict_absent = extra.pop("strict_absent", False)
            if tool.strict is not None:
                out["strict"] = tool.strict
            elif not strict_absent:
                # Responses functions are strict unless told otherwise; other formats mean "not strict".
                out["strict"] = False
            out.update(extra)
            tools.append(out)
        elif isinstance(ours.get("tool"), Mapping):
            tools.append(dict(ours["tool"]))
        else:
            drops.append(ir.Drop(f"tools[{i}]", f"built-in tool {tool.kind!r} has no Responses equivalent"))
    return tools, renames


def _encode_tool_choice(request: ir.Request, renames: Mapping[str, str]) -> Any:
    choice = request.tool_choice
    if choice is None:
        return None
    original = (request.extras.get(FORMAT) or {}).get("tool_choice")
    if isinstance(original, Mapping) and _decode_tool_choice(original, "tool_choice") == choice:
        return dict(original)
    if choice.mode is not ir.ToolChoiceMode.TOOL:
        return choice.mode.value
    name = choice.name or ""
    tool = next((t for t in request.tools if t.name == name), None)
    if tool is None or tool.kind == "function":
        if tool is not None and "custom" in _ours(tool.config):
            return {"type": "custom", "name": name}
        return {"type": "function", "name": renames.get(name, name)}
    hosted = _ours(tool.config).get("tool")
    if isinstance(hosted, Mapping):
        return {"type": hosted.get("type", tool.kind)}
    raise InvalidRequest(
        f"tool_choice names the built-in tool {name!r}, which OpenAI Responses cannot force",
        param="tool_choice",
    )
