"""Gemini content parts → canonical parts, for requests and responses alike. Besides the plain
mapping this gives every function call an id (Gemini usually sends none; synthetic ones carry the
`gfc_` prefix), links each function response to its call by name, and keeps a `thoughtSignature`
found on a non-thought part as an empty signed thinking part right after it."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from app.core.errors import InvalidRequest
from app.formats import ir
from app.formats.gemini.fields import FORMAT, _camel, _get, _has, _list, _mapping, _opt_str
from app.formats.gemini.media import _decode_blob, _decode_file
from app.formats.json_values import json_text


def _describe_part(part: Mapping[str, Any]) -> str:
    """Readable text for a part with no canonical home (code execution and the like)."""
    code = _get(part, "executableCode")
    if isinstance(code, Mapping):
        language = str(_get(code, "language") or "").lower().replace("language_unspecified", "")
        return f"```{language}\n{_get(code, 'code') or ''}\n```"
    result = _get(part, "codeExecutionResult")
    if isinstance(result, Mapping):
        return f"```\n{_get(result, 'output') or ''}\n```"
    return ""


@dataclass
class _OpenCall:
    call_id: str
    synthetic: bool  # the id was invented here (the call came without one)
    parts: list[ir.Part]  # the list holding the call, to give it another id in place
    position: int


class _CallLinker:
    """Gives every function call an id and links each function response to its call.

    Gemini CLI sends history whose calls have no id (the API gave none) while their responses carry
    an id the CLI made up: such a call takes that id, marked so that it is not written back."""

    def __init__(self) -> None:
        self._open: dict[str, deque[_OpenCall]] = {}

    def call(self, name: str, call_id: str, synthetic: bool, parts: list[ir.Part]) -> None:
        self._open.setdefault(name, deque()).append(_OpenCall(call_id, synthetic, parts, len(parts) - 1))

    def result(self, name: str, call_id: str | None, fallback: str) -> str:
        pending = self._open.get(name) or deque()
        if call_id is None:
            return pending.popleft().call_id if pending else fallback
        for open_call in pending:
            if open_call.call_id == call_id:
                pending.remove(open_call)
                return call_id
        for open_call in pending:
            if open_call.synthetic:
                pending.remove(open_call)
                part = open_call.parts[open_call.position]
                if isinstance(part, ir.ToolCallPart):
                    extras = {**part.extras, FORMAT: {"idFromResponse": True}}
                    open_call.parts[open_call.position] = replace(part, id=call_id, extras=extras)
                return call_id
        return call_id


def _decode_function_response(
    fr: Mapping[str, Any], param: str, linker: _CallLinker, fallback_id: str
) -> ir.ToolResultPart:
    name = _opt_str(_get(fr, "name"), f"{param}.name")
    if not name:
        raise InvalidRequest(f"'{param}.name' is required", param=f"{param}.name")
    call_id = _opt_str(_get(fr, "id"), f"{param}.id") or None
    response = _get(fr, "response")
    content: list[ir.TextPart | ir.ImagePart | ir.DocumentPart] = []
    is_error = False
    if response is None:
        pass
    elif not isinstance(response, Mapping):
        raise InvalidRequest(f"'{param}.response' must be an object", param=f"{param}.response")
    elif len(response) == 1 and isinstance(response.get("output"), str):
        content.append(ir.TextPart(response["output"]))
    elif len(response) == 1 and isinstance(response.get("error"), str):
        is_error = True
        content.append(ir.TextPart(response["error"]))
    elif response:
        content.append(ir.TextPart(json_text(response), extras={FORMAT: {"response": dict(response)}}))
    nested = _get(fr, "parts")
    if nested is not None:
        for k, sub in enumerate(_list(nested, f"{param}.parts")):
            sub_param = f"{param}.parts[{k}]"
            sub = _mapping(sub, sub_param)
            if _has(sub, "inlineData"):
                blob_param = f"{sub_param}.inlineData"
                content.append(_decode_blob(_mapping(_get(sub, "inlineData"), blob_param), blob_param))
            elif _has(sub, "fileData"):
                file_param = f"{sub_param}.fileData"
                content.append(_decode_file(_mapping(_get(sub, "fileData"), file_param), file_param))
    return ir.ToolResultPart(
        call_id=linker.result(name, call_id, fallback_id),
        content=tuple(content),
        is_error=is_error,
        name=name,
    )


def _decode_parts(
    raw_parts: Sequence[Any],
    param: str,
    linker: _CallLinker,
    id_for: Callable[[int], str],
) -> list[ir.Part]:
    """Gemini parts → canonical parts. `id_for(j)` invents the id of a call without one."""
    parts: list[ir.Part] = []
    for j, raw in enumerate(raw_parts):
        p_param = f"{param}[{j}]"
        part = _mapping(raw, p_param)
        signature = _opt_str(_get(part, "thoughtSignature"), f"{p_param}.thoughtSignature")
        thought = _get(part, "thought") is True
        carrier = False
        if _has(part, "functionCall"):
            fc = _mapping(_get(part, "functionCall"), f"{p_param}.functionCall")
            name = _opt_str(_get(fc, "name"), f"{p_param}.functionCall.name")
            if not name:
                raise InvalidRequest("a functionCall needs a name", param=f"{p_param}.functionCall.name")
            given_id = _opt_str(_get(fc, "id"), f"{p_param}.functionCall.id") or None
            call_id = given_id or id_for(j)
            args = _get(fc, "args")
            if args is not None and not isinstance(args, Mapping):
                raise InvalidRequest(
                    "functionCall.args must be an object", param=f"{p_param}.functionCall.args"
                )
            parts.append(
                ir.ToolCallPart(
                    id=call_id, name=name, arguments=json_text(args or {}), thought_signature=signature
                )
            )
            linker.call(name, call_id, given_id is None, parts)
            continue
        if _has(part, "functionResponse"):
            fr = _mapping(_get(part, "functionResponse"), f"{p_param}.functionResponse")
            parts.append(_decode_function_response(fr, f"{p_param}.functionResponse", linker, id_for(j)))
            continue
        if "text" in part:
            text = _opt_str(part["text"], f"{p_param}.text") or ""
            if thought:
                parts.append(ir.ThinkingPart(text=text, signature=signature))
                continue
            if text or signature is None:
                parts.append(ir.TextPart(text))
            carrier = signature is not None
        elif _has(part, "inlineData"):
            blob_param = f"{p_param}.inlineData"
            parts.append(_decode_blob(_mapping(_get(part, "inlineData"), blob_param), blob_param))
            carrier = signature is not None
        elif _has(part, "fileData"):
            file_param = f"{p_param}.fileData"
            parts.append(_decode_file(_mapping(_get(part, "fileData"), file_param), file_param))
            carrier = signature is not None
        elif {_camel(k) for k in part} <= {"thought", "thoughtSignature"}:
            carrier = signature is not None
        else:
            kept = {_camel(k): v for k, v in part.items() if _camel(k) != "thoughtSignature"}
            text = _describe_part(part) or f"[{next(iter(kept), 'part')}]"
            parts.append(ir.TextPart(text, extras={FORMAT: {"part": kept}}))
            carrier = signature is not None
        if carrier:
            # The signature of a non-thought part travels as an empty signed thinking part after it.
            parts.append(ir.ThinkingPart(text="", signature=signature))
    return parts
