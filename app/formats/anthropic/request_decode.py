"""Request decoding: an Anthropic Messages body → canonical Request. Fields with no canonical home
are kept verbatim in `extras["anthropic"]`, and the `_`-prefixed hints (raw thinking and
output_config, per-block leftovers, where a lone text was a list, where system messages stood among
the others) are recorded so that a same-format round trip reproduces the body exactly and
prompt-cache prefixes stay intact. System messages inside `messages` join the canonical system
prompt."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any, Final

from app.core.errors import InvalidRequest
from app.formats import ir
from app.formats.anthropic.blocks import FORMAT, _is_plain_text, _opaque
from app.formats.anthropic.fields import (
    FIELDS,
    _bad,
    _list,
    _obj,
    _opt_bool,
    _opt_int,
    _opt_num,
    _opt_str,
    _or,
    _rest,
    _str,
)
from app.formats.anthropic.media import _source_in
from app.formats.anthropic.tools import _decode_tool, _decode_tool_choice
from app.formats.cache_marks import read_cache_mark
from app.formats.json_values import json_text

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


class _RequestDecoder:
    def __init__(self) -> None:
        self.blocks: dict[str, dict[str, Any]] = {}
        # Where a lone plain text block was spelled as a list rather than the string shorthand.
        self.lists: list[str] = []
        # System messages inside `messages`: their parts, and where each stood (see `system_message`).
        self.system_parts: list[ir.TextPart] = []
        self.system_layout: list[dict[str, Any]] = []

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
            cache=read_cache_mark(block.get("cache_control"), f"{path}.cache_control", FIELDS),
            extras={FORMAT: rest} if rest else {},
        )

    def messages(self, value: Any) -> tuple[ir.Message, ...]:
        out: list[ir.Message] = []
        for i, raw in enumerate(_list(value, "messages")):
            path = f"messages[{i}]"
            msg = _obj(raw, path)
            role = msg.get("role")
            if role == "system":
                self.system_message(msg, path, at=len(out))
            elif role in ("user", "assistant"):
                out.append(self.message(msg, path, len(out)))
            else:
                raise _bad(f"{path}.role", "expected 'user', 'assistant' or 'system'")
        return tuple(out)

    def message(self, msg: Mapping[str, Any], path: str, i: int) -> ir.Message:
        """A user or assistant message; `i` is its canonical index (system messages not counted),
        which keys the hints."""
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
        return ir.Message(role=ir.Role(msg["role"]), parts=parts)

    def system_message(self, msg: Mapping[str, Any], path: str, *, at: int) -> None:
        """A `{"role": "system"}` entry of `messages` (mid-conversation system message; Claude Code
        sends its environment block this way for model names it does not know). Its text joins the
        canonical system prompt after the top-level one; where it stood is kept in the layout."""
        content = msg.get("content")
        entry: dict[str, Any] = {"at": at}
        parts: list[ir.TextPart] = []
        if isinstance(content, str):
            if content:
                parts.append(ir.TextPart(content))
            else:
                entry["empty"] = True
        elif isinstance(content, list):
            entry["list"] = True
            for j, raw in enumerate(content):
                block_path = f"{path}.content[{j}]"
                block = _obj(raw, block_path)
                if block.get("type") != "text":
                    raise _bad(f"{block_path}.type", "system messages hold text blocks only")
                parts.append(self.text(block, block_path))
        else:
            raise _bad(f"{path}.content", "expected a string or an array of text blocks")
        known: tuple[str, ...] = ("role", "content")
        cache = read_cache_mark(msg.get("cache_control"), f"{path}.cache_control", FIELDS)
        if cache is not None and parts and parts[-1].cache is None:
            # A mark on the message itself: the canonical form keeps it on its last block.
            parts[-1] = dataclasses.replace(parts[-1], cache=cache)
            entry["cache"] = True
            known += ("cache_control",)
        rest = _rest(msg, known)
        if rest:
            entry["fields"] = rest
        entry["n"] = len(parts)
        self.system_layout.append(entry)
        self.system_parts.extend(parts)

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
            return ir.ImagePart(source, cache=read_cache_mark(block.get("cache_control"), cache_path, FIELDS))
        if kind == "document":
            source = _source_in(block.get("source"), f"{path}.source", document=True)
            if source is None:
                return _opaque(block)
            self._keep(key, _rest(block, ("type", "source", "title", "cache_control")))
            return ir.DocumentPart(
                source,
                title=_opt_str(block.get("title"), f"{path}.title"),
                cache=read_cache_mark(block.get("cache_control"), cache_path, FIELDS),
            )
        if nested:
            return _opaque(block)
        if kind == "tool_use":
            tool_input = _obj(_or(block.get("input"), {}), f"{path}.input")
            rest = _rest(block, ("type", "id", "name", "input", "cache_control"))
            return ir.ToolCallPart(
                id=_str(block.get("id"), f"{path}.id"),
                name=_str(block.get("name"), f"{path}.name"),
                arguments=json_text(tool_input),
                cache=read_cache_mark(block.get("cache_control"), cache_path, FIELDS),
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
            cache=read_cache_mark(block.get("cache_control"), f"{path}.cache_control", FIELDS),
        )

    def _keep(self, key: str, rest: dict[str, Any]) -> None:
        if rest:
            self.blocks[key] = rest


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


def _decode_request(
    body: Mapping[str, Any], *, model: str | None = None, stream: bool | None = None
) -> ir.Request:
    if not isinstance(body, Mapping):
        raise InvalidRequest("the request body must be a JSON object")
    decoder = _RequestDecoder()
    model = model if model is not None else _str(body.get("model"), "model")
    messages = decoder.messages(body.get("messages"))
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
    if decoder.system_layout:
        extras["_system_messages"] = {
            "top": len(system),
            "messages": len(messages),
            "layout": decoder.system_layout,
        }
        system += tuple(decoder.system_parts)

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
