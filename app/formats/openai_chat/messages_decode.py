"""Chat `messages` → canonical system parts and messages. Consecutive tool (and legacy function)
messages become one user message of tool results; whatever the canonical form has no place for
(string vs. list content, empty content, refusals, audio parts, unknown message fields, the
system/developer layout) is recorded as a layout keyed by message index, so encoding back to this
format reproduces the body."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final

from app.formats import ir
from app.formats.cache_marks import read_cache_mark
from app.formats.data_urls import source_from_file_data, source_from_url
from app.formats.json_values import json_text
from app.formats.openai_chat.checks import FIELDS, _fail, _list, _obj, _opt_str, _str, _wrong_type
from app.formats.openai_chat.reasoning import _parts_from_reasoning_details
from app.formats.openai_chat.vocabulary import FORMAT

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
        cache = read_cache_mark(message.get("cache_control"), f"{path}.cache_control", FIELDS)
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
        cache = read_cache_mark(part.get("cache_control"), f"{path}.cache_control", FIELDS)
        if cache is not None:
            self.cache_marks = True
        return ir.TextPart(text, cache=cache)

    def _content_part(self, part: Mapping[str, Any], path: str) -> ir.Part:
        kind = part.get("type")
        cache = read_cache_mark(part.get("cache_control"), f"{path}.cache_control", FIELDS)
        if cache is not None:
            self.cache_marks = True
        if kind == "text":
            return ir.TextPart(_str(part.get("text"), f"{path}.text"), cache=cache)
        if kind == "image_url":
            image = part.get("image_url")
            if isinstance(image, str):  # some clients send the URL bare
                return ir.ImagePart(source_from_url(image), cache=cache)
            image = _obj(image, f"{path}.image_url")
            url = _str(image.get("url"), f"{path}.image_url.url")
            detail = _opt_str(image.get("detail"), f"{path}.image_url.detail")
            return ir.ImagePart(source_from_url(url), detail=detail, cache=cache)
        if kind == "file":
            file = _obj(part.get("file"), f"{path}.file")
            data = _opt_str(file.get("file_data"), f"{path}.file.file_data")
            file_id = _opt_str(file.get("file_id"), f"{path}.file.file_id")
            filename = _opt_str(file.get("filename"), f"{path}.file.filename")
            if data is not None:
                source = source_from_file_data(data)
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
        return json_text(value)
    _wrong_type(value, "a string", f"{path}.arguments")
