"""Canonical Request → Gemini `generateContent` body. Restores what `extras["gemini"]` kept from a
Gemini client where it still matches the request, and otherwise builds contents, tools,
toolConfig and generationConfig (including the response schema in the form the model accepts),
recording each setting Gemini cannot take as a Drop."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.formats import ir
from app.formats.gemini.fields import FORMAT, _JSONDict
from app.formats.gemini.model_version import _model_version
from app.formats.gemini.parts_encode import _finish_signatures, _PartEncoder
from app.formats.gemini.schema import _json_schema_for_gemini, clean_schema, openapi_to_json_schema
from app.formats.gemini.thinking import _decode_thinking, _encode_thinking
from app.formats.gemini.tools import _decode_tool_choice, _encode_tool_choice, _encode_tools


def _encode_request(request: ir.Request) -> ir.Encoded:
    drops: list[ir.Drop] = []
    own: Mapping[str, Any] = request.extras.get(FORMAT) or {}
    for fmt, foreign in request.extras.items():
        if fmt != FORMAT:
            drops.extend(ir.Drop(f"extras.{fmt}.{key}", "no Gemini equivalent") for key in foreign)

    call_names = {
        part.id: part.name
        for message in request.messages
        for part in message.parts
        if isinstance(part, ir.ToolCallPart)
    }
    encoder = _PartEncoder(model=request.model, drops=drops, call_names=call_names)
    contents: list[_JSONDict] = []
    for i, message in enumerate(request.messages):
        if message.name:
            drops.append(ir.Drop(f"messages[{i}].name", "Gemini turns have no author name"))
        role = "model" if message.role is ir.Role.ASSISTANT else "user"
        parts = encoder.encode(message.parts, f"messages[{i}].parts", message.role)
        # Gemini refuses empty text parts ("it has an empty text parameter") unless signed.
        parts = [p for p in parts if p != {"text": ""}]
        if not parts:
            drops.append(ir.Drop(f"messages[{i}]", "nothing Gemini can take was left in this turn"))
            continue
        contents.append({"role": role, "parts": parts})
    _finish_signatures(contents, request.model)

    body: _JSONDict = {"contents": contents}
    if request.system:
        system: _JSONDict = {}
        if isinstance(own.get("systemInstructionRole"), str):
            system["role"] = own["systemInstructionRole"]
        system["parts"] = [{"text": part.text} for part in request.system]
        for k, part in enumerate(request.system):
            if part.cache is not None:
                drops.append(ir.Drop(f"system[{k}].cache", "Gemini has no per-part cache marks"))
        body["systemInstruction"] = system

    if request.tools:
        body["tools"] = _encode_tools(request, own, drops)
    tool_config = own.get("toolConfig")
    if (
        isinstance(tool_config, Mapping)
        and _decode_tool_choice(tool_config, "toolConfig") == request.tool_choice
    ):
        body["toolConfig"] = dict(tool_config)
    elif request.tool_choice is not None:
        kept = {k: v for k, v in (tool_config or {}).items() if k != "functionCallingConfig"}
        body["toolConfig"] = {**kept, "functionCallingConfig": _encode_tool_choice(request.tool_choice)}
    if request.parallel_tool_calls is False:
        drops.append(ir.Drop("parallel_tool_calls", "Gemini cannot forbid parallel function calls"))

    gc: _JSONDict = {}
    leftover = own.get("generationConfig")
    if isinstance(leftover, Mapping):
        gc.update(leftover)
    if request.temperature is not None:
        gc["temperature"] = request.temperature
    if request.top_p is not None:
        gc["topP"] = request.top_p
    if request.top_k is not None:
        gc["topK"] = request.top_k
    if request.max_output_tokens is not None:
        gc["maxOutputTokens"] = request.max_output_tokens
    if request.stop:
        stops = list(request.stop)
        if len(stops) > 5:
            drops.append(ir.Drop("stop", "Gemini takes at most 5 stop sequences"))
            stops = stops[:5]
        gc["stopSequences"] = stops
    if request.seed is not None:
        gc["seed"] = request.seed
    if request.presence_penalty is not None:
        gc["presencePenalty"] = request.presence_penalty
    if request.frequency_penalty is not None:
        gc["frequencyPenalty"] = request.frequency_penalty
    _encode_response_format(request, own, gc, drops)
    if request.reasoning is not None:
        original = own.get("thinkingConfig")
        if (
            isinstance(original, Mapping)
            and _decode_thinking(original, "thinkingConfig") == request.reasoning
        ):
            gc["thinkingConfig"] = dict(original)
        else:
            thinking = _encode_thinking(request.reasoning, request.model, drops)
            if thinking is not None:
                gc["thinkingConfig"] = thinking
            if request.reasoning.summary is not None:
                drops.append(
                    ir.Drop("reasoning.summary", "Gemini has no summary setting (includeThoughts only)")
                )
    if gc:
        body["generationConfig"] = gc

    if request.user is not None:
        drops.append(ir.Drop("user", "Gemini has no end-user field"))
    if request.metadata:
        drops.append(ir.Drop("metadata", "Gemini has no request metadata"))
    for key, value in own.items():
        if key not in _OWN_EXTRAS:
            body[key] = value
    return ir.Encoded(body=body, drops=tuple(drops))


# Keys of extras["gemini"] that are bookkeeping, not request fields.
_OWN_EXTRAS = frozenset(
    {
        "systemInstructionRole",
        "toolGroups",
        "functionDeclarations",
        "toolConfig",
        "generationConfig",
        "thinkingConfig",
        "responseSchema",
        "responseMimeType",
    }
)


def _encode_response_format(
    request: ir.Request, own: Mapping[str, Any], gc: _JSONDict, drops: list[ir.Drop]
) -> None:
    rf = request.response_format
    if rf is None:
        return
    if rf.type == "text":
        gc["responseMimeType"] = "text/plain"
        return
    mime = own.get("responseMimeType")
    gc["responseMimeType"] = mime if isinstance(mime, str) else "application/json"
    if rf.type != "json_schema" or rf.schema is None:
        return
    if rf.name is not None:
        drops.append(ir.Drop("response_format.name", "Gemini schemas have no name"))
    if rf.description is not None:
        drops.append(ir.Drop("response_format.description", "Gemini schemas have no description field"))
    original = own.get("responseSchema")
    version = _model_version(request.model)
    if isinstance(original, Mapping) and openapi_to_json_schema(original) == rf.schema:
        gc["responseSchema"] = dict(original)
    elif version is not None and version < (2, 5):
        cleaned, removed, _ = clean_schema(rf.schema)
        gc["responseSchema"] = cleaned or {"type": "object"}
        if removed:
            listed = ", ".join(sorted(removed))
            drops.append(ir.Drop("response_format.schema", f"not in Gemini's schema subset: {listed}"))
    else:
        gc["responseJsonSchema"] = _json_schema_for_gemini(rf.schema)
