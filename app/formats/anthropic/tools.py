"""Tools on the Anthropic side: tool-name escaping (`.` and `:`, which Gemini allows and Anthropic
does not, become `-x2e-` / `-x3a-` and are undone on the way back), and decoding of tool definitions
(custom tools and Anthropic's own dated server tools such as `web_search_20250305`) and of
`tool_choice`. Request encoding writes tools with these names and patterns; responses and streams
unescape names."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Final

from app.formats import ir
from app.formats.anthropic.blocks import FORMAT
from app.formats.anthropic.fields import FIELDS, _bad, _obj, _opt_bool, _opt_str, _rest, _str
from app.formats.cache_marks import read_cache_mark
from app.formats.tool_names import safe_name

_TOOL_CHOICE_IN: Final[Mapping[str, ir.ToolChoiceMode]] = {
    "auto": ir.ToolChoiceMode.AUTO,
    "any": ir.ToolChoiceMode.REQUIRED,
    "tool": ir.ToolChoiceMode.TOOL,
    "none": ir.ToolChoiceMode.NONE,
}
_TOOL_CHOICE_OUT: Final[Mapping[ir.ToolChoiceMode, str]] = {v: k for k, v in _TOOL_CHOICE_IN.items()}

# Anthropic's own tool types are dated ("web_search_20250305", "bash_20250124"…).
_ANTHROPIC_TOOL_KIND: Final = re.compile(r"^[a-z][a-z0-9_]*_\d{8}$")
_ANTHROPIC_TOOL_KINDS: Final = frozenset({"mcp_toolset"})
_TOOL_NAME_OK: Final = re.compile(r"^[a-zA-Z0-9_-]{1,128}$")
_TOOL_NAME_ESCAPES: Final[Mapping[str, str]] = {".": "-x2e-", ":": "-x3a-"}
_TOOL_NAME_ESCAPED: Final = re.compile(r"-x(2e|3a)-")
_TOOL_NAME_BAD: Final = re.compile(r"[^a-zA-Z0-9_-]")


def escape_tool_name(name: str) -> tuple[str, bool]:
    """The name as Anthropic accepts it, and whether the change can be undone by `unescape_tool_name`:
    `.` and `:` are escaped; whatever else Anthropic refuses is replaced (`tool_names.safe_name`),
    which cannot be undone."""
    if _TOOL_NAME_OK.match(name):
        return name, True
    escaped = "".join(_TOOL_NAME_ESCAPES.get(c, c) for c in name)
    out = safe_name(escaped, invalid=_TOOL_NAME_BAD, max_length=128, empty="_")
    return out, out == escaped


def unescape_tool_name(name: str) -> str:
    if "-x" not in name:
        return name
    return _TOOL_NAME_ESCAPED.sub(lambda m: "." if m.group(1) == "2e" else ":", name)


def _decode_tool(raw: Any, path: str) -> ir.Tool:
    tool = _obj(raw, path)
    kind = tool.get("type")
    cache = read_cache_mark(tool.get("cache_control"), f"{path}.cache_control", FIELDS)
    if kind is not None and kind != "custom":
        kind = _str(kind, f"{path}.type")
        return ir.Tool(
            name=_opt_str(tool.get("name"), f"{path}.name") or kind,
            kind=kind,
            config=_rest(tool, ("type", "name", "cache_control")),
            cache=cache,
        )
    rest = _rest(tool, ("name", "description", "input_schema", "strict", "cache_control"))
    return ir.Tool(
        name=_str(tool.get("name"), f"{path}.name"),
        description=_opt_str(tool.get("description"), f"{path}.description"),
        parameters=dict(_obj(tool.get("input_schema"), f"{path}.input_schema")),
        strict=_opt_bool(tool.get("strict"), f"{path}.strict"),
        config={FORMAT: rest} if rest else {},
        cache=cache,
    )


def _decode_tool_choice(raw: Any) -> tuple[ir.ToolChoice, bool | None]:
    choice = _obj(raw, "tool_choice")
    mode = _TOOL_CHOICE_IN.get(str(choice.get("type")))
    if mode is None:
        raise _bad("tool_choice.type", "expected 'auto', 'any', 'tool' or 'none'")
    name = _str(choice.get("name"), "tool_choice.name") if mode is ir.ToolChoiceMode.TOOL else None
    disable = _opt_bool(choice.get("disable_parallel_tool_use"), "tool_choice.disable_parallel_tool_use")
    return ir.ToolChoice(mode, name), None if disable is None else not disable
