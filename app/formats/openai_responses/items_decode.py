"""Responses items → canonical messages, shared by request `input` and response `output` decoding.
`_InputDecoder` groups consecutive items of one assistant turn into one assistant message, keeps
each user message item separate and collects consecutive `function_call_output`s into one user
message; system / developer items become marked system parts and hosted-tool items are kept
opaque with their position. Item details with no canonical field (ids, string content, part
types) ride in the parts' extras so the same-format encoder can rebuild the items exactly.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from app.formats import ir
from app.formats.data_urls import source_from_file_data, source_from_url
from app.formats.json_values import json_text
from app.formats.openai_responses.checks import _bad, _join, _list, _obj, _opt_str, _req_str, _str
from app.formats.openai_responses.extras import FORMAT, _ours
from app.formats.openai_responses.reasoning import _decode_reasoning


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


def _breakpoint_cache(part: Mapping[str, Any]) -> ir.CacheControl | None:
    """The `prompt_cache_breakpoint` mark some clients put on content parts (OpenAI has no cache marks
    to write back)."""
    mark = part.get("prompt_cache_breakpoint")
    if not isinstance(mark, Mapping):
        return None
    ttl = mark.get("ttl")
    return ir.CacheControl(ttl=ttl if isinstance(ttl, str) else None)


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
            source = source_from_url(url)
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
            source = source_from_file_data(data)
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
        arguments = json_text({"input": text})
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
