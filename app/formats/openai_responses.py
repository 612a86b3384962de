"""OpenAI Responses (`POST /v1/responses`), the API Codex speaks, to and from the canonical form.

Shapes, in short (see the vendor reference for the rest):

- Requests carry `instructions` (→ system) and `input`: a string, or a list of items — messages
  (roles user / assistant / system / developer, content a string or input_text / output_text /
  input_image / input_file parts), `function_call` / `function_call_output`, `reasoning` items
  (summary, encrypted_content), `custom_tool_call(_output)` (Codex's freeform apply_patch) and
  hosted-tool items (web_search_call, compaction, item_reference…). Function tools are FLAT
  (`{"type": "function", "name", "parameters", "strict"}`).
- Responses are `{"object": "response", "output": [reasoning | message | function_call …], "usage"}`.
- Streams are typed SSE events (`event:` line = `type`, a `sequence_number` on each) from
  `response.created` to `response.completed` / `response.incomplete` / `response.failed`; no [DONE].

How the canonical form is used:

- Consecutive input items of one assistant turn (reasoning, messages, calls) form ONE assistant
  message; a TextPart whose extras carry an "item" entry starts a new message item on the way back.
  Each user message item is its own user message; consecutive `function_call_output`s form one.
- system / developer messages in `input` become system TextParts marked with their role and
  position ("at": index of the canonical message they preceded), so the same-format encoder puts
  them back where they were; unmarked system parts (other formats, `instructions`) become
  `instructions`. Hosted-tool items with no canonical home travel in `extras["responses"]["items"]`
  with their position, the same way.
- Codex's freeform `custom` tools (apply_patch) become FUNCTION tools taking `{"input": string}` so
  that other vendors can call them; the original definition rides in `config["responses"]` and
  calls are turned back into `custom_tool_call` items for the Responses client.
- Reasoning: each summary entry is a ThinkingPart(kind="summary"), raw reasoning text a
  ThinkingPart(kind="thinking"); the first part of an item carries `encrypted` and every part the
  item id. Signatures from other vendors (Anthropic thinking, redacted thinking, Gemini thought
  signatures on tool calls) are handed to the Responses client inside `encrypted_content` wrapped
  in a `vansroute.v1.` envelope, and unwrapped when the client sends them back, so a Codex
  conversation with Claude or Gemini keeps its signed reasoning across turns.
- `previous_response_id`, `store`, `prompt_cache_key`… have no canonical home: they stay in
  `extras["responses"]["fields"]`. A target other than Responses cannot honour
  `previous_response_id` (it names server-side state); `stateful_fields()` lists such fields so
  the gateway can refuse or warn.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

import orjson

from app.core.errors import InvalidRequest, UpstreamError
from app.core.records import WireFormat
from app.formats import ir
from app.formats.adapter import ErrorInfo, FormatAdapter
from app.formats.sse import SSEParser, encode_event

FORMAT: Final = "responses"
ENVELOPE_PREFIX: Final = "vansroute.v1."

_NAME_OK = re.compile(r"[A-Za-z0-9_-]{1,64}")
_NAME_BAD_CHARS = re.compile(r"[^A-Za-z0-9_-]")
_ID_CHARS = re.compile(r"[^A-Za-z0-9]")

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
# Top-level response keys the encoder always derives itself.
_RESPONSE_DERIVED: Final = frozenset(
    {"id", "object", "created_at", "status", "model", "output", "usage", "error", "incomplete_details"}
)
_STATEFUL: Final = ("previous_response_id", "conversation", "prompt")
_INCLUDE_ENCRYPTED: Final = "reasoning.encrypted_content"
_OPENAI_EFFORTS: Final = frozenset({"none", "minimal", "low", "medium", "high", "xhigh"})

# Canonical error kind -> (OpenAI error `type`, default `code` in bodies, `code` in response.failed).
_KIND_TO_OPENAI: Final[Mapping[str, tuple[str, str | None, str]]] = {
    "invalid_request_error": ("invalid_request_error", None, "invalid_prompt"),
    "authentication_error": ("invalid_request_error", "invalid_api_key", "invalid_prompt"),
    "permission_error": ("permission_error", None, "invalid_prompt"),
    "not_found_error": ("invalid_request_error", None, "invalid_prompt"),
    "request_too_large": ("invalid_request_error", "request_too_large", "invalid_prompt"),
    "rate_limit_error": ("rate_limit_error", "rate_limit_exceeded", "rate_limit_exceeded"),
    "overloaded_error": ("server_error", "server_is_overloaded", "server_error"),
    "api_error": ("server_error", None, "server_error"),
}
# `response.failed` codes: the SDK's closed list, plus those Codex acts on (compaction, quota).
_FAILED_CODES: Final = frozenset(
    {
        "server_error",
        "rate_limit_exceeded",
        "invalid_prompt",
        "context_length_exceeded",
        "insufficient_quota",
        "usage_not_included",
    }
)
_STATUS_TO_KIND: Final[Mapping[int, str]] = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    413: "request_too_large",
    429: "rate_limit_error",
    503: "overloaded_error",
    529: "overloaded_error",
}
# In-stream error codes (response.failed / error events) -> (status, kind).
_CODE_TO_STATUS: Final[Mapping[str, tuple[int, str]]] = {
    "rate_limit_exceeded": (429, "rate_limit_error"),
    "insufficient_quota": (429, "rate_limit_error"),
    "too_many_requests": (429, "rate_limit_error"),
    "context_length_exceeded": (400, "invalid_request_error"),
    "invalid_prompt": (400, "invalid_request_error"),
    "invalid_request_error": (400, "invalid_request_error"),
    "server_is_overloaded": (503, "overloaded_error"),
    "slow_down": (503, "overloaded_error"),
    "server_error": (500, "api_error"),
}


# --------------------------------------------------------------------------- small helpers


def _bad(path: str, message: str) -> InvalidRequest:
    return InvalidRequest(f"Invalid '{path}': {message}", param=path)


def _json_kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, Mapping):
        return "an object"
    if isinstance(value, list | tuple):
        return "an array"
    return type(value).__name__


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _obj(value: Any, path: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise _bad(path, f"expected an object, but got {_json_kind(value)}")
    return value


def _list(value: Any, path: str) -> Sequence[Any]:
    if not isinstance(value, list | tuple):
        raise _bad(path, f"expected an array, but got {_json_kind(value)}")
    return value


def _str(value: Any, path: str) -> str:
    if not isinstance(value, str):
        raise _bad(path, f"expected a string, but got {_json_kind(value)}")
    return value


def _req_str(obj: Mapping[str, Any], key: str, path: str) -> str:
    if key not in obj:
        raise _bad(_join(path, key), "missing required parameter")
    return _str(obj[key], _join(path, key))


def _opt_str(obj: Mapping[str, Any], key: str, path: str) -> str | None:
    value = obj.get(key)
    return None if value is None else _str(value, _join(path, key))


def _opt_int(obj: Mapping[str, Any], key: str, path: str) -> int | None:
    value = obj.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise _bad(_join(path, key), f"expected an integer, but got {_json_kind(value)}")
    return value


def _opt_num(obj: Mapping[str, Any], key: str, path: str) -> float | None:
    value = obj.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _bad(_join(path, key), f"expected a number, but got {_json_kind(value)}")
    return value


def _opt_bool(obj: Mapping[str, Any], key: str, path: str) -> bool | None:
    value = obj.get(key)
    if value is None:
        return None
    if not isinstance(value, bool):
        raise _bad(_join(path, key), f"expected a boolean, but got {_json_kind(value)}")
    return value


def _int0(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _ours(extras: Mapping[str, Any]) -> Mapping[str, Any]:
    """The `extras["responses"]` entry of a part, or an empty mapping."""
    value = extras.get(FORMAT)
    return value if isinstance(value, Mapping) else {}


def seal(payload: Mapping[str, Any]) -> str:
    """Wraps another vendor's reasoning signature for a Responses client's `encrypted_content`."""
    return ENVELOPE_PREFIX + base64.urlsafe_b64encode(orjson.dumps(payload)).decode().rstrip("=")


def unseal(value: str) -> dict[str, Any] | None:
    if not value.startswith(ENVELOPE_PREFIX):
        return None
    raw = value[len(ENVELOPE_PREFIX) :]
    try:
        data = orjson.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
    except (binascii.Error, ValueError):
        return None
    return data if isinstance(data, dict) else None


def safe_tool_name(name: str) -> str:
    """A name OpenAI accepts (^[a-zA-Z0-9_-]{1,64}$): invalid characters become '_'."""
    if _NAME_OK.fullmatch(name):
        return name
    return _NAME_BAD_CHARS.sub("_", name)[:64] or "tool"


def _data_url_source(url: str) -> ir.MediaSource:
    if url.startswith("data:") and ";base64," in url:
        header, data = url[5:].split(";base64,", 1)
        return ir.MediaSource(kind="base64", media_type=header or None, data=data)
    return ir.MediaSource(kind="url", url=url)


def _data_url(source: ir.MediaSource) -> str:
    return f"data:{source.media_type or 'application/octet-stream'};base64,{source.data or ''}"


def _breakpoint_cache(part: Mapping[str, Any]) -> ir.CacheControl | None:
    mark = part.get("prompt_cache_breakpoint")
    if not isinstance(mark, Mapping):
        return None
    ttl = mark.get("ttl")
    return ir.CacheControl(ttl=ttl if isinstance(ttl, str) else None)


def stateful_fields(request: ir.Request) -> list[str]:
    """Fields of a Responses request that name server-side state (previous_response_id,
    conversation, stored prompts, item_reference items): only a Responses upstream honours them."""
    ours = request.extras.get(FORMAT) or {}
    fields = ours.get("fields") or {}
    found = [name for name in _STATEFUL if fields.get(name) is not None]
    for _, index, item in ours.get("items") or ():
        if isinstance(item, Mapping) and item.get("type") == "item_reference":
            found.append(f"input[{index}]")
    return found


# --------------------------------------------------------------------------- usage


def _decode_usage(value: Any) -> ir.Usage:
    if not isinstance(value, Mapping):
        return ir.Usage()
    inp = value.get("input_tokens_details")
    out = value.get("output_tokens_details")
    inp = inp if isinstance(inp, Mapping) else {}
    out = out if isinstance(out, Mapping) else {}
    return ir.Usage(
        input_tokens=_int0(value.get("input_tokens")),
        output_tokens=_int0(value.get("output_tokens")),
        cache_read_tokens=_int0(inp.get("cached_tokens")),
        cache_write_tokens=_int0(inp.get("cache_write_tokens")),
        reasoning_tokens=_int0(out.get("reasoning_tokens")),
    )


def _encode_usage(usage: ir.Usage) -> dict[str, Any]:
    return {
        "input_tokens": usage.input_tokens,
        "input_tokens_details": {
            "cached_tokens": usage.cache_read_tokens,
            "cache_write_tokens": usage.cache_write_tokens,
        },
        "output_tokens": usage.output_tokens,
        "output_tokens_details": {"reasoning_tokens": usage.reasoning_tokens},
        "total_tokens": usage.input_tokens + usage.output_tokens,
    }


def _merge_usage(start: ir.Usage, end: ir.Usage) -> ir.Usage:
    return ir.Usage(
        input_tokens=end.input_tokens or start.input_tokens,
        output_tokens=end.output_tokens or start.output_tokens,
        cache_read_tokens=end.cache_read_tokens or start.cache_read_tokens,
        cache_write_tokens=end.cache_write_tokens or start.cache_write_tokens,
        reasoning_tokens=end.reasoning_tokens or start.reasoning_tokens,
    )


def _usage_in(data: bytes) -> ir.Usage | None:
    """The last `"usage": {...}` object in a piece of a stream, found without parsing the rest
    (the tail of a relayed stream usually starts in the middle of an event)."""
    pos = len(data)
    while True:
        pos = data.rfind(b'"usage"', 0, pos)
        if pos < 0:
            return None
        if pos > 0 and data[pos - 1 : pos] == b"\\":
            continue  # inside a JSON string
        j = pos + len(b'"usage"')
        while j < len(data) and data[j : j + 1] in b" \t:":
            j += 1
        if data[j : j + 1] != b"{":
            continue
        end = _object_end(data, j)
        if end is None:
            continue
        try:
            parsed = orjson.loads(data[j:end])
        except orjson.JSONDecodeError:
            continue
        return _decode_usage(parsed)


def _object_end(data: bytes, start: int) -> int | None:
    depth = 0
    in_string = False
    escaped = False
    for k in range(start, len(data)):
        c = data[k]
        if in_string:
            if escaped:
                escaped = False
            elif c == 0x5C:  # backslash
                escaped = True
            elif c == 0x22:
                in_string = False
        elif c == 0x22:
            in_string = True
        elif c == 0x7B:
            depth += 1
        elif c == 0x7D:
            depth -= 1
            if depth == 0:
                return k + 1
    return None


# --------------------------------------------------------------------------- request decoding


class _InputDecoder:
    """Turns `input` items into canonical messages, system parts and opaque items."""

    def __init__(self) -> None:
        self.messages: list[tuple[ir.Role, list[ir.Part]]] = []
        self.system: list[ir.TextPart] = []
        self.opaque: list[list[Any]] = []  # [at, input index, item]
        self.open: str | None = None  # "assistant" | "tool_results" | None
        self.tool_sigs: dict[str, str] = {}

    def assistant(self) -> list[ir.Part]:
        if self.open != "assistant":
            self.messages.append((ir.Role.ASSISTANT, []))
            self.open = "assistant"
        return self.messages[-1][1]

    def tool_results(self) -> list[ir.Part]:
        if self.open != "tool_results":
            self.messages.append((ir.Role.USER, []))
            self.open = "tool_results"
        return self.messages[-1][1]

    def item(self, raw: Any, index: int) -> None:
        path = f"input[{index}]"
        item = _obj(raw, path)
        kind = item.get("type")
        if kind is None and "role" in item:
            self.message(item, path, index, typed=False)
            return
        kind = _str(kind, _join(path, "type"))
        if kind == "message":
            self.message(item, path, index, typed=True)
        elif kind in ("function_call", "custom_tool_call"):
            self.assistant().append(_decode_call(item, path, self.tool_sigs))
        elif kind in ("function_call_output", "custom_tool_call_output"):
            self.tool_results().append(_decode_call_output(item, path))
        elif kind == "reasoning":
            parts = _decode_reasoning(item, path, self.tool_sigs)
            if parts:
                self.assistant().extend(parts)
        else:
            self.open = None
            self.opaque.append([len(self.messages), index, dict(item)])

    def message(self, item: Mapping[str, Any], path: str, index: int, *, typed: bool) -> None:
        role = _req_str(item, "role", path)
        if "content" not in item:
            raise _bad(_join(path, "content"), "missing required parameter")
        content = item["content"]
        meta: dict[str, Any] = {}
        extra = {k: v for k, v in item.items() if k not in ("type", "role", "content")}
        if extra:
            meta["extra"] = extra
        if not typed:
            meta["untyped"] = True
        if isinstance(content, str):
            meta["string"] = True
            text_type = "output_text" if role == "assistant" else "input_text"
            raw_parts: Sequence[Any] = ({"type": text_type, "text": content},)
        else:
            raw_parts = _list(content, _join(path, "content"))
        if role in ("system", "developer"):
            self.open = None
            at = len(self.messages)
            for j, raw in enumerate(raw_parts):
                ppath = f"{path}.content[{j}]"
                part = _obj(raw, ppath)
                if part.get("type") not in ("input_text", "text", "output_text"):
                    raise _bad(_join(ppath, "type"), f"{role} messages may only contain text")
                mark: dict[str, Any] = {"role": role, "at": at, "i": index}
                if j == 0 and meta:
                    mark["item"] = meta
                self.system.append(_decode_text(part, ppath, "input_text", mark))
            return
        if role == "user":
            decoded = [
                _decode_content(raw, f"{path}.content[{j}]", "input_text") for j, raw in enumerate(raw_parts)
            ]
            self.open = None
            self.messages.append((ir.Role.USER, _with_item_meta(decoded, meta, force=False)))
            return
        if role == "assistant":
            parts = [
                _decode_content(raw, f"{path}.content[{j}]", "output_text") for j, raw in enumerate(raw_parts)
            ]
            target = self.assistant()
            # A new message item right after another one's text needs a marker to stay separate.
            force = bool(target) and isinstance(target[-1], ir.TextPart)
            target.extend(_with_item_meta(parts, meta, force=force))
            return
        raise _bad(_join(path, "role"), f"unsupported role {role!r}")


def _with_item_meta(parts: Sequence[ir.Part], meta: Mapping[str, Any], *, force: bool) -> list[ir.Part]:
    """Stores item-level data (ids, string content…) on the item's first part when it is text."""
    if not parts or not (meta or force):
        return list(parts)
    first = parts[0]
    if not isinstance(first, ir.TextPart):
        return list(parts)
    mark = dict(_ours(first.extras))
    mark["item"] = dict(meta)
    return [ir.TextPart(first.text, cache=first.cache, extras={**first.extras, FORMAT: mark}), *parts[1:]]


def _decode_text(part: Mapping[str, Any], path: str, default_type: str, mark: dict[str, Any]) -> ir.TextPart:
    ptype = part.get("type")
    if ptype == "refusal":
        text = _req_str(part, "refusal", path)
        mark["ptype"] = "refusal"
        leftover = {k: v for k, v in part.items() if k not in ("type", "refusal")}
    else:
        text = _req_str(part, "text", path)
        if ptype != default_type:
            mark["ptype"] = ptype
        leftover = {k: v for k, v in part.items() if k not in ("type", "text")}
    if leftover:
        mark["pextra"] = leftover
    extras: dict[str, Any] = {FORMAT: mark} if mark else {}
    return ir.TextPart(text, cache=_breakpoint_cache(part), extras=extras)


def _decode_content(
    raw: Any, path: str, default_text_type: str
) -> ir.TextPart | ir.ImagePart | ir.DocumentPart:
    part = _obj(raw, path)
    ptype = part.get("type")
    if ptype in ("input_text", "output_text", "text", "refusal"):
        return _decode_text(part, path, default_text_type, {})
    if ptype == "input_image":
        url = _opt_str(part, "image_url", path)
        file_id = _opt_str(part, "file_id", path)
        if url is not None:
            source = _data_url_source(url)
        elif file_id is not None:
            source = ir.MediaSource(kind="file", file_id=file_id)
        else:
            raise _bad(_join(path, "image_url"), "an input_image needs image_url or file_id")
        return ir.ImagePart(source, detail=_opt_str(part, "detail", path), cache=_breakpoint_cache(part))
    if ptype == "input_file":
        data = _opt_str(part, "file_data", path)
        url = _opt_str(part, "file_url", path)
        file_id = _opt_str(part, "file_id", path)
        if data is not None:
            if data.startswith("data:"):
                source = _data_url_source(data)
            else:
                source = ir.MediaSource(kind="base64", data=data)
        elif url is not None:
            source = ir.MediaSource(kind="url", url=url)
        elif file_id is not None:
            source = ir.MediaSource(kind="file", file_id=file_id)
        else:
            raise _bad(_join(path, "file_data"), "an input_file needs file_data, file_url or file_id")
        return ir.DocumentPart(
            source, filename=_opt_str(part, "filename", path), cache=_breakpoint_cache(part)
        )
    if ptype is None:
        raise _bad(_join(path, "type"), "missing required parameter")
    raise _bad(_join(path, "type"), f"unsupported content type {ptype!r}")


def _decode_call(item: Mapping[str, Any], path: str, tool_sigs: dict[str, str]) -> ir.ToolCallPart:
    call_id = _req_str(item, "call_id", path)
    name = _req_str(item, "name", path)
    if item.get("type") == "custom_tool_call":
        text = _req_str(item, "input", path)
        arguments = orjson.dumps({"input": text}).decode()
        extra = {k: v for k, v in item.items() if k not in ("type", "call_id", "name", "input")}
        mark: dict[str, Any] = {"custom": True}
    else:
        arguments = _req_str(item, "arguments", path)
        extra = {k: v for k, v in item.items() if k not in ("type", "call_id", "name", "arguments")}
        mark = {}
    if extra:
        mark["extra"] = extra
    return ir.ToolCallPart(
        id=call_id,
        name=name,
        arguments=arguments,
        thought_signature=tool_sigs.pop(call_id, None),
        extras={FORMAT: mark} if mark else {},
    )


def _decode_call_output(item: Mapping[str, Any], path: str) -> ir.ToolResultPart:
    call_id = _req_str(item, "call_id", path)
    if "output" not in item:
        raise _bad(_join(path, "output"), "missing required parameter")
    output = item["output"]
    meta: dict[str, Any] = {}
    extra = {k: v for k, v in item.items() if k not in ("type", "call_id", "output")}
    if extra:
        meta["extra"] = extra
    if item.get("type") == "custom_tool_call_output":
        meta["custom"] = True
    content: list[ir.TextPart | ir.ImagePart | ir.DocumentPart]
    if isinstance(output, str):
        content = [ir.TextPart(output)]
    else:
        raws = _list(output, _join(path, "output"))
        content = [_decode_content(raw, f"{path}.output[{j}]", "input_text") for j, raw in enumerate(raws)]
        meta["list"] = True
    if meta and content and isinstance(content[0], ir.TextPart):
        first = content[0]
        mark = {**_ours(first.extras), "item": meta}
        content[0] = ir.TextPart(first.text, cache=first.cache, extras={**first.extras, FORMAT: mark})
    return ir.ToolResultPart(call_id=call_id, content=tuple(content))


def _summary_texts(item: Mapping[str, Any], key: str, path: str) -> list[str]:
    value = item.get(key)
    if value is None:
        return []
    texts = []
    for j, raw in enumerate(_list(value, _join(path, key))):
        entry = _obj(raw, f"{path}.{key}[{j}]")
        texts.append(_req_str(entry, "text", f"{path}.{key}[{j}]"))
    return texts


def _decode_reasoning(item: Mapping[str, Any], path: str, tool_sigs: dict[str, str]) -> list[ir.Part]:
    rid = _opt_str(item, "id", path)
    encrypted = _opt_str(item, "encrypted_content", path)
    summary = _summary_texts(item, "summary", path)
    content = _summary_texts(item, "content", path)
    if encrypted is not None:
        sealed = unseal(encrypted)
        if sealed is not None:
            kind = sealed.get("k")
            if kind == "thinking" and isinstance(sealed.get("sig"), str):
                return [ir.ThinkingPart("\n\n".join(summary + content), signature=sealed["sig"])]
            if kind == "redacted" and isinstance(sealed.get("data"), str):
                return [ir.RedactedThinkingPart(sealed["data"])]
            if kind == "tool_sigs" and isinstance(sealed.get("sigs"), Mapping):
                tool_sigs.update({str(k): str(v) for k, v in sealed["sigs"].items()})
                return []
    texts = [(text, "summary") for text in summary] + [(text, "thinking") for text in content]
    if not texts:
        texts = [("", "summary")]
    # The first part of the item carries the encrypted reasoning; all carry the item id.
    return [
        ir.ThinkingPart(text, encrypted=encrypted if n == 0 else None, reasoning_id=rid, kind=kind)
        for n, (text, kind) in enumerate(texts)
    ]


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


# --------------------------------------------------------------------------- items out


def _custom_names(request: ir.Request) -> frozenset[str]:
    return frozenset(t.name for t in request.tools if "custom" in _ours(t.config))


class _Writer:
    """Canonical parts → Responses items, for request `input` (output=False) or response
    `output` (output=True: every item gets an id and a status; foreign signatures are sealed)."""

    def __init__(
        self,
        *,
        output: bool,
        id_base: str = "",
        custom_names: frozenset[str] = frozenset(),
        renames: Mapping[str, str] | None = None,
    ) -> None:
        self.output = output
        self.id_base = id_base
        self.custom_names = custom_names
        self.renames = renames or {}
        self.custom_calls: set[str] = set()
        self.drops: list[ir.Drop] = []
        self._n = 0

    def new_id(self, prefix: str) -> str:
        self._n += 1
        return f"{prefix}_{self.id_base}{self._n:03d}"

    def drop(self, where: str, reason: str) -> None:
        self.drops.append(ir.Drop(where, reason))

    # ---- assistant turns

    def assistant(self, parts: Sequence[ir.Part], path: str) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        i = 0
        while i < len(parts):
            part = parts[i]
            where = f"{path}.parts[{i}]"
            if isinstance(part, ir.TextPart):
                j = i + 1
                while j < len(parts) and _plain_text(parts[j]):
                    j += 1
                run = [p for p in parts[i:j] if isinstance(p, ir.TextPart)]
                items.append(self.assistant_message(run, where))
                i = j
            elif isinstance(part, ir.ThinkingPart):
                j = i + 1
                while j < len(parts) and _continues_reasoning(parts[j - 1], parts[j]):
                    j += 1
                run_t = [p for p in parts[i:j] if isinstance(p, ir.ThinkingPart)]
                item = self.reasoning(run_t, where)
                if item is not None:
                    items.append(item)
                i = j
            elif isinstance(part, ir.ToolCallPart):
                items.extend(self.call(part, where))
                i += 1
            elif isinstance(part, ir.RedactedThinkingPart):
                if self.output:
                    items.append(self.sealed_reasoning({"k": "redacted", "data": part.data}))
                else:
                    self.drop(where, "redacted thinking is Anthropic's and cannot be sent to OpenAI")
                i += 1
            else:
                self.drop(where, f"{type(part).__name__} cannot appear in a Responses assistant message")
                i += 1
        return items

    def assistant_message(self, run: Sequence[ir.TextPart], where: str) -> dict[str, Any]:
        meta = _ours(run[0].extras).get("item") or {}
        extra = dict(meta.get("extra") or {})
        content: Any = [self.output_text(p, f"{where}") for p in run]
        item: dict[str, Any] = {}
        if self.output:
            item["id"] = extra.pop("id", None) or self.new_id("msg")
            item["type"] = "message"
            item["status"] = extra.pop("status", None) or "completed"
        else:
            if not meta.get("untyped"):
                item["type"] = "message"
            if meta.get("string") and len(run) == 1 and "ptype" not in _ours(run[0].extras):
                content = run[0].text
        item["role"] = "assistant"
        item["content"] = content
        item.update(extra)
        return item

    def output_text(self, part: ir.TextPart, where: str) -> dict[str, Any]:
        mark = _ours(part.extras)
        ptype = mark.get("ptype") or "output_text"
        if ptype == "refusal":
            out: dict[str, Any] = {"type": "refusal", "refusal": part.text}
        else:
            out = {"type": ptype, "text": part.text}
            if self.output and ptype == "output_text":
                out["annotations"] = []
                out["logprobs"] = []
        out.update(mark.get("pextra") or {})
        if part.cache is not None and "prompt_cache_breakpoint" not in out:
            self.drop(f"{where}.cache", "cache marks are not sent to OpenAI")
        return out

    def reasoning(self, run: Sequence[ir.ThinkingPart], where: str) -> dict[str, Any] | None:
        first = run[0]
        native = first.encrypted is not None or first.reasoning_id is not None or first.kind == "summary"
        if not native:
            if not self.output:
                self.drop(where, "reasoning from another vendor cannot be handed to OpenAI")
                return None
            text = "\n\n".join(p.text for p in run)
            if first.signature is not None:
                return self.sealed_reasoning({"k": "thinking", "sig": first.signature}, text)
            return self.sealed_reasoning(None, text)
        if not self.output and first.encrypted is None and first.reasoning_id is None:
            self.drop(where, "a reasoning item without id or encrypted content is refused by OpenAI")
            return None
        item: dict[str, Any] = {"type": "reasoning"}
        if self.output or first.reasoning_id is not None:
            item["id"] = first.reasoning_id or self.new_id("rs")
        item["summary"] = [
            {"type": "summary_text", "text": p.text} for p in run if p.kind == "summary" and p.text
        ]
        thinking = [{"type": "reasoning_text", "text": p.text} for p in run if p.kind != "summary"]
        if thinking:
            item["content"] = thinking
        if first.encrypted is not None:
            item["encrypted_content"] = first.encrypted
        return item

    def sealed_reasoning(self, payload: Mapping[str, Any] | None, text: str = "") -> dict[str, Any]:
        item: dict[str, Any] = {
            "id": self.new_id("rs"),
            "type": "reasoning",
            "summary": [{"type": "summary_text", "text": text}] if text else [],
        }
        if payload is not None:
            item["encrypted_content"] = seal(payload)
        return item

    def call(self, part: ir.ToolCallPart, where: str) -> list[dict[str, Any]]:
        mark = _ours(part.extras)
        extra = dict(mark.get("extra") or {})
        items: list[dict[str, Any]] = []
        if part.thought_signature is not None:
            if self.output:
                items.append(
                    self.sealed_reasoning({"k": "tool_sigs", "sigs": {part.id: part.thought_signature}})
                )
            else:
                self.drop(f"{where}.thought_signature", "Gemini thought signatures cannot be sent to OpenAI")
        if part.cache is not None:
            self.drop(f"{where}.cache", "cache marks are not sent to OpenAI")
        name = self.renames.get(part.name, part.name)
        if mark.get("custom") or part.name in self.custom_names:
            self.custom_calls.add(part.id)
            item: dict[str, Any] = {"type": "custom_tool_call"}
            if self.output:
                item["id"] = extra.pop("id", None) or self.new_id("ctc")
            item.update(call_id=part.id, name=name, input=_custom_input(part.arguments))
        else:
            item = {"type": "function_call"}
            if self.output:
                item["id"] = extra.pop("id", None) or self.new_id("fc")
                item["status"] = extra.pop("status", None) or "completed"
            item.update(call_id=part.id, name=name, arguments=part.arguments)
        item.update(extra)
        items.append(item)
        return items

    # ---- user turns

    def user(self, parts: Sequence[ir.Part], path: str) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        i = 0
        while i < len(parts):
            part = parts[i]
            where = f"{path}.parts[{i}]"
            if isinstance(part, ir.ToolResultPart):
                items.append(self.call_output(part, where))
                i += 1
                continue
            j = i + 1
            while (
                j < len(parts) and not isinstance(parts[j], ir.ToolResultPart) and not _starts_item(parts[j])
            ):
                j += 1
            item = self.user_message(parts[i:j], path, i)
            if item is not None:
                items.append(item)
            i = j
        return items

    def user_message(self, run: Sequence[ir.Part], path: str, start: int) -> dict[str, Any] | None:
        first = run[0]
        meta = _ours(first.extras).get("item") or {} if isinstance(first, ir.TextPart) else {}
        content: list[dict[str, Any]] = []
        for k, part in enumerate(run):
            encoded = self.input_part(part, f"{path}.parts[{start + k}]")
            if encoded is not None:
                content.append(encoded)
        if not content:
            return None
        item: dict[str, Any] = {}
        if not meta.get("untyped"):
            item["type"] = "message"
        item["role"] = "user"
        if (
            meta.get("string")
            and len(content) == 1
            and content[0].get("type") == "input_text"
            and len(content[0]) == 2
        ):
            item["content"] = content[0]["text"]
        else:
            item["content"] = content
        item.update(meta.get("extra") or {})
        return item

    def input_part(self, part: ir.Part, where: str) -> dict[str, Any] | None:
        if isinstance(part, ir.TextPart):
            mark = _ours(part.extras)
            out: dict[str, Any] = {"type": mark.get("ptype") or "input_text", "text": part.text}
            out.update(mark.get("pextra") or {})
            if part.cache is not None and "prompt_cache_breakpoint" not in out:
                self.drop(f"{where}.cache", "cache marks are not sent to OpenAI")
            return out
        if isinstance(part, ir.ImagePart):
            src = part.source
            out = {"type": "input_image"}
            if src.kind == "base64":
                out["image_url"] = _data_url(src)
            elif src.kind == "url":
                out["image_url"] = src.url
            elif src.kind == "file":
                out["file_id"] = src.file_id
            else:
                self.drop(where, f"image source {src.kind!r} has no Responses form")
                return None
            if part.detail is not None:
                out["detail"] = part.detail
            if part.cache is not None:
                self.drop(f"{where}.cache", "cache marks are not sent to OpenAI")
            return out
        if isinstance(part, ir.DocumentPart):
            src = part.source
            out = {"type": "input_file"}
            if src.kind == "base64":
                out["file_data"] = _data_url(src) if src.media_type else (src.data or "")
            elif src.kind == "url":
                out["file_url"] = src.url
            elif src.kind == "file":
                out["file_id"] = src.file_id
            else:
                self.drop(where, f"document source {src.kind!r} has no Responses form")
                return None
            filename = part.filename or part.title
            if filename is not None:
                out["filename"] = filename
            if part.title is not None and part.title != filename:
                self.drop(f"{where}.title", "input_file has a filename but no title")
            if part.cache is not None:
                self.drop(f"{where}.cache", "cache marks are not sent to OpenAI")
            return out
        self.drop(where, f"{type(part).__name__} cannot appear in a Responses user message")
        return None

    def call_output(self, part: ir.ToolResultPart, where: str) -> dict[str, Any]:
        first = part.content[0] if part.content else None
        meta = _ours(first.extras).get("item") or {} if isinstance(first, ir.TextPart) else {}
        custom = meta.get("custom") or part.call_id in self.custom_calls
        if part.is_error:
            self.drop(f"{where}.is_error", "Responses tool outputs have no error flag")
        if part.cache is not None:
            self.drop(f"{where}.cache", "cache marks are not sent to OpenAI")
        output: Any
        if not part.content:
            output = ""
        elif (
            len(part.content) == 1
            and isinstance(first, ir.TextPart)
            and not meta.get("list")
            and not _ours(first.extras).get("pextra")
        ):
            output = first.text
            if first.cache is not None:
                self.drop(f"{where}.content[0].cache", "cache marks are not sent to OpenAI")
        else:
            output = []
            for k, sub in enumerate(part.content):
                encoded = self.input_part(sub, f"{where}.content[{k}]")
                if encoded is not None:
                    output.append(encoded)
        item: dict[str, Any] = {
            "type": "custom_tool_call_output" if custom else "function_call_output",
            "call_id": part.call_id,
            "output": output,
        }
        item.update(meta.get("extra") or {})
        return item


def _starts_item(part: ir.Part) -> bool:
    """A TextPart marked as the first part of a new message item."""
    return isinstance(part, ir.TextPart) and "item" in _ours(part.extras)


def _plain_text(part: ir.Part) -> bool:
    """A TextPart that continues the current message item."""
    return isinstance(part, ir.TextPart) and "item" not in _ours(part.extras)


def _custom_input(arguments: str) -> str:
    try:
        parsed = orjson.loads(arguments)
    except orjson.JSONDecodeError:
        return arguments
    if isinstance(parsed, Mapping) and isinstance(parsed.get("input"), str):
        return str(parsed["input"])
    return arguments


def _continues_reasoning(prev: ir.Part, part: ir.Part) -> bool:
    """Whether `part` belongs to the same reasoning item as `prev` (see _decode_reasoning)."""
    if not isinstance(prev, ir.ThinkingPart) or not isinstance(part, ir.ThinkingPart):
        return False
    if part.encrypted is not None or part.signature is not None or prev.signature is not None:
        return False
    native_prev = prev.encrypted is not None or prev.reasoning_id is not None or prev.kind == "summary"
    native = part.reasoning_id is not None or part.kind == "summary"
    return native_prev and native and part.reasoning_id == prev.reasoning_id


# --------------------------------------------------------------------------- request encoding


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


def _encode_reasoning(request: ir.Request, drops: list[ir.Drop]) -> dict[str, Any] | None:
    r = request.reasoning
    if r is None:
        return None
    ours = request.extras.get(FORMAT) or {}
    out: dict[str, Any] = {}
    effort = r.effective_effort()
    if effort is not None and effort not in _OPENAI_EFFORTS:
        clamped = "xhigh" if effort == "max" else "medium"
        drops.append(ir.Drop("reasoning.effort", f"OpenAI has no effort {effort!r}; sent {clamped!r}"))
        effort = clamped
    if effort is not None:
        out["effort"] = effort
    # Not derived from Gemini's includeThoughts: OpenAI refuses summaries to unverified
    # organisations on some models, so asking for one unasked could fail the request.
    summary = r.summary
    if summary is not None:
        out["summary"] = summary
    other = dict(ours.get("reasoning") or {})
    if ours.get("summary_from_generate_summary") and summary == other.get("generate_summary"):
        out.pop("summary", None)  # the client only sent the deprecated spelling
    for key, value in other.items():
        out.setdefault(key, value)
    return out


def _encode_include(request: ir.Request) -> list[str] | None:
    ours = request.extras.get(FORMAT) or {}
    include = list(ours.get("include") or [])
    had = "include" in ours
    r = request.reasoning
    if r is not None:
        if r.include_encrypted and _INCLUDE_ENCRYPTED not in include:
            include.append(_INCLUDE_ENCRYPTED)
        elif not r.include_encrypted and _INCLUDE_ENCRYPTED in include:
            include.remove(_INCLUDE_ENCRYPTED)
    if include or had:
        return include
    return None


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
        at, index = _int0(mark.get("at")), _int0(mark.get("i"))
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
    placed.sort(key=lambda entry: (_int0(entry[0]), _int0(entry[1])))

    writer = _Writer(output=False, custom_names=_custom_names(request), renames=renames)
    items: list[Any] = []
    cursor = 0
    for m, message in enumerate(request.messages):
        while cursor < len(placed) and _int0(placed[cursor][0]) <= m:
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


# --------------------------------------------------------------------------- responses


def _response_id(value: str) -> str:
    if value.startswith("resp_"):
        return value
    core = _ID_CHARS.sub("", value)
    return f"resp_{core or 'vansroute'}"


def _id_base(response_id: str) -> str:
    core = response_id.removeprefix("resp_")
    return (_ID_CHARS.sub("", core)[-24:] or "vr") + "_"


def _echo(request: ir.Request) -> dict[str, Any]:
    """The request fields a Response object repeats, in the API's key order (without the
    per-response ones, which the caller adds)."""
    drops: list[ir.Drop] = []
    ours = request.extras.get(FORMAT) or {}
    fields = ours.get("fields") or {}
    tools, renames = _encode_tools(request, drops)
    instructions, _ = _split_system(request, drops)
    try:
        choice = _encode_tool_choice(request, renames)
    except InvalidRequest:
        choice = None
    reasoning = _encode_reasoning(request, drops) or {}
    text = _encode_text(request) or {}
    return {
        "background": fields.get("background", False),
        "instructions": instructions,
        "max_output_tokens": request.max_output_tokens,
        "max_tool_calls": fields.get("max_tool_calls"),
        "parallel_tool_calls": True if request.parallel_tool_calls is None else request.parallel_tool_calls,
        "previous_response_id": fields.get("previous_response_id"),
        "prompt_cache_key": fields.get("prompt_cache_key"),
        "reasoning": {"effort": reasoning.get("effort"), "summary": reasoning.get("summary")},
        "safety_identifier": fields.get("safety_identifier"),
        "service_tier": fields.get("service_tier", "default"),
        "store": fields.get("store", False),
        "temperature": 1.0 if request.temperature is None else request.temperature,
        "text": {"format": {"type": "text"}, "verbosity": "medium", **text},
        "tool_choice": "auto" if choice is None else choice,
        "tools": tools,
        "top_logprobs": fields.get("top_logprobs", 0),
        "top_p": 1.0 if request.top_p is None else request.top_p,
        "truncation": fields.get("truncation", "disabled"),
        "user": request.user,
        "metadata": dict(request.metadata),
    }


# The API's key order after `output` and before `usage`.
_ECHO_AFTER_OUTPUT: Final = (
    "parallel_tool_calls",
    "previous_response_id",
    "prompt_cache_key",
    "reasoning",
    "safety_identifier",
    "service_tier",
    "store",
    "temperature",
    "text",
    "tool_choice",
    "tools",
    "top_logprobs",
    "top_p",
    "truncation",
)


def _response_object(
    *,
    response_id: str,
    created: int,
    model: str,
    echo: Mapping[str, Any],
    status: str,
    output: list[dict[str, Any]],
    usage: ir.Usage | None,
    incomplete: str | None = None,
    error: Mapping[str, Any] | None = None,
    overlay: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": response_id,
        "object": "response",
        "created_at": created,
        "status": status,
        "background": echo["background"],
        "error": dict(error) if error is not None else None,
        "incomplete_details": {"reason": incomplete} if incomplete is not None else None,
        "instructions": echo["instructions"],
        "max_output_tokens": echo["max_output_tokens"],
        "max_tool_calls": echo["max_tool_calls"],
        "model": model,
        "output": output,
    }
    for key in _ECHO_AFTER_OUTPUT:
        body[key] = echo[key]
    body["usage"] = _encode_usage(usage) if usage is not None else None
    body["user"] = echo["user"]
    body["metadata"] = echo["metadata"]
    for key, value in (overlay or {}).items():
        if key not in _RESPONSE_DERIVED:
            body[key] = value
    return body


def _status_of(stop: ir.StopReason) -> tuple[str, str | None]:
    if stop is ir.StopReason.MAX_TOKENS:
        return "incomplete", "max_output_tokens"
    if stop is ir.StopReason.CONTENT_FILTER:
        return "incomplete", "content_filter"
    if stop is ir.StopReason.ERROR:
        return "failed", None
    return "completed", None


def _stop_of(status: Any, incomplete: Any, output: Sequence[Any]) -> ir.StopReason:
    if status == "incomplete":
        reason = incomplete.get("reason") if isinstance(incomplete, Mapping) else None
        return ir.StopReason.CONTENT_FILTER if reason == "content_filter" else ir.StopReason.MAX_TOKENS
    if status == "failed":
        return ir.StopReason.ERROR
    calls = False
    refusal = False
    for item in output:
        if not isinstance(item, Mapping):
            continue
        if item.get("type") in ("function_call", "custom_tool_call"):
            calls = True
        elif item.get("type") == "message":
            for part in item.get("content") or ():
                if isinstance(part, Mapping) and part.get("type") == "refusal":
                    refusal = True
    if calls:
        return ir.StopReason.TOOL_USE
    if refusal:
        return ir.StopReason.REFUSAL
    return ir.StopReason.END_TURN


def decode_response(body: Mapping[str, Any]) -> ir.Response:
    if not isinstance(body, Mapping) or not isinstance(body.get("output", []), list):
        raise UpstreamError("the upstream answered with a malformed Responses object")
    try:
        decoder = _InputDecoder()
        decoder.open = "assistant"
        decoder.messages.append((ir.Role.ASSISTANT, []))
        parts = decoder.messages[0][1]
        opaque: list[list[Any]] = []
        for index, raw in enumerate(body.get("output") or ()):
            path = f"output[{index}]"
            item = _obj(raw, path)
            kind = item.get("type")
            if kind == "message":
                meta = {k: v for k, v in item.items() if k not in ("type", "role", "content")}
                content = _list(item.get("content") or [], _join(path, "content"))
                new = [
                    _decode_content(c, f"{path}.content[{j}]", "output_text") for j, c in enumerate(content)
                ]
                parts.extend(_with_item_meta(new, {"extra": meta} if meta else {}, force=True))
            elif kind in ("function_call", "custom_tool_call"):
                parts.append(_decode_call(item, path, decoder.tool_sigs))
            elif kind == "reasoning":
                parts.extend(_decode_reasoning(item, path, decoder.tool_sigs))
            else:
                opaque.append([len(parts), index, dict(item)])
    except InvalidRequest as exc:
        raise UpstreamError(
            f"the upstream answered with a malformed Responses object: {exc.message}"
        ) from None
    ours: dict[str, Any] = {}
    fields = {k: v for k, v in body.items() if k not in _RESPONSE_DERIVED}
    if fields:
        ours["fields"] = fields
    if opaque:
        ours["items"] = opaque
    created = body.get("created_at")
    return ir.Response(
        id=str(body.get("id") or ""),
        model=str(body.get("model") or ""),
        content=tuple(parts),
        stop_reason=_stop_of(body.get("status"), body.get("incomplete_details"), body.get("output") or ()),
        usage=_decode_usage(body.get("usage")),
        created=int(created) if isinstance(created, int | float) and not isinstance(created, bool) else 0,
        extras={FORMAT: ours},
    )


def encode_response(response: ir.Response, request: ir.Request) -> ir.Encoded:
    response_id = _response_id(response.id)
    writer = _Writer(output=True, id_base=_id_base(response_id), custom_names=_custom_names(request))
    ours = response.extras.get(FORMAT) or {}
    opaque = sorted((list(e) for e in ours.get("items") or ()), key=lambda e: (_int0(e[0]), _int0(e[1])))
    output: list[dict[str, Any]] = []
    # Output items are written in runs between the opaque items' positions.
    start = 0
    for at, _, item in opaque:
        end = min(_int0(at), len(response.content))
        if end > start:
            output.extend(writer.assistant(response.content[start:end], "content"))
            start = end
        output.append(dict(item))
    output.extend(writer.assistant(response.content[start:], "content"))
    drops = list(writer.drops)
    if response.stop_sequence is not None:
        drops.append(ir.Drop("stop_sequence", "Responses does not report stop sequences"))
    status, incomplete = _status_of(response.stop_reason)
    error = (
        {"code": "server_error", "message": "The model failed to generate a response."}
        if status == "failed"
        else None
    )
    body = _response_object(
        response_id=response_id,
        created=response.created,
        model=request.model,
        echo=_echo(request),
        status=status,
        output=output,
        usage=response.usage,
        incomplete=incomplete,
        error=error,
        overlay=ours.get("fields"),
    )
    return ir.Encoded(body=body, drops=tuple(drops))


# --------------------------------------------------------------------------- errors


def _kind_for(status: int) -> str:
    if status in _STATUS_TO_KIND:
        return _STATUS_TO_KIND[status]
    return "api_error" if status >= 500 else "invalid_request_error"


def decode_error(status: int, body: bytes) -> ErrorInfo:
    kind = _kind_for(status)
    try:
        parsed = orjson.loads(body)
    except orjson.JSONDecodeError:
        parsed = None
    error = parsed.get("error") if isinstance(parsed, Mapping) else None
    if isinstance(error, str) and error:
        return ErrorInfo(status, error, kind)
    if not isinstance(error, Mapping):
        return ErrorInfo(status, f"The upstream answered with HTTP status {status}.", kind)
    message = error.get("message")
    code = error.get("code")
    param = error.get("param")
    if code in ("server_is_overloaded", "slow_down"):
        kind = "overloaded_error"
    return ErrorInfo(
        status,
        message
        if isinstance(message, str) and message
        else f"The upstream answered with HTTP status {status}.",
        kind,
        code=code if isinstance(code, str) else None,
        param=param if isinstance(param, str) else None,
    )


def _openai_error(error: ErrorInfo) -> dict[str, Any]:
    type_, code, _ = _KIND_TO_OPENAI.get(error.kind, _KIND_TO_OPENAI["api_error"])
    return {"message": error.message, "type": type_, "param": error.param, "code": error.code or code}


def encode_error(error: ErrorInfo) -> dict[str, Any]:
    return {"error": _openai_error(error)}


def _failed_code(error: ErrorInfo) -> str:
    if error.code in _FAILED_CODES:
        return error.code
    return _KIND_TO_OPENAI.get(error.kind, _KIND_TO_OPENAI["api_error"])[2]


def _frame(payload: Mapping[str, Any]) -> bytes:
    return encode_event(orjson.dumps(payload), event=str(payload["type"]))


def _error_event(error: ErrorInfo, sequence: int) -> dict[str, Any]:
    """The `error` event: the documented flat fields, plus the nested `error` object the API
    actually sends — the Python SDK raises APIError on a payload with a top-level `error`."""
    nested = _openai_error(error)
    return {
        "type": "error",
        "sequence_number": sequence,
        "code": nested["code"] or _failed_code(error),
        "message": error.message,
        "param": error.param,
        "error": nested,
    }


def encode_stream_error(error: ErrorInfo) -> bytes:
    """For a relayed stream that broke: we do not know the upstream's sequence numbers, so both
    events carry 0 (no SDK checks them). `response.failed` is what Codex acts on."""
    failed = {
        "id": "resp_failed",
        "object": "response",
        "created_at": 0,
        "status": "failed",
        "error": {"code": _failed_code(error), "message": error.message},
        "incomplete_details": None,
        "model": "",
        "output": [],
        "parallel_tool_calls": True,
        "tool_choice": "auto",
        "tools": [],
        "usage": None,
    }
    return _frame(_error_event(error, 0)) + _frame(
        {"type": "response.failed", "sequence_number": 0, "response": failed}
    )


def _stream_error_of(code: Any, message: Any, status_hint: int | None = None) -> ir.StreamError:
    status, kind = _CODE_TO_STATUS.get(
        code if isinstance(code, str) else "", (status_hint or 500, "api_error")
    )
    if status_hint is None and isinstance(code, str) and code.startswith("invalid"):
        status, kind = 400, "invalid_request_error"
    text = message if isinstance(message, str) and message else "The upstream response failed."
    return ir.StreamError(status=status, message=text, kind=kind)


# --------------------------------------------------------------------------- stream decoding


@dataclass(slots=True)
class _DItem:
    kind: str  # "message" | "reasoning" | "function" | "custom" | "other"
    index: int | None = None  # the canonical block index (reasoning / calls)
    streamed: bool = False  # deltas seen (arguments / summary text)
    text_len: int = 0
    summary_parts: int = 0
    custom_input: list[str] = field(default_factory=list)


class ResponsesStreamDecoder:
    """Upstream Responses SSE → canonical events."""

    def __init__(self) -> None:
        self._parser = SSEParser()
        self._started = False
        self._done = False
        self._next = 0
        self._items: dict[int, _DItem] = {}
        self._texts: dict[tuple[int, int], list[int]] = {}  # (output, content) → [block, chars]
        self._open: list[int] = []

    def feed(self, chunk: bytes) -> list[ir.StreamEvent]:
        out: list[ir.StreamEvent] = []
        for event in self._parser.feed(chunk):
            self._event(event.data, out)
        return out

    def close(self) -> list[ir.StreamEvent]:
        out: list[ir.StreamEvent] = []
        for event in self._parser.close():
            self._event(event.data, out)
        if not self._done:
            self._done = True
            out.append(ir.StreamError(status=502, message="upstream stream ended early", kind="api_error"))
        return out

    # ---- plumbing

    def _block(self, kind: ir.BlockKind, out: list[ir.StreamEvent], **kw: Any) -> int:
        index = self._next
        self._next += 1
        self._open.append(index)
        out.append(ir.BlockStart(index=index, kind=kind, **kw))
        return index

    def _stop(self, index: int | None, out: list[ir.StreamEvent]) -> None:
        if index is not None and index in self._open:
            self._open.remove(index)
            out.append(ir.BlockStop(index))

    def _start(self, response: Any, out: list[ir.StreamEvent]) -> None:
        if self._started:
            return
        self._started = True
        resp = response if isinstance(response, Mapping) else {}
        created = resp.get("created_at")
        out.append(
            ir.StreamStart(
                id=str(resp.get("id") or ""),
                model=str(resp.get("model") or ""),
                created=int(created)
                if isinstance(created, int | float) and not isinstance(created, bool)
                else 0,
            )
        )

    def _event(self, data: str, out: list[ir.StreamEvent]) -> None:
        if self._done:
            return
        try:
            payload = orjson.loads(data)
        except orjson.JSONDecodeError:
            return
        if not isinstance(payload, Mapping):
            return
        kind = payload.get("type")
        if kind in ("response.created", "response.in_progress", "response.queued"):
            self._start(payload.get("response"), out)
            return
        if kind in ("response.completed", "response.incomplete"):
            self._start(payload.get("response"), out)
            self._finish(payload.get("response"), out)
            return
        if kind == "response.failed":
            response = payload.get("response")
            error = response.get("error") if isinstance(response, Mapping) else None
            error = error if isinstance(error, Mapping) else {}
            self._done = True
            out.append(_stream_error_of(error.get("code"), error.get("message")))
            return
        if kind == "error":
            nested = payload.get("error")
            nested = nested if isinstance(nested, Mapping) else {}
            code = payload.get("code") or nested.get("code") or nested.get("type")
            message = payload.get("message") or nested.get("message")
            self._done = True
            out.append(_stream_error_of(code, message))
            return
        if not self._started:
            self._start({}, out)
        oi = payload.get("output_index")
        if not isinstance(oi, int):
            return
        if kind == "response.output_item.added":
            self._item_added(oi, payload.get("item"), out)
        elif kind == "response.output_item.done":
            self._item_done(oi, payload.get("item"), out)
        elif kind == "response.content_part.added":
            self._text_block(oi, payload.get("content_index"), out)
        elif kind in ("response.output_text.delta", "response.refusal.delta"):
            self._text_delta(oi, payload.get("content_index"), payload.get("delta"), out)
        elif kind in ("response.output_text.done", "response.refusal.done"):
            full = payload.get("text") if kind == "response.output_text.done" else payload.get("refusal")
            self._text_done(oi, payload.get("content_index"), full, out)
        elif kind == "response.content_part.done":
            key = (oi, payload.get("content_index"))
            if isinstance(key[1], int) and key in self._texts:
                part = payload.get("part")
                if isinstance(part, Mapping):
                    self._text_done(oi, key[1], part.get("text", part.get("refusal")), out)
                self._stop(self._texts[(oi, key[1])][0], out)
        elif kind == "response.reasoning_summary_part.added":
            item = self._reasoning(oi, out)
            if item.summary_parts and item.text_len:
                out.append(ir.ThinkingDelta(item.index or 0, "\n\n"))
            item.summary_parts += 1
        elif kind in ("response.reasoning_summary_text.delta", "response.reasoning_text.delta"):
            item = self._reasoning(oi, out)
            delta = payload.get("delta")
            if isinstance(delta, str) and delta:
                item.streamed = True
                item.text_len += len(delta)
                out.append(ir.ThinkingDelta(item.index or 0, delta))
        elif kind == "response.function_call_arguments.delta":
            call = self._items.get(oi)
            delta = payload.get("delta")
            if call is not None and call.kind == "function" and isinstance(delta, str) and delta:
                call.streamed = True
                out.append(ir.ToolArgsDelta(call.index or 0, delta))
        elif kind == "response.function_call_arguments.done":
            call = self._items.get(oi)
            args = payload.get("arguments")
            if (
                call is not None
                and call.kind == "function"
                and not call.streamed
                and isinstance(args, str)
                and args
            ):
                call.streamed = True
                out.append(ir.ToolArgsDelta(call.index or 0, args))
        elif kind == "response.custom_tool_call_input.delta":
            call = self._items.get(oi)
            delta = payload.get("delta")
            if call is not None and call.kind == "custom" and isinstance(delta, str):
                call.custom_input.append(delta)
        elif kind == "response.custom_tool_call_input.done":
            call = self._items.get(oi)
            text = payload.get("input")
            if call is not None and call.kind == "custom" and isinstance(text, str):
                call.custom_input = [text]

    def _reasoning(self, oi: int, out: list[ir.StreamEvent]) -> _DItem:
        item = self._items.get(oi)
        if item is None or item.kind != "reasoning":
            item = _DItem("reasoning", self._block(ir.BlockKind.THINKING, out))
            self._items[oi] = item
        return item

    def _item_added(self, oi: int, raw: Any, out: list[ir.StreamEvent]) -> None:
        item = raw if isinstance(raw, Mapping) else {}
        kind = item.get("type")
        if kind == "reasoning":
            self._reasoning(oi, out)
        elif kind in ("function_call", "custom_tool_call"):
            index = self._block(
                ir.BlockKind.TOOL_CALL,
                out,
                tool_call_id=str(item.get("call_id") or ""),
                tool_name=str(item.get("name") or ""),
            )
            self._items[oi] = _DItem("function" if kind == "function_call" else "custom", index)
        elif kind == "message":
            self._items[oi] = _DItem("message")
        else:
            self._items[oi] = _DItem("other")

    def _text_block(self, oi: int, ci: Any, out: list[ir.StreamEvent]) -> list[int] | None:
        if not isinstance(ci, int):
            return None
        state = self._texts.get((oi, ci))
        if state is None:
            state = [self._block(ir.BlockKind.TEXT, out), 0]
            self._texts[(oi, ci)] = state
        return state

    def _text_delta(self, oi: int, ci: Any, delta: Any, out: list[ir.StreamEvent]) -> None:
        state = self._text_block(oi, ci, out)
        if state is not None and isinstance(delta, str) and delta:
            state[1] += len(delta)
            out.append(ir.TextDelta(state[0], delta))

    def _text_done(self, oi: int, ci: Any, full: Any, out: list[ir.StreamEvent]) -> None:
        state = self._text_block(oi, ci, out)
        if state is not None and isinstance(full, str) and len(full) > state[1]:
            out.append(ir.TextDelta(state[0], full[state[1] :]))
            state[1] = len(full)

    def _item_done(self, oi: int, raw: Any, out: list[ir.StreamEvent]) -> None:
        item = raw if isinstance(raw, Mapping) else {}
        kind = item.get("type")
        state = self._items.get(oi)
        if state is None:
            self._item_added(oi, item, out)
            state = self._items[oi]
        if kind == "message":
            for ci, part in enumerate(item.get("content") or ()):
                if isinstance(part, Mapping):
                    self._text_done(oi, ci, part.get("text", part.get("refusal")), out)
            for (o, _), (block, _) in sorted(self._texts.items()):
                if o == oi:
                    self._stop(block, out)
        elif kind == "reasoning":
            if not state.streamed:
                entries: list[Any] = []
                for key in ("summary", "content"):
                    value = item.get(key)
                    if isinstance(value, list):
                        entries.extend(value)
                texts = [
                    str(e["text"])
                    for e in entries
                    if isinstance(e, Mapping) and isinstance(e.get("text"), str)
                ]
                texts = [t for t in texts if t]
                if texts:
                    out.append(ir.ThinkingDelta(state.index or 0, "\n\n".join(texts)))
            encrypted = item.get("encrypted_content")
            rid = item.get("id")
            if isinstance(encrypted, str) or isinstance(rid, str):
                out.append(
                    ir.SignatureDelta(
                        state.index or 0,
                        encrypted=encrypted if isinstance(encrypted, str) else None,
                        reasoning_id=rid if isinstance(rid, str) else None,
                    )
                )
            self._stop(state.index, out)
        elif kind == "function_call":
            args = item.get("arguments")
            if not state.streamed and isinstance(args, str) and args:
                out.append(ir.ToolArgsDelta(state.index or 0, args))
            self._stop(state.index, out)
        elif kind == "custom_tool_call":
            text = item.get("input")
            if not isinstance(text, str):
                text = "".join(state.custom_input)
            out.append(ir.ToolArgsDelta(state.index or 0, orjson.dumps({"input": text}).decode()))
            self._stop(state.index, out)

    def _finish(self, response: Any, out: list[ir.StreamEvent]) -> None:
        resp = response if isinstance(response, Mapping) else {}
        for index in list(self._open):
            self._stop(index, out)
        output = resp.get("output")
        if not isinstance(output, list) or not output:
            output = [
                {"type": "function_call"}
                for item in self._items.values()
                if item.kind in ("function", "custom")
            ]
        self._done = True
        out.append(
            ir.StreamEnd(
                stop_reason=_stop_of(resp.get("status"), resp.get("incomplete_details"), output),
                usage=_decode_usage(resp.get("usage")),
            )
        )


# --------------------------------------------------------------------------- stream encoding


@dataclass(slots=True)
class _EBlock:
    index: int
    kind: ir.BlockKind
    call_id: str | None = None
    name: str | None = None
    data: str | None = None
    thought_signature: str | None = None
    pending: list[str] = field(default_factory=list)  # deltas buffered while not at the head
    text: list[str] = field(default_factory=list)  # everything emitted so far
    stopped: bool = False
    active: bool = False
    signature: str | None = None
    encrypted: str | None = None
    reasoning_id: str | None = None
    # wire state
    item_id: str = ""
    output_index: int = -1
    content_index: int = 0
    part_open: bool = False
    custom: bool = False


@dataclass(slots=True)
class _OpenMessage:
    item_id: str
    output_index: int
    content: list[dict[str, Any]] = field(default_factory=list)


class ResponsesStreamEncoder:
    """Canonical events → Responses SSE. Interleaved canonical blocks are serialised into
    non-overlapping output items: the block at the head of the queue streams live, the others
    are buffered until it stops. Consecutive text blocks share one message item."""

    def __init__(self, request: ir.Request) -> None:
        self._request = request
        self._echo = _echo(request)
        self._custom = _custom_names(request)
        self._seq = 0
        self._id = ""
        self._created = 0
        self._model = request.model
        self._start_usage = ir.Usage()
        self._started = False
        self._finished = False
        self._output: list[dict[str, Any]] = []
        self._blocks: dict[int, _EBlock] = {}
        self._queue: list[_EBlock] = []
        self._msg: _OpenMessage | None = None
        self._writer = _Writer(output=True)
        self._buf: list[bytes] = []

    # ---- public

    def feed(self, event: ir.StreamEvent) -> bytes:
        if self._finished:
            return b""
        if isinstance(event, ir.StreamStart):
            self._begin(event.id, event.created, event.usage)
        elif isinstance(event, ir.StreamError):
            self._fail(ErrorInfo(event.status, event.message, event.kind))
        else:
            if not self._started:
                self._begin("", 0, ir.Usage())
            if isinstance(event, ir.BlockStart):
                self._block_start(event)
            elif isinstance(event, ir.TextDelta | ir.ThinkingDelta | ir.ToolArgsDelta):
                self._delta(event)
            elif isinstance(event, ir.SignatureDelta):
                blk = self._blocks.get(event.index)
                if blk is not None:
                    blk.signature = event.signature or blk.signature
                    blk.encrypted = event.encrypted or blk.encrypted
                    blk.reasoning_id = event.reasoning_id or blk.reasoning_id
            elif isinstance(event, ir.BlockStop):
                blk = self._blocks.get(event.index)
                if blk is not None and not blk.stopped:
                    blk.stopped = True
                    if self._queue and self._queue[0] is blk:
                        self._advance()
            elif isinstance(event, ir.StreamEnd):
                self._end(event)
        return self._flush()

    def close(self) -> bytes:
        if not self._finished and self._started:
            self._fail(ErrorInfo(502, "the stream ended without a terminal event", "api_error"))
        return self._flush()

    # ---- plumbing

    def _flush(self) -> bytes:
        out = b"".join(self._buf)
        self._buf.clear()
        return out

    def _emit(self, payload: dict[str, Any]) -> None:
        payload["sequence_number"] = self._seq
        self._seq += 1
        self._buf.append(_frame(payload))

    def _response(
        self, status: str, *, usage: ir.Usage | None = None, incomplete: str | None = None, error: Any = None
    ) -> dict[str, Any]:
        return _response_object(
            response_id=self._id,
            created=self._created,
            model=self._model,
            echo=self._echo,
            status=status,
            output=list(self._output),
            usage=usage,
            incomplete=incomplete,
            error=error,
        )

    def _begin(self, upstream_id: str, created: int, usage: ir.Usage) -> None:
        if self._started:
            return
        self._started = True
        self._id = _response_id(upstream_id)
        self._writer.id_base = _id_base(self._id)
        self._created = created
        self._start_usage = usage
        self._emit({"type": "response.created", "response": self._response("in_progress")})
        self._emit({"type": "response.in_progress", "response": self._response("in_progress")})

    def _block_start(self, event: ir.BlockStart) -> None:
        if event.index in self._blocks:
            return
        blk = _EBlock(
            index=event.index,
            kind=event.kind,
            call_id=event.tool_call_id,
            name=event.tool_name,
            data=event.data,
            thought_signature=event.thought_signature,
        )
        blk.custom = blk.kind is ir.BlockKind.TOOL_CALL and (blk.name or "") in self._custom
        self._blocks[event.index] = blk
        self._queue.append(blk)
        if len(self._queue) == 1:
            self._activate(blk)

    def _delta(self, event: ir.TextDelta | ir.ThinkingDelta | ir.ToolArgsDelta) -> None:
        blk = self._blocks.get(event.index)
        if blk is None:
            kind = (
                ir.BlockKind.TEXT
                if isinstance(event, ir.TextDelta)
                else ir.BlockKind.THINKING
                if isinstance(event, ir.ThinkingDelta)
                else ir.BlockKind.TOOL_CALL
            )
            self._block_start(ir.BlockStart(event.index, kind))
            blk = self._blocks[event.index]
        text = event.partial_json if isinstance(event, ir.ToolArgsDelta) else event.text
        if not text or blk.stopped:
            return
        if blk.active:
            self._live(blk, text)
        else:
            blk.pending.append(text)

    def _advance(self) -> None:
        while self._queue and self._queue[0].stopped:
            self._close_block(self._queue.pop(0))
            if self._queue:
                self._activate(self._queue[0])

    def _close_message(self) -> None:
        msg, self._msg = self._msg, None
        if msg is None:
            return
        item = {
            "id": msg.item_id,
            "type": "message",
            "status": "completed",
            "content": msg.content,
            "role": "assistant",
        }
        self._output.append(item)
        self._emit({"type": "response.output_item.done", "output_index": msg.output_index, "item": item})

    def _activate(self, blk: _EBlock) -> None:
        blk.active = True
        if blk.kind is ir.BlockKind.TEXT:
            if self._msg is None:
                self._msg = _OpenMessage(self._writer.new_id("msg"), len(self._output))
                self._emit(
                    {
                        "type": "response.output_item.added",
                        "output_index": self._msg.output_index,
                        "item": {
                            "id": self._msg.item_id,
                            "type": "message",
                            "status": "in_progress",
                            "content": [],
                            "role": "assistant",
                        },
                    }
                )
            blk.item_id = self._msg.item_id
            blk.output_index = self._msg.output_index
            blk.content_index = len(self._msg.content)
            self._emit(
                {
                    "type": "response.content_part.added",
                    "item_id": blk.item_id,
                    "output_index": blk.output_index,
                    "content_index": blk.content_index,
                    "part": {"type": "output_text", "annotations": [], "logprobs": [], "text": ""},
                }
            )
        else:
            self._close_message()
            if blk.kind is ir.BlockKind.THINKING:
                blk.item_id = self._writer.new_id("rs")
                blk.output_index = len(self._output)
                self._emit(
                    {
                        "type": "response.output_item.added",
                        "output_index": blk.output_index,
                        "item": {"id": blk.item_id, "type": "reasoning", "summary": []},
                    }
                )
            elif blk.kind is ir.BlockKind.TOOL_CALL:
                if blk.thought_signature is not None:
                    self._whole_item(
                        self._writer.sealed_reasoning(
                            {"k": "tool_sigs", "sigs": {blk.call_id or "": blk.thought_signature}}
                        )
                    )
                if blk.call_id is None:
                    blk.call_id = self._writer.new_id("call")
                blk.output_index = len(self._output)
                if not blk.custom:
                    blk.item_id = self._writer.new_id("fc")
                    self._emit(
                        {
                            "type": "response.output_item.added",
                            "output_index": blk.output_index,
                            "item": {
                                "id": blk.item_id,
                                "type": "function_call",
                                "status": "in_progress",
                                "arguments": "",
                                "call_id": blk.call_id,
                                "name": blk.name or "",
                            },
                        }
                    )
            # Redacted thinking is written whole when the block stops.
        if blk.pending:
            text = "".join(blk.pending)
            blk.pending.clear()
            self._live(blk, text)

    def _live(self, blk: _EBlock, text: str) -> None:
        blk.text.append(text)
        if blk.kind is ir.BlockKind.TEXT:
            self._emit(
                {
                    "type": "response.output_text.delta",
                    "item_id": blk.item_id,
                    "output_index": blk.output_index,
                    "content_index": blk.content_index,
                    "delta": text,
                    "logprobs": [],
                }
            )
        elif blk.kind is ir.BlockKind.THINKING:
            if not blk.part_open:
                blk.part_open = True
                self._emit(
                    {
                        "type": "response.reasoning_summary_part.added",
                        "item_id": blk.item_id,
                        "output_index": blk.output_index,
                        "summary_index": 0,
                        "part": {"type": "summary_text", "text": ""},
                    }
                )
            self._emit(
                {
                    "type": "response.reasoning_summary_text.delta",
                    "item_id": blk.item_id,
                    "output_index": blk.output_index,
                    "summary_index": 0,
                    "delta": text,
                }
            )
        elif blk.kind is ir.BlockKind.TOOL_CALL and not blk.custom:
            self._emit(
                {
                    "type": "response.function_call_arguments.delta",
                    "item_id": blk.item_id,
                    "output_index": blk.output_index,
                    "delta": text,
                }
            )
        # Custom tool input and redacted thinking are sent whole at the end of the block.

    def _whole_item(self, item: dict[str, Any]) -> None:
        index = len(self._output)
        added = dict(item)
        if added.get("type") == "reasoning":
            added["summary"] = []
            added.pop("encrypted_content", None)
        self._emit({"type": "response.output_item.added", "output_index": index, "item": added})
        self._output.append(item)
        self._emit({"type": "response.output_item.done", "output_index": index, "item": item})

    def _close_block(self, blk: _EBlock) -> None:
        if not blk.active:
            self._activate(blk)
        text = "".join(blk.text)
        if blk.kind is ir.BlockKind.TEXT:
            assert self._msg is not None
            base = {
                "item_id": blk.item_id,
                "output_index": blk.output_index,
                "content_index": blk.content_index,
            }
            self._emit({"type": "response.output_text.done", **base, "text": text, "logprobs": []})
            part = {"type": "output_text", "annotations": [], "logprobs": [], "text": text}
            self._emit({"type": "response.content_part.done", **base, "part": part})
            self._msg.content.append(part)
        elif blk.kind is ir.BlockKind.THINKING:
            base = {"item_id": blk.item_id, "output_index": blk.output_index, "summary_index": 0}
            if blk.part_open:
                self._emit({"type": "response.reasoning_summary_text.done", **base, "text": text})
                self._emit(
                    {
                        "type": "response.reasoning_summary_part.done",
                        **base,
                        "part": {"type": "summary_text", "text": text},
                    }
                )
            item: dict[str, Any] = {
                "id": blk.item_id,
                "type": "reasoning",
                "summary": [{"type": "summary_text", "text": text}] if text else [],
            }
            signature = blk.signature or blk.thought_signature
            if blk.encrypted is not None:
                item["encrypted_content"] = blk.encrypted
            elif signature is not None:
                item["encrypted_content"] = seal({"k": "thinking", "sig": signature})
            self._output.append(item)
            self._emit({"type": "response.output_item.done", "output_index": blk.output_index, "item": item})
        elif blk.kind is ir.BlockKind.REDACTED_THINKING:
            self._whole_item(self._writer.sealed_reasoning({"k": "redacted", "data": blk.data or text}))
        elif blk.custom:
            item_id = self._writer.new_id("ctc")
            index = len(self._output)
            value = _custom_input(text)
            head = {"type": "custom_tool_call", "id": item_id, "call_id": blk.call_id, "name": blk.name or ""}
            self._emit(
                {"type": "response.output_item.added", "output_index": index, "item": {**head, "input": ""}}
            )
            base = {"item_id": item_id, "output_index": index}
            if value:
                self._emit({"type": "response.custom_tool_call_input.delta", **base, "delta": value})
            self._emit({"type": "response.custom_tool_call_input.done", **base, "input": value})
            item = {**head, "input": value}
            self._output.append(item)
            self._emit({"type": "response.output_item.done", "output_index": index, "item": item})
        else:
            base = {"item_id": blk.item_id, "output_index": blk.output_index}
            self._emit({"type": "response.function_call_arguments.done", **base, "arguments": text})
            item = {
                "id": blk.item_id,
                "type": "function_call",
                "status": "completed",
                "arguments": text,
                "call_id": blk.call_id,
                "name": blk.name or "",
            }
            self._output.append(item)
            self._emit({"type": "response.output_item.done", "output_index": blk.output_index, "item": item})

    def _end(self, event: ir.StreamEnd) -> None:
        while self._queue:
            blk = self._queue.pop(0)
            blk.stopped = True
            self._close_block(blk)
        self._close_message()
        self._finished = True
        usage = _merge_usage(self._start_usage, event.usage)
        status, incomplete = _status_of(event.stop_reason)
        if status == "failed":
            error = {"code": "server_error", "message": "The model failed to generate a response."}
            self._emit(
                {"type": "response.failed", "response": self._response(status, usage=usage, error=error)}
            )
            return
        kind = "response.completed" if status == "completed" else "response.incomplete"
        self._emit({"type": kind, "response": self._response(status, usage=usage, incomplete=incomplete)})

    def _fail(self, error: ErrorInfo) -> None:
        if not self._started:
            self._begin("", 0, ir.Usage())
        self._finished = True
        self._emit(_error_event(error, 0))
        failed = {"code": _failed_code(error), "message": error.message}
        self._emit({"type": "response.failed", "response": self._response("failed", error=failed)})


# --------------------------------------------------------------------------- the adapter


class ResponsesAdapter:
    wire_format: WireFormat = WireFormat.RESPONSES

    def decode_request(
        self, body: Mapping[str, Any], *, model: str | None = None, stream: bool | None = None
    ) -> ir.Request:
        return decode_request(body, model=model, stream=stream)

    def encode_request(self, request: ir.Request) -> ir.Encoded:
        return encode_request(request)

    def upstream_path(self, model: str, stream: bool) -> str:
        return "/responses"

    def decode_response(self, body: Mapping[str, Any]) -> ir.Response:
        return decode_response(body)

    def encode_response(self, response: ir.Response, request: ir.Request) -> ir.Encoded:
        return encode_response(response, request)

    def stream_decoder(self) -> ResponsesStreamDecoder:
        return ResponsesStreamDecoder()

    def stream_encoder(self, request: ir.Request) -> ResponsesStreamEncoder:
        return ResponsesStreamEncoder(request)

    def decode_error(self, status: int, body: bytes) -> ErrorInfo:
        return decode_error(status, body)

    def encode_error(self, error: ErrorInfo) -> dict[str, Any]:
        return encode_error(error)

    def encode_stream_error(self, error: ErrorInfo) -> bytes:
        return encode_stream_error(error)

    def usage_from_body(self, body: bytes) -> ir.Usage:
        try:
            parsed = orjson.loads(body)
        except orjson.JSONDecodeError:
            return ir.Usage()
        return _decode_usage(parsed.get("usage")) if isinstance(parsed, Mapping) else ir.Usage()

    def usage_from_stream(self, head: bytes, tail: bytes) -> ir.Usage:
        return _usage_in(tail) or _usage_in(head) or ir.Usage()


ADAPTER = ResponsesAdapter()
_check: FormatAdapter = ADAPTER
