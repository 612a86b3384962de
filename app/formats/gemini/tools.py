"""Function declarations, built-in tools, tool choice and function names. Gemini groups declarations
and built-ins in `tools` objects, chooses with `toolConfig.functionCallingConfig`, and accepts only
names matching [a-zA-Z_][a-zA-Z0-9_.:-]{0,63}; this module maps all of that to and from the
canonical tools, remembering the original grouping and schemas so a Gemini request round-trips."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Final

from app.core.errors import InvalidRequest
from app.formats import ir
from app.formats.gemini.fields import _camel, _get, _JSONDict, _list, _mapping, _opt_str
from app.formats.gemini.schema import _json_schema_for_gemini, clean_schema, openapi_to_json_schema
from app.formats.tool_names import safe_name

_NAME_INVALID: Final = re.compile(r"[^a-zA-Z0-9_.:-]")


def sanitize_name(name: str) -> str:
    """A function name Gemini accepts: [a-zA-Z_][a-zA-Z0-9_.:-]{0,63}; unchanged when already valid."""
    return safe_name(name, invalid=_NAME_INVALID, max_length=64, letter_first=True, empty="_")


_MODE_TO_CHOICE: Mapping[str, ir.ToolChoiceMode] = {
    "AUTO": ir.ToolChoiceMode.AUTO,
    "VALIDATED": ir.ToolChoiceMode.AUTO,
    "NONE": ir.ToolChoiceMode.NONE,
    "ANY": ir.ToolChoiceMode.REQUIRED,
}
# Gemini's built-in tools (a tool object key other than functionDeclarations).
_BUILTIN_TOOLS = frozenset(
    {
        "googleSearch",
        "googleSearchRetrieval",
        "codeExecution",
        "urlContext",
        "fileSearch",
        "computerUse",
        "googleMaps",
        "retrieval",
        "enterpriseWebSearch",
    }
)


def _decode_tool_choice(tool_config: Mapping[str, Any], param: str) -> ir.ToolChoice | None:
    fcc = _get(tool_config, "functionCallingConfig")
    if fcc is None:
        return None
    fcc = _mapping(fcc, f"{param}.functionCallingConfig")
    mode = (_opt_str(_get(fcc, "mode"), f"{param}.functionCallingConfig.mode") or "AUTO").upper()
    names = _get(fcc, "allowedFunctionNames")
    if names is not None:
        names = _list(names, f"{param}.functionCallingConfig.allowedFunctionNames")
    choice = _MODE_TO_CHOICE.get(mode)
    if choice is None:
        return None
    if choice is ir.ToolChoiceMode.REQUIRED and names and len(names) == 1 and isinstance(names[0], str):
        return ir.ToolChoice(ir.ToolChoiceMode.TOOL, names[0])
    return ir.ToolChoice(choice)


def _encode_tool_choice(choice: ir.ToolChoice) -> _JSONDict:
    if choice.mode is ir.ToolChoiceMode.NONE:
        return {"mode": "NONE"}
    if choice.mode is ir.ToolChoiceMode.REQUIRED:
        return {"mode": "ANY"}
    if choice.mode is ir.ToolChoiceMode.TOOL and choice.name:
        return {"mode": "ANY", "allowedFunctionNames": [sanitize_name(choice.name)]}
    return {"mode": "AUTO"}


def _decode_declaration(decl: Mapping[str, Any], param: str, meta: dict[str, _JSONDict]) -> ir.Tool:
    name = _opt_str(_get(decl, "name"), f"{param}.name")
    if not name:
        raise InvalidRequest("a function declaration needs a name", param=f"{param}.name")
    description = _opt_str(_get(decl, "description"), f"{param}.description")
    info: _JSONDict = {}
    parameters: Mapping[str, Any] = {}
    json_schema = _get(decl, "parametersJsonSchema")
    openapi = _get(decl, "parameters")
    if json_schema is not None:
        parameters = _mapping(json_schema, f"{param}.parametersJsonSchema")
        info["schemaKey"] = "parametersJsonSchema"
    elif openapi is not None:
        original = _mapping(openapi, f"{param}.parameters")
        parameters = openapi_to_json_schema(original)
        info["original"] = original
    for key, value in decl.items():
        camel = _camel(key)
        if camel not in ("name", "description", "parameters", "parametersJsonSchema"):
            info.setdefault("extra", {})[camel] = value
    if info:
        meta[name] = info
    return ir.Tool(name=name, description=description, parameters=dict(parameters))


def _encode_tools(request: ir.Request, own: Mapping[str, Any], drops: list[ir.Drop]) -> list[_JSONDict]:
    declarations: dict[str, _JSONDict] = {}
    builtins: dict[str, _JSONDict] = {}
    meta_all = own.get("functionDeclarations")
    meta_all = meta_all if isinstance(meta_all, Mapping) else {}
    groups = own.get("toolGroups")
    own_builtins = {entry[2:] for group in groups or () for entry in group if entry.startswith("b:")}
    renamed: set[str] = set()
    for i, tool in enumerate(request.tools):
        param = f"tools[{i}]"
        if tool.cache is not None:
            drops.append(ir.Drop(f"{param}.cache", "Gemini has no cache marks on tools"))
        if tool.kind != "function":
            if tool.kind in _BUILTIN_TOOLS or tool.kind in own_builtins:
                builtins[f"b:{tool.kind}"] = {tool.kind: dict(tool.config)}
            else:
                drops.append(ir.Drop(param, f"Gemini has no built-in tool {tool.kind!r}"))
            continue
        if tool.strict:
            drops.append(ir.Drop(f"{param}.strict", "Gemini has no strict flag on function declarations"))
        name = sanitize_name(tool.name)
        if name != tool.name and tool.name not in renamed:
            renamed.add(tool.name)
            drops.append(ir.Drop(f"{param}.name", f"not a valid Gemini function name; sent as {name!r}"))
        decl: _JSONDict = {"name": name}
        if tool.description is not None:
            decl["description"] = tool.description
        meta = meta_all.get(tool.name)
        meta = meta if isinstance(meta, Mapping) else {}
        parameters = dict(tool.parameters)
        if meta.get("schemaKey") == "parametersJsonSchema":
            if parameters:
                decl["parametersJsonSchema"] = parameters
        elif (
            isinstance(meta.get("original"), Mapping)
            and openapi_to_json_schema(meta["original"]) == parameters
        ):
            decl["parameters"] = dict(meta["original"])
        elif parameters:
            cleaned, removed, inexpressible = clean_schema(parameters)
            if inexpressible is not None:
                decl["parametersJsonSchema"] = _json_schema_for_gemini(parameters)
            elif cleaned is not None:
                decl["parameters"] = cleaned
                if removed:
                    listed = ", ".join(sorted(removed))
                    drops.append(ir.Drop(f"{param}.parameters", f"not in Gemini's schema subset: {listed}"))
        extra = meta.get("extra")
        if isinstance(extra, Mapping):
            decl.update(extra)
        declarations[f"f:{tool.name}"] = decl
    wanted = set(declarations) | set(builtins)
    out: list[_JSONDict] = []
    if groups and {entry for group in groups for entry in group} == wanted:
        for group in groups:
            obj: _JSONDict = {}
            decls = [declarations[e] for e in group if e.startswith("f:")]
            if decls:
                obj["functionDeclarations"] = decls
            for entry in group:
                if entry.startswith("b:"):
                    obj.update(builtins[entry])
            out.append(obj)
        return out
    if declarations:
        out.append({"functionDeclarations": list(declarations.values())})
    out.extend(builtins.values())
    return out
