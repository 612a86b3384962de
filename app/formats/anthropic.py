"""Anthropic Messages (`POST /v1/messages`) ⇄ the canonical form.

Conventions of this adapter (the rest of the app only sees the canonical form):

* `Request.extras["anthropic"]` holds the top-level fields with no canonical home, verbatim
  (`context_management`, `container`, `mcp_servers`, `service_tier`, top-level `cache_control`…);
  the encoder copies them back. Keys starting with `_` are hints for this adapter and never copied:
  `_thinking` / `_output_config` (the raw objects, for what surrounds the canonical `Reasoning`),
  `_output_format` (the request used the beta top-level `output_format`), `_blocks` (fields of a
  content block whose canonical part has no `extras`, keyed "message.block[.inner]") and `_lists`
  (where a lone text block was written as a list, not the string shorthand). With them a same-format
  round trip reproduces the body exactly, which keeps prompt-cache prefixes intact when one turn is
  relayed as is and the next one is decoded and re-encoded.
  A router may set `_thinking: {"type": "adaptive"}` on a request from another format to ask for
  adaptive thinking (with the canonical effort as `output_config.effort`) on models that prefer it;
  by default a canonical effort becomes `{"type": "enabled", "budget_tokens": <its budget>}`.
* A content block this adapter does not model (`server_tool_use`, `web_search_tool_result`,
  `search_result`, `container_upload`…) travels as `TextPart("", extras={"anthropic": {"block": raw}})`
  and comes back unchanged; in streams as `BlockStart(kind=TEXT, data=<the block as JSON>)` sent
  whole at the block's stop. Other fields of text and tool_use blocks (citations, caller…) live in the
  part's `extras["anthropic"]`; fields of custom tools (defer_loading…) in `Tool.config["anthropic"]`;
  a server tool (`web_search_20250305`, `bash_20250124`…) is `Tool(kind=<type>, config=<its fields>)`.
* From other formats: consecutive same-role messages are merged and tool results moved to the front of
  their user turn; a lone plain text is written as the string shorthand.
* Tool names from formats allowing `.` and `:` (Gemini) are escaped as `-x2e-` / `-x3a-` on the way to
  Anthropic and unescaped by the response and stream decoders.
* Usage: Anthropic's `input_tokens` excludes cache reads and writes; the canonical one includes them.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

import orjson

from app.core.errors import InvalidRequest
from app.core.records import WireFormat
from app.formats import ir
from app.formats.adapter import ErrorInfo, FormatAdapter
from app.formats.sse import SSEEvent, SSEParser, encode_event

FORMAT: Final = "anthropic"

# Without thinking, and with it (max_tokens must exceed budget_tokens and every thinking-capable
# Claude model accepts 32000).
DEFAULT_MAX_TOKENS: Final = 8192
DEFAULT_MAX_TOKENS_THINKING: Final = 32000
MIN_THINKING_BUDGET: Final = 1024
EFFORT_LEVELS: Final = frozenset({"low", "medium", "high", "xhigh", "max"})

_REQUEST_FIELDS: Final = frozenset(
    {
        "model",
        "messages",
        "system",
        "max_tokens",
        "temperature",
        "top_p",
        "top_k",
        "stop_sequences",
        "stream",
        "metadata",
        "tools",
        "tool_choice",
        "thinking",
        "output_config",
        "output_format",
    }
)
_RESPONSE_FIELDS: Final = frozenset(
    {"id", "type", "role", "model", "content", "stop_reason", "stop_sequence", "usage"}
)
_USAGE_FIELDS: Final = frozenset(
    {
        "input_tokens",
        "output_tokens",
        "cache_creation_input_tokens",
        "cache_read_input_tokens",
        "output_tokens_details",
    }
)

_STOP_IN: Final[Mapping[str, ir.StopReason]] = {
    "end_turn": ir.StopReason.END_TURN,
    "max_tokens": ir.StopReason.MAX_TOKENS,
    "stop_sequence": ir.StopReason.STOP_SEQUENCE,
    "tool_use": ir.StopReason.TOOL_USE,
    "pause_turn": ir.StopReason.PAUSE,
    "refusal": ir.StopReason.REFUSAL,
    "model_context_window_exceeded": ir.StopReason.MAX_TOKENS,
}
_STOP_OUT: Final[Mapping[ir.StopReason, str]] = {
    ir.StopReason.END_TURN: "end_turn",
    ir.StopReason.MAX_TOKENS: "max_tokens",
    ir.StopReason.STOP_SEQUENCE: "stop_sequence",
    ir.StopReason.TOOL_USE: "tool_use",
    ir.StopReason.CONTENT_FILTER: "refusal",
    ir.StopReason.PAUSE: "pause_turn",
    ir.StopReason.REFUSAL: "refusal",
    ir.StopReason.ERROR: "end_turn",
}

_ERROR_STATUS: Final[Mapping[str, int]] = {
    "invalid_request_error": 400,
    "authentication_error": 401,
    "billing_error": 402,
    "permission_error": 403,
    "not_found_error": 404,
    "request_too_large": 413,
    "rate_limit_error": 429,
    "api_error": 500,
    "timeout_error": 504,
    "overloaded_error": 529,
}

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

_IMAGE_MAGIC: Final = (
    ("iVBORw0KGgo", "image/png"),
    ("/9j/", "image/jpeg"),
    ("R0lGOD", "image/gif"),
    ("UklGR", "image/webp"),
)


# --- small validation helpers ---------------------------------------------------------------------


def _bad(path: str, expected: str) -> InvalidRequest:
    return InvalidRequest(f"{path}: {expected}", param=path)


def _obj(value: Any, path: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise _bad(path, "expected an object")
    return value


def _list(value: Any, path: str) -> list[Any]:
    if not isinstance(value, list):
        raise _bad(path, "expected an array")
    return value


def _str(value: Any, path: str) -> str:
    if not isinstance(value, str):
        raise _bad(path, "expected a string")
    return value


def _opt_str(value: Any, path: str) -> str | None:
    return None if value is None else _str(value, path)


def _opt_int(value: Any, path: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise _bad(path, "expected an integer")
    return value


def _opt_num(value: Any, path: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _bad(path, "expected a number")
    return value


def _opt_bool(value: Any, path: str) -> bool | None:
    if value is None:
        return None
    if not isinstance(value, bool):
        raise _bad(path, "expected a boolean")
    return value


def _rest(obj: Mapping[str, Any], known: Iterable[str]) -> dict[str, Any]:
    skip = set(known)
    return {k: v for k, v in obj.items() if k not in skip}


def _or(value: Any, default: Any) -> Any:
    return default if value is None else value


def _json_text(value: Any) -> str:
    return orjson.dumps(value).decode()


def _int_or_zero(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


# --- tool names ---------------------------------------------------------------------------------------


def escape_tool_name(name: str) -> tuple[str, bool]:
    """The name as Anthropic accepts it, and whether the change can be undone by `unescape_tool_name`."""
    if _TOOL_NAME_OK.match(name):
        return name, True
    out = "".join(_TOOL_NAME_ESCAPES.get(c, c) for c in name)
    reversible = not _TOOL_NAME_BAD.search(out)
    out = _TOOL_NAME_BAD.sub("_", out) or "_"
    if len(out) > 128:
        out, reversible = out[:128], False
    return out, reversible


def unescape_tool_name(name: str) -> str:
    if "-x" not in name:
        return name
    return _TOOL_NAME_ESCAPED.sub(lambda m: "." if m.group(1) == "2e" else ":", name)


# --- cache control, usage, errors ---------------------------------------------------------------------


def _cache_in(value: Any, path: str) -> ir.CacheControl | None:
    if value is None:
        return None
    obj = _obj(value, path)
    return ir.CacheControl(
        type=_opt_str(obj.get("type"), f"{path}.type") or "ephemeral",
        ttl=_opt_str(obj.get("ttl"), f"{path}.ttl"),
    )


def _cache_out(cache: ir.CacheControl) -> dict[str, Any]:
    out: dict[str, Any] = {"type": cache.type}
    if cache.ttl is not None:
        out["ttl"] = cache.ttl
    return out


def _usage_in(raw: Any) -> ir.Usage:
    if not isinstance(raw, Mapping):
        return ir.Usage()
    cache_read = _int_or_zero(raw.get("cache_read_input_tokens"))
    cache_write = _int_or_zero(raw.get("cache_creation_input_tokens"))
    details = raw.get("output_tokens_details")
    reasoning = _int_or_zero(details.get("thinking_tokens")) if isinstance(details, Mapping) else 0
    return ir.Usage(
        input_tokens=_int_or_zero(raw.get("input_tokens")) + cache_read + cache_write,
        output_tokens=_int_or_zero(raw.get("output_tokens")),
        cache_read_tokens=cache_read,
        cache_write_tokens=cache_write,
        reasoning_tokens=reasoning,
    )


def _usage_input_out(usage: ir.Usage) -> dict[str, int]:
    uncached = max(0, usage.input_tokens - usage.cache_read_tokens - usage.cache_write_tokens)
    return {
        "input_tokens": uncached,
        "cache_creation_input_tokens": usage.cache_write_tokens,
        "cache_read_input_tokens": usage.cache_read_tokens,
    }


def _usage_out(usage: ir.Usage, leftovers: Mapping[str, Any] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {**_usage_input_out(usage), "output_tokens": usage.output_tokens}
    if usage.reasoning_tokens:
        out["output_tokens_details"] = {"thinking_tokens": usage.reasoning_tokens}
    if leftovers:
        out.update(leftovers)
    return out


def kind_for_status(status: int) -> str:
    if status == 400:
        return "invalid_request_error"
    if status == 401:
        return "authentication_error"
    if status == 402:
        return "billing_error"
    if status == 403:
        return "permission_error"
    if status == 404:
        return "not_found_error"
    if status == 413:
        return "request_too_large"
    if status == 429:
        return "rate_limit_error"
    if status in (503, 529):
        return "overloaded_error"
    if status == 504:
        return "timeout_error"
    if 400 <= status < 500:
        return "invalid_request_error"
    return "api_error"


def _error_body(kind: str, message: str) -> dict[str, Any]:
    return {"type": "error", "error": {"type": kind, "message": message}}


def _error_kind(error: ErrorInfo) -> str:
    return error.kind if error.kind in _ERROR_STATUS else kind_for_status(error.status)


# --- media ------------------------------------------------------------------------------------------------


def _source_in(value: Any, path: str, *, document: bool) -> ir.MediaSource | None:
    """None when the source is of a kind the canonical form does not model (the block goes opaque)."""
    src = _obj(value, path)
    kind = _str(src.get("type"), f"{path}.type")
    if kind == "base64":
        return ir.MediaSource(
            kind="base64",
            media_type=_opt_str(src.get("media_type"), f"{path}.media_type"),
            data=_str(src.get("data"), f"{path}.data"),
        )
    if kind == "url":
        return ir.MediaSource(kind="url", url=_str(src.get("url"), f"{path}.url"))
    if kind == "file":
        return ir.MediaSource(kind="file", file_id=_str(src.get("file_id"), f"{path}.file_id"))
    if kind == "text" and document:
        return ir.MediaSource(
            kind="text",
            media_type=_opt_str(src.get("media_type"), f"{path}.media_type") or "text/plain",
            data=_str(src.get("data"), f"{path}.data"),
        )
    return None


def _sniff_image(data: str) -> str | None:
    for magic, media_type in _IMAGE_MAGIC:
        if data.startswith(magic):
            return media_type
    return None


def _data_url(url: str) -> tuple[str, str] | None:
    """`data:image/png;base64,xxx` → ("image/png", "xxx")."""
    if not url.startswith("data:"):
        return None
    head, sep, data = url[5:].partition(",")
    if not sep or not head.endswith(";base64"):
        return None
    return head[: -len(";base64")] or "application/octet-stream", data


def _image_source_out(source: ir.MediaSource, path: str, drops: list[ir.Drop]) -> dict[str, Any] | None:
    if source.kind == "base64" and source.data is not None:
        media_type = source.media_type or _sniff_image(source.data)
        if media_type is None:
            drops.append(ir.Drop(path, "image without a media type Anthropic can accept"))
            return None
        return {"type": "base64", "media_type": media_type, "data": source.data}
    if source.kind == "url" and source.url is not None:
        inline = _data_url(source.url)
        if inline is not None:
            return {"type": "base64", "media_type": inline[0], "data": inline[1]}
        return {"type": "url", "url": source.url}
    if source.kind == "file" and source.file_id is not None:
        return {"type": "file", "file_id": source.file_id}
    drops.append(ir.Drop(path, f"image source of kind {source.kind!r} is not supported by Anthropic"))
    return None


def _document_source_out(source: ir.MediaSource, path: str, drops: list[ir.Drop]) -> dict[str, Any] | None:
    if source.kind == "text" and source.data is not None:
        return {"type": "text", "media_type": source.media_type or "text/plain", "data": source.data}
    if source.kind == "url" and source.url is not None:
        inline = _data_url(source.url)
        if inline is None:
            return {"type": "url", "url": source.url}
        source = ir.MediaSource(kind="base64", media_type=inline[0], data=inline[1])
    if source.kind == "file" and source.file_id is not None:
        return {"type": "file", "file_id": source.file_id}
    if source.kind == "base64" and source.data is not None:
        media_type = source.media_type or "application/pdf"
        if media_type == "application/pdf":
            return {"type": "base64", "media_type": media_type, "data": source.data}
        if media_type.startswith("text/"):
            try:
                text = base64.b64decode(source.data, validate=True).decode("utf-8")
            except (binascii.Error, UnicodeDecodeError):
                drops.append(ir.Drop(path, "text document whose base64 data does not decode"))
                return None
            return {"type": "text", "media_type": "text/plain", "data": text}
        drops.append(ir.Drop(path, f"document of type {media_type!r} is not supported by Anthropic"))
        return None
    drops.append(ir.Drop(path, f"document source of kind {source.kind!r} is not supported by Anthropic"))
    return None


def _arguments(text: str, path: str, drops: list[ir.Drop]) -> dict[str, Any]:
    """Tool call arguments (JSON text) as the object Anthropic wants in `input`."""
    if not text.strip():
        return {}
    try:
        value = orjson.loads(text)
    except orjson.JSONDecodeError:
        drops.append(ir.Drop(path, "tool call arguments are not valid JSON; sent as {}"))
        return {}
    if not isinstance(value, dict):
        drops.append(ir.Drop(path, "tool call arguments are not a JSON object; sent as {}"))
        return {}
    return value


# --- opaque blocks ------------------------------------------------------------------------------------------


def _opaque(block: Mapping[str, Any]) -> ir.TextPart:
    return ir.TextPart("", extras={FORMAT: {"block": dict(block)}})


def _opaque_block(part: ir.Part) -> dict[str, Any] | None:
    if not isinstance(part, ir.TextPart):
        return None
    mine = part.extras.get(FORMAT)
    if isinstance(mine, Mapping):
        block = mine.get("block")
        if isinstance(block, Mapping):
            return dict(block)
    return None


def _part_extras(part: ir.TextPart | ir.ToolCallPart) -> dict[str, Any]:
    mine = part.extras.get(FORMAT)
    if isinstance(mine, Mapping):
        return {k: v for k, v in mine.items() if k != "block"}
    return {}


# --- request decoding -----------------------------------------------------------------------------------------


def _is_plain_text(value: Any) -> bool:
    return (
        isinstance(value, list)
        and len(value) == 1
        and isinstance(value[0], Mapping)
        and set(value[0]) == {"type", "text"}
        and value[0]["type"] == "text"
    )


class _RequestDecoder:
    def __init__(self) -> None:
        self.blocks: dict[str, dict[str, Any]] = {}
        # Where a lone plain text block was spelled as a list rather than the string shorthand.
        self.lists: list[str] = []

    def system(self, value: Any) -> tuple[ir.TextPart, ...]:
        if value is None:
            return ()
        if isinstance(value, str):
            return (ir.TextPart(value),) if value else ()
        parts: list[ir.TextPart] = []
        if _is_plain_text(value):
            self.lists.append("system")
        for j, raw in enumerate(_list(value, "system")):
            path = f"system[{j}]"
            block = _obj(raw, path)
            if block.get("type") != "text":
                raise _bad(f"{path}.type", "system blocks must be text blocks")
            parts.append(self.text(block, path))
        return tuple(parts)

    def text(self, block: Mapping[str, Any], path: str) -> ir.TextPart:
        rest = _rest(block, ("type", "text", "cache_control"))
        return ir.TextPart(
            _str(block.get("text"), f"{path}.text"),
            cache=_cache_in(block.get("cache_control"), f"{path}.cache_control"),
            extras={FORMAT: rest} if rest else {},
        )

    def message(self, raw: Any, i: int) -> ir.Message:
        path = f"messages[{i}]"
        msg = _obj(raw, path)
        role = msg.get("role")
        if role not in ("user", "assistant"):
            raise _bad(f"{path}.role", "expected 'user' or 'assistant'")
        content = msg.get("content")
        if isinstance(content, str):
            parts: tuple[ir.Part, ...] = (ir.TextPart(content),)
        elif isinstance(content, list):
            if _is_plain_text(content):
                self.lists.append(str(i))
            parts = tuple(
                self.block(block, f"{path}.content[{j}]", f"{i}.{j}") for j, block in enumerate(content)
            )
        else:
            raise _bad(f"{path}.content", "expected a string or an array of content blocks")
        return ir.Message(role=ir.Role(role), parts=parts)

    def block(self, raw: Any, path: str, key: str, *, nested: bool = False) -> ir.Part:
        block = _obj(raw, path)
        kind = _str(block.get("type"), f"{path}.type")
        cache_path = f"{path}.cache_control"
        if kind == "text":
            return self.text(block, path)
        if kind == "image":
            source = _source_in(block.get("source"), f"{path}.source", document=False)
            if source is None:
                return _opaque(block)
            self._keep(key, _rest(block, ("type", "source", "cache_control")))
            return ir.ImagePart(source, cache=_cache_in(block.get("cache_control"), cache_path))
        if kind == "document":
            source = _source_in(block.get("source"), f"{path}.source", document=True)
            if source is None:
                return _opaque(block)
            self._keep(key, _rest(block, ("type", "source", "title", "cache_control")))
            return ir.DocumentPart(
                source,
                title=_opt_str(block.get("title"), f"{path}.title"),
                cache=_cache_in(block.get("cache_control"), cache_path),
            )
        if nested:
            return _opaque(block)
        if kind == "tool_use":
            tool_input = _obj(_or(block.get("input"), {}), f"{path}.input")
            rest = _rest(block, ("type", "id", "name", "input", "cache_control"))
            return ir.ToolCallPart(
                id=_str(block.get("id"), f"{path}.id"),
                name=_str(block.get("name"), f"{path}.name"),
                arguments=_json_text(tool_input),
                cache=_cache_in(block.get("cache_control"), cache_path),
                extras={FORMAT: rest} if rest else {},
            )
        if kind == "tool_result":
            return self.tool_result(block, path, key)
        if kind == "thinking":
            self._keep(key, _rest(block, ("type", "thinking", "signature")))
            return ir.ThinkingPart(
                text=_str(block.get("thinking"), f"{path}.thinking"),
                signature=_opt_str(block.get("signature"), f"{path}.signature"),
            )
        if kind == "redacted_thinking":
            return ir.RedactedThinkingPart(_str(block.get("data"), f"{path}.data"))
        return _opaque(block)

    def tool_result(self, block: Mapping[str, Any], path: str, key: str) -> ir.ToolResultPart:
        content = block.get("content")
        parts: list[ir.TextPart | ir.ImagePart | ir.DocumentPart] = []
        if isinstance(content, str):
            parts.append(ir.TextPart(content))
        elif isinstance(content, list):
            if _is_plain_text(content):
                self.lists.append(key)
            for k, raw in enumerate(content):
                part = self.block(raw, f"{path}.content[{k}]", f"{key}.{k}", nested=True)
                assert isinstance(part, ir.TextPart | ir.ImagePart | ir.DocumentPart)
                parts.append(part)
        elif content is not None:
            raise _bad(f"{path}.content", "expected a string or an array of content blocks")
        self._keep(key, _rest(block, ("type", "tool_use_id", "content", "is_error", "cache_control")))
        return ir.ToolResultPart(
            call_id=_str(block.get("tool_use_id"), f"{path}.tool_use_id"),
            content=tuple(parts),
            is_error=bool(_opt_bool(block.get("is_error"), f"{path}.is_error")),
            cache=_cache_in(block.get("cache_control"), f"{path}.cache_control"),
        )

    def _keep(self, key: str, rest: dict[str, Any]) -> None:
        if rest:
            self.blocks[key] = rest


def _decode_tool(raw: Any, path: str) -> ir.Tool:
    tool = _obj(raw, path)
    kind = tool.get("type")
    cache = _cache_in(tool.get("cache_control"), f"{path}.cache_control")
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


def _decode_reasoning(thinking: Any, output_config: Mapping[str, Any]) -> ir.Reasoning | None:
    effort = _opt_str(output_config.get("effort"), "output_config.effort")
    if thinking is None:
        return ir.Reasoning(effort=effort) if effort is not None else None
    config = _obj(thinking, "thinking")
    kind = config.get("type")
    if kind == "enabled":
        budget = _opt_int(config.get("budget_tokens"), "thinking.budget_tokens")
        if budget is None:
            raise _bad("thinking.budget_tokens", "required when thinking is enabled")
        return ir.Reasoning(effort=effort, budget_tokens=budget)
    if kind == "disabled":
        return ir.Reasoning(effort="none")
    if kind in ("adaptive", "between_tools"):
        return ir.Reasoning(effort=effort)
    raise _bad("thinking.type", "expected 'enabled', 'disabled' or 'adaptive'")


def _decode_response_format(raw: Any, path: str) -> ir.ResponseFormat | None:
    if raw is None:
        return None
    fmt = _obj(raw, path)
    if fmt.get("type") != "json_schema":
        raise _bad(f"{path}.type", "expected 'json_schema'")
    # Anthropic always constrains the output to the schema: that is OpenAI's strict mode.
    return ir.ResponseFormat(
        type="json_schema", schema=dict(_obj(fmt.get("schema"), f"{path}.schema")), strict=True
    )


# --- request encoding --------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Turn:
    role: ir.Role
    first: int  # index of its first canonical message
    parts: list[tuple[str, str, ir.Part]] = field(default_factory=list)  # (ir path, extras key, part)


class _RequestEncoder:
    def __init__(self, request: ir.Request) -> None:
        self.request = request
        self.drops: list[ir.Drop] = []
        mine = request.extras.get(FORMAT) or {}
        self.extras: Mapping[str, Any] = mine
        blocks = mine.get("_blocks")
        self.blocks: Mapping[str, Any] = blocks if isinstance(blocks, Mapping) else {}
        lists = mine.get("_lists")
        self.lists: frozenset[str] = frozenset(lists) if isinstance(lists, list) else frozenset()

    def drop(self, path: str, reason: str) -> None:
        self.drops.append(ir.Drop(path, reason))

    def tool_name(self, name: str, path: str) -> str:
        out, reversible = escape_tool_name(name)
        if not reversible:
            self.drop(path, f"tool name {name!r} renamed to {out!r} for Anthropic")
        return out

    # ---- content

    def text_block(self, part: ir.TextPart) -> dict[str, Any]:
        block: dict[str, Any] = {"type": "text", "text": part.text}
        block.update(_part_extras(part))
        if part.cache is not None:
            block["cache_control"] = _cache_out(part.cache)
        return block

    def content(self, parts: Sequence[tuple[str, str, ir.Part]], list_key: str) -> str | list[dict[str, Any]]:
        blocks = [b for b in (self.block(path, key, part) for path, key, part in parts) if b is not None]
        if _is_plain_text(blocks) and list_key not in self.lists:
            return str(blocks[0]["text"])
        return blocks

    def block(self, path: str, key: str, part: ir.Part) -> dict[str, Any] | None:
        opaque = _opaque_block(part)
        if opaque is not None:
            return opaque
        block: dict[str, Any] | None
        if isinstance(part, ir.TextPart):
            if not part.text and part.cache is None and not _part_extras(part):
                return None  # Anthropic rejects empty text blocks; nothing is lost
            return self.text_block(part)
        if isinstance(part, ir.ImagePart):
            source = _image_source_out(part.source, f"{path}.source", self.drops)
            if source is None:
                return None
            if part.detail is not None:
                self.drop(f"{path}.detail", "Anthropic has no image detail setting")
            block = {"type": "image", "source": source}
        elif isinstance(part, ir.DocumentPart):
            source = _document_source_out(part.source, f"{path}.source", self.drops)
            if source is None:
                return None
            block = {"type": "document", "source": source}
            if part.title is not None:
                block["title"] = part.title
                if part.filename is not None:
                    self.drop(f"{path}.filename", "Anthropic documents have a title but no file name")
            elif part.filename is not None:
                block["title"] = part.filename
        elif isinstance(part, ir.ToolCallPart):
            block = {
                "type": "tool_use",
                "id": part.id,
                "name": self.tool_name(part.name, f"{path}.name"),
                "input": _arguments(part.arguments, f"{path}.arguments", self.drops),
            }
            block.update(_part_extras(part))
            if part.thought_signature is not None:
                self.drop(f"{path}.thought_signature", "Gemini thought signatures have no Anthropic home")
        elif isinstance(part, ir.ToolResultPart):
            block = {"type": "tool_result", "tool_use_id": part.call_id}
            inner = [(f"{path}.content[{k}]", f"{key}.{k}", p) for k, p in enumerate(part.content)]
            if part.content:
                # [] is refused where "" is not; both say "no output".
                block["content"] = self.content(inner, key) or ""
            if part.is_error:
                block["is_error"] = True
        elif isinstance(part, ir.ThinkingPart):
            if not part.signature or part.kind != "thinking":
                self.drop(path, "thinking without an Anthropic signature cannot be sent to Anthropic")
                return None
            block = {"type": "thinking", "thinking": part.text, "signature": part.signature}
        else:
            return {"type": "redacted_thinking", "data": part.data}
        kept = self.blocks.get(key)
        if isinstance(kept, Mapping):
            block.update(kept)
        cache = getattr(part, "cache", None)
        if cache is not None:
            block["cache_control"] = _cache_out(cache)
        return block

    def messages(self) -> list[dict[str, Any]]:
        turns: list[_Turn] = []
        for i, message in enumerate(self.request.messages):
            if message.name is not None:
                self.drop(f"messages[{i}].name", "Anthropic messages have no name")
            if not turns or turns[-1].role != message.role:
                turns.append(_Turn(message.role, first=i))
            turns[-1].parts.extend(
                (f"messages[{i}].parts[{j}]", f"{i}.{j}", part) for j, part in enumerate(message.parts)
            )
        out: list[dict[str, Any]] = []
        for n, turn in enumerate(turns):
            parts = turn.parts
            if turn.role is ir.Role.USER:
                # Tool results must open the user turn that follows the tool calls.
                results = [p for p in parts if isinstance(p[2], ir.ToolResultPart)]
                parts = results + [p for p in parts if not isinstance(p[2], ir.ToolResultPart)]
            content = self.content(parts, str(turn.first))
            last_assistant = n == len(turns) - 1 and turn.role is ir.Role.ASSISTANT
            if not content and not last_assistant:
                self.drop(f"messages[{turn.first}]", "message with no content Anthropic accepts")
                continue
            out.append({"role": turn.role.value, "content": content})
        return out

    def system(self) -> str | list[dict[str, Any]] | None:
        parts = self.request.system
        if not parts:
            return None
        blocks = []
        for j, part in enumerate(parts):
            if _opaque_block(part) is not None:
                self.drop(f"system[{j}]", "only text blocks are allowed in an Anthropic system prompt")
            elif part.text or part.cache is not None:
                blocks.append(self.text_block(part))
        if _is_plain_text(blocks) and "system" not in self.lists:
            return str(blocks[0]["text"])
        return blocks

    # ---- tools

    def tools(self) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for i, tool in enumerate(self.request.tools):
            path = f"tools[{i}]"
            if tool.kind == "function":
                schema = dict(tool.parameters) if tool.parameters else {"type": "object", "properties": {}}
                schema.setdefault("type", "object")
                spec: dict[str, Any] = {"name": self.tool_name(tool.name, f"{path}.name")}
                if tool.description is not None:
                    spec["description"] = tool.description
                spec["input_schema"] = schema
                if tool.strict is not None:
                    spec["strict"] = tool.strict
                mine = tool.config.get(FORMAT)
                if isinstance(mine, Mapping):
                    spec.update(mine)
            elif _ANTHROPIC_TOOL_KIND.match(tool.kind) or tool.kind in _ANTHROPIC_TOOL_KINDS:
                spec = {"type": tool.kind}
                if tool.name != tool.kind:  # toolsets (mcp_toolset) have no name of their own
                    spec["name"] = tool.name
                spec.update(tool.config)
            else:
                self.drop(path, f"built-in tool {tool.kind!r} of another vendor")
                continue
            if tool.cache is not None:
                spec["cache_control"] = _cache_out(tool.cache)
            out.append(spec)
        return out

    def tool_choice(self, has_tools: bool) -> dict[str, Any] | None:
        choice = self.request.tool_choice
        parallel = self.request.parallel_tool_calls
        if not has_tools:
            if choice is not None and choice.mode not in (ir.ToolChoiceMode.AUTO, ir.ToolChoiceMode.NONE):
                self.drop("tool_choice", "a tool choice without any tool Anthropic can call")
            return None
        if choice is None:
            return {"type": "auto", "disable_parallel_tool_use": True} if parallel is False else None
        out: dict[str, Any] = {"type": _TOOL_CHOICE_OUT[choice.mode]}
        if choice.mode is ir.ToolChoiceMode.TOOL:
            if not choice.name:
                raise InvalidRequest("tool_choice: a named tool choice needs a name", param="tool_choice")
            out["name"] = self.tool_name(choice.name, "tool_choice.name")
        if parallel is not None and choice.mode is not ir.ToolChoiceMode.NONE:
            out["disable_parallel_tool_use"] = not parallel
        return out

    # ---- reasoning and output

    def reasoning(self) -> tuple[dict[str, Any] | None, str | None]:
        """(thinking, output_config.effort)."""
        r = self.request.reasoning
        raw = self.extras.get("_thinking")
        raw_thinking: Mapping[str, Any] = raw if isinstance(raw, Mapping) else {}
        raw_oc = self.extras.get("_output_config")
        raw_effort = raw_oc.get("effort") if isinstance(raw_oc, Mapping) else None
        had_effort = isinstance(raw_oc, Mapping) and "effort" in raw_oc
        if r is None:
            return None, None
        raw_type = raw_thinking.get("type")
        leftovers = _rest(raw_thinking, ("type", "budget_tokens"))
        if r.effort == "none" or r.budget_tokens == 0:
            return {"type": "disabled"}, raw_effort if had_effort else None
        if r.budget_tokens is None and raw_type in ("adaptive", "between_tools"):
            return {"type": raw_type, **leftovers}, self.effort(r.effort)
        if r.budget_tokens is None and not raw_thinking and had_effort:
            return None, self.effort(r.effort)  # effort alone, as the client sent it
        budget = r.effective_budget()
        if budget is None:
            return None, None
        if budget < 0:  # Gemini's "dynamic": let the model decide, within a medium budget
            self.drop("reasoning.budget_tokens", "a dynamic budget becomes the medium level's budget")
            budget = ir.EFFORT_BUDGETS["medium"]
        if budget < MIN_THINKING_BUDGET:
            self.drop("reasoning.budget_tokens", f"raised to Anthropic's minimum of {MIN_THINKING_BUDGET}")
            budget = MIN_THINKING_BUDGET
        thinking: dict[str, Any] = {"type": "enabled", "budget_tokens": budget}
        if raw_type == "enabled":
            thinking.update(leftovers)
        return thinking, self.effort(r.effort) if had_effort else None

    def client_budget(self) -> Any:
        raw = self.extras.get("_thinking")
        return raw.get("budget_tokens") if isinstance(raw, Mapping) else None

    def effort(self, effort: str | None) -> str | None:
        if effort is None or effort in EFFORT_LEVELS:
            return effort
        if effort == "minimal":
            self.drop("reasoning.effort", "Anthropic's lowest effort is 'low'")
            return "low"
        self.drop("reasoning.effort", f"effort {effort!r} is not an Anthropic level")
        return None

    def response_format(self) -> dict[str, Any] | None:
        rf = self.request.response_format
        if rf is None or rf.type == "text":
            return None
        if rf.type == "json_schema" and rf.schema is not None:
            if rf.name is not None:
                self.drop("response_format.name", "Anthropic output formats have no name")
            if rf.description is not None:
                self.drop("response_format.description", "Anthropic output formats have no description")
            return {"type": "json_schema", "schema": dict(rf.schema)}
        self.drop("response_format", f"Anthropic cannot ask for {rf.type!r} without a JSON schema")
        return None

    # ---- the whole body

    def encode(self) -> ir.Encoded:
        req = self.request
        body: dict[str, Any] = {k: v for k, v in self.extras.items() if not k.startswith("_")}
        body["model"] = req.model
        system = self.system()
        if system:
            body["system"] = system
        body["messages"] = self.messages()
        tools = self.tools()
        if tools:
            body["tools"] = tools
        choice = self.tool_choice(bool(tools))
        if choice is not None:
            body["tool_choice"] = choice

        thinking, effort = self.reasoning()
        budget = thinking.get("budget_tokens") if thinking and thinking["type"] == "enabled" else None
        max_tokens = req.max_output_tokens
        if max_tokens is None:
            if budget is not None:
                max_tokens = max(DEFAULT_MAX_TOKENS_THINKING, budget + 4096)
            elif thinking is not None and thinking["type"] != "disabled":
                max_tokens = DEFAULT_MAX_TOKENS_THINKING  # adaptive: room to think
            else:
                max_tokens = DEFAULT_MAX_TOKENS
        elif (
            thinking is not None
            and budget is not None
            and budget >= max_tokens
            and budget != self.client_budget()
        ):
            # max_tokens counts thinking too (as OpenAI's max_completion_tokens counts reasoning). A
            # budget the Anthropic client chose itself is left alone (interleaved thinking allows it).
            if max_tokens <= MIN_THINKING_BUDGET:
                self.drop("reasoning", f"max output tokens {max_tokens} leave no room to think")
                thinking = None
            else:
                thinking["budget_tokens"] = max(MIN_THINKING_BUDGET, max_tokens // 2)
                self.drop("reasoning.budget_tokens", "reduced to fit under the max output tokens")
        body["max_tokens"] = max_tokens
        if thinking is not None:
            body["thinking"] = thinking
        self.sampling(body, thinking)

        output_config: dict[str, Any] = {}
        raw_oc = self.extras.get("_output_config")
        if isinstance(raw_oc, Mapping):
            output_config.update(_rest(raw_oc, ("effort", "format")))
        if effort is not None:
            output_config["effort"] = effort
        fmt = self.response_format()
        if fmt is not None:
            if self.extras.get("_output_format"):
                body["output_format"] = fmt
            else:
                output_config["format"] = fmt
        if output_config:
            body["output_config"] = output_config

        metadata: dict[str, Any] = {}
        if req.user is not None:
            metadata["user_id"] = req.user
        if req.metadata:
            self.drop("metadata", "Anthropic metadata only carries user_id")
        if metadata:
            body["metadata"] = metadata
        if req.stream:
            body["stream"] = True
        for name in ("seed", "presence_penalty", "frequency_penalty"):
            if getattr(req, name) is not None:
                self.drop(name, f"Anthropic has no {name}")
        return ir.Encoded(body=body, drops=tuple(self.drops))

    def sampling(self, body: dict[str, Any], thinking: Mapping[str, Any] | None) -> None:
        req = self.request
        thinks = thinking is not None and thinking.get("type") != "disabled"
        if req.temperature is not None:
            if thinks and req.temperature != 1:
                self.drop("temperature", "Anthropic only allows temperature 1 while thinking")
            else:
                body["temperature"] = req.temperature
        if req.top_p is not None:
            if thinks and req.top_p < 0.95:
                self.drop("top_p", "Anthropic only allows top_p >= 0.95 while thinking")
            else:
                body["top_p"] = req.top_p
        if req.top_k is not None:
            if thinks:
                self.drop("top_k", "Anthropic does not allow top_k while thinking")
            else:
                body["top_k"] = req.top_k
        if req.stop:
            body["stop_sequences"] = list(req.stop)


# --- responses -------------------------------------------------------------------------------------------------


def _response_block_in(raw: Any, path: str) -> ir.Part:
    block = _obj(raw, path)
    kind = block.get("type")
    if kind == "text":
        rest = _rest(block, ("type", "text"))
        return ir.TextPart(_str(block.get("text"), f"{path}.text"), extras={FORMAT: rest} if rest else {})
    if kind == "thinking":
        return ir.ThinkingPart(
            text=_str(block.get("thinking"), f"{path}.thinking"),
            signature=_opt_str(block.get("signature"), f"{path}.signature"),
        )
    if kind == "redacted_thinking":
        return ir.RedactedThinkingPart(_str(block.get("data"), f"{path}.data"))
    if kind == "tool_use":
        rest = _rest(block, ("type", "id", "name", "input"))
        return ir.ToolCallPart(
            id=_str(block.get("id"), f"{path}.id"),
            name=unescape_tool_name(_str(block.get("name"), f"{path}.name")),
            arguments=_json_text(block.get("input") or {}),
            extras={FORMAT: rest} if rest else {},
        )
    return _opaque(block)


def _message_id(response_id: str) -> str:
    if not response_id:
        return "msg_vansroute"
    return response_id if response_id.startswith("msg_") else f"msg_{response_id}"


# --- streams -----------------------------------------------------------------------------------------------------


def _sse(event: str, payload: Mapping[str, Any]) -> bytes:
    return encode_event(orjson.dumps(payload), event)


_PING: Final = _sse("ping", {"type": "ping"})


class _StreamDecoder:
    """Anthropic SSE bytes → canonical events."""

    def __init__(self) -> None:
        self._parser = SSEParser()
        self._started = False
        self._finished = False
        self._stop: ir.StopReason = ir.StopReason.END_TURN
        self._stop_sequence: str | None = None
        self._usage: dict[str, Any] = {}
        # Blocks of kinds the canonical form does not model: held until their stop, then sent whole.
        self._opaque: dict[int, tuple[dict[str, Any], list[str]]] = {}

    def feed(self, chunk: bytes) -> list[ir.StreamEvent]:
        if self._finished:
            return []
        return self._handle(self._parser.feed(chunk))

    def close(self) -> list[ir.StreamEvent]:
        if self._finished:
            return []
        out = self._handle(self._parser.close())
        if not self._finished:
            self._finished = True
            out.append(ir.StreamError(status=502, message="upstream stream ended early", kind="api_error"))
        return out

    def _handle(self, events: list[SSEEvent]) -> list[ir.StreamEvent]:
        out: list[ir.StreamEvent] = []
        for sse in events:
            if self._finished:
                break
            try:
                payload = orjson.loads(sse.data)
            except orjson.JSONDecodeError:
                if sse.event == "ping":
                    continue
                out.append(self._fail("upstream sent an event that is not JSON"))
                break
            if not isinstance(payload, dict):
                out.append(self._fail("upstream sent an event that is not a JSON object"))
                break
            kind = payload.get("type") or sse.event
            try:
                self._event(str(kind), payload, out)
            except (TypeError, ValueError, KeyError, AttributeError):
                out.append(self._fail(f"upstream sent a malformed {kind} event"))
                break
        return out

    def _fail(self, message: str) -> ir.StreamError:
        self._finished = True
        return ir.StreamError(status=502, message=message, kind="api_error")

    def _ensure_started(self, out: list[ir.StreamEvent]) -> None:
        if not self._started:
            self._started = True
            out.append(ir.StreamStart(id="", model=""))

    def _event(self, kind: str, payload: dict[str, Any], out: list[ir.StreamEvent]) -> None:
        if kind == "message_start":
            if self._started:
                return
            message = payload["message"]
            usage = message.get("usage") or {}
            self._usage.update(usage)
            self._started = True
            out.append(
                ir.StreamStart(
                    id=str(message.get("id") or ""),
                    model=str(message.get("model") or ""),
                    usage=_usage_in(usage),
                )
            )
        elif kind == "content_block_start":
            self._ensure_started(out)
            self._block_start(int(payload["index"]), payload["content_block"], out)
        elif kind == "content_block_delta":
            self._ensure_started(out)
            self._block_delta(int(payload["index"]), payload["delta"], out)
        elif kind == "content_block_stop":
            self._ensure_started(out)
            index = int(payload["index"])
            held = self._opaque.pop(index, None)
            if held is not None:
                block, pieces = held
                if pieces:
                    try:
                        block["input"] = orjson.loads("".join(pieces))
                    except orjson.JSONDecodeError:
                        pass
                out.append(ir.BlockStart(index, ir.BlockKind.TEXT, data=_json_text(block)))
            out.append(ir.BlockStop(index))
        elif kind == "message_delta":
            self._ensure_started(out)
            delta = payload.get("delta") or {}
            if delta.get("stop_reason") is not None:
                self._stop = _STOP_IN.get(str(delta["stop_reason"]), ir.StopReason.END_TURN)
            if delta.get("stop_sequence") is not None:
                self._stop_sequence = str(delta["stop_sequence"])
            usage = payload.get("usage") or {}
            self._usage.update({k: v for k, v in usage.items() if v is not None})
        elif kind == "message_stop":
            self._ensure_started(out)
            self._finished = True
            out.append(ir.StreamEnd(self._stop, _usage_in(self._usage), self._stop_sequence))
        elif kind == "error":
            error = payload.get("error") or {}
            err_kind = str(error.get("type") or "api_error")
            self._finished = True
            out.append(
                ir.StreamError(
                    status=_ERROR_STATUS.get(err_kind, 500),
                    message=str(error.get("message") or "upstream error"),
                    kind=err_kind,
                )
            )
        # ping and event types added later: nothing to do

    def _block_start(self, index: int, block: dict[str, Any], out: list[ir.StreamEvent]) -> None:
        kind = block["type"]
        if kind == "text":
            out.append(ir.BlockStart(index, ir.BlockKind.TEXT))
            if block.get("text"):
                out.append(ir.TextDelta(index, str(block["text"])))
        elif kind == "thinking":
            out.append(ir.BlockStart(index, ir.BlockKind.THINKING))
            if block.get("thinking"):
                out.append(ir.ThinkingDelta(index, str(block["thinking"])))
            if block.get("signature"):
                out.append(ir.SignatureDelta(index, signature=str(block["signature"])))
        elif kind == "redacted_thinking":
            out.append(
                ir.BlockStart(index, ir.BlockKind.REDACTED_THINKING, data=str(block.get("data") or ""))
            )
        elif kind == "tool_use":
            out.append(
                ir.BlockStart(
                    index,
                    ir.BlockKind.TOOL_CALL,
                    tool_call_id=str(block.get("id") or ""),
                    tool_name=unescape_tool_name(str(block.get("name") or "")),
                )
            )
            if block.get("input"):
                out.append(ir.ToolArgsDelta(index, _json_text(block["input"])))
        else:
            self._opaque[index] = (dict(block), [])

    def _block_delta(self, index: int, delta: dict[str, Any], out: list[ir.StreamEvent]) -> None:
        kind = delta["type"]
        held = self._opaque.get(index)
        if held is not None:
            if kind == "input_json_delta":
                held[1].append(str(delta["partial_json"]))
            return
        if kind == "text_delta":
            out.append(ir.TextDelta(index, str(delta["text"])))
        elif kind == "thinking_delta":
            out.append(ir.ThinkingDelta(index, str(delta["thinking"])))
        elif kind == "signature_delta":
            out.append(ir.SignatureDelta(index, signature=str(delta["signature"])))
        elif kind == "input_json_delta":
            out.append(ir.ToolArgsDelta(index, str(delta["partial_json"])))
        # citations_delta and unknown deltas have no canonical event


_TEXT, _THINKING, _REDACTED, _TOOL, _OPAQUE = "text", "thinking", "redacted", "tool", "opaque"
_DELTA_KIND: Final[Mapping[type, str]] = {
    ir.TextDelta: _TEXT,
    ir.ThinkingDelta: _THINKING,
    ir.SignatureDelta: _THINKING,
    ir.ToolArgsDelta: _TOOL,
}
_SPLITTABLE: Final = frozenset({_TEXT, _THINKING})


@dataclass(slots=True)
class _Block:
    kind: str
    start: ir.BlockStart
    state: str = "queued"  # queued | open | suspended | done
    pending: list[ir.StreamEvent] = field(default_factory=list)
    ir_stopped: bool = False
    wire: int = -1


def _opaque_start(start: ir.BlockStart) -> dict[str, Any] | None:
    if not start.data:
        return None
    try:
        raw = orjson.loads(start.data)
    except orjson.JSONDecodeError:
        return None
    return raw if isinstance(raw, dict) and isinstance(raw.get("type"), str) else None


def _block_kind(start: ir.BlockStart) -> str:
    if start.kind is ir.BlockKind.TEXT:
        return _OPAQUE if _opaque_start(start) is not None else _TEXT
    if start.kind is ir.BlockKind.THINKING:
        return _THINKING
    if start.kind is ir.BlockKind.REDACTED_THINKING:
        return _REDACTED
    return _TOOL


class _StreamEncoder:
    """Canonical events → an Anthropic SSE stream, whatever order the events come in.

    Exactly one content block is open on the wire at a time and wire indexes count up from 0. A block
    that starts while another is open waits (its deltas buffered) until the open one stops — except
    that an open text or thinking block is closed at once and continued later in a new block of the
    same kind, so text never holds up a tool call. Tool calls, redacted thinking and opaque blocks are
    never split.
    """

    def __init__(self, request: ir.Request) -> None:
        self._model = request.model
        self._id = "msg_vansroute"
        self._started = False
        self._finished = False
        self._blocks: dict[int, _Block] = {}
        self._open: int | None = None
        self._queue: list[int] = []
        self._next_wire = 0

    def feed(self, event: ir.StreamEvent) -> bytes:
        if self._finished:
            return b""
        out: list[bytes] = []
        if isinstance(event, ir.StreamStart):
            if not self._started:
                self._start(event, out)
        elif isinstance(event, ir.StreamError):
            self._finished = True
            kind = event.kind if event.kind in _ERROR_STATUS else kind_for_status(event.status)
            out.append(_sse("error", _error_body(kind, event.message)))
        elif isinstance(event, ir.StreamEnd):
            self._ensure_started(out)
            self._end(event, out)
        elif isinstance(event, ir.BlockStart):
            self._ensure_started(out)
            self._block_start(event, out)
        elif isinstance(event, ir.BlockStop):
            self._block_stop(event.index, out)
        else:
            self._ensure_started(out)
            self._delta(event, out)
        return b"".join(out)

    def close(self) -> bytes:
        if self._finished or not self._started:
            self._finished = True
            return b""
        self._finished = True
        return _sse("error", _error_body("api_error", "upstream stream ended early"))

    # ---- message level

    def _start(self, event: ir.StreamStart, out: list[bytes]) -> None:
        self._started = True
        self._id = _message_id(event.id)
        usage = {**_usage_input_out(event.usage), "output_tokens": event.usage.output_tokens}
        message: dict[str, Any] = {
            "id": self._id,
            "type": "message",
            "role": "assistant",
            "model": self._model,
            "content": [],
            "stop_reason": None,
            "stop_sequence": None,
            "usage": usage,
        }
        out.append(_sse("message_start", {"type": "message_start", "message": message}))
        out.append(_PING)

    def _ensure_started(self, out: list[bytes]) -> None:
        if not self._started:
            self._start(ir.StreamStart(id="", model=self._model), out)

    def _end(self, event: ir.StreamEnd, out: list[bytes]) -> None:
        if self._open is not None:
            self._close_open(out)
        while self._queue:
            index = self._queue.pop(0)
            self._blocks[index].ir_stopped = True
            self._activate(index, out)
        usage: dict[str, Any] = {}
        if event.usage.input_tokens:
            usage.update(_usage_input_out(event.usage))
        usage["output_tokens"] = event.usage.output_tokens
        if event.usage.reasoning_tokens:
            usage["output_tokens_details"] = {"thinking_tokens": event.usage.reasoning_tokens}
        delta = {"stop_reason": _STOP_OUT[event.stop_reason], "stop_sequence": event.stop_sequence}
        out.append(_sse("message_delta", {"type": "message_delta", "delta": delta, "usage": usage}))
        out.append(_sse("message_stop", {"type": "message_stop"}))
        self._finished = True

    # ---- blocks

    def _block_start(self, event: ir.BlockStart, out: list[bytes]) -> None:
        if event.index in self._blocks:
            return
        block = _Block(_block_kind(event), event)
        self._blocks[event.index] = block
        self._queue.append(event.index)
        # A new block ends an open text/thinking block at once (it continues later if it must), unless
        # that would let a text block jump ahead of blocks already waiting.
        if self._open_splittable() and (block.kind not in _SPLITTABLE or len(self._queue) == 1):
            self._suspend_open(out)
        self._advance(out)

    def _delta(self, event: ir.StreamEvent, out: list[bytes]) -> None:
        assert isinstance(event, ir.TextDelta | ir.ThinkingDelta | ir.SignatureDelta | ir.ToolArgsDelta)
        kind = _DELTA_KIND[type(event)]
        block = self._blocks.get(event.index)
        if block is None:
            start_kind = {
                _TEXT: ir.BlockKind.TEXT,
                _THINKING: ir.BlockKind.THINKING,
                _TOOL: ir.BlockKind.TOOL_CALL,
            }[kind]
            self._block_start(ir.BlockStart(event.index, start_kind), out)
            block = self._blocks[event.index]
        if block.kind != kind:
            return  # e.g. thinking text aimed at a text block: never mix them on the wire
        if block.state == "open":
            out.append(self._delta_bytes(block, event))
        elif block.state == "queued":
            block.pending.append(event)
            if block.kind not in _SPLITTABLE and self._open_splittable():
                # A tool call never waits for text to finish.
                self._suspend_open(out)
                self._advance(out)
        elif block.state == "suspended":
            block.pending.append(event)
            block.state = "queued"
            self._queue.append(event.index)
            if self._open is None:
                self._advance(out)
        # done: the block already stopped; late deltas are ignored

    def _block_stop(self, index: int, out: list[bytes]) -> None:
        block = self._blocks.get(index)
        if block is None:
            return
        if block.state == "open":
            self._close_open(out)
            self._advance(out)
        elif block.state == "queued":
            block.ir_stopped = True
        elif block.state == "suspended":
            block.state = "done"

    def _open_splittable(self) -> bool:
        return self._open is not None and self._blocks[self._open].kind in _SPLITTABLE

    def _advance(self, out: list[bytes]) -> None:
        while self._open is None and self._queue:
            self._activate(self._queue.pop(0), out)

    def _activate(self, index: int, out: list[bytes]) -> None:
        block = self._blocks[index]
        block.wire = self._next_wire
        self._next_wire += 1
        block.state = "open"
        self._open = index
        content = self._content_block(block)
        out.append(
            _sse(
                "content_block_start",
                {"type": "content_block_start", "index": block.wire, "content_block": content},
            )
        )
        for event in block.pending:
            out.append(self._delta_bytes(block, event))
        block.pending.clear()
        if block.ir_stopped:
            self._close_open(out)

    def _close_open(self, out: list[bytes]) -> None:
        assert self._open is not None
        block = self._blocks[self._open]
        out.append(_sse("content_block_stop", {"type": "content_block_stop", "index": block.wire}))
        block.state = "done"
        self._open = None

    def _suspend_open(self, out: list[bytes]) -> None:
        assert self._open is not None
        block = self._blocks[self._open]
        self._close_open(out)
        block.state = "suspended"

    def _content_block(self, block: _Block) -> dict[str, Any]:
        start = block.start
        if block.kind == _TEXT:
            return {"type": "text", "text": ""}
        if block.kind == _THINKING:
            return {"type": "thinking", "thinking": "", "signature": ""}
        if block.kind == _REDACTED:
            return {"type": "redacted_thinking", "data": start.data or ""}
        if block.kind == _OPAQUE:
            return _opaque_start(start) or {"type": "text", "text": ""}
        call_id = start.tool_call_id or f"toolu_{self._id.removeprefix('msg_')}_{start.index}"
        return {"type": "tool_use", "id": call_id, "name": start.tool_name or "", "input": {}}

    def _delta_bytes(self, block: _Block, event: ir.StreamEvent) -> bytes:
        delta: dict[str, Any]
        if isinstance(event, ir.TextDelta):
            delta = {"type": "text_delta", "text": event.text}
        elif isinstance(event, ir.ThinkingDelta):
            delta = {"type": "thinking_delta", "thinking": event.text}
        elif isinstance(event, ir.SignatureDelta):
            if not event.signature:
                return b""  # OpenAI's encrypted reasoning has no Anthropic spelling
            delta = {"type": "signature_delta", "signature": event.signature}
        else:
            assert isinstance(event, ir.ToolArgsDelta)
            delta = {"type": "input_json_delta", "partial_json": event.partial_json}
        return _sse(
            "content_block_delta", {"type": "content_block_delta", "index": block.wire, "delta": delta}
        )


# --- the adapter ---------------------------------------------------------------------------------------------------


class AnthropicAdapter:
    wire_format: WireFormat = WireFormat.ANTHROPIC

    # ---- requests

    def decode_request(
        self, body: Mapping[str, Any], *, model: str | None = None, stream: bool | None = None
    ) -> ir.Request:
        if not isinstance(body, Mapping):
            raise InvalidRequest("the request body must be a JSON object")
        decoder = _RequestDecoder()
        model = model if model is not None else _str(body.get("model"), "model")
        messages = tuple(decoder.message(m, i) for i, m in enumerate(_list(body.get("messages"), "messages")))
        system = decoder.system(body.get("system"))

        tools = tuple(
            _decode_tool(t, f"tools[{i}]") for i, t in enumerate(_list(_or(body.get("tools"), []), "tools"))
        )
        tool_choice: ir.ToolChoice | None = None
        parallel: bool | None = None
        if body.get("tool_choice") is not None:
            tool_choice, parallel = _decode_tool_choice(body["tool_choice"])

        output_config = _obj(_or(body.get("output_config"), {}), "output_config")
        reasoning = _decode_reasoning(body.get("thinking"), output_config)
        response_format = _decode_response_format(output_config.get("format"), "output_config.format")
        if response_format is None:
            response_format = _decode_response_format(body.get("output_format"), "output_format")

        metadata = dict(_obj(_or(body.get("metadata"), {}), "metadata"))
        user = _opt_str(metadata.pop("user_id", None), "metadata.user_id")
        stops = _list(_or(body.get("stop_sequences"), []), "stop_sequences")
        stop = tuple(_str(s, f"stop_sequences[{i}]") for i, s in enumerate(stops))

        extras: dict[str, Any] = _rest(body, _REQUEST_FIELDS)
        if body.get("thinking") is not None:
            extras["_thinking"] = dict(body["thinking"])
        if body.get("output_config") is not None:
            extras["_output_config"] = dict(output_config)
        if body.get("output_format") is not None:
            extras["_output_format"] = True
        if decoder.blocks:
            extras["_blocks"] = decoder.blocks
        if decoder.lists:
            extras["_lists"] = decoder.lists

        streaming = stream if stream is not None else bool(_opt_bool(body.get("stream"), "stream"))
        return ir.Request(
            model=model,
            messages=messages,
            system=system,
            tools=tools,
            tool_choice=tool_choice,
            parallel_tool_calls=parallel,
            max_output_tokens=_opt_int(body.get("max_tokens"), "max_tokens"),
            temperature=_opt_num(body.get("temperature"), "temperature"),
            top_p=_opt_num(body.get("top_p"), "top_p"),
            top_k=_opt_int(body.get("top_k"), "top_k"),
            stop=stop,
            reasoning=reasoning,
            response_format=response_format,
            stream=streaming,
            user=user,
            metadata=metadata,
            extras={FORMAT: extras} if extras else {},
        )

    def encode_request(self, request: ir.Request) -> ir.Encoded:
        return _RequestEncoder(request).encode()

    def upstream_path(self, model: str, stream: bool) -> str:
        return "/messages"

    # ---- responses

    def decode_response(self, body: Mapping[str, Any]) -> ir.Response:
        if not isinstance(body, Mapping):
            raise InvalidRequest("the response body must be a JSON object")
        content = tuple(
            _response_block_in(b, f"content[{i}]")
            for i, b in enumerate(_list(body.get("content") or [], "content"))
        )
        raw_stop = body.get("stop_reason")
        extras: dict[str, Any] = _rest(body, _RESPONSE_FIELDS)
        if isinstance(raw_stop, str) and raw_stop not in _STOP_OUT.values():
            extras["_stop_reason"] = raw_stop
        raw_usage = body.get("usage")
        if isinstance(raw_usage, Mapping):
            usage_rest = _rest(raw_usage, _USAGE_FIELDS)
            if usage_rest:
                extras["_usage"] = usage_rest
        return ir.Response(
            id=str(body.get("id") or ""),
            model=str(body.get("model") or ""),
            content=content,
            stop_reason=_STOP_IN.get(str(raw_stop), ir.StopReason.END_TURN),
            stop_sequence=_opt_str(body.get("stop_sequence"), "stop_sequence"),
            usage=_usage_in(raw_usage),
            extras={FORMAT: extras} if extras else {},
        )

    def encode_response(self, response: ir.Response, request: ir.Request) -> ir.Encoded:
        drops: list[ir.Drop] = []
        mine = response.extras.get(FORMAT) or {}
        content: list[dict[str, Any]] = []
        for i, part in enumerate(response.content):
            path = f"content[{i}]"
            opaque = _opaque_block(part)
            if opaque is not None:
                content.append(opaque)
            elif isinstance(part, ir.TextPart):
                content.append({"type": "text", "text": part.text, **_part_extras(part)})
            elif isinstance(part, ir.ThinkingPart):
                if part.encrypted is not None:
                    drops.append(ir.Drop(f"{path}.encrypted", "Anthropic cannot carry encrypted reasoning"))
                content.append({"type": "thinking", "thinking": part.text, "signature": part.signature or ""})
            elif isinstance(part, ir.RedactedThinkingPart):
                content.append({"type": "redacted_thinking", "data": part.data})
            elif isinstance(part, ir.ToolCallPart):
                tool_input = _arguments(part.arguments, f"{path}.arguments", drops)
                call_id = part.id or f"toolu_{_message_id(response.id).removeprefix('msg_')}_{i}"
                content.append(
                    {
                        "type": "tool_use",
                        "id": call_id,
                        "name": part.name,
                        "input": tool_input,
                        **_part_extras(part),
                    }
                )
            else:
                drops.append(ir.Drop(path, f"{type(part).__name__} cannot appear in an Anthropic response"))
        stop_reason = _STOP_OUT[response.stop_reason]
        raw_stop = mine.get("_stop_reason")
        if isinstance(raw_stop, str) and _STOP_IN.get(raw_stop) == response.stop_reason:
            stop_reason = raw_stop
        if response.stop_reason is ir.StopReason.ERROR:
            drops.append(ir.Drop("stop_reason", "Anthropic has no error stop reason"))
        usage_rest = mine.get("_usage")
        body: dict[str, Any] = {
            "id": _message_id(response.id),
            "type": "message",
            "role": "assistant",
            "model": request.model,
            "content": content,
            "stop_reason": stop_reason,
            "stop_sequence": response.stop_sequence,
            "usage": _usage_out(response.usage, usage_rest if isinstance(usage_rest, Mapping) else None),
        }
        body.update({k: v for k, v in mine.items() if not k.startswith("_")})
        return ir.Encoded(body=body, drops=tuple(drops))

    def stream_decoder(self) -> _StreamDecoder:
        return _StreamDecoder()

    def stream_encoder(self, request: ir.Request) -> _StreamEncoder:
        return _StreamEncoder(request)

    # ---- errors

    def decode_error(self, status: int, body: bytes) -> ErrorInfo:
        try:
            payload = orjson.loads(body)
        except orjson.JSONDecodeError:
            payload = None
        error = payload.get("error") if isinstance(payload, dict) else None
        if isinstance(error, dict):
            message = error.get("message")
            kind = error.get("type")
            return ErrorInfo(
                status=status,
                message=message
                if isinstance(message, str) and message
                else f"upstream returned HTTP {status}",
                kind=kind if isinstance(kind, str) and kind else kind_for_status(status),
            )
        return ErrorInfo(
            status=status, message=f"upstream returned HTTP {status}", kind=kind_for_status(status)
        )

    def encode_error(self, error: ErrorInfo) -> dict[str, Any]:
        return _error_body(_error_kind(error), error.message)

    def encode_stream_error(self, error: ErrorInfo) -> bytes:
        return _sse("error", _error_body(_error_kind(error), error.message))

    # ---- usage on the side of a passthrough

    def usage_from_body(self, body: bytes) -> ir.Usage:
        try:
            payload = orjson.loads(body)
        except orjson.JSONDecodeError:
            return ir.Usage()
        return _usage_in(payload.get("usage")) if isinstance(payload, dict) else ir.Usage()

    def usage_from_stream(self, head: bytes, tail: bytes) -> ir.Usage:
        usage: dict[str, Any] = {}
        start = _find_event(head.split(b"\n"), b'"message_start"')
        if start is not None and isinstance(start.get("message"), dict):
            found = start["message"].get("usage")
            if isinstance(found, dict):
                usage.update(found)
        end = _find_event(reversed(tail.split(b"\n")), b'"message_delta"')
        if end is not None and isinstance(end.get("usage"), dict):
            usage.update({k: v for k, v in end["usage"].items() if v is not None})
        return _usage_in(usage)


def _find_event(lines: Iterable[bytes], marker: bytes) -> dict[str, Any] | None:
    for line in lines:
        line = line.strip()
        if not line.startswith(b"data:") or marker not in line:
            continue
        try:
            payload = orjson.loads(line[5:])
        except orjson.JSONDecodeError:
            continue  # cut by the edge of the window
        if isinstance(payload, dict):
            return payload
    return None


ADAPTER = AnthropicAdapter()
_check: FormatAdapter = ADAPTER
