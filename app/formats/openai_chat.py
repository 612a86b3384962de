"""OpenAI Chat Completions ⇄ the canonical form (`ir`).

Requests: every field the official SDK types, plus the de-facto dialect of OpenAI-compatible servers
(DeepSeek/vLLM `reasoning_content`, OpenRouter `reasoning` / `reasoning_details` / part-level
`cache_control`, Gemini's `extra_content.google.thought_signature` on tool calls). Whatever has no
canonical home is kept in `extras["openai_chat"]`: unknown top-level fields verbatim (so `n`,
`logprobs`, `service_tier`… are at `extras["openai_chat"]["n"]` etc.), and the message layout under
keys starting with "_" (never an OpenAI parameter name), so decode → encode of this format gives the
body back. The layout is only trusted while it still matches the messages: a stage that rewrites the
conversation gets the plain default encoding instead of a stale layout.

Streams: Chat chunks have no block boundaries; the decoder opens a block on the first delta of each
kind (text, reasoning, one per tool call) and closes it when the next kind starts, so the canonical
stream is strictly sequential. OpenAI's tool-call `index` counts tool calls only; it is mapped to and
from the canonical block index. `StreamEnd` waits for `[DONE]` (the usage chunk comes after the
finish chunk).

The module-level `Usage`, `usage_from_body` and `usage_from_stream_tail` are what the passthrough
route reads on the side; the adapter's methods of the same purpose return `ir.Usage`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, NoReturn

import orjson

from app.core.errors import InvalidRequest
from app.core.records import WireFormat
from app.formats import ir
from app.formats.adapter import ErrorInfo, FormatAdapter, StreamDecoder, StreamEncoder
from app.formats.sse import SSEParser, encode_event

FORMAT: Final = "openai_chat"
UPSTREAM_PATH: Final = "/chat/completions"

# --- passthrough usage (kept for app/gateway/routes_openai_chat.py) --------------------------------


@dataclass(frozen=True, slots=True)
class Usage:
    input_tokens: int | None
    output_tokens: int | None


NO_USAGE = Usage(None, None)


def _usage_object(obj: object) -> Mapping[str, Any] | None:
    if not isinstance(obj, dict):
        return None
    usage = obj.get("usage")
    return usage if isinstance(usage, dict) else None


def _legacy_usage(usage: Mapping[str, Any]) -> Usage:
    prompt = usage.get("prompt_tokens")
    completion = usage.get("completion_tokens")
    return Usage(
        prompt if isinstance(prompt, int) and not isinstance(prompt, bool) else None,
        completion if isinstance(completion, int) and not isinstance(completion, bool) else None,
    )


def _load(body: bytes) -> Any:
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        return None


def usage_from_body(body: bytes) -> Usage:
    usage = _usage_object(_load(body))
    return _legacy_usage(usage) if usage is not None else NO_USAGE


def _stream_usage_object(tail: bytes) -> Mapping[str, Any] | None:
    """The usage chunk near the end of an SSE stream (sent last, before [DONE])."""
    for line in reversed(tail.split(b"\n")):
        line = line.strip()
        if not line.startswith(b"data:") or b'"usage"' not in line:
            continue
        usage = _usage_object(_load(line[5:]))
        if usage is not None:
            return usage
    return None


def usage_from_stream_tail(tail: bytes) -> Usage:
    usage = _stream_usage_object(tail)
    return _legacy_usage(usage) if usage is not None else NO_USAGE


# --- small validation helpers ---------------------------------------------------------------------


def _fail(message: str, param: str | None) -> NoReturn:
    raise InvalidRequest(message, param=param)


def _json_type(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "an array"
    return type(value).__name__


def _wrong_type(value: object, expected: str, path: str) -> NoReturn:
    _fail(f"Invalid type for '{path}': expected {expected}, but got {_json_type(value)} instead.", path)


def _obj(value: object, path: str) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        _wrong_type(value, "an object", path)
    return value


def _list(value: object, path: str) -> list[Any]:
    if not isinstance(value, list):
        _wrong_type(value, "an array", path)
    return value


def _str(value: object, path: str) -> str:
    if not isinstance(value, str):
        _wrong_type(value, "a string", path)
    return value


def _opt_str(value: object, path: str) -> str | None:
    return None if value is None else _str(value, path)


def _opt_int(value: object, path: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        _wrong_type(value, "an integer", path)
    if isinstance(value, float):
        if not value.is_integer():
            _wrong_type(value, "an integer", path)
        return int(value)
    return value


def _opt_num(value: object, path: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        _wrong_type(value, "a number", path)
    return value


def _opt_bool(value: object, path: str) -> bool | None:
    if value is None:
        return None
    if not isinstance(value, bool):
        _wrong_type(value, "a boolean", path)
    return value


def _count(value: object) -> int:
    """A token count from a usage object; anything that is not a count is 0."""
    if isinstance(value, bool):
        return 0
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return 0


# --- shared vocabulary ------------------------------------------------------------------------------

_DATA_URL = re.compile(r"data:([^;,]*)((?:;[^;,]*)*?);base64,(.*)", re.DOTALL)
_TOOL_NAME = re.compile(r"[a-zA-Z0-9_-]{1,64}")
_TOOL_NAME_BAD = re.compile(r"[^a-zA-Z0-9_-]")

_FINISH_TO_STOP: Mapping[str, ir.StopReason] = {
    "stop": ir.StopReason.END_TURN,
    "length": ir.StopReason.MAX_TOKENS,
    "tool_calls": ir.StopReason.TOOL_USE,
    "function_call": ir.StopReason.TOOL_USE,
    "content_filter": ir.StopReason.CONTENT_FILTER,
}
_STOP_TO_FINISH: Mapping[ir.StopReason, str] = {
    ir.StopReason.END_TURN: "stop",
    ir.StopReason.STOP_SEQUENCE: "stop",
    ir.StopReason.PAUSE: "stop",
    ir.StopReason.ERROR: "stop",
    ir.StopReason.MAX_TOKENS: "length",
    ir.StopReason.TOOL_USE: "tool_calls",
    ir.StopReason.CONTENT_FILTER: "content_filter",
    ir.StopReason.REFUSAL: "content_filter",
}

# Reasoning levels OpenAI accepts for `reasoning_effort`.
_OPENAI_EFFORTS: Final = frozenset({"none", "minimal", "low", "medium", "high", "xhigh"})


def _stop_reason(finish_reason: object) -> ir.StopReason:
    if isinstance(finish_reason, str):
        return _FINISH_TO_STOP.get(finish_reason, ir.StopReason.END_TURN)
    return ir.StopReason.END_TURN


def _finish_reason(stop: ir.StopReason, original: object = None) -> str:
    """Chat's finish_reason; the upstream's own value when it still means the same thing."""
    if isinstance(original, str) and original in _FINISH_TO_STOP and _stop_reason(original) == stop:
        return original
    if stop is ir.StopReason.REFUSAL and original == "stop":
        return "stop"  # OpenAI refusals finish with "stop" and a `refusal` message field
    return _STOP_TO_FINISH.get(stop, "stop")


def sanitize_tool_name(name: str) -> str:
    """A name OpenAI accepts (^[a-zA-Z0-9_-]{1,64}$), deterministic; unchanged when already valid."""
    if _TOOL_NAME.fullmatch(name):
        return name
    cleaned = _TOOL_NAME_BAD.sub("_", name) or "tool"
    if len(cleaned) > 64:
        digest = f"{_fnv1a(name):08x}"
        cleaned = cleaned[:55] + "_" + digest
    return cleaned


def tool_name_mapping(request: ir.Request) -> dict[str, str]:
    """Sanitized name → original name for the tools of `request` that had to be renamed; the caller
    maps tool calls in the upstream's answer back with it (decoders do not see the request)."""
    return {
        sanitize_tool_name(tool.name): tool.name
        for tool in request.tools
        if sanitize_tool_name(tool.name) != tool.name
    }


def _fnv1a(text: str) -> int:
    value = 0x811C9DC5
    for byte in text.encode():
        value = ((value ^ byte) * 0x01000193) & 0xFFFFFFFF
    return value


def _media_from_url(url: str) -> ir.MediaSource:
    match = _DATA_URL.fullmatch(url)
    if match is not None:
        return ir.MediaSource("base64", media_type=match.group(1) or None, data=match.group(3))
    return ir.MediaSource("url", url=url)


def _data_url(source: ir.MediaSource) -> str:
    return f"data:{source.media_type or 'application/octet-stream'};base64,{source.data or ''}"


def _cache_of(value: object, path: str) -> ir.CacheControl | None:
    if value is None:
        return None
    mark = _obj(value, path)
    return ir.CacheControl(
        type=_opt_str(mark.get("type"), f"{path}.type") or "ephemeral",
        ttl=_opt_str(mark.get("ttl"), f"{path}.ttl"),
    )


def _cache_json(cache: ir.CacheControl) -> dict[str, Any]:
    out: dict[str, Any] = {"type": cache.type}
    if cache.ttl is not None:
        out["ttl"] = cache.ttl
    return out


def _ir_usage(usage: Mapping[str, Any]) -> ir.Usage:
    prompt_details = usage.get("prompt_tokens_details")
    prompt_details = prompt_details if isinstance(prompt_details, dict) else {}
    completion_details = usage.get("completion_tokens_details")
    completion_details = completion_details if isinstance(completion_details, dict) else {}
    cached = _count(prompt_details.get("cached_tokens")) or _count(usage.get("prompt_cache_hit_tokens"))
    return ir.Usage(
        input_tokens=_count(usage.get("prompt_tokens")),
        output_tokens=_count(usage.get("completion_tokens")),
        cache_read_tokens=cached,
        cache_write_tokens=_count(prompt_details.get("cache_write_tokens")),
        reasoning_tokens=_count(completion_details.get("reasoning_tokens")),
    )


def _chat_usage(usage: ir.Usage) -> dict[str, Any]:
    prompt_details: dict[str, Any] = {"cached_tokens": usage.cache_read_tokens, "audio_tokens": 0}
    if usage.cache_write_tokens:
        prompt_details["cache_write_tokens"] = usage.cache_write_tokens
    return {
        "prompt_tokens": usage.input_tokens,
        "completion_tokens": usage.output_tokens,
        "total_tokens": usage.input_tokens + usage.output_tokens,
        "prompt_tokens_details": prompt_details,
        "completion_tokens_details": {
            "reasoning_tokens": usage.reasoning_tokens,
            "audio_tokens": 0,
            "accepted_prediction_tokens": 0,
            "rejected_prediction_tokens": 0,
        },
    }


def _usage_json(usage: ir.Usage, original: object) -> dict[str, Any]:
    """The upstream's own usage object when it still says the same, else one built from `usage`."""
    if isinstance(original, dict) and _ir_usage(original) == usage:
        return dict(original)
    return _chat_usage(usage)


def _completion_id(response_id: str) -> str:
    if response_id.startswith("chatcmpl-"):
        return response_id
    return "chatcmpl-" + (response_id or "0")


# --- reasoning in the OpenRouter `reasoning_details` dialect ---------------------------------------

_RESPONSES_FORMAT: Final = "openai-responses-v1"
_ANTHROPIC_FORMAT: Final = "anthropic-claude-v1"


def _parts_from_reasoning_details(details: Sequence[Any], plain: str | None) -> list[ir.Part]:
    """`reasoning_details` entries → thinking parts. `plain` (the `reasoning_content` text of the same
    message) fills a signed entry whose text was left out."""
    parts: list[ir.Part] = []
    for entry in details:
        if not isinstance(entry, dict):
            continue
        kind = entry.get("type")
        if kind == "reasoning.text":
            text = entry.get("text") if isinstance(entry.get("text"), str) else ""
            signature = entry.get("signature") if isinstance(entry.get("signature"), str) else None
            parts.append(ir.ThinkingPart(text=text or "", signature=signature))
        elif kind == "reasoning.summary" and isinstance(entry.get("summary"), str):
            parts.append(ir.ThinkingPart(text=entry["summary"], kind="summary"))
        elif kind == "reasoning.encrypted" and isinstance(entry.get("data"), str):
            entry_id = entry.get("id") if isinstance(entry.get("id"), str) else None
            if entry.get("format") == _RESPONSES_FORMAT or (entry_id or "").startswith("rs_"):
                parts.append(
                    ir.ThinkingPart(text="", encrypted=entry["data"], reasoning_id=entry_id, kind="summary")
                )
            else:
                parts.append(ir.RedactedThinkingPart(data=entry["data"]))
    if plain and not any(isinstance(p, ir.ThinkingPart) and p.text for p in parts):
        for i, part in enumerate(parts):
            if isinstance(part, ir.ThinkingPart) and part.kind == "thinking":
                parts[i] = ir.ThinkingPart(text=plain, signature=part.signature)
                break
        else:
            parts.insert(0, ir.ThinkingPart(text=plain))
    return parts


def _reasoning_detail(part: ir.ThinkingPart | ir.RedactedThinkingPart, index: int) -> dict[str, Any] | None:
    """One `reasoning_details` entry for a part that carries something `reasoning_content` cannot."""
    if isinstance(part, ir.RedactedThinkingPart):
        return {"type": "reasoning.encrypted", "data": part.data, "format": _ANTHROPIC_FORMAT, "index": index}
    if part.encrypted is not None:
        entry: dict[str, Any] = {"type": "reasoning.encrypted", "data": part.encrypted}
        if part.reasoning_id is not None:
            entry["id"] = part.reasoning_id
        entry["format"] = _RESPONSES_FORMAT
        entry["index"] = index
        return entry
    if part.signature is not None:
        return {"type": "reasoning.text", "text": part.text, "signature": part.signature, "index": index}
    return None


def _thinking_fields(
    parts: Sequence[ir.Part], field: str
) -> tuple[dict[str, Any], list[ir.ThinkingPart | ir.RedactedThinkingPart]]:
    """`reasoning_content` (or `reasoning`) and `reasoning_details` for the thinking parts of a
    message, plus the parts that needed `reasoning_details`."""
    thinking = [p for p in parts if isinstance(p, ir.ThinkingPart | ir.RedactedThinkingPart)]
    out: dict[str, Any] = {}
    text = "".join(p.text for p in thinking if isinstance(p, ir.ThinkingPart))
    if text:
        out[field] = text
    details: list[dict[str, Any]] = []
    detailed: list[ir.ThinkingPart | ir.RedactedThinkingPart] = []
    for part in thinking:
        entry = _reasoning_detail(part, len(details))
        if entry is not None:
            details.append(entry)
            detailed.append(part)
    if details:
        out["reasoning_details"] = details
    return out, detailed


def _all_reasoning_details(
    parts: Sequence[ir.ThinkingPart | ir.RedactedThinkingPart],
) -> list[dict[str, Any]]:
    """Every thinking part as a `reasoning_details` entry (for a client that sent them itself)."""
    out: list[dict[str, Any]] = []
    for part in parts:
        entry = _reasoning_detail(part, len(out))
        if entry is None and isinstance(part, ir.ThinkingPart):
            if part.kind == "summary":
                entry = {"type": "reasoning.summary", "summary": part.text, "index": len(out)}
            else:
                entry = {"type": "reasoning.text", "text": part.text, "index": len(out)}
        if entry is not None:
            out.append(entry)
    return out


# --- requests: decode -------------------------------------------------------------------------------

# Top-level request fields with a canonical home. Everything else is kept verbatim in extras.
_REQUEST_FIELDS: Final = frozenset(
    {
        "model",
        "messages",
        "tools",
        "tool_choice",
        "parallel_tool_calls",
        "max_tokens",
        "max_completion_tokens",
        "temperature",
        "top_p",
        "stop",
        "seed",
        "presence_penalty",
        "frequency_penalty",
        "reasoning_effort",
        "response_format",
        "stream",
        "stream_options",
        "user",
        "metadata",
    }
)
_SYSTEM_ROLES: Final = frozenset({"system", "developer"})


class _MessagesDecoder:
    """Chat `messages` → canonical system parts and messages, plus the layout extras."""

    def __init__(self) -> None:
        self.system: list[ir.TextPart] = []
        self.system_layout: list[dict[str, Any]] = []
        self.messages: list[ir.Message] = []
        self.meta: dict[str, dict[str, Any]] = {}
        self.cache_marks = False
        self._tool_parts: list[ir.ToolResultPart] = []
        self._tool_items: list[dict[str, Any]] = []
        self._legacy_calls: list[tuple[str, str]] = []  # (name, synthetic id) of legacy function calls

    def run(self, raw: list[Any]) -> None:
        for i, message in enumerate(raw):
            path = f"messages[{i}]"
            message = _obj(message, path)
            role = message.get("role")
            if role in ("tool", "function"):
                self._tool(message, role, i, path)
                continue
            self._flush_tools()
            if role in _SYSTEM_ROLES:
                self._system(message, str(role), path)
            elif role == "user":
                self._user(message, path)
            elif role == "assistant":
                self._assistant(message, i, path)
            elif role is None:
                _fail(f"Missing required parameter: '{path}.role'.", f"{path}.role")
            else:
                _fail(
                    f"Invalid value: '{role}'. Supported values are: 'system', 'developer', 'user', "
                    "'assistant', 'tool', and 'function'.",
                    f"{path}.role",
                )
        self._flush_tools()

    def is_default_system(self) -> bool:
        """One plain system message first (or none): the layout the encoder produces by default."""
        layout = self.system_layout
        if not layout:
            return True
        if len(layout) > 1:
            return False
        only = layout[0]
        return only == {"role": "system", "at": 0, "n": 1}

    # --- roles

    def _system(self, message: Mapping[str, Any], role: str, path: str) -> None:
        content = message.get("content")
        entry: dict[str, Any] = {"role": role, "at": len(self.messages)}
        parts: list[ir.TextPart] = []
        if isinstance(content, str):
            if content:
                parts.append(ir.TextPart(content))
            else:
                entry["empty"] = True
        elif isinstance(content, list):
            entry["list"] = True
            for j, part in enumerate(content):
                ppath = f"{path}.content[{j}]"
                part = _obj(part, ppath)
                if part.get("type") != "text":
                    _fail(
                        f"Invalid value: '{part.get('type')}'. Supported values are: 'text'.", f"{ppath}.type"
                    )
                parts.append(self._text_part(part, ppath))
        else:
            _wrong_type(content, "a string or an array", f"{path}.content")
        entry["n"] = len(parts)
        name = _opt_str(message.get("name"), f"{path}.name")
        if name is not None:
            entry["name"] = name
        self.system.extend(parts)
        self.system_layout.append(entry)

    def _user(self, message: Mapping[str, Any], path: str) -> None:
        meta: dict[str, Any] = {"k": "user"}
        parts: list[ir.Part] = []
        content = message.get("content")
        if isinstance(content, str):
            if content:
                parts.append(ir.TextPart(content))
            else:
                meta["empty"] = True
        elif isinstance(content, list):
            meta["list"] = True
            opaque: list[list[Any]] = []
            for j, part in enumerate(content):
                ppath = f"{path}.content[{j}]"
                part = _obj(part, ppath)
                if part.get("type") == "input_audio":
                    _obj(part.get("input_audio"), f"{ppath}.input_audio")
                    opaque.append([j, part])
                else:
                    parts.append(self._content_part(part, ppath))
            if opaque:
                meta["opaque"] = opaque
        elif content is None:
            _fail(f"Missing required parameter: '{path}.content'.", f"{path}.content")
        else:
            _wrong_type(content, "a string or an array", f"{path}.content")
        self._add(ir.Role.USER, parts, message, path, meta, known=("role", "content", "name"))

    def _assistant(self, message: Mapping[str, Any], index: int, path: str) -> None:
        meta: dict[str, Any] = {"k": "assistant"}
        thinking: list[ir.Part] = []
        texts: list[ir.Part] = []
        calls: list[ir.Part] = []
        # reasoning
        reasoning_field = "reasoning_content" if "reasoning_content" in message else "reasoning"
        plain = message.get(reasoning_field)
        plain_text = plain if isinstance(plain, str) else None
        if plain is not None and not isinstance(plain, str):
            _wrong_type(plain, "a string", f"{path}.{reasoning_field}")
        if plain_text is not None:
            meta["r"] = reasoning_field
        details = message.get("reasoning_details")
        if details is not None:
            meta["rd"] = True
            thinking.extend(
                _parts_from_reasoning_details(_list(details, f"{path}.reasoning_details"), plain_text)
            )
        elif plain_text:
            thinking.append(ir.ThinkingPart(plain_text))
        # content
        content = message.get("content", _ABSENT)
        if isinstance(content, str):
            if content:
                texts.append(ir.TextPart(content))
            else:
                meta["content"] = ""
        elif isinstance(content, list):
            meta["list"] = True
            opaque: list[list[Any]] = []
            for j, part in enumerate(content):
                ppath = f"{path}.content[{j}]"
                part = _obj(part, ppath)
                kind = part.get("type")
                if kind == "text":
                    texts.append(self._text_part(part, ppath))
                elif kind == "refusal":
                    _str(part.get("refusal"), f"{ppath}.refusal")
                    opaque.append([j, part])
                else:
                    _fail(
                        f"Invalid value: '{kind}'. Supported values are: 'text' and 'refusal'.",
                        f"{ppath}.type",
                    )
            if opaque:
                meta["opaque"] = opaque
        elif content is _ABSENT:
            meta["content"] = "absent"
        elif content is not None:
            _wrong_type(content, "a string or an array", f"{path}.content")
        refusal = _opt_str(message.get("refusal"), f"{path}.refusal")
        if refusal is not None:
            meta["refusal"] = refusal
        # tool calls
        tool_calls = message.get("tool_calls")
        if tool_calls is not None:
            for j, call in enumerate(_list(tool_calls, f"{path}.tool_calls")):
                calls.append(self._tool_call(call, f"{path}.tool_calls[{j}]"))
        function_call = message.get("function_call")
        if function_call is not None:
            fpath = f"{path}.function_call"
            function_call = _obj(function_call, fpath)
            name = _str(function_call.get("name"), f"{fpath}.name")
            call_id = f"call_legacy_{index}"
            self._legacy_calls.append((name, call_id))
            calls.append(ir.ToolCallPart(call_id, name, _arguments(function_call.get("arguments"), fpath)))
            meta["legacy"] = True
        known = (
            "role",
            "content",
            "name",
            "refusal",
            "tool_calls",
            "function_call",
            "reasoning_details",
            reasoning_field,
        )
        self._add(ir.Role.ASSISTANT, [*thinking, *texts, *calls], message, path, meta, known=known)

    def _tool(self, message: Mapping[str, Any], role: object, index: int, path: str) -> None:
        item: dict[str, Any] = {}
        content = message.get("content")
        parts: list[ir.TextPart | ir.ImagePart | ir.DocumentPart] = []
        if isinstance(content, str):
            if content:
                parts.append(ir.TextPart(content))
        elif isinstance(content, list):
            item["list"] = True
            for j, part in enumerate(content):
                ppath = f"{path}.content[{j}]"
                decoded = self._content_part(_obj(part, ppath), ppath)
                if isinstance(decoded, ir.TextPart | ir.ImagePart | ir.DocumentPart):
                    parts.append(decoded)
        elif content is not None:
            _wrong_type(content, "a string or an array", f"{path}.content")
        name = _opt_str(message.get("name"), f"{path}.name")
        if role == "function":
            if name is None:
                _fail(f"Missing required parameter: '{path}.name'.", f"{path}.name")
            item["legacy"] = True
            call_id = next(
                (cid for n, cid in reversed(self._legacy_calls) if n == name), f"call_legacy_{index}"
            )
        else:
            call_id = _str(message.get("tool_call_id"), f"{path}.tool_call_id")
            if name is not None:
                item["name"] = True
        cache = _cache_of(message.get("cache_control"), f"{path}.cache_control")
        if cache is not None:
            self.cache_marks = True
        extra = {
            k: v
            for k, v in message.items()
            if k not in ("role", "content", "name", "tool_call_id", "cache_control")
        }
        if extra:
            item["x"] = extra
        self._tool_parts.append(ir.ToolResultPart(call_id, tuple(parts), name=name, cache=cache))
        self._tool_items.append(item)

    def _flush_tools(self) -> None:
        if not self._tool_parts:
            return
        index = len(self.messages)
        self.messages.append(ir.Message(ir.Role.USER, tuple(self._tool_parts)))
        if any(self._tool_items):
            self.meta[str(index)] = {"k": "tool", "n": len(self._tool_parts), "items": self._tool_items}
        self._tool_parts = []
        self._tool_items = []

    def _add(
        self,
        role: ir.Role,
        parts: list[ir.Part],
        message: Mapping[str, Any],
        path: str,
        meta: dict[str, Any],
        *,
        known: Sequence[str],
    ) -> None:
        name = _opt_str(message.get("name"), f"{path}.name")
        extra = {k: v for k, v in message.items() if k not in known}
        if extra:
            meta["x"] = extra
        index = len(self.messages)
        self.messages.append(ir.Message(role, tuple(parts), name=name))
        if len(meta) > 1:
            meta["n"] = len(parts)
            self.meta[str(index)] = meta

    # --- parts

    def _text_part(self, part: Mapping[str, Any], path: str) -> ir.TextPart:
        text = _str(part.get("text"), f"{path}.text")
        cache = _cache_of(part.get("cache_control"), f"{path}.cache_control")
        if cache is not None:
            self.cache_marks = True
        return ir.TextPart(text, cache=cache)

    def _content_part(self, part: Mapping[str, Any], path: str) -> ir.Part:
        kind = part.get("type")
        cache = _cache_of(part.get("cache_control"), f"{path}.cache_control")
        if cache is not None:
            self.cache_marks = True
        if kind == "text":
            return ir.TextPart(_str(part.get("text"), f"{path}.text"), cache=cache)
        if kind == "image_url":
            image = part.get("image_url")
            if isinstance(image, str):  # some clients send the URL bare
                return ir.ImagePart(_media_from_url(image), cache=cache)
            image = _obj(image, f"{path}.image_url")
            url = _str(image.get("url"), f"{path}.image_url.url")
            detail = _opt_str(image.get("detail"), f"{path}.image_url.detail")
            return ir.ImagePart(_media_from_url(url), detail=detail, cache=cache)
        if kind == "file":
            file = _obj(part.get("file"), f"{path}.file")
            data = _opt_str(file.get("file_data"), f"{path}.file.file_data")
            file_id = _opt_str(file.get("file_id"), f"{path}.file.file_id")
            filename = _opt_str(file.get("filename"), f"{path}.file.filename")
            if data is not None:
                match = _DATA_URL.fullmatch(data)
                if match is not None:
                    source = ir.MediaSource("base64", media_type=match.group(1) or None, data=match.group(3))
                else:  # bare base64
                    source = ir.MediaSource("base64", data=data)
            elif file_id is not None:
                source = ir.MediaSource("file", file_id=file_id)
            else:
                _fail(f"Missing required parameter: '{path}.file.file_data'.", f"{path}.file.file_data")
            return ir.DocumentPart(source, filename=filename, cache=cache)
        if kind is None:
            _fail(f"Missing required parameter: '{path}.type'.", f"{path}.type")
        _fail(
            f"Invalid value: '{kind}'. Supported values are: 'text', 'image_url', 'input_audio', and 'file'.",
            f"{path}.type",
        )

    def _tool_call(self, call: object, path: str) -> ir.ToolCallPart:
        call = _obj(call, path)
        call_id = _str(call.get("id"), f"{path}.id")
        kind = call.get("type") or "function"
        extras: dict[str, Any] = {}
        signature: str | None = None
        extra_content = call.get("extra_content")
        if extra_content is not None:
            extra_content = _obj(extra_content, f"{path}.extra_content")
            google = extra_content.get("google")
            if isinstance(google, dict) and isinstance(google.get("thought_signature"), str):
                signature = google["thought_signature"]
                rest_google = {k: v for k, v in google.items() if k != "thought_signature"}
                rest = {k: v for k, v in extra_content.items() if k != "google"}
                if rest_google:
                    rest["google"] = rest_google
                if rest:
                    extras["extra_content"] = rest
            else:
                extras["extra_content"] = dict(extra_content)
        if kind == "function":
            function = _obj(call.get("function"), f"{path}.function")
            name = _str(function.get("name"), f"{path}.function.name")
            arguments = _arguments(function.get("arguments"), f"{path}.function")
        elif kind == "custom":
            custom = _obj(call.get("custom"), f"{path}.custom")
            name = _str(custom.get("name"), f"{path}.custom.name")
            arguments = _str(custom.get("input"), f"{path}.custom.input")
            extras["type"] = "custom"
        else:
            _fail(f"Invalid value: '{kind}'. Supported values are: 'function' and 'custom'.", f"{path}.type")
        return ir.ToolCallPart(
            call_id,
            name,
            arguments,
            thought_signature=signature,
            extras={FORMAT: extras} if extras else {},
        )


class _Absent:
    __slots__ = ()


_ABSENT: Final = _Absent()


def _arguments(value: object, path: str) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, dict):  # some clients send the parsed object
        return orjson.dumps(value).decode()
    _wrong_type(value, "a string", f"{path}.arguments")


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
                    cache=_cache_of(tool.get("cache_control"), f"{path}.cache_control"),
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


def _decode_response_format(raw: object) -> ir.ResponseFormat | None:
    if raw is None:
        return None
    fmt = _obj(raw, "response_format")
    kind = fmt.get("type")
    if kind in ("text", "json_object"):
        return ir.ResponseFormat(str(kind))
    if kind == "json_schema":
        spec = _obj(fmt.get("json_schema"), "response_format.json_schema")
        schema = spec.get("schema")
        return ir.ResponseFormat(
            "json_schema",
            schema=_obj(schema, "response_format.json_schema.schema") if schema is not None else None,
            name=_str(spec.get("name"), "response_format.json_schema.name"),
            strict=_opt_bool(spec.get("strict"), "response_format.json_schema.strict"),
            description=_opt_str(spec.get("description"), "response_format.json_schema.description"),
        )
    _fail(
        f"Invalid value: '{kind}'. Supported values are: 'text', 'json_object', and 'json_schema'.",
        "response_format.type",
    )


def _decode_stop(raw: object, extras: dict[str, Any]) -> tuple[str, ...]:
    if raw is None:
        return ()
    if isinstance(raw, str):
        extras["_stop_str"] = True
        return (raw,)
    items = _list(raw, "stop")
    return tuple(_str(item, f"stop[{i}]") for i, item in enumerate(items))


def _decode_reasoning(body: Mapping[str, Any], extras: dict[str, Any]) -> ir.Reasoning | None:
    effort = _opt_str(body.get("reasoning_effort"), "reasoning_effort")
    if effort is not None:
        return ir.Reasoning(effort=effort)
    # OpenRouter's unified `reasoning: {effort, max_tokens, exclude, enabled}`.
    raw = extras.get("reasoning")
    if not isinstance(raw, dict):
        return None
    del extras["reasoning"]
    rest = {k: v for k, v in raw.items() if k not in ("effort", "max_tokens")}
    extras["_reasoning"] = rest
    return ir.Reasoning(
        effort=_opt_str(raw.get("effort"), "reasoning.effort"),
        budget_tokens=_opt_int(raw.get("max_tokens"), "reasoning.max_tokens"),
    )


# --- requests: encode -------------------------------------------------------------------------------


class _RequestEncoder:
    def __init__(self, request: ir.Request) -> None:
        self.request = request
        extras = request.extras.get(FORMAT)
        self.from_chat = extras is not None
        self.x: Mapping[str, Any] = extras or {}
        self.cache_ok = bool(self.x.get("_cache"))
        self.drops: list[ir.Drop] = []

    def drop(self, field: str, reason: str) -> None:
        self.drops.append(ir.Drop(field, reason))

    def encode(self) -> ir.Encoded:
        r = self.request
        body: dict[str, Any] = {k: v for k, v in self.x.items() if not k.startswith("_")}
        body["model"] = r.model
        body["messages"] = self._messages()
        if r.tools:
            body["tools"] = self._tools()
        if r.tool_choice is not None:
            if r.tools:
                body["tool_choice"] = self._tool_choice(r.tool_choice)
            else:
                self.drop("tool_choice", "OpenAI Chat accepts tool_choice only together with tools")
        if r.parallel_tool_calls is not None:
            if r.tools or self.from_chat:
                body["parallel_tool_calls"] = r.parallel_tool_calls
            else:
                self.drop("parallel_tool_calls", "OpenAI Chat accepts parallel_tool_calls only with tools")
        if r.max_output_tokens is not None:
            key = "max_tokens" if self.x.get("_max_tokens_key") == "max_tokens" else "max_completion_tokens"
            body[key] = r.max_output_tokens
        for key, value in (
            ("temperature", r.temperature),
            ("top_p", r.top_p),
            ("seed", r.seed),
            ("presence_penalty", r.presence_penalty),
            ("frequency_penalty", r.frequency_penalty),
        ):
            if value is not None:
                body[key] = value
        body.pop("top_k", None)
        if r.top_k is not None:
            if "top_k" in self.x:  # the client's own upstream takes it (vLLM, OpenRouter…)
                body["top_k"] = r.top_k
            else:
                self.drop("top_k", "OpenAI Chat has no top_k")
        if r.stop:
            body["stop"] = r.stop[0] if len(r.stop) == 1 and self.x.get("_stop_str") else list(r.stop)
        self._reasoning(body)
        if r.response_format is not None:
            body["response_format"] = self._response_format(r.response_format)
        if r.stream:
            body["stream"] = True
            options = self.x.get("_stream_options")
            # The gateway needs usage, whatever the client asked for.
            body["stream_options"] = {**(options if isinstance(options, dict) else {}), "include_usage": True}
        elif self.x.get("_stream_false"):
            body["stream"] = False
        if r.user is not None:
            body["user"] = r.user
        if r.metadata:
            if self.from_chat:
                body["metadata"] = dict(r.metadata)
            else:
                self.drop("metadata", "OpenAI Chat accepts metadata only for stored completions")
        return ir.Encoded(body, tuple(self.drops))

    # --- top-level pieces

    def _reasoning(self, body: dict[str, Any]) -> None:
        reasoning = self.request.reasoning
        if reasoning is None:
            return
        rest = self.x.get("_reasoning")
        if isinstance(rest, dict):  # the client spoke OpenRouter's `reasoning` object
            obj: dict[str, Any] = dict(rest)
            if reasoning.effort is not None:
                obj["effort"] = reasoning.effort
            if reasoning.budget_tokens is not None:
                obj["max_tokens"] = reasoning.budget_tokens
            body["reasoning"] = obj
        else:
            effort = reasoning.effective_effort()
            if effort is not None:
                if effort not in _OPENAI_EFFORTS and not self.from_chat:
                    self.drop("reasoning.effort", f"OpenAI has no effort '{effort}'; sent 'xhigh'")
                    effort = "xhigh"
                body["reasoning_effort"] = effort
        if reasoning.summary is not None:
            self.drop("reasoning.summary", "OpenAI Chat cannot ask for reasoning summaries")
        if reasoning.include_encrypted:
            self.drop("reasoning.include_encrypted", "OpenAI Chat returns no encrypted reasoning")
        if reasoning.include_thoughts is not None:
            self.drop("reasoning.include_thoughts", "OpenAI Chat has no switch for returning thoughts")

    def _response_format(self, fmt: ir.ResponseFormat) -> dict[str, Any]:
        if fmt.type != "json_schema":
            return {"type": fmt.type}
        spec: dict[str, Any] = {"name": sanitize_tool_name(fmt.name or "response")}
        if fmt.description is not None:
            spec["description"] = fmt.description
        if fmt.schema is not None:
            spec["schema"] = dict(fmt.schema)
        if fmt.strict is not None:
            spec["strict"] = fmt.strict
        return {"type": "json_schema", "json_schema": spec}

    def _tools(self) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for i, tool in enumerate(self.request.tools):
            path = f"tools[{i}]"
            if tool.kind == "custom" and self.from_chat and tool.config:
                out.append(dict(tool.config))
                continue
            if tool.kind != "function":
                self.drop(path, f"OpenAI Chat cannot run the built-in tool '{tool.kind}'")
                continue
            function: dict[str, Any] = {"name": self._tool_name(tool.name, f"{path}.name")}
            if tool.description is not None:
                function["description"] = tool.description
            if tool.parameters:
                function["parameters"] = dict(tool.parameters)
            if tool.strict is not None:
                function["strict"] = tool.strict
            entry: dict[str, Any] = {"type": "function", "function": function}
            if tool.cache is not None:
                if self.cache_ok:
                    entry["cache_control"] = _cache_json(tool.cache)
                else:
                    self.drop(f"{path}.cache", "OpenAI Chat has no cache marks")
            out.append(entry)
        return out

    def _tool_name(self, name: str, path: str) -> str:
        safe = sanitize_tool_name(name)
        if safe != name:
            self.drop(path, f"tool name '{name}' is not valid for OpenAI; sent as '{safe}'")
        return safe

    def _tool_choice(self, choice: ir.ToolChoice) -> Any:
        raw = self.x.get("_tool_choice")
        if isinstance(raw, dict):
            allowed = raw.get("allowed_tools")
            if isinstance(allowed, dict) and allowed.get("mode") == choice.mode.value:
                return dict(raw)
        if choice.mode is not ir.ToolChoiceMode.TOOL:
            return choice.mode.value
        name = choice.name or ""
        tool = next((t for t in self.request.tools if t.name == name), None)
        if tool is not None and tool.kind == "custom":
            return {"type": "custom", "custom": {"name": name}}
        return {"type": "function", "function": {"name": sanitize_tool_name(name)}}

    # --- messages

    def _messages(self) -> list[dict[str, Any]]:
        r = self.request
        out: list[dict[str, Any]] = []
        layout = self._system_layout()
        meta_map = self.x.get("_messages")
        meta_map = meta_map if isinstance(meta_map, dict) else {}
        if layout is None:
            if r.system:
                out.append(self._default_system())
            pending: list[tuple[int, dict[str, Any]]] = []
        else:
            pending = layout
        cursor = 0
        for i, message in enumerate(r.messages):
            while cursor < len(pending) and pending[cursor][0] <= i:
                out.append(pending[cursor][1])
                cursor += 1
            meta = meta_map.get(str(i))
            meta = meta if isinstance(meta, dict) and _meta_fits(meta, message) else {}
            if message.role is ir.Role.ASSISTANT:
                out.append(self._assistant(message, i, meta))
            else:
                out.extend(self._user(message, i, meta))
        out.extend(entry for _, entry in pending[cursor:])
        return out

    def _system_layout(self) -> list[tuple[int, dict[str, Any]]] | None:
        """The client's own system/developer messages, when the layout still fits the request."""
        layout = self.x.get("_system")
        if not isinstance(layout, list):
            return None
        system = self.request.system
        if sum(e.get("n", 0) for e in layout if isinstance(e, dict)) != len(system):
            return None
        out: list[tuple[int, dict[str, Any]]] = []
        start = 0
        for entry in layout:
            if not isinstance(entry, dict):
                return None
            n = int(entry.get("n", 0))
            parts = system[start : start + n]
            start += n
            message: dict[str, Any] = {"role": entry.get("role", "system")}
            if entry.get("list"):
                message["content"] = [
                    self._text_json(p, f"system[{start - n + j}]") for j, p in enumerate(parts)
                ]
            elif entry.get("empty") and not parts:
                message["content"] = ""
            else:
                message["content"] = "".join(p.text for p in parts)
                for j, part in enumerate(parts):
                    self._text_losses(part, f"system[{start - n + j}]")
            if "name" in entry:
                message["name"] = entry["name"]
            out.append((int(entry.get("at", 0)), message))
        return out

    def _default_system(self) -> dict[str, Any]:
        parts = self.request.system
        if self.cache_ok and any(p.cache is not None for p in parts):
            return {
                "role": "system",
                "content": [self._text_json(p, f"system[{i}]") for i, p in enumerate(parts)],
            }
        for i, part in enumerate(parts):
            self._text_losses(part, f"system[{i}]")
        return {"role": "system", "content": "\n\n".join(p.text for p in parts)}

    def _text_losses(self, part: ir.TextPart, path: str) -> None:
        if part.cache is not None:
            self.drop(f"{path}.cache", "OpenAI Chat has no cache marks")
        if any(key != FORMAT for key in part.extras):
            self.drop(f"{path}.extras", "citations and annotations of another format are not sent")

    def _text_json(self, part: ir.TextPart, path: str) -> dict[str, Any]:
        out: dict[str, Any] = {"type": "text", "text": part.text}
        if part.cache is not None and self.cache_ok:
            out["cache_control"] = _cache_json(part.cache)
        elif part.cache is not None:
            self.drop(f"{path}.cache", "OpenAI Chat has no cache marks")
        if any(key != FORMAT for key in part.extras):
            self.drop(f"{path}.extras", "citations and annotations of another format are not sent")
        return out

    def _media_json(self, part: ir.ImagePart | ir.DocumentPart, path: str) -> dict[str, Any] | None:
        source = part.source
        out: dict[str, Any]
        if isinstance(part, ir.ImagePart):
            if source.kind == "base64":
                url = _data_url(source)
            elif source.kind == "url" and source.url is not None:
                url = source.url
            else:
                self.drop(path, "OpenAI Chat cannot refer to an image by file id")
                return None
            image: dict[str, Any] = {"url": url}
            if part.detail is not None:
                image["detail"] = part.detail
            out = {"type": "image_url", "image_url": image}
        else:
            file: dict[str, Any] = {}
            if source.kind == "base64":
                file["file_data"] = _data_url(source) if source.media_type else (source.data or "")
                file["filename"] = part.filename or part.title or _default_filename(source.media_type)
            elif source.kind == "file" and source.file_id is not None:
                file["file_id"] = source.file_id
                if part.filename is not None:
                    file["filename"] = part.filename
            else:
                self.drop(path, "OpenAI Chat cannot fetch a document from a URL")
                return None
            if part.title is not None and part.title != file.get("filename"):
                self.drop(f"{path}.title", "OpenAI Chat documents have no title")
            out = {"type": "file", "file": file}
        if part.cache is not None:
            if self.cache_ok:
                out["cache_control"] = _cache_json(part.cache)
            else:
                self.drop(f"{path}.cache", "OpenAI Chat has no cache marks")
        return out

    def _user(self, message: ir.Message, index: int, meta: Mapping[str, Any]) -> list[dict[str, Any]]:
        path = f"messages[{index}]"
        out: list[dict[str, Any]] = []
        results = [(j, p) for j, p in enumerate(message.parts) if isinstance(p, ir.ToolResultPart)]
        others = [(j, p) for j, p in enumerate(message.parts) if not isinstance(p, ir.ToolResultPart)]
        items = meta.get("items") if meta.get("k") == "tool" else None
        items = items if isinstance(items, list) and len(items) == len(results) else [{}] * len(results)
        carried: list[tuple[str, ir.ImagePart | ir.DocumentPart]] = []
        for (j, result), item in zip(results, items, strict=True):
            out.append(self._tool_result(result, f"{path}.parts[{j}]", item, carried))
        content_parts: list[dict[str, Any]] = []
        for j, part in others:
            ppath = f"{path}.parts[{j}]"
            if isinstance(part, ir.TextPart):
                content_parts.append(self._text_json(part, ppath))
            elif isinstance(part, ir.ImagePart | ir.DocumentPart):
                encoded = self._media_json(part, ppath)
                if encoded is not None:
                    content_parts.append(encoded)
            else:
                self.drop(ppath, f"OpenAI Chat user messages cannot hold {type(part).__name__}")
        for cpath, media in carried:
            encoded = self._media_json(media, cpath)
            if encoded is not None:
                content_parts.append(encoded)
        if not content_parts and results and meta.get("k") != "user":
            return out
        user: dict[str, Any] = {"role": "user"}
        opaque = meta.get("opaque") if meta.get("k") == "user" else None
        as_list = bool(meta.get("list")) or bool(opaque) or _needs_list(content_parts)
        if as_list:
            if isinstance(opaque, list):
                for position, raw in opaque:
                    content_parts.insert(min(int(position), len(content_parts)), raw)
            user["content"] = content_parts
        elif content_parts:
            user["content"] = "".join(p["text"] for p in content_parts)
        else:
            user["content"] = ""
        if message.name is not None:
            user["name"] = message.name
        extra = meta.get("x")
        if isinstance(extra, dict):
            user.update(extra)
        out.append(user)
        return out

    def _tool_result(
        self,
        result: ir.ToolResultPart,
        path: str,
        item: Mapping[str, Any],
        carried: list[tuple[str, ir.ImagePart | ir.DocumentPart]],
    ) -> dict[str, Any]:
        texts: list[ir.TextPart] = []
        for k, part in enumerate(result.content):
            if isinstance(part, ir.TextPart):
                texts.append(part)
            else:
                # Tool messages carry text only: images and documents follow in a user message.
                carried.append((f"{path}.content[{k}]", part))
        if result.is_error:
            self.drop(f"{path}.is_error", "OpenAI Chat tool messages have no error flag")
        if item.get("legacy") and result.name is not None:
            message: dict[str, Any] = {"role": "function", "name": result.name}
            message["content"] = "".join(t.text for t in texts)
            return message
        message = {"role": "tool", "tool_call_id": result.call_id}
        if item.get("list"):
            message["content"] = [self._text_json(t, f"{path}.content") for t in texts]
        else:
            for t in texts:
                self._text_losses(t, f"{path}.content")
            message["content"] = "\n".join(t.text for t in texts)
        if item.get("name") and result.name is not None:
            message["name"] = result.name
        if result.cache is not None:
            if self.cache_ok:
                message["cache_control"] = _cache_json(result.cache)
            else:
                self.drop(f"{path}.cache", "OpenAI Chat has no cache marks")
        extra = item.get("x")
        if isinstance(extra, dict):
            message.update(extra)
        return message

    def _assistant(self, message: ir.Message, index: int, meta: Mapping[str, Any]) -> dict[str, Any]:
        path = f"messages[{index}]"
        out: dict[str, Any] = {"role": "assistant"}
        texts: list[tuple[int, ir.TextPart]] = []
        calls: list[tuple[int, ir.ToolCallPart]] = []
        thinking: list[tuple[int, ir.ThinkingPart | ir.RedactedThinkingPart]] = []
        for j, part in enumerate(message.parts):
            if isinstance(part, ir.TextPart):
                texts.append((j, part))
            elif isinstance(part, ir.ToolCallPart):
                calls.append((j, part))
            elif isinstance(part, ir.ThinkingPart | ir.RedactedThinkingPart):
                thinking.append((j, part))
            else:
                self.drop(
                    f"{path}.parts[{j}]", f"OpenAI Chat assistant messages cannot hold {type(part).__name__}"
                )
        # content
        opaque = meta.get("opaque")
        if meta.get("list") or opaque:
            content: list[Any] = [self._text_json(p, f"{path}.parts[{j}]") for j, p in texts]
            if isinstance(opaque, list):
                for position, raw in opaque:
                    content.insert(min(int(position), len(content)), raw)
            out["content"] = content
        elif texts:
            for j, p in texts:
                self._text_losses(p, f"{path}.parts[{j}]")
            out["content"] = "".join(p.text for _, p in texts)
        elif meta.get("content") == "":
            out["content"] = ""
        elif meta.get("content") != "absent":
            out["content"] = None
        if message.name is not None:
            out["name"] = message.name
        if "refusal" in meta:
            out["refusal"] = meta["refusal"]
        # reasoning: only a client of this format knows whether its upstream reads it back
        field = meta.get("r")
        parts = [p for _, p in thinking]
        if isinstance(field, str):
            out[field] = "".join(p.text for p in parts if isinstance(p, ir.ThinkingPart))
        if meta.get("rd"):
            out["reasoning_details"] = _all_reasoning_details(parts)
        elif isinstance(field, str):
            for j, part in thinking:
                if _reasoning_detail(part, 0) is not None:
                    self.drop(
                        f"{path}.parts[{j}]", "OpenAI Chat cannot hand back signed or encrypted reasoning"
                    )
        else:
            for j, _ in thinking:
                self.drop(f"{path}.parts[{j}]", "OpenAI Chat does not take reasoning back in a request")
        # tool calls
        if meta.get("legacy") and len(calls) == 1:
            _, call = calls[0]
            out["function_call"] = {"name": call.name, "arguments": call.arguments}
        elif calls:
            out["tool_calls"] = [self._tool_call(call, f"{path}.parts[{j}]") for j, call in calls]
        extra = meta.get("x")
        if isinstance(extra, dict):
            out.update(extra)
        return out

    def _tool_call(self, call: ir.ToolCallPart, path: str) -> dict[str, Any]:
        own = call.extras.get(FORMAT)
        own = own if isinstance(own, dict) else {}
        out: dict[str, Any]
        if own.get("type") == "custom":
            out = {"id": call.id, "type": "custom", "custom": {"name": call.name, "input": call.arguments}}
        else:
            out = {
                "id": call.id,
                "type": "function",
                "function": {
                    "name": self._tool_name(call.name, f"{path}.name"),
                    "arguments": call.arguments or "{}",
                },
            }
        extra_content = own.get("extra_content")
        extra_content = dict(extra_content) if isinstance(extra_content, dict) else {}
        if call.thought_signature is not None:
            if self.from_chat:
                google = extra_content.get("google")
                google = dict(google) if isinstance(google, dict) else {}
                google["thought_signature"] = call.thought_signature
                extra_content["google"] = google
            else:
                self.drop(f"{path}.thought_signature", "OpenAI Chat has no thought signatures")
        if extra_content:
            out["extra_content"] = extra_content
        if call.cache is not None:
            self.drop(f"{path}.cache", "OpenAI Chat has no cache marks on tool calls")
        return out


def _needs_list(parts: Sequence[Mapping[str, Any]]) -> bool:
    return len(parts) > 1 or any(p.get("type") != "text" or "cache_control" in p for p in parts)


def _default_filename(media_type: str | None) -> str:
    if media_type == "application/pdf" or media_type is None:
        return "document.pdf"
    if media_type.startswith("text/"):
        return "document.txt"
    return "document"


def _meta_fits(meta: Mapping[str, Any], message: ir.Message) -> bool:
    """A layout entry applies only while the message it was recorded for is still that message."""
    kind = meta.get("k")
    if meta.get("n") != len(message.parts):
        return False
    if kind == "assistant":
        return message.role is ir.Role.ASSISTANT
    if kind == "user":
        return message.role is ir.Role.USER and not any(
            isinstance(p, ir.ToolResultPart) for p in message.parts
        )
    if kind == "tool":
        return message.role is ir.Role.USER and all(isinstance(p, ir.ToolResultPart) for p in message.parts)
    return False


# --- responses ---------------------------------------------------------------------------------------

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
            arguments = orjson.dumps(raw_arguments).decode()
        else:
            arguments = ""
    return ir.ToolCallPart(
        str(call_id),
        str(name),
        str(arguments),
        thought_signature=signature,
        extras={FORMAT: extras} if extras else {},
    )


def _thought_signature(call: Mapping[str, Any]) -> str | None:
    extra = call.get("extra_content")
    if isinstance(extra, dict):
        google = extra.get("google")
        if isinstance(google, dict) and isinstance(google.get("thought_signature"), str):
            return str(google["thought_signature"])
    return None


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


# --- streams: decode ---------------------------------------------------------------------------------


@dataclass(slots=True)
class _ToolSlot:
    block: int | None  # canonical block index, once started
    call_id: str | None
    name: str | None
    signature: str | None
    pending_args: list[str]


class ChatStreamDecoder:
    """Upstream `chat.completion.chunk` SSE bytes → canonical stream events."""

    def __init__(self) -> None:
        self._parser = SSEParser()
        self._started = False
        self._finished = False  # StreamEnd or StreamError emitted
        self._stop: ir.StopReason | None = None
        self._usage = ir.Usage()
        self._next_block = 0
        self._open: int | None = None  # the one open block (streams are sequential)
        self._open_kind: ir.BlockKind | None = None
        self._slots: list[_ToolSlot] = []
        self._by_index: dict[int, int] = {}  # upstream tool_calls index → position in _slots
        self._current: int | None = None  # the slot of the tool call being streamed
        self._saw_tool = False
        self._refusal = False
        self._plain_reasoning = False

    def feed(self, chunk: bytes) -> list[ir.StreamEvent]:
        out: list[ir.StreamEvent] = []
        for event in self._parser.feed(chunk):
            self._event(event.data, out)
        return out

    def close(self) -> list[ir.StreamEvent]:
        out: list[ir.StreamEvent] = []
        for event in self._parser.close():
            self._event(event.data, out)
        if self._finished:
            return out
        if self._stop is not None:
            self._end(out)
        else:
            self._close_block(out)
            self._finished = True
            out.append(ir.StreamError(status=502, message="upstream stream ended early", kind="api_error"))
        return out

    # --- one SSE event

    def _event(self, data: str, out: list[ir.StreamEvent]) -> None:
        if self._finished or not data:
            return
        if data.strip() == "[DONE]":
            self._end(out)
            return
        try:
            chunk = orjson.loads(data)
        except orjson.JSONDecodeError:
            self._close_block(out)
            self._finished = True
            out.append(ir.StreamError(status=502, message="upstream sent a malformed stream chunk"))
            return
        if not isinstance(chunk, dict):
            return
        error = chunk.get("error")
        if error is not None:
            info = _error_info(_status_of(error, 500), chunk)
            self._close_block(out)
            self._finished = True
            out.append(ir.StreamError(status=info.status, message=info.message, kind=info.kind))
            return
        # Azure sends a first chunk with empty id, model and choices (its prompt filter results).
        if not self._started and (chunk.get("id") or chunk.get("choices")):
            self._started = True
            created = chunk.get("created")
            out.append(
                ir.StreamStart(
                    id=str(chunk.get("id") or ""),
                    model=str(chunk.get("model") or ""),
                    created=created if isinstance(created, int) and not isinstance(created, bool) else 0,
                )
            )
        usage = chunk.get("usage")
        if not isinstance(usage, dict):
            x_groq = chunk.get("x_groq")
            usage = x_groq.get("usage") if isinstance(x_groq, dict) else None
        if isinstance(usage, dict):
            self._usage = _ir_usage(usage)
        choices = chunk.get("choices")
        if not isinstance(choices, list):
            return
        for choice in choices:
            if not isinstance(choice, dict) or choice.get("index", 0) != 0:
                continue  # n > 1: only the first choice has a canonical home
            delta = choice.get("delta")
            if isinstance(delta, dict):
                self._delta(delta, out)
            finish = choice.get("finish_reason")
            if isinstance(finish, str) and finish:
                self._finish(finish, out)

    def _delta(self, delta: Mapping[str, Any], out: list[ir.StreamEvent]) -> None:
        plain = delta.get("reasoning_content")
        if not isinstance(plain, str):
            plain = delta.get("reasoning")
        if isinstance(plain, str) and plain:
            self._plain_reasoning = True
            self._thinking(plain, out)
        details = delta.get("reasoning_details")
        if isinstance(details, list):
            for entry in details:
                if isinstance(entry, dict):
                    # Text that also came as plain reasoning (OpenRouter sends both; a signed entry
                    # may repeat the whole text at the end) is not counted twice.
                    self._reasoning_detail(entry, self._plain_reasoning, out)
        content = delta.get("content")
        if isinstance(content, str) and content:
            self._text(content, out)
        refusal = delta.get("refusal")
        if isinstance(refusal, str) and refusal:
            self._refusal = True
            self._text(refusal, out)
        tool_calls = delta.get("tool_calls")
        if isinstance(tool_calls, list):
            for call in tool_calls:
                if isinstance(call, dict):
                    self._tool_delta(call, out)
        function_call = delta.get("function_call")
        if isinstance(function_call, dict):
            self._tool_delta({"index": 0, "function": function_call}, out)

    def _reasoning_detail(self, entry: Mapping[str, Any], had_plain: bool, out: list[ir.StreamEvent]) -> None:
        kind = entry.get("type")
        if kind == "reasoning.text":
            text = entry.get("text")
            if isinstance(text, str) and text and not had_plain:
                self._thinking(text, out)
            signature = entry.get("signature")
            if isinstance(signature, str) and signature:
                index = self._ensure(ir.BlockKind.THINKING, out)
                out.append(ir.SignatureDelta(index, signature=signature))
        elif kind == "reasoning.summary":
            summary = entry.get("summary")
            if isinstance(summary, str) and summary and not had_plain:
                self._thinking(summary, out)
        elif kind == "reasoning.encrypted" and isinstance(entry.get("data"), str):
            entry_id = entry.get("id") if isinstance(entry.get("id"), str) else None
            if entry.get("format") == _RESPONSES_FORMAT or (entry_id or "").startswith("rs_"):
                index = self._ensure(ir.BlockKind.THINKING, out)
                out.append(ir.SignatureDelta(index, encrypted=entry["data"], reasoning_id=entry_id))
            else:
                self._close_block(out)
                index = self._new_block()
                out.append(ir.BlockStart(index, ir.BlockKind.REDACTED_THINKING, data=entry["data"]))
                out.append(ir.BlockStop(index))

    # --- blocks

    def _new_block(self) -> int:
        index = self._next_block
        self._next_block += 1
        return index

    def _ensure(self, kind: ir.BlockKind, out: list[ir.StreamEvent]) -> int:
        """The open block of `kind`, opening one (and closing any other) if needed."""
        if self._open is not None and self._open_kind is kind:
            return self._open
        self._close_block(out)
        index = self._new_block()
        out.append(ir.BlockStart(index, kind))
        self._open, self._open_kind = index, kind
        return index

    def _close_block(self, out: list[ir.StreamEvent]) -> None:
        if self._current is not None:
            slot = self._slots[self._current]
            if slot.block is None:
                self._start_tool(slot, out)
        if self._open is not None:
            out.append(ir.BlockStop(self._open))
            self._open = self._open_kind = None
        self._current = None

    def _thinking(self, text: str, out: list[ir.StreamEvent]) -> None:
        out.append(ir.ThinkingDelta(self._ensure(ir.BlockKind.THINKING, out), text))

    def _text(self, text: str, out: list[ir.StreamEvent]) -> None:
        out.append(ir.TextDelta(self._ensure(ir.BlockKind.TEXT, out), text))

    def _tool_delta(self, call: Mapping[str, Any], out: list[ir.StreamEvent]) -> None:
        raw_index = call.get("index")
        function = call.get("function")
        function = function if isinstance(function, dict) else {}
        call_id = call.get("id") if isinstance(call.get("id"), str) and call.get("id") else None
        name = (
            function.get("name") if isinstance(function.get("name"), str) and function.get("name") else None
        )
        arguments = function.get("arguments")
        if isinstance(arguments, dict):
            arguments = orjson.dumps(arguments).decode()
        index = raw_index if isinstance(raw_index, int) and not isinstance(raw_index, bool) else None
        position = self._by_index.get(index) if index is not None else self._current
        if position is not None:
            slot = self._slots[position]
            # A different call at the same place: Ollama-style servers reuse index 0 for every call of
            # a parallel batch, some others send calls without an index at all.
            new_id = bool(call_id and slot.call_id and call_id != slot.call_id)
            new_name = bool(name and slot.name and name != slot.name)
            if (new_id and (name or index is None)) or (index is None and new_name):
                position = None
        if position is None:
            self._close_block(out)
            position = len(self._slots)
            self._slots.append(_ToolSlot(None, call_id, name, _thought_signature(call), []))
            if index is not None:
                self._by_index[index] = position
            self._current = position
        elif position != self._current:
            # A late fragment of a call that was already closed (the upstream interleaved its calls):
            # the canonical stream is sequential, so there is nowhere to put it.
            return
        slot = self._slots[position]
        slot.call_id = slot.call_id or call_id
        slot.name = slot.name or name
        slot.signature = slot.signature or _thought_signature(call)
        if slot.block is None:
            if isinstance(arguments, str) and arguments:
                slot.pending_args.append(arguments)
            if slot.name is not None:
                self._start_tool(slot, out)
            return
        if isinstance(arguments, str) and arguments:
            out.append(ir.ToolArgsDelta(slot.block, arguments))

    def _start_tool(self, slot: _ToolSlot, out: list[ir.StreamEvent]) -> None:
        index = self._new_block()
        slot.block = index
        self._saw_tool = True
        out.append(
            ir.BlockStart(
                index,
                ir.BlockKind.TOOL_CALL,
                tool_call_id=slot.call_id or f"call_{index}",
                tool_name=slot.name or "",
                thought_signature=slot.signature,
            )
        )
        self._open, self._open_kind = index, ir.BlockKind.TOOL_CALL
        if slot.pending_args:
            out.append(ir.ToolArgsDelta(index, "".join(slot.pending_args)))
            slot.pending_args = []

    # --- the end

    def _finish(self, finish_reason: str, out: list[ir.StreamEvent]) -> None:
        self._close_block(out)
        stop = _stop_reason(finish_reason)
        if stop is ir.StopReason.END_TURN and self._refusal:
            stop = ir.StopReason.REFUSAL
        self._stop = stop

    def _end(self, out: list[ir.StreamEvent]) -> None:
        self._close_block(out)
        if not self._started:
            self._started = True
            out.append(ir.StreamStart(id="", model=""))
        stop = self._stop
        if stop is None:
            stop = ir.StopReason.TOOL_USE if self._saw_tool else ir.StopReason.END_TURN
        self._finished = True
        out.append(ir.StreamEnd(stop_reason=stop, usage=self._usage))


# --- streams: encode ---------------------------------------------------------------------------------

_DONE: Final = b"data: [DONE]\n\n"


class ChatStreamEncoder:
    """Canonical stream events → `chat.completion.chunk` SSE, as api.openai.com frames them."""

    def __init__(self, request: ir.Request) -> None:
        self._model = request.model
        self._with_usage = request.stream_usage
        self._id = "chatcmpl-0"
        self._created = 0
        self._started = False
        self._role_sent = False
        self._done = False
        self._tool_index: dict[int, int] = {}  # canonical block index → OpenAI tool_calls index
        self._kinds: dict[int, ir.BlockKind] = {}
        self._thinking_text: dict[int, list[str]] = {}
        self._details = 0

    def _head(self) -> dict[str, Any]:
        return {
            "id": self._id,
            "object": "chat.completion.chunk",
            "created": self._created,
            "model": self._model,
            "service_tier": "default",
            "system_fingerprint": None,
        }

    def _chunk(self, delta: Mapping[str, Any], finish_reason: str | None = None) -> bytes:
        obj = self._head()
        obj["choices"] = [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason}]
        if self._with_usage:
            obj["usage"] = None
        return encode_event(orjson.dumps(obj))

    def _delta(self, delta: dict[str, Any]) -> bytes:
        """A delta chunk; the very first one also carries the role, as OpenAI's does."""
        if self._role_sent:
            return self._chunk(delta)
        self._role_sent = True
        if "tool_calls" in delta:
            # A tool call first: OpenAI puts its header into the role chunk, with content null.
            return self._chunk({"role": "assistant", "content": None, **delta, "refusal": None})
        head = self._chunk({"role": "assistant", "content": "", "refusal": None})
        if delta.get("content") == "" and len(delta) == 1:
            return head
        return head + self._chunk(delta)

    def feed(self, event: ir.StreamEvent) -> bytes:
        if self._done:
            return b""
        if isinstance(event, ir.StreamStart):
            if not self._started:
                self._started = True
                self._id = _completion_id(event.id)
                self._created = event.created
            return b""
        self._started = True
        if isinstance(event, ir.StreamError):
            self._done = True
            return self._error(event)
        if isinstance(event, ir.BlockStart):
            self._kinds[event.index] = event.kind
            if event.kind is ir.BlockKind.TOOL_CALL:
                index = len(self._tool_index)
                self._tool_index[event.index] = index
                call: dict[str, Any] = {
                    "index": index,
                    "id": event.tool_call_id or f"call_{event.index}",
                    "type": "function",
                    "function": {"name": event.tool_name or "", "arguments": ""},
                }
                if event.thought_signature is not None:
                    call["extra_content"] = {"google": {"thought_signature": event.thought_signature}}
                return self._delta({"tool_calls": [call]})
            if event.kind is ir.BlockKind.REDACTED_THINKING and event.data is not None:
                return self._detail(ir.RedactedThinkingPart(event.data))
            if event.kind is ir.BlockKind.THINKING:
                self._thinking_text[event.index] = []
            return b""
        if isinstance(event, ir.TextDelta):
            return self._delta({"content": event.text}) if event.text else b""
        if isinstance(event, ir.ThinkingDelta):
            if not event.text:
                return b""
            self._thinking_text.setdefault(event.index, []).append(event.text)
            return self._delta({"reasoning_content": event.text})
        if isinstance(event, ir.SignatureDelta):
            text = "".join(self._thinking_text.get(event.index, ()))
            return self._detail(
                ir.ThinkingPart(
                    text,
                    signature=event.signature,
                    encrypted=event.encrypted,
                    reasoning_id=event.reasoning_id,
                )
            )
        if isinstance(event, ir.ToolArgsDelta):
            position = self._tool_index.get(event.index)
            if position is None or not event.partial_json:
                return b""
            return self._delta(
                {"tool_calls": [{"index": position, "function": {"arguments": event.partial_json}}]}
            )
        if isinstance(event, ir.BlockStop):
            return b""
        # StreamEnd
        self._done = True
        out = b"" if self._role_sent else self._delta({"content": ""})
        out += self._chunk({}, _finish_reason(event.stop_reason))
        if self._with_usage:
            obj = self._head()
            obj["choices"] = []
            obj["usage"] = _chat_usage(event.usage)
            out += encode_event(orjson.dumps(obj))
        return out + _DONE

    def _detail(self, part: ir.ThinkingPart | ir.RedactedThinkingPart) -> bytes:
        entry = _reasoning_detail(part, self._details)
        if entry is None:
            return b""
        self._details += 1
        return self._delta({"reasoning_details": [entry]})

    def _error(self, event: ir.StreamError) -> bytes:
        return ADAPTER.encode_stream_error(ErrorInfo(event.status, event.message, event.kind))

    def close(self) -> bytes:
        if self._done:
            return b""
        self._done = True
        # Neither an end nor an error came: tell the client the answer is incomplete.
        return ADAPTER.encode_stream_error(ErrorInfo(502, "upstream stream ended early", "api_error"))


# --- errors ------------------------------------------------------------------------------------------

_KIND_BY_STATUS: Mapping[int, str] = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    413: "request_too_large",
    422: "invalid_request_error",
    429: "rate_limit_error",
    500: "api_error",
    502: "api_error",
    503: "overloaded_error",
    504: "api_error",
    529: "overloaded_error",
}
_TYPE_BY_KIND: Mapping[str, str] = {
    "invalid_request_error": "invalid_request_error",
    "authentication_error": "authentication_error",
    "permission_error": "permission_error",
    "not_found_error": "invalid_request_error",
    "request_too_large": "invalid_request_error",
    "rate_limit_error": "rate_limit_error",
    "api_error": "server_error",
    "overloaded_error": "service_unavailable_error",
}


def _kind_for(status: int) -> str:
    kind = _KIND_BY_STATUS.get(status)
    if kind is not None:
        return kind
    return "invalid_request_error" if status < 500 else "api_error"


def _status_of(error: object, default: int) -> int:
    """An in-stream error's HTTP-like status, when it gives one (`code: 429`, `status: 503`)."""
    if isinstance(error, dict):
        for key in ("status", "code"):
            value = error.get(key)
            if isinstance(value, int) and not isinstance(value, bool) and 400 <= value <= 599:
                return value
        if error.get("type") in ("server_error", "api_error"):
            return 500
        if error.get("code") == "rate_limit_exceeded" or error.get("type") in ("requests", "tokens"):
            return 429
    return default


def _error_info(status: int, parsed: object) -> ErrorInfo:
    generic = ErrorInfo(status, f"Upstream error (HTTP {status})", _kind_for(status))
    if isinstance(parsed, list) and parsed:  # Gemini's OpenAI endpoint wraps errors in a list
        parsed = parsed[0]
    if not isinstance(parsed, dict):
        return generic
    error = parsed.get("error", parsed)
    if isinstance(error, str):
        return ErrorInfo(status, error or generic.message, _kind_for(status))
    if not isinstance(error, dict):
        return generic
    message = error.get("message")
    if not isinstance(message, str) or not message:
        detail = error.get("detail")
        message = detail if isinstance(detail, str) and detail else generic.message
    code = error.get("code")
    param = error.get("param")
    return ErrorInfo(
        status,
        message,
        _kind_for(status),
        code=None if code is None or isinstance(code, bool) else str(code),
        param=param if isinstance(param, str) else None,
    )


# --- the adapter -------------------------------------------------------------------------------------


class OpenAIChatAdapter:
    wire_format: WireFormat = WireFormat.OPENAI

    # --- requests

    def decode_request(
        self, body: Mapping[str, Any], *, model: str | None = None, stream: bool | None = None
    ) -> ir.Request:
        if not isinstance(body, Mapping):
            _fail("The request body must be a JSON object.", None)
        extras: dict[str, Any] = {k: v for k, v in body.items() if k not in _REQUEST_FIELDS}
        if model is None:
            if "model" not in body:
                _fail("Missing required parameter: 'model'.", "model")
            model = _str(body.get("model"), "model")
        if "messages" not in body:
            _fail("Missing required parameter: 'messages'.", "messages")
        raw_messages = _list(body.get("messages"), "messages")
        if not raw_messages:
            _fail(
                "Invalid 'messages': empty array. Expected an array with minimum length 1, but got an "
                "empty array instead.",
                "messages",
            )
        decoder = _MessagesDecoder()
        decoder.run(raw_messages)
        if not decoder.is_default_system():
            extras["_system"] = decoder.system_layout
        if decoder.meta:
            extras["_messages"] = decoder.meta

        tools = _decode_tools(body.get("tools"))
        if any(t.cache is not None for t in tools):
            decoder.cache_marks = True
        if decoder.cache_marks:
            extras["_cache"] = True
        tool_choice = _decode_tool_choice(body.get("tool_choice"), extras)

        max_output: int | None = _opt_int(body.get("max_completion_tokens"), "max_completion_tokens")
        max_tokens = _opt_int(body.get("max_tokens"), "max_tokens")
        if max_output is None:
            max_output = max_tokens
            if max_tokens is not None:
                extras["_max_tokens_key"] = "max_tokens"
        elif max_tokens is not None:
            extras["max_tokens"] = max_tokens  # both given: the second one travels verbatim

        stream_value = _opt_bool(body.get("stream"), "stream")
        if stream_value is False:
            extras["_stream_false"] = True
        stream_usage = False
        options = body.get("stream_options")
        if options is not None:
            options = _obj(options, "stream_options")
            stream_usage = bool(_opt_bool(options.get("include_usage"), "stream_options.include_usage"))
            rest = {k: v for k, v in options.items() if k != "include_usage"}
            if rest:
                extras["_stream_options"] = rest

        metadata = body.get("metadata")
        top_k = _opt_int(extras.get("top_k"), "top_k")
        stop = _decode_stop(body.get("stop"), extras)
        reasoning = _decode_reasoning(body, extras)
        return ir.Request(
            model=model,
            messages=tuple(decoder.messages),
            system=tuple(decoder.system),
            tools=tools,
            tool_choice=tool_choice,
            parallel_tool_calls=_opt_bool(body.get("parallel_tool_calls"), "parallel_tool_calls"),
            max_output_tokens=max_output,
            temperature=_opt_num(body.get("temperature"), "temperature"),
            top_p=_opt_num(body.get("top_p"), "top_p"),
            top_k=top_k,
            stop=stop,
            seed=_opt_int(body.get("seed"), "seed"),
            presence_penalty=_opt_num(body.get("presence_penalty"), "presence_penalty"),
            frequency_penalty=_opt_num(body.get("frequency_penalty"), "frequency_penalty"),
            reasoning=reasoning,
            response_format=_decode_response_format(body.get("response_format")),
            stream=bool(stream_value) if stream is None else stream,
            stream_usage=stream_usage,
            user=_opt_str(body.get("user"), "user"),
            metadata=dict(_obj(metadata, "metadata")) if metadata is not None else {},
            extras={FORMAT: extras},
        )

    def encode_request(self, request: ir.Request) -> ir.Encoded:
        return _RequestEncoder(request).encode()

    def upstream_path(self, model: str, stream: bool) -> str:
        return UPSTREAM_PATH

    # --- responses

    def decode_response(self, body: Mapping[str, Any]) -> ir.Response:
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

    def encode_response(self, response: ir.Response, request: ir.Request) -> ir.Encoded:
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

    def stream_decoder(self) -> StreamDecoder:
        return ChatStreamDecoder()

    def stream_encoder(self, request: ir.Request) -> StreamEncoder:
        return ChatStreamEncoder(request)

    # --- errors

    def decode_error(self, status: int, body: bytes) -> ErrorInfo:
        return _error_info(status, _load(body))

    def encode_error(self, error: ErrorInfo) -> dict[str, Any]:
        kind = _TYPE_BY_KIND.get(error.kind, error.kind)
        return {"error": {"message": error.message, "type": kind, "param": error.param, "code": error.code}}

    def encode_stream_error(self, error: ErrorInfo) -> bytes:
        return encode_event(orjson.dumps(self.encode_error(error)))

    # --- usage on the side of a passthrough

    def usage_from_body(self, body: bytes) -> ir.Usage:
        usage = _usage_object(_load(body))
        return _ir_usage(usage) if usage is not None else ir.Usage()

    def usage_from_stream(self, head: bytes, tail: bytes) -> ir.Usage:
        usage = _stream_usage_object(tail)
        return _ir_usage(usage) if usage is not None else ir.Usage()


ADAPTER = OpenAIChatAdapter()
_check: FormatAdapter = ADAPTER
