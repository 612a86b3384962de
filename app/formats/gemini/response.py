"""Whole `generateContent` responses ↔ canonical Response, plus the finishReason ↔ stop-reason
tables the stream modules share. Only the first candidate is mapped; other candidates, an
unmapped finishReason and unknown keys are kept in extras so a Gemini response round-trips."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from app.core.errors import InvalidRequest
from app.formats import ir
from app.formats.gemini.fields import (
    FORMAT,
    SYNTHETIC_ID_PREFIX,
    _camel,
    _get,
    _JSONDict,
    _mapping,
    _opt_list,
    _opt_str,
    _short_hash,
)
from app.formats.gemini.parts_decode import _CallLinker, _decode_parts
from app.formats.gemini.parts_encode import _PartEncoder
from app.formats.gemini.usage import metadata_from_usage, usage_from_metadata
from app.formats.json_values import json_text

_FINISH_TO_STOP: Mapping[str, ir.StopReason] = {
    "STOP": ir.StopReason.END_TURN,
    "MAX_TOKENS": ir.StopReason.MAX_TOKENS,
    "SAFETY": ir.StopReason.CONTENT_FILTER,
    "RECITATION": ir.StopReason.CONTENT_FILTER,
    "LANGUAGE": ir.StopReason.CONTENT_FILTER,
    "BLOCKLIST": ir.StopReason.CONTENT_FILTER,
    "PROHIBITED_CONTENT": ir.StopReason.CONTENT_FILTER,
    "SPII": ir.StopReason.CONTENT_FILTER,
    "IMAGE_SAFETY": ir.StopReason.CONTENT_FILTER,
    "IMAGE_PROHIBITED_CONTENT": ir.StopReason.CONTENT_FILTER,
    "IMAGE_RECITATION": ir.StopReason.CONTENT_FILTER,
    "MALFORMED_FUNCTION_CALL": ir.StopReason.ERROR,
    "UNEXPECTED_TOOL_CALL": ir.StopReason.ERROR,
    "TOO_MANY_TOOL_CALLS": ir.StopReason.ERROR,
    "MISSING_THOUGHT_SIGNATURE": ir.StopReason.ERROR,
    "OTHER": ir.StopReason.END_TURN,
    "IMAGE_OTHER": ir.StopReason.END_TURN,
    "NO_IMAGE": ir.StopReason.END_TURN,
    "FINISH_REASON_UNSPECIFIED": ir.StopReason.END_TURN,
}
_STOP_TO_FINISH: Mapping[ir.StopReason, str] = {
    ir.StopReason.END_TURN: "STOP",
    ir.StopReason.TOOL_USE: "STOP",
    ir.StopReason.STOP_SEQUENCE: "STOP",
    ir.StopReason.PAUSE: "STOP",
    ir.StopReason.MAX_TOKENS: "MAX_TOKENS",
    ir.StopReason.CONTENT_FILTER: "SAFETY",
    ir.StopReason.REFUSAL: "SAFETY",
    ir.StopReason.ERROR: "OTHER",
}


def _response_id_stem(response_id: str | None, fallback: str) -> str:
    if response_id and re.fullmatch(r"[A-Za-z0-9_-]{1,32}", response_id):
        return response_id
    return _short_hash(response_id or "", fallback)


def _stop_reason(finish: str | None, has_calls: bool) -> ir.StopReason:
    stop = _FINISH_TO_STOP.get(finish or "", ir.StopReason.END_TURN)
    if stop is ir.StopReason.END_TURN and has_calls:
        return ir.StopReason.TOOL_USE
    return stop


def _decode_response(body: Mapping[str, Any]) -> ir.Response:
    if not isinstance(body, Mapping):
        raise InvalidRequest("a Gemini response must be a JSON object")
    extras: _JSONDict = {}
    response_id = _opt_str(_get(body, "responseId"), "responseId")
    model = _opt_str(_get(body, "modelVersion"), "modelVersion") or ""
    candidates = _opt_list(_get(body, "candidates"), "candidates")
    candidate: Mapping[str, Any] = _mapping(candidates[0], "candidates[0]") if candidates else {}
    if len(candidates) > 1:
        extras["moreCandidates"] = list(candidates[1:])
    content = _get(candidate, "content")
    raw_parts: Sequence[Any] = []
    if content is not None:
        content = _mapping(content, "candidates[0].content")
        raw_parts = _opt_list(_get(content, "parts"), "candidates[0].content.parts")
    stem = _response_id_stem(response_id, json_text(list(raw_parts)))
    parts = _decode_parts(
        raw_parts,
        "candidates[0].content.parts",
        _CallLinker(),
        lambda j: f"{SYNTHETIC_ID_PREFIX}{stem}_{j}",
    )
    finish = _opt_str(_get(candidate, "finishReason"), "candidates[0].finishReason")
    has_calls = any(isinstance(p, ir.ToolCallPart) for p in parts)
    stop = _stop_reason(finish, has_calls)
    feedback = _get(body, "promptFeedback")
    if not candidates and isinstance(feedback, Mapping) and _get(feedback, "blockReason"):
        stop = ir.StopReason.CONTENT_FILTER
    if finish is not None and finish != _STOP_TO_FINISH[stop]:
        extras["finishReason"] = finish
    leftover = {
        _camel(k): v for k, v in candidate.items() if _camel(k) not in ("content", "finishReason", "index")
    }
    if leftover:
        extras["candidate"] = leftover
    meta = _get(body, "usageMetadata")
    if meta is not None:
        extras["usageMetadata"] = meta
    for key, value in body.items():
        if _camel(key) not in ("candidates", "usageMetadata", "modelVersion", "responseId"):
            extras[_camel(key)] = value
    return ir.Response(
        id=response_id or "",
        model=model,
        content=tuple(parts),
        stop_reason=stop,
        usage=usage_from_metadata(meta),
        extras={FORMAT: extras} if extras else {},
    )


def _encode_response(response: ir.Response, request: ir.Request) -> ir.Encoded:
    drops: list[ir.Drop] = []
    own: Mapping[str, Any] = response.extras.get(FORMAT) or {}
    encoder = _PartEncoder(model=request.model, drops=drops)
    parts = encoder.encode(response.content, "content", ir.Role.ASSISTANT)
    candidate: _JSONDict = {}
    if parts:
        candidate["content"] = {"parts": parts, "role": "model"}
    finish = own.get("finishReason")
    has_calls = any(isinstance(p, ir.ToolCallPart) for p in response.content)
    if not (isinstance(finish, str) and _stop_reason(finish, has_calls) is response.stop_reason):
        finish = _STOP_TO_FINISH[response.stop_reason]
    candidate["finishReason"] = finish
    candidate["index"] = 0
    leftover = own.get("candidate")
    if isinstance(leftover, Mapping):
        candidate.update(leftover)
    body: _JSONDict = {"candidates": [candidate, *(own.get("moreCandidates") or [])]}
    meta = own.get("usageMetadata")
    if isinstance(meta, Mapping) and usage_from_metadata(meta) == response.usage:
        body["usageMetadata"] = dict(meta)
    else:
        body["usageMetadata"] = metadata_from_usage(response.usage)
    body["modelVersion"] = request.model
    if response.id:
        body["responseId"] = response.id
    for key, value in own.items():
        if key not in ("finishReason", "candidate", "moreCandidates", "usageMetadata"):
            body[key] = value
    return ir.Encoded(body=body, drops=tuple(drops))
