"""Google Gemini `generateContent` / `streamGenerateContent?alt=sse`, to and from the canonical form.

The model and the choice of streaming live in the URL, not the body. Requests are `contents` of
`user`/`model` turns made of parts: text (with `thought: true` for thought summaries), `inlineData`,
`fileData`, `functionCall`, `functionResponse`; `thoughtSignature` may sit on any part and must be
handed back exactly where it came from (Gemini 3 answers 400 when the first `functionCall` of a step
lacks it). The REST API accepts camelCase and snake_case keys; both are read, camelCase is written.

Decisions worth knowing:

* Tool call ids: Gemini usually sends none and matches results by name. Missing ids are synthesised
  deterministically with the prefix ``gfc_`` (from the response id, or the position in a request) so
  other formats can link results; ids with that prefix are never written back to Gemini.
* A `thoughtSignature` on a functionCall goes to ToolCallPart.thought_signature; on a thought part to
  ThinkingPart.signature; on any other part (usually the last text part of a Gemini 3 answer) it
  becomes an empty signed ThinkingPart right after that part, and is merged back onto it when encoding.
* History bound for a Gemini 3 model whose function calls carry no signature (they came from another
  vendor) gets the documented ``skip_thought_signature_validator`` value on the first call of the turn.
* Tool schemas from other formats are cleaned into Gemini's OpenAPI subset (`parameters`); a schema
  that subset cannot express (free-form objects, arrays without items, recursive refs) is sent as
  `parametersJsonSchema`, which takes JSON Schema. Gemini-side schemas are normalised to JSON Schema
  on decode (lower-case types, `nullable` → type unions) and restored exactly for Gemini.
* Function results are `{"output": text}` or `{"error": text}`; images in results are nested in
  `functionResponse.parts` for Gemini 3 models and sent as sibling `inlineData` parts otherwise.
* `thinkingBudget: -1` (dynamic) decodes as effort "medium" and is restored for Gemini.
"""

from __future__ import annotations

import hashlib
import re
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Final

import orjson

from app.core.errors import InvalidRequest
from app.core.records import WireFormat
from app.formats import ir
from app.formats.adapter import ErrorInfo, FormatAdapter
from app.formats.sse import SSEParser, encode_event

FORMAT: Final = "gemini"
# The value Google documents for history whose function calls have no real signature.
SKIP_SIGNATURE: Final = "skip_thought_signature_validator"
# Prefix of the tool call ids this adapter invents; never sent to Gemini.
SYNTHETIC_ID_PREFIX: Final = "gfc_"

_JSONDict = dict[str, Any]

# --- small helpers ---------------------------------------------------------------------------------

_SNAKE_CACHE: dict[str, str] = {}


def _snake(name: str) -> str:
    found = _SNAKE_CACHE.get(name)
    if found is None:
        found = re.sub(r"(?<!^)([A-Z])", r"_\1", name).lower()
        _SNAKE_CACHE[name] = found
    return found


def _camel(name: str) -> str:
    if "_" not in name:
        return name
    head, *rest = name.split("_")
    return head + "".join(word[:1].upper() + word[1:] for word in rest)


def _get(obj: Mapping[str, Any], name: str) -> Any:
    """The value of a camelCase field, also accepted in snake_case as the REST API does."""
    if name in obj:
        return obj[name]
    return obj.get(_snake(name))


def _has(obj: Mapping[str, Any], name: str) -> bool:
    return name in obj or _snake(name) in obj


def _camel_keys(obj: Mapping[str, Any]) -> _JSONDict:
    """Top-level keys in camelCase (values untouched: they may hold user data)."""
    return {_camel(key): value for key, value in obj.items()}


def _mapping(value: Any, param: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise InvalidRequest(f"'{param}' must be an object", param=param)
    return value


def _list(value: Any, param: str) -> Sequence[Any]:
    if not isinstance(value, list):
        raise InvalidRequest(f"'{param}' must be an array", param=param)
    return value


def _opt_list(value: Any, param: str) -> Sequence[Any]:
    return () if value is None else _list(value, param)


def _opt_str(value: Any, param: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidRequest(f"'{param}' must be a string", param=param)
    return value


def _opt_bool(value: Any, param: str) -> bool | None:
    if value is None:
        return None
    if not isinstance(value, bool):
        raise InvalidRequest(f"'{param}' must be a boolean", param=param)
    return value


def _opt_number(value: Any, param: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidRequest(f"'{param}' must be a number", param=param)
    return value


def _opt_int(value: Any, param: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or int(value) != value:
        # int64 fields may also come as decimal strings in proto JSON.
        if isinstance(value, str) and re.fullmatch(r"-?\d+", value):
            return int(value)
        raise InvalidRequest(f"'{param}' must be an integer", param=param)
    return int(value)


def _str_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _dumps(value: Any) -> str:
    return orjson.dumps(value).decode()


def _short_hash(*parts: str) -> str:
    digest = hashlib.sha1("\x00".join(parts).encode(), usedforsecurity=False)
    return digest.hexdigest()[:16]


def _model_version(model: str) -> tuple[int, int] | None:
    """(major, minor) of a Gemini model name such as "gemini-2.5-flash" or "models/gemini-3-pro"."""
    match = re.match(r"^(?:models/)?gemini-(?:live-)?(\d+)(?:\.(\d+))?", model.lower())
    if match is None:
        return None
    return int(match.group(1)), int(match.group(2) or 0)


def _is_gemini3(model: str) -> bool:
    version = _model_version(model)
    return version is not None and version[0] >= 3


_NAME_OK = re.compile(r"[a-zA-Z_][a-zA-Z0-9_.:-]{0,63}")


def sanitize_name(name: str) -> str:
    """A function name Gemini accepts: [a-zA-Z_][a-zA-Z0-9_.:-]{0,63}; unchanged when already valid."""
    if _NAME_OK.fullmatch(name):
        return name
    cleaned = re.sub(r"[^a-zA-Z0-9_.:-]", "_", name)
    if not cleaned or not (cleaned[0] == "_" or (cleaned[0].isascii() and cleaned[0].isalpha())):
        cleaned = "_" + cleaned
    if len(cleaned) > 64:
        cleaned = cleaned[:55] + "_" + _short_hash(name)[:8]
    return cleaned


# --- JSON Schema <-> Gemini's OpenAPI subset ---------------------------------------------------------

_OPENAPI_TYPES = {"STRING", "NUMBER", "INTEGER", "BOOLEAN", "ARRAY", "OBJECT", "NULL"}
_COUNT_KEYS = ("minItems", "maxItems", "minLength", "maxLength", "minProperties", "maxProperties")


def openapi_to_json_schema(schema: Any) -> Any:
    """Gemini `Schema` (OpenAPI subset, as Gemini clients send it) → plain JSON Schema."""
    if not isinstance(schema, Mapping):
        return schema
    out: _JSONDict = {}
    nullable = False
    for raw_key, value in schema.items():
        key = _camel(raw_key)
        if key == "type" and isinstance(value, str):
            if value.upper() == "TYPE_UNSPECIFIED":
                continue
            out["type"] = value.lower() if value.upper() in _OPENAPI_TYPES else value
        elif key == "nullable":
            nullable = value is True
        elif (key == "format" and value == "enum") or key in ("propertyOrdering", "example"):
            continue
        elif key in _COUNT_KEYS and isinstance(value, str) and value.isdigit():
            out[key] = int(value)
        elif key == "properties" and isinstance(value, Mapping):
            out[key] = {name: openapi_to_json_schema(sub) for name, sub in value.items()}
        elif key == "items":
            out[key] = openapi_to_json_schema(value)
        elif key == "anyOf" and isinstance(value, list):
            out[key] = [openapi_to_json_schema(sub) for sub in value]
        else:
            out[key] = value
    if nullable:
        kind = out.get("type")
        if isinstance(kind, str):
            out["type"] = [kind, "null"]
        elif "anyOf" in out:
            out["anyOf"] = [*out["anyOf"], {"type": "null"}]
        else:
            out["nullable"] = True
    return out


# Keywords of the `parameters` Schema (ai.google.dev/api/caching#Schema) kept as they are.
_KEEP = {
    "type",
    "description",
    "nullable",
    "enum",
    "properties",
    "required",
    "items",
    "anyOf",
    "minItems",
    "maxItems",
    "minimum",
    "maximum",
    "minLength",
    "maxLength",
    "minProperties",
    "maxProperties",
    "pattern",
    "propertyOrdering",
    "default",
    "example",
}
_FORMATS = {"string": {"enum", "date-time"}, "number": {"float", "double"}, "integer": {"int32", "int64"}}
# Pure annotations and the reference machinery resolved here: removed without a Drop.
_SILENT = {"$schema", "$id", "$comment", "$defs", "definitions", "$anchor", "title", "examples"}


@dataclass
class _Cleaner:
    """One tool schema on its way into Gemini's OpenAPI subset."""

    root: Mapping[str, Any]
    removed: set[str] = field(default_factory=set)
    # Set when the subset cannot express the schema: it then goes as `parametersJsonSchema`.
    inexpressible: str | None = None
    _stack: list[str] = field(default_factory=list)

    def resolve(self, ref: str) -> Mapping[str, Any] | None:
        if not ref.startswith("#/"):
            return None
        node: Any = self.root
        for token in ref[2:].split("/"):
            token = token.replace("~1", "/").replace("~0", "~")
            if not isinstance(node, Mapping) or token not in node:
                return None
            node = node[token]
        return node if isinstance(node, Mapping) else None

    def clean(self, schema: Any, *, top: bool = False) -> _JSONDict:
        if schema is True or schema == {}:
            self.inexpressible = self.inexpressible or "a schema that accepts any value"
            return {}
        if not isinstance(schema, Mapping):
            self.inexpressible = self.inexpressible or "a boolean schema"
            return {}
        ref = schema.get("$ref")
        if isinstance(ref, str):
            if ref in self._stack:
                self.inexpressible = self.inexpressible or "a recursive $ref"
                return {"type": "object"}
            target = self.resolve(ref)
            if target is None:
                self.inexpressible = self.inexpressible or f"the $ref {ref}"
                return {}
            self._stack.append(ref)
            try:
                siblings = {k: v for k, v in schema.items() if k != "$ref"}
                return self.clean({**target, **siblings}, top=top)
            finally:
                self._stack.pop()
        return self._clean_plain(schema, top=top)

    def _clean_plain(self, schema: Mapping[str, Any], *, top: bool) -> _JSONDict:
        src = dict(schema)
        for sub in src.pop("allOf", None) or ():
            resolved = self.clean(sub)
            for key, value in resolved.items():
                if key == "properties":
                    src["properties"] = {**value, **(src.get("properties") or {})}
                elif key == "required":
                    src["required"] = [*(src.get("required") or []), *value]
                else:
                    src.setdefault(key, value)
        out: _JSONDict = {}
        nullable = False
        kind = src.get("type")
        if isinstance(kind, list):
            non_null = [t for t in kind if t != "null"]
            nullable = len(non_null) != len(kind)
            if len(non_null) == 1:
                kind = non_null[0]
            elif non_null:
                variants = [{"type": t} for t in non_null]
                src["anyOf"] = [*variants, *(src.get("anyOf") or [])]
                kind = None
            else:
                kind = None
        if isinstance(kind, str):
            kind = kind.lower()
            if kind == "null":
                nullable, kind = True, None
        alternatives = [*(src.pop("anyOf", None) or []), *(src.pop("oneOf", None) or [])]
        if alternatives:
            kept = []
            for alt in alternatives:
                if isinstance(alt, Mapping) and alt.get("type") == "null" and len(alt) == 1:
                    nullable = True
                else:
                    kept.append(alt)
            if len(kept) == 1 and kind is None:
                merged = self.clean(kept[0])
                nullable = nullable or merged.pop("nullable", False) is True
                for key, value in merged.items():
                    if key == "description" and "description" in src:
                        continue
                    out[key] = value
                kind = out.get("type")
            elif kept:
                out["anyOf"] = [self.clean(alt) for alt in kept]
        if kind is not None:
            out["type"] = kind
        if "const" in src:
            const = src.pop("const")
            if isinstance(const, str):
                src.setdefault("enum", [const])
            else:
                self.removed.add("const")
        for key, value in src.items():
            if key in ("type", "anyOf", "oneOf", "allOf"):
                continue
            if key == "properties":
                if isinstance(value, Mapping):
                    out["properties"] = {name: self.clean(sub) for name, sub in value.items()}
                continue
            if key == "items":
                if isinstance(value, Mapping):
                    out["items"] = self.clean(value)
                else:
                    self.inexpressible = self.inexpressible or "tuple-style items"
                continue
            if key == "enum":
                continue
            if key == "format":
                if isinstance(value, str) and value in _FORMATS.get(str(kind), set()):
                    out["format"] = value
                else:
                    self.removed.add(f"format {value}")
                continue
            if key == "exclusiveMinimum" or key == "exclusiveMaximum":
                bound = "minimum" if key == "exclusiveMinimum" else "maximum"
                if isinstance(value, int | float) and not isinstance(value, bool) and bound not in src:
                    out[bound] = value
                    self.removed.add(f"{key} (sent as inclusive {bound})")
                elif value is not False:
                    self.removed.add(key)
                continue
            if key == "additionalProperties":
                if isinstance(value, Mapping) and value and not src.get("properties"):
                    self.inexpressible = self.inexpressible or "a map (additionalProperties schema)"
                elif value is not False and value is not True and value != {}:
                    self.removed.add(key)
                elif value is False:
                    self.removed.add("additionalProperties: false")
                continue
            if key in _KEEP:
                out[key] = value
            elif key not in _SILENT:
                self.removed.add(key)
        if "enum" in src:
            self._enum(src["enum"], out, src)
            if "enum" in out and "type" not in out and "anyOf" not in out:
                out["type"] = "string"  # Gemini enums are typed strings
        if "example" not in out and isinstance(src.get("examples"), list) and src["examples"]:
            out["example"] = src["examples"][0]
        if nullable:
            out["nullable"] = True
        if "required" in out:
            props = out.get("properties") or {}
            required = [name for name in out["required"] if isinstance(name, str) and name in props]
            if len(required) != len(out["required"]):
                self.removed.add("required names without a property")
            if required:
                out["required"] = list(dict.fromkeys(required))
            else:
                del out["required"]
        if out.get("type") == "object" and not out.get("properties") and not top:
            self.inexpressible = self.inexpressible or "an object without properties"
        if out.get("type") == "array" and "items" not in out:
            self.inexpressible = self.inexpressible or "an array without items"
        if not top and "type" not in out and "anyOf" not in out and "enum" not in out:
            self.inexpressible = self.inexpressible or "a schema without a type"
        return out

    def _enum(self, value: Any, out: _JSONDict, src: Mapping[str, Any]) -> None:
        if not isinstance(value, list):
            self.removed.add("enum")
            return
        values = [v for v in value if v is not None]
        if len(values) != len(value):
            out["nullable"] = True
        if all(isinstance(v, str) for v in values):
            out["enum"] = values
            return
        # Gemini enums are strings only: keep the choice visible to the model in the description.
        self.removed.add("non-string enum")
        listed = ", ".join(_dumps(v) for v in values)
        description = src.get("description")
        note = f"Allowed values: {listed}."
        out["description"] = f"{description} {note}" if isinstance(description, str) else note


def clean_schema(schema: Mapping[str, Any]) -> tuple[_JSONDict | None, set[str], str | None]:
    """A JSON Schema → (Gemini `parameters` Schema or None when there are no parameters, the
    keywords removed, or a reason why the OpenAPI subset cannot express it)."""
    cleaner = _Cleaner(schema)
    cleaned = cleaner.clean(schema, top=True)
    if "type" not in cleaned and "properties" in cleaned:
        cleaned = {"type": "object", **cleaned}
    if cleaned.get("type") not in (None, "object") or "anyOf" in cleaned:
        return cleaned, cleaner.removed, cleaner.inexpressible or "arguments that are not one object"
    if not cleaned.get("properties"):
        if schema.get("additionalProperties") not in (None, False):
            return cleaned, cleaner.removed, cleaner.inexpressible or "free-form arguments"
        if cleaner.inexpressible is None:
            return None, cleaner.removed, None
    return cleaned, cleaner.removed, cleaner.inexpressible


def _json_schema_for_gemini(schema: Mapping[str, Any]) -> _JSONDict:
    """Light touch for `parametersJsonSchema` / `responseJsonSchema`: only meta keys go."""
    return {k: v for k, v in schema.items() if k not in ("$schema", "$comment")}


# --- mapping tables -----------------------------------------------------------------------------------

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
_MODE_TO_CHOICE: Mapping[str, ir.ToolChoiceMode] = {
    "AUTO": ir.ToolChoiceMode.AUTO,
    "VALIDATED": ir.ToolChoiceMode.AUTO,
    "NONE": ir.ToolChoiceMode.NONE,
    "ANY": ir.ToolChoiceMode.REQUIRED,
}
_LEVELS = ("minimal", "low", "medium", "high")
# Gemini's built-in tools (a tool object key other than functionDeclarations).
_BUILTIN_TOOLS = frozenset(
    {
        "googleSearch",
        "googleSearchRetrieval",
        "codeExecution",
        "urlContext",
        "fileSearch",
        "computerUse",
        "googleMaps",
        "retrieval",
        "enterpriseWebSearch",
    }
)
_GEN_CONFIG_MAPPED = frozenset(
    {
        "temperature",
        "topP",
        "topK",
        "maxOutputTokens",
        "stopSequences",
        "seed",
        "presencePenalty",
        "frequencyPenalty",
        "responseMimeType",
        "responseSchema",
        "responseJsonSchema",
        "thinkingConfig",
    }
)
_TOP_LEVEL = frozenset({"contents", "systemInstruction", "tools", "toolConfig", "generationConfig", "model"})

_HTTP_TO_STATUS: Mapping[int, str] = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    409: "ABORTED",
    413: "INVALID_ARGUMENT",
    429: "RESOURCE_EXHAUSTED",
    499: "CANCELLED",
    500: "INTERNAL",
    501: "UNIMPLEMENTED",
    502: "UNAVAILABLE",
    503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
}
_KIND_TO_HTTP: Mapping[str, int] = {
    "invalid_request_error": 400,
    "authentication_error": 401,
    "permission_error": 403,
    "not_found_error": 404,
    "request_too_large": 413,
    "rate_limit_error": 429,
    "api_error": 500,
    "overloaded_error": 503,
}
_STATUS_TO_KIND: Mapping[str, str] = {
    "INVALID_ARGUMENT": "invalid_request_error",
    "FAILED_PRECONDITION": "invalid_request_error",
    "OUT_OF_RANGE": "invalid_request_error",
    "UNAUTHENTICATED": "authentication_error",
    "PERMISSION_DENIED": "permission_error",
    "NOT_FOUND": "not_found_error",
    "RESOURCE_EXHAUSTED": "rate_limit_error",
    "UNAVAILABLE": "overloaded_error",
    "INTERNAL": "api_error",
    "UNKNOWN": "api_error",
    "DEADLINE_EXCEEDED": "api_error",
    "ABORTED": "api_error",
    "CANCELLED": "api_error",
    "UNIMPLEMENTED": "invalid_request_error",
}


def _kind_for(status: int, google_status: str | None, reason: str | None) -> str:
    if reason in ("API_KEY_INVALID", "API_KEY_EXPIRED", "ACCESS_TOKEN_EXPIRED"):
        return "authentication_error"
    if status == 413:
        return "request_too_large"
    if google_status is not None and google_status in _STATUS_TO_KIND:
        return _STATUS_TO_KIND[google_status]
    if status == 401:
        return "authentication_error"
    if status == 403:
        return "permission_error"
    if status == 404:
        return "not_found_error"
    if status == 429:
        return "rate_limit_error"
    if status in (502, 503, 529):
        return "overloaded_error"
    if 400 <= status < 500:
        return "invalid_request_error"
    return "api_error"


# --- usage ----------------------------------------------------------------------------------------------


def _int_field(obj: Mapping[str, Any], name: str) -> int:
    value = _get(obj, name)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return 0
    return int(value)


def usage_from_metadata(meta: Any) -> ir.Usage:
    """Gemini usageMetadata → canonical usage. promptTokenCount already includes cached tokens;
    candidatesTokenCount excludes thoughts; tool-use prompt tokens are input too."""
    if not isinstance(meta, Mapping):
        return ir.Usage()
    thoughts = _int_field(meta, "thoughtsTokenCount")
    return ir.Usage(
        input_tokens=_int_field(meta, "promptTokenCount") + _int_field(meta, "toolUsePromptTokenCount"),
        output_tokens=_int_field(meta, "candidatesTokenCount") + thoughts,
        cache_read_tokens=_int_field(meta, "cachedContentTokenCount"),
        reasoning_tokens=thoughts,
    )


def metadata_from_usage(usage: ir.Usage) -> _JSONDict:
    meta: _JSONDict = {
        "promptTokenCount": usage.input_tokens,
        "candidatesTokenCount": max(0, usage.output_tokens - usage.reasoning_tokens),
        "totalTokenCount": usage.input_tokens + usage.output_tokens,
    }
    if usage.cache_read_tokens:
        meta["cachedContentTokenCount"] = usage.cache_read_tokens
    if usage.reasoning_tokens:
        meta["thoughtsTokenCount"] = usage.reasoning_tokens
    return meta


# --- parts: decode ----------------------------------------------------------------------------------------


def _media(
    mime: str | None, source: ir.MediaSource, name: str | None = None
) -> ir.ImagePart | ir.DocumentPart:
    if mime is not None and mime.startswith("image/"):
        return ir.ImagePart(source=source)
    return ir.DocumentPart(source=source, filename=name)


def _decode_blob(blob: Mapping[str, Any], param: str) -> ir.ImagePart | ir.DocumentPart:
    mime = _opt_str(_get(blob, "mimeType"), f"{param}.mimeType")
    data = _opt_str(_get(blob, "data"), f"{param}.data")
    if data is None:
        raise InvalidRequest(f"'{param}.data' is required", param=f"{param}.data")
    name = _opt_str(_get(blob, "displayName"), f"{param}.displayName")
    return _media(mime, ir.MediaSource(kind="base64", media_type=mime, data=data), name)


def _is_files_api(uri: str) -> bool:
    return uri.startswith(("https://generativelanguage.googleapis.com/", "files/"))


def _decode_file(ref: Mapping[str, Any], param: str) -> ir.ImagePart | ir.DocumentPart:
    mime = _opt_str(_get(ref, "mimeType"), f"{param}.mimeType")
    uri = _opt_str(_get(ref, "fileUri"), f"{param}.fileUri")
    if uri is None:
        raise InvalidRequest(f"'{param}.fileUri' is required", param=f"{param}.fileUri")
    name = _opt_str(_get(ref, "displayName"), f"{param}.displayName")
    if _is_files_api(uri):
        source = ir.MediaSource(kind="file", media_type=mime, file_id=uri)
    else:
        source = ir.MediaSource(kind="url", media_type=mime, url=uri)
    return _media(mime, source, name)


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
        content.append(ir.TextPart(_dumps(response), extras={FORMAT: {"response": dict(response)}}))
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
                    id=call_id, name=name, arguments=_dumps(args or {}), thought_signature=signature
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


# --- parts: encode --------------------------------------------------------------------------------------


def _media_part(source: ir.MediaSource) -> _JSONDict | None:
    if source.kind == "base64" and source.data is not None:
        return {
            "inlineData": {"mimeType": source.media_type or "application/octet-stream", "data": source.data}
        }
    if source.kind == "url" and source.url is not None:
        match = re.match(r"^data:([^;,]+)?(?:;[^,]*)?;base64,(.*)$", source.url, re.DOTALL)
        if match is not None:
            mime = match.group(1) or source.media_type or "application/octet-stream"
            return {"inlineData": {"mimeType": mime, "data": match.group(2)}}
        ref: _JSONDict = {"fileUri": source.url}
        if source.media_type:
            ref = {"mimeType": source.media_type, **ref}
        return {"fileData": ref}
    if source.kind == "file" and source.file_id is not None and _is_files_api(source.file_id):
        ref = {"fileUri": source.file_id}
        if source.media_type:
            ref = {"mimeType": source.media_type, **ref}
        return {"fileData": ref}
    return None


def _args_object(arguments: str, param: str, drops: list[ir.Drop]) -> _JSONDict:
    if not arguments.strip():
        return {}
    try:
        parsed = orjson.loads(arguments)
    except orjson.JSONDecodeError:
        drops.append(ir.Drop(param, "tool call arguments are not valid JSON; Gemini needs an object"))
        return {}
    if not isinstance(parsed, dict):
        drops.append(ir.Drop(param, "tool call arguments are not a JSON object; Gemini needs one"))
        return {}
    return parsed


@dataclass
class _PartEncoder:
    """Canonical parts → Gemini parts for one request or response."""

    model: str
    drops: list[ir.Drop]
    call_names: Mapping[str, str] = field(default_factory=dict)

    def encode(self, parts: Iterable[ir.Part], param: str, role: ir.Role) -> list[_JSONDict]:
        out: list[_JSONDict] = []
        # Whether out[-1] may take a signature handed over by a following empty ThinkingPart.
        signable = False
        for k, part in enumerate(parts):
            p_param = f"{param}[{k}]"
            cache = getattr(part, "cache", None)
            if cache is not None:
                self.drops.append(ir.Drop(f"{p_param}.cache", "Gemini has no per-part cache marks"))
            if isinstance(part, ir.TextPart):
                original = part.extras.get(FORMAT) if part.extras else None
                if isinstance(original, Mapping) and isinstance(original.get("part"), Mapping):
                    out.append(dict(original["part"]))
                else:
                    out.append({"text": part.text})
                signable = True
            elif isinstance(part, ir.ThinkingPart):
                if not part.text and part.signature and signable and "thoughtSignature" not in out[-1]:
                    out[-1]["thoughtSignature"] = part.signature
                    signable = False
                    continue
                signable = False
                if not part.text and not part.signature:
                    if part.encrypted:
                        self.drops.append(ir.Drop(p_param, "encrypted reasoning cannot be sent to Gemini"))
                    continue
                if not part.text and not part.encrypted:
                    # A signature that stood on its own part (Gemini's empty closing text part).
                    out.append({"text": "", "thoughtSignature": part.signature})
                    continue
                thought: _JSONDict = {"text": part.text, "thought": True}
                if part.signature:
                    thought["thoughtSignature"] = part.signature
                if part.encrypted:
                    self.drops.append(
                        ir.Drop(f"{p_param}.encrypted", "Gemini cannot take encrypted reasoning")
                    )
                out.append(thought)
            elif isinstance(part, ir.ImagePart | ir.DocumentPart):
                encoded = _media_part(part.source)
                if encoded is None:
                    self.drops.append(
                        ir.Drop(p_param, f"Gemini cannot reference a {part.source.kind} source")
                    )
                    signable = False
                    continue
                if isinstance(part, ir.ImagePart) and part.detail not in (None, "auto"):
                    self.drops.append(ir.Drop(f"{p_param}.detail", "Gemini has no image detail setting"))
                out.append(encoded)
                signable = True
            elif isinstance(part, ir.ToolCallPart):
                signable = False
                if role is not ir.Role.ASSISTANT:
                    self.drops.append(ir.Drop(p_param, "a tool call in a user turn"))
                    continue
                call: _JSONDict = {"name": sanitize_name(part.name)}
                own = part.extras.get(FORMAT) if part.extras else None
                id_from_response = isinstance(own, Mapping) and own.get("idFromResponse") is True
                if part.id and not id_from_response and not part.id.startswith(SYNTHETIC_ID_PREFIX):
                    call["id"] = part.id
                call["args"] = _args_object(part.arguments, f"{p_param}.arguments", self.drops)
                encoded_call: _JSONDict = {"functionCall": call}
                if part.thought_signature:
                    encoded_call["thoughtSignature"] = part.thought_signature
                out.append(encoded_call)
            elif isinstance(part, ir.ToolResultPart):
                signable = False
                if role is not ir.Role.USER:
                    self.drops.append(ir.Drop(p_param, "a tool result in a model turn"))
                    continue
                out.extend(self._result(part, p_param))
            else:  # RedactedThinkingPart
                signable = False
                self.drops.append(ir.Drop(p_param, "Gemini cannot take redacted thinking"))
        return out

    def _result(self, part: ir.ToolResultPart, param: str) -> list[_JSONDict]:
        name = part.name or self.call_names.get(part.call_id)
        if not name:
            name = "unknown_function"
            self.drops.append(
                ir.Drop(f"{param}.name", "no tool call with this id: the result is sent unnamed")
            )
        texts = [p for p in part.content if isinstance(p, ir.TextPart)]
        media = [p for p in part.content if not isinstance(p, ir.TextPart)]
        response: _JSONDict
        original = texts[0].extras.get(FORMAT) if len(texts) == 1 and texts[0].extras else None
        if (
            isinstance(original, Mapping)
            and isinstance(original.get("response"), Mapping)
            and not part.is_error
        ):
            response = dict(original["response"])
        elif part.is_error:
            response = {"error": "\n".join(p.text for p in texts)}
        elif texts:
            response = {"output": "\n".join(p.text for p in texts)}
        else:
            response = {}
        fr: _JSONDict = {"name": sanitize_name(name)}
        if part.call_id and not part.call_id.startswith(SYNTHETIC_ID_PREFIX):
            fr["id"] = part.call_id
        fr["response"] = response
        for p in texts:
            if p.cache is not None:
                self.drops.append(ir.Drop(f"{param}.content.cache", "Gemini has no per-part cache marks"))
        encoded_media: list[_JSONDict] = []
        for m, item in enumerate(media):
            encoded = _media_part(item.source)
            if encoded is None:
                self.drops.append(
                    ir.Drop(f"{param}.content[{m}]", f"Gemini cannot reference a {item.source.kind} source")
                )
                continue
            encoded_media.append(encoded)
        if encoded_media and _is_gemini3(self.model):
            fr["parts"] = encoded_media
            return [{"functionResponse": fr}]
        return [{"functionResponse": fr}, *encoded_media]


def _finish_signatures(contents: list[_JSONDict], model: str) -> None:
    """Gemini 3 rejects history whose steps' first function call has no signature: give such calls
    (they came from another vendor) the documented skip value."""
    if not _is_gemini3(model):
        return
    for content in contents:
        if content.get("role") != "model":
            continue
        calls = [p for p in content["parts"] if "functionCall" in p]
        if calls and not any("thoughtSignature" in p for p in calls):
            calls[0]["thoughtSignature"] = SKIP_SIGNATURE


# --- reasoning ----------------------------------------------------------------------------------------


def _decode_thinking(tc: Mapping[str, Any], param: str) -> ir.Reasoning:
    budget = _opt_int(_get(tc, "thinkingBudget"), f"{param}.thinkingBudget")
    level = _opt_str(_get(tc, "thinkingLevel"), f"{param}.thinkingLevel")
    include = _opt_bool(_get(tc, "includeThoughts"), f"{param}.includeThoughts")
    effort: str | None = None
    if level is not None and level.lower() in _LEVELS:
        effort = level.lower()
    budget_tokens: int | None = None
    if budget is not None:
        if budget < 0:
            effort = effort or "medium"  # dynamic: the model decides
        else:
            budget_tokens = budget
    return ir.Reasoning(effort=effort, budget_tokens=budget_tokens, include_thoughts=include)


def _budget_range(model: str) -> tuple[int, int, bool] | None:
    """(min, max, can_disable) of thinkingBudget for the 2.5 models, whose ranges are documented."""
    name = model.lower()
    if "2.5-pro" in name:
        return 128, 32768, False
    if "2.5-flash-lite" in name:
        return 512, 24576, True
    if "2.5-flash" in name:
        return 0, 24576, True
    return None


def _encode_thinking(reasoning: ir.Reasoning, model: str, drops: list[ir.Drop]) -> _JSONDict | None:
    config: _JSONDict = {}
    effort = reasoning.effective_effort()
    if _is_gemini3(model):
        if effort is not None:
            level = {"none": "minimal", "xhigh": "high", "max": "high"}.get(effort, effort)
            if level not in _LEVELS:
                level = "high"
            if level == "minimal" and "pro" in model.lower():
                drops.append(ir.Drop("reasoning.effort", "Gemini 3 Pro cannot think less than LOW"))
                level = "low"
            elif effort in ("none", "xhigh", "max"):
                drops.append(
                    ir.Drop("reasoning.effort", f"Gemini 3 has no level {effort!r}; sent {level.upper()}")
                )
            config["thinkingLevel"] = level.upper()
    else:
        budget = reasoning.effective_budget()
        if budget is not None:
            limits = _budget_range(model)
            if limits is not None:
                low, high, can_disable = limits
                wanted = budget
                if budget == 0 and can_disable:
                    pass
                elif budget < low:
                    budget = low
                elif budget > high:
                    budget = high
                if budget != wanted:
                    drops.append(
                        ir.Drop(
                            "reasoning.budget_tokens",
                            f"{model} takes {low}..{high} thinking tokens; sent {budget}",
                        )
                    )
            config["thinkingBudget"] = budget
    include = reasoning.include_thoughts
    if include is None and config and effort not in (None, "none"):
        include = True  # other formats show their reasoning when they ask for it
    if include is not None:
        config["includeThoughts"] = include
    return config or None


# --- tools ----------------------------------------------------------------------------------------------


def _decode_tool_choice(tool_config: Mapping[str, Any], param: str) -> ir.ToolChoice | None:
    fcc = _get(tool_config, "functionCallingConfig")
    if fcc is None:
        return None
    fcc = _mapping(fcc, f"{param}.functionCallingConfig")
    mode = (_opt_str(_get(fcc, "mode"), f"{param}.functionCallingConfig.mode") or "AUTO").upper()
    names = _get(fcc, "allowedFunctionNames")
    if names is not None:
        names = _list(names, f"{param}.functionCallingConfig.allowedFunctionNames")
    choice = _MODE_TO_CHOICE.get(mode)
    if choice is None:
        return None
    if choice is ir.ToolChoiceMode.REQUIRED and names and len(names) == 1 and isinstance(names[0], str):
        return ir.ToolChoice(ir.ToolChoiceMode.TOOL, names[0])
    return ir.ToolChoice(choice)


def _encode_tool_choice(choice: ir.ToolChoice) -> _JSONDict:
    if choice.mode is ir.ToolChoiceMode.NONE:
        return {"mode": "NONE"}
    if choice.mode is ir.ToolChoiceMode.REQUIRED:
        return {"mode": "ANY"}
    if choice.mode is ir.ToolChoiceMode.TOOL and choice.name:
        return {"mode": "ANY", "allowedFunctionNames": [sanitize_name(choice.name)]}
    return {"mode": "AUTO"}


def _decode_declaration(decl: Mapping[str, Any], param: str, meta: dict[str, _JSONDict]) -> ir.Tool:
    name = _opt_str(_get(decl, "name"), f"{param}.name")
    if not name:
        raise InvalidRequest("a function declaration needs a name", param=f"{param}.name")
    description = _opt_str(_get(decl, "description"), f"{param}.description")
    info: _JSONDict = {}
    parameters: Mapping[str, Any] = {}
    json_schema = _get(decl, "parametersJsonSchema")
    openapi = _get(decl, "parameters")
    if json_schema is not None:
        parameters = _mapping(json_schema, f"{param}.parametersJsonSchema")
        info["schemaKey"] = "parametersJsonSchema"
    elif openapi is not None:
        original = _mapping(openapi, f"{param}.parameters")
        parameters = openapi_to_json_schema(original)
        info["original"] = original
    for key, value in decl.items():
        camel = _camel(key)
        if camel not in ("name", "description", "parameters", "parametersJsonSchema"):
            info.setdefault("extra", {})[camel] = value
    if info:
        meta[name] = info
    return ir.Tool(name=name, description=description, parameters=dict(parameters))


# --- requests -------------------------------------------------------------------------------------------


def _decode_system(value: Any) -> tuple[tuple[ir.TextPart, ...], str | None]:
    if isinstance(value, str):
        return (ir.TextPart(value),), None
    system = _mapping(value, "systemInstruction")
    role = _opt_str(_get(system, "role"), "systemInstruction.role")
    parts: list[ir.TextPart] = []
    for j, raw in enumerate(_opt_list(_get(system, "parts"), "systemInstruction.parts")):
        part = _mapping(raw, f"systemInstruction.parts[{j}]")
        text = _opt_str(part.get("text"), f"systemInstruction.parts[{j}].text")
        if text is None:
            raise InvalidRequest(
                "system instruction parts must be text", param=f"systemInstruction.parts[{j}]"
            )
        parts.append(ir.TextPart(text))
    return tuple(parts), role


def _decode_response_format(gc: Mapping[str, Any], extras: _JSONDict) -> ir.ResponseFormat | None:
    mime = _opt_str(_get(gc, "responseMimeType"), "generationConfig.responseMimeType")
    json_schema = _get(gc, "responseJsonSchema")
    schema = _get(gc, "responseSchema")
    if json_schema is not None:
        rjs = _mapping(json_schema, "generationConfig.responseJsonSchema")
        if mime not in (None, "application/json"):
            extras["responseMimeType"] = mime
        return ir.ResponseFormat(type="json_schema", schema=dict(rjs))
    if schema is not None and mime == "application/json":
        original = _mapping(schema, "generationConfig.responseSchema")
        extras["responseSchema"] = dict(original)
        return ir.ResponseFormat(type="json_schema", schema=openapi_to_json_schema(original))
    if schema is not None:
        extras.setdefault("generationConfig", {})["responseSchema"] = schema
        if mime is not None:
            extras["generationConfig"]["responseMimeType"] = mime
        return None
    if mime == "application/json":
        return ir.ResponseFormat(type="json_object")
    if mime == "text/plain":
        return ir.ResponseFormat(type="text")
    if mime is not None:
        extras.setdefault("generationConfig", {})["responseMimeType"] = mime
    return None


def _request_ids(message_index: int) -> Callable[[int], str]:
    """Ids for the calls of one history turn that came without one: stable as the history grows."""

    def make(part_index: int) -> str:
        return f"{SYNTHETIC_ID_PREFIX}r{message_index}_{part_index}"

    return make


def _decode_request(body: Mapping[str, Any], model: str | None, stream: bool | None) -> ir.Request:
    if not isinstance(body, Mapping):
        raise InvalidRequest("the request body must be a JSON object")
    extras: _JSONDict = {}
    for key, value in body.items():
        if _camel(key) not in _TOP_LEVEL:
            extras[_camel(key)] = value
    if model is None:
        body_model = _opt_str(_get(body, "model"), "model")
        if not body_model:
            raise InvalidRequest(
                "the model is part of the URL: /models/{model}:generateContent", param="model"
            )
        model = body_model
    model = model.removeprefix("models/")

    linker = _CallLinker()
    # Parts stay lists until the end: a later response may give an earlier call its id.
    turns: list[tuple[ir.Role, list[ir.Part]]] = []
    for i, raw in enumerate(_opt_list(_get(body, "contents"), "contents")):
        param = f"contents[{i}]"
        content = _mapping(raw, param)
        role_name = _opt_str(_get(content, "role"), f"{param}.role") or "user"
        if role_name == "model":
            role = ir.Role.ASSISTANT
        elif role_name in ("user", "function", "tool"):
            role = ir.Role.USER
        else:
            raise InvalidRequest(
                f"unknown role {role_name!r}: expected 'user' or 'model'", param=f"{param}.role"
            )
        raw_parts = _opt_list(_get(content, "parts"), f"{param}.parts")
        parts = _decode_parts(raw_parts, f"{param}.parts", linker, _request_ids(i))
        turns.append((role, parts))

    system: tuple[ir.TextPart, ...] = ()
    if _get(body, "systemInstruction") is not None:
        system, system_role = _decode_system(_get(body, "systemInstruction"))
        if system_role is not None:
            extras["systemInstructionRole"] = system_role

    tools: list[ir.Tool] = []
    tool_groups: list[list[str]] = []
    declaration_meta: dict[str, _JSONDict] = {}
    for t, raw in enumerate(_opt_list(_get(body, "tools"), "tools")):
        tool_obj = _mapping(raw, f"tools[{t}]")
        group: list[str] = []
        for key, value in tool_obj.items():
            camel = _camel(key)
            if camel == "functionDeclarations":
                for d, decl in enumerate(_list(value, f"tools[{t}].{key}")):
                    d_param = f"tools[{t}].functionDeclarations[{d}]"
                    tool = _decode_declaration(_mapping(decl, d_param), d_param, declaration_meta)
                    tools.append(tool)
                    group.append(f"f:{tool.name}")
            else:
                config = value if isinstance(value, Mapping) else {}
                tools.append(ir.Tool(name=camel, kind=camel, config=dict(config)))
                group.append(f"b:{camel}")
        tool_groups.append(group)
    if tools:
        extras["toolGroups"] = tool_groups
    if declaration_meta:
        extras["functionDeclarations"] = declaration_meta

    tool_choice: ir.ToolChoice | None = None
    tool_config = _get(body, "toolConfig")
    if tool_config is not None:
        tool_config = _mapping(tool_config, "toolConfig")
        tool_choice = _decode_tool_choice(tool_config, "toolConfig")
        extras["toolConfig"] = _camel_keys(tool_config)

    gc_raw = _get(body, "generationConfig")
    gc: Mapping[str, Any] = _mapping(gc_raw, "generationConfig") if gc_raw is not None else {}
    leftover = {_camel(k): v for k, v in gc.items() if _camel(k) not in _GEN_CONFIG_MAPPED}
    if leftover:
        extras["generationConfig"] = leftover
    reasoning: ir.Reasoning | None = None
    thinking = _get(gc, "thinkingConfig")
    if thinking is not None:
        thinking = _mapping(thinking, "generationConfig.thinkingConfig")
        reasoning = _decode_thinking(thinking, "generationConfig.thinkingConfig")
        extras["thinkingConfig"] = _camel_keys(thinking)
    stop = _get(gc, "stopSequences")
    stop_list = tuple(_list(stop, "generationConfig.stopSequences")) if stop is not None else ()
    if not all(isinstance(s, str) for s in stop_list):
        raise InvalidRequest("stop sequences must be strings", param="generationConfig.stopSequences")
    response_format = _decode_response_format(gc, extras)
    top_k = _opt_number(_get(gc, "topK"), "generationConfig.topK")

    return ir.Request(
        model=model,
        messages=tuple(ir.Message(role=role, parts=tuple(parts)) for role, parts in turns),
        system=system,
        tools=tuple(tools),
        tool_choice=tool_choice,
        max_output_tokens=_opt_int(_get(gc, "maxOutputTokens"), "generationConfig.maxOutputTokens"),
        temperature=_opt_number(_get(gc, "temperature"), "generationConfig.temperature"),
        top_p=_opt_number(_get(gc, "topP"), "generationConfig.topP"),
        top_k=int(top_k) if top_k is not None else None,
        stop=stop_list,
        seed=_opt_int(_get(gc, "seed"), "generationConfig.seed"),
        presence_penalty=_opt_number(_get(gc, "presencePenalty"), "generationConfig.presencePenalty"),
        frequency_penalty=_opt_number(_get(gc, "frequencyPenalty"), "generationConfig.frequencyPenalty"),
        reasoning=reasoning,
        response_format=response_format,
        stream=bool(stream),
        extras={FORMAT: extras} if extras else {},
    )


def _encode_tools(request: ir.Request, own: Mapping[str, Any], drops: list[ir.Drop]) -> list[_JSONDict]:
    declarations: dict[str, _JSONDict] = {}
    builtins: dict[str, _JSONDict] = {}
    meta_all = own.get("functionDeclarations")
    meta_all = meta_all if isinstance(meta_all, Mapping) else {}
    groups = own.get("toolGroups")
    own_builtins = {entry[2:] for group in groups or () for entry in group if entry.startswith("b:")}
    renamed: set[str] = set()
    for i, tool in enumerate(request.tools):
        param = f"tools[{i}]"
        if tool.cache is not None:
            drops.append(ir.Drop(f"{param}.cache", "Gemini has no cache marks on tools"))
        if tool.kind != "function":
            if tool.kind in _BUILTIN_TOOLS or tool.kind in own_builtins:
                builtins[f"b:{tool.kind}"] = {tool.kind: dict(tool.config)}
            else:
                drops.append(ir.Drop(param, f"Gemini has no built-in tool {tool.kind!r}"))
            continue
        if tool.strict:
            drops.append(ir.Drop(f"{param}.strict", "Gemini has no strict flag on function declarations"))
        name = sanitize_name(tool.name)
        if name != tool.name and tool.name not in renamed:
            renamed.add(tool.name)
            drops.append(ir.Drop(f"{param}.name", f"not a valid Gemini function name; sent as {name!r}"))
        decl: _JSONDict = {"name": name}
        if tool.description is not None:
            decl["description"] = tool.description
        meta = meta_all.get(tool.name)
        meta = meta if isinstance(meta, Mapping) else {}
        parameters = dict(tool.parameters)
        if meta.get("schemaKey") == "parametersJsonSchema":
            if parameters:
                decl["parametersJsonSchema"] = parameters
        elif (
            isinstance(meta.get("original"), Mapping)
            and openapi_to_json_schema(meta["original"]) == parameters
        ):
            decl["parameters"] = dict(meta["original"])
        elif parameters:
            cleaned, removed, inexpressible = clean_schema(parameters)
            if inexpressible is not None:
                decl["parametersJsonSchema"] = _json_schema_for_gemini(parameters)
            elif cleaned is not None:
                decl["parameters"] = cleaned
                if removed:
                    listed = ", ".join(sorted(removed))
                    drops.append(ir.Drop(f"{param}.parameters", f"not in Gemini's schema subset: {listed}"))
        extra = meta.get("extra")
        if isinstance(extra, Mapping):
            decl.update(extra)
        declarations[f"f:{tool.name}"] = decl
    wanted = set(declarations) | set(builtins)
    out: list[_JSONDict] = []
    if groups and {entry for group in groups for entry in group} == wanted:
        for group in groups:
            obj: _JSONDict = {}
            decls = [declarations[e] for e in group if e.startswith("f:")]
            if decls:
                obj["functionDeclarations"] = decls
            for entry in group:
                if entry.startswith("b:"):
                    obj.update(builtins[entry])
            out.append(obj)
        return out
    if declarations:
        out.append({"functionDeclarations": list(declarations.values())})
    out.extend(builtins.values())
    return out


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


# --- responses ------------------------------------------------------------------------------------------


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
    stem = _response_id_stem(response_id, _dumps(list(raw_parts)))
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


# --- streams --------------------------------------------------------------------------------------------


class GeminiStreamDecoder:
    """`streamGenerateContent?alt=sse` bytes → canonical events. Each `data:` is a whole
    GenerateContentResponse with the next parts; the one with a finishReason ends the stream."""

    def __init__(self) -> None:
        self._parser = SSEParser()
        self._started = False
        self._done = False
        self._next_index = 0
        self._open: tuple[int, ir.BlockKind] | None = None
        self._open_signed = False  # the open thinking block already has its signature
        self._pending_signature: str | None = None  # of the open text block, emitted when it closes
        self._calls = 0
        self._saw_calls = False
        self._usage = ir.Usage()
        self._stem = ""

    def feed(self, chunk: bytes) -> list[ir.StreamEvent]:
        events: list[ir.StreamEvent] = []
        for sse in self._parser.feed(chunk):
            self._event(sse.data, events)
        return events

    def close(self) -> list[ir.StreamEvent]:
        events: list[ir.StreamEvent] = []
        for sse in self._parser.close():
            self._event(sse.data, events)
        if not self._done:
            self._done = True
            events.append(ir.StreamError(status=502, message="upstream stream ended early", kind="api_error"))
        return events

    # ---- internals

    def _event(self, data: str, events: list[ir.StreamEvent]) -> None:
        if self._done or not data.strip():
            return
        try:
            chunk = orjson.loads(data)
        except orjson.JSONDecodeError:
            self._done = True
            events.append(ir.StreamError(status=502, message="upstream sent a malformed stream chunk"))
            return
        if not isinstance(chunk, dict):
            return
        error = chunk.get("error")
        if isinstance(error, Mapping):
            self._done = True
            code = error.get("code")
            status = code if isinstance(code, int) and 400 <= code < 600 else 500
            google_status = _str_or_none(error.get("status"))
            message = _str_or_none(error.get("message")) or "upstream error"
            events.append(
                ir.StreamError(status=status, message=message, kind=_kind_for(status, google_status, None))
            )
            return
        if not self._started:
            self._started = True
            response_id = _get(chunk, "responseId")
            model = _get(chunk, "modelVersion")
            self._stem = _response_id_stem(response_id if isinstance(response_id, str) else None, data)
            usage = usage_from_metadata(_get(chunk, "usageMetadata"))
            events.append(
                ir.StreamStart(
                    id=response_id if isinstance(response_id, str) else "",
                    model=model if isinstance(model, str) else "",
                    usage=ir.Usage(
                        input_tokens=usage.input_tokens, cache_read_tokens=usage.cache_read_tokens
                    ),
                )
            )
        meta = _get(chunk, "usageMetadata")
        if isinstance(meta, Mapping):
            self._usage = usage_from_metadata(meta)
        candidates = _get(chunk, "candidates")
        candidate = candidates[0] if isinstance(candidates, list) and candidates else None
        finish: str | None = None
        if isinstance(candidate, Mapping):
            content = _get(candidate, "content")
            parts = _get(content, "parts") if isinstance(content, Mapping) else None
            if isinstance(parts, list):
                for part in parts:
                    if isinstance(part, Mapping):
                        self._part(part, events)
            reason = _get(candidate, "finishReason")
            finish = reason if isinstance(reason, str) else None
        feedback = _get(chunk, "promptFeedback")
        blocked = not candidates and isinstance(feedback, Mapping) and bool(_get(feedback, "blockReason"))
        if finish is not None or blocked:
            self._close_block(events)
            self._done = True
            stop = ir.StopReason.CONTENT_FILTER if blocked else _stop_reason(finish, self._saw_calls)
            events.append(ir.StreamEnd(stop_reason=stop, usage=self._usage))

    def _start(self, kind: ir.BlockKind, events: list[ir.StreamEvent], **fields: Any) -> int:
        index = self._next_index
        self._next_index += 1
        events.append(ir.BlockStart(index=index, kind=kind, **fields))
        return index

    def _close_block(self, events: list[ir.StreamEvent]) -> None:
        if self._open is None:
            return
        index, kind = self._open
        self._open = None
        events.append(ir.BlockStop(index))
        if kind is ir.BlockKind.TEXT and self._pending_signature is not None:
            self._carrier(self._pending_signature, events)
            self._pending_signature = None

    def _carrier(self, signature: str, events: list[ir.StreamEvent]) -> None:
        index = self._start(ir.BlockKind.THINKING, events)
        events.append(ir.SignatureDelta(index=index, signature=signature))
        events.append(ir.BlockStop(index))

    def _ensure(self, kind: ir.BlockKind, events: list[ir.StreamEvent]) -> int:
        if self._open is not None and self._open[1] is kind:
            return self._open[0]
        self._close_block(events)
        index = self._start(kind, events)
        self._open = (index, kind)
        self._open_signed = False
        return index

    def _part(self, part: Mapping[str, Any], events: list[ir.StreamEvent]) -> None:
        signature = _get(part, "thoughtSignature")
        signature = signature if isinstance(signature, str) and signature else None
        fc = _get(part, "functionCall")
        if isinstance(fc, Mapping):
            self._close_block(events)
            name = _get(fc, "name")
            call_id = _get(fc, "id")
            if not isinstance(call_id, str) or not call_id:
                call_id = f"{SYNTHETIC_ID_PREFIX}{self._stem}_{self._calls}"
            self._calls += 1
            self._saw_calls = True
            args = _get(fc, "args")
            index = self._start(
                ir.BlockKind.TOOL_CALL,
                events,
                tool_call_id=call_id,
                tool_name=name if isinstance(name, str) else "",
                thought_signature=signature,
            )
            events.append(
                ir.ToolArgsDelta(index=index, partial_json=_dumps(args if isinstance(args, Mapping) else {}))
            )
            events.append(ir.BlockStop(index))
            return
        text = part.get("text")
        if not isinstance(text, str):
            described = _describe_part(part)
            if not described:
                if signature is not None:
                    self._close_block(events)
                    self._carrier(signature, events)
                return  # media and other parts have no stream event in the canonical form
            text = described
        if _get(part, "thought") is True:
            if (
                self._open is not None
                and self._open[1] is ir.BlockKind.THINKING
                and self._open_signed
                and text
            ):
                self._close_block(events)  # more thought after a signature: a new block
            index = self._ensure(ir.BlockKind.THINKING, events)
            if text:
                events.append(ir.ThinkingDelta(index=index, text=text))
            if signature is not None:
                events.append(ir.SignatureDelta(index=index, signature=signature))
                self._open_signed = True
            return
        if not text and (self._open is None or self._open[1] is not ir.BlockKind.TEXT):
            if signature is not None:
                self._close_block(events)
                self._carrier(signature, events)
            return
        index = self._ensure(ir.BlockKind.TEXT, events)
        if text:
            events.append(ir.TextDelta(index=index, text=text))
        if signature is not None:
            if self._pending_signature is not None:
                self._carrier(self._pending_signature, events)
            self._pending_signature = signature


@dataclass
class _ToolBuffer:
    call_id: str | None
    name: str
    signature: str | None
    args: list[str] = field(default_factory=list)


class GeminiStreamEncoder:
    """Canonical events → Gemini SSE: one chunk per text or thought delta, each tool call whole when
    its block ends, and a last chunk with finishReason and usageMetadata (no terminator after it)."""

    def __init__(self, request: ir.Request) -> None:
        self._model = request.model
        self._id = ""
        self._kinds: dict[int, ir.BlockKind] = {}
        self._thought_text: set[int] = set()
        self._tools: dict[int, _ToolBuffer] = {}
        self._done = False
        # The prompt usage known at the start, sent once on the first chunk (as Gemini does).
        self._start_usage: _JSONDict | None = None

    def _chunk(
        self, parts: list[_JSONDict], finish: str | None = None, usage: ir.Usage | None = None
    ) -> bytes:
        candidate: _JSONDict = {"content": {"parts": parts, "role": "model"}}
        if finish is not None:
            candidate["finishReason"] = finish
        candidate["index"] = 0
        body: _JSONDict = {"candidates": [candidate]}
        if usage is not None:
            body["usageMetadata"] = metadata_from_usage(usage)
        elif self._start_usage is not None:
            body["usageMetadata"] = self._start_usage
        self._start_usage = None
        body["modelVersion"] = self._model
        if self._id:
            body["responseId"] = self._id
        return encode_event(orjson.dumps(body))

    def feed(self, event: ir.StreamEvent) -> bytes:
        if self._done:
            return b""
        if isinstance(event, ir.StreamStart):
            self._id = event.id
            if event.usage.input_tokens:
                self._start_usage = {
                    "promptTokenCount": event.usage.input_tokens,
                    "totalTokenCount": event.usage.input_tokens,
                }
                if event.usage.cache_read_tokens:
                    self._start_usage["cachedContentTokenCount"] = event.usage.cache_read_tokens
            return b""
        if isinstance(event, ir.BlockStart):
            self._kinds[event.index] = event.kind
            if event.kind is ir.BlockKind.TOOL_CALL:
                self._tools[event.index] = _ToolBuffer(
                    event.tool_call_id, event.tool_name or "", event.thought_signature
                )
            elif event.thought_signature:
                return self._signature(ir.SignatureDelta(event.index, signature=event.thought_signature))
            return b""
        if isinstance(event, ir.TextDelta):
            return self._chunk([{"text": event.text}]) if event.text else b""
        if isinstance(event, ir.ThinkingDelta):
            if not event.text:
                return b""
            self._thought_text.add(event.index)
            return self._chunk([{"text": event.text, "thought": True}])
        if isinstance(event, ir.SignatureDelta):
            return self._signature(event)
        if isinstance(event, ir.ToolArgsDelta):
            tool = self._tools.get(event.index)
            if tool is not None:
                tool.args.append(event.partial_json)
            return b""
        if isinstance(event, ir.BlockStop):
            self._kinds.pop(event.index, None)
            self._thought_text.discard(event.index)
            tool = self._tools.pop(event.index, None)
            return self._chunk([self._call(tool)]) if tool is not None else b""
        if isinstance(event, ir.StreamEnd):
            self._done = True
            pending = [self._call(tool) for tool in self._tools.values()]
            self._tools.clear()
            head = self._chunk(pending) if pending else b""
            return head + self._chunk([{"text": ""}], _STOP_TO_FINISH[event.stop_reason], event.usage)
        # StreamError
        self._done = True
        return _stream_error_bytes(ErrorInfo(status=event.status, message=event.message, kind=event.kind))

    @staticmethod
    def _call(tool: _ToolBuffer) -> _JSONDict:
        call: _JSONDict = {"name": sanitize_name(tool.name)}
        if tool.call_id and not tool.call_id.startswith(SYNTHETIC_ID_PREFIX):
            call["id"] = tool.call_id
        call["args"] = _args_object("".join(tool.args), "arguments", [])
        part: _JSONDict = {"functionCall": call}
        if tool.signature:
            part["thoughtSignature"] = tool.signature
        return part

    def _signature(self, event: ir.SignatureDelta) -> bytes:
        if not event.signature:
            return b""
        kind = self._kinds.get(event.index)
        if kind is ir.BlockKind.TOOL_CALL:
            tool = self._tools.get(event.index)
            if tool is not None:
                tool.signature = event.signature
            return b""
        if kind is ir.BlockKind.THINKING and event.index in self._thought_text:
            return self._chunk([{"text": "", "thought": True, "thoughtSignature": event.signature}])
        # A signature without thought text: Gemini closes a signed text part this way.
        return self._chunk([{"text": "", "thoughtSignature": event.signature}])

    def close(self) -> bytes:
        return b""


# --- errors ---------------------------------------------------------------------------------------------


def _error_details(body: Any) -> Mapping[str, Any] | None:
    if isinstance(body, list) and body:
        body = body[0]
    if isinstance(body, Mapping) and isinstance(body.get("error"), Mapping):
        error: Mapping[str, Any] = body["error"]
        return error
    return None


def _parse_duration(text: str) -> float | None:
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)s\s*", text)
    return float(match.group(1)) if match else None


def retry_after_seconds(body: bytes) -> float | None:
    """The wait a Gemini error asks for: `RetryInfo.retryDelay` ("30s"), else "retry in 12.5s" in the
    message. Gemini sends no Retry-After header, so the caller reads it from the body."""
    try:
        error = _error_details(orjson.loads(body))
    except orjson.JSONDecodeError:
        return None
    if error is None:
        return None
    for detail in error.get("details") or ():
        if isinstance(detail, Mapping) and str(detail.get("@type", "")).endswith("google.rpc.RetryInfo"):
            delay = detail.get("retryDelay")
            if isinstance(delay, str):
                parsed = _parse_duration(delay)
                if parsed is not None:
                    return parsed
    message = error.get("message")
    if isinstance(message, str):
        match = re.search(r"retry in (\d+(?:\.\d+)?)\s*(ms|s)\b", message, re.IGNORECASE)
        if match:
            value = float(match.group(1))
            return value / 1000 if match.group(2).lower() == "ms" else value
    return None


def _decode_error(status: int, body: bytes) -> ErrorInfo:
    try:
        error = _error_details(orjson.loads(body))
    except orjson.JSONDecodeError:
        error = None
    if error is None:
        text = body.decode("utf-8", errors="replace").strip()
        message = f"upstream returned HTTP {status}" + (f": {text[:200]}" if text else "")
        return ErrorInfo(status=status, message=message, kind=_kind_for(status, None, None))
    message = _str_or_none(error.get("message")) or f"upstream returned HTTP {status}"
    google_status = _str_or_none(error.get("status"))
    reason: str | None = None
    param: str | None = None
    for detail in error.get("details") or ():
        if not isinstance(detail, Mapping):
            continue
        kind = str(detail.get("@type", ""))
        if kind.endswith("google.rpc.ErrorInfo") and isinstance(detail.get("reason"), str):
            reason = reason or detail["reason"]
        elif kind.endswith("google.rpc.BadRequest"):
            violations = detail.get("fieldViolations")
            if isinstance(violations, list) and violations and isinstance(violations[0], Mapping):
                field_name = violations[0].get("field")
                param = field_name if isinstance(field_name, str) else None
    return ErrorInfo(
        status=status,
        message=str(message),
        kind=_kind_for(status, google_status, reason),
        code=reason or google_status,
        param=param,
    )


# Gateway error codes with a Google ErrorInfo reason of their own.
_REASONS: Mapping[str, str] = {"invalid_api_key": "API_KEY_INVALID"}


def _error_object(error: ErrorInfo) -> _JSONDict:
    status = error.status if 400 <= error.status < 600 else _KIND_TO_HTTP.get(error.kind, 500)
    google_status = _HTTP_TO_STATUS.get(status)
    if google_status is None:
        google_status = _HTTP_TO_STATUS.get(_KIND_TO_HTTP.get(error.kind, 500), "INTERNAL")
    obj: _JSONDict = {"code": status, "message": error.message, "status": google_status}
    details: list[_JSONDict] = []
    reason = _REASONS.get(error.code or "", error.code)
    if reason and re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", reason) and reason.upper() != google_status:
        details.append(
            {
                "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                "reason": reason.upper(),
                "domain": "googleapis.com",
            }
        )
    if error.param:
        details.append(
            {
                "@type": "type.googleapis.com/google.rpc.BadRequest",
                "fieldViolations": [{"field": error.param, "description": error.message}],
            }
        )
    if details:
        obj["details"] = details
    return {"error": obj}


def _stream_error_bytes(error: ErrorInfo) -> bytes:
    return encode_event(orjson.dumps(_error_object(error)))


def _last_usage(window: bytes) -> ir.Usage | None:
    """The last complete `"usageMetadata": {...}` object in a window of a stream (its first line may
    be cut anywhere: the object is found by its key and matched by braces, it holds no strings with
    braces)."""
    end = len(window)
    while True:
        at = window.rfind(b'"usageMetadata"', 0, end)
        if at < 0:
            return None
        start = window.find(b"{", at)
        depth = 0
        for pos in range(start, len(window)) if start >= 0 else ():
            char = window[pos]
            if char == 0x7B:
                depth += 1
            elif char == 0x7D:
                depth -= 1
                if depth == 0:
                    try:
                        return usage_from_metadata(orjson.loads(window[start : pos + 1]))
                    except orjson.JSONDecodeError:
                        break
        end = at


# --- the adapter ----------------------------------------------------------------------------------------


class GeminiAdapter:
    wire_format: WireFormat = WireFormat.GEMINI

    def decode_request(
        self, body: Mapping[str, Any], *, model: str | None = None, stream: bool | None = None
    ) -> ir.Request:
        return _decode_request(body, model, stream)

    def encode_request(self, request: ir.Request) -> ir.Encoded:
        return _encode_request(request)

    def upstream_path(self, model: str, stream: bool) -> str:
        model = model.removeprefix("models/")
        if stream:
            return f"/models/{model}:streamGenerateContent?alt=sse"
        return f"/models/{model}:generateContent"

    def decode_response(self, body: Mapping[str, Any]) -> ir.Response:
        return _decode_response(body)

    def encode_response(self, response: ir.Response, request: ir.Request) -> ir.Encoded:
        return _encode_response(response, request)

    def stream_decoder(self) -> GeminiStreamDecoder:
        return GeminiStreamDecoder()

    def stream_encoder(self, request: ir.Request) -> GeminiStreamEncoder:
        return GeminiStreamEncoder(request)

    def decode_error(self, status: int, body: bytes) -> ErrorInfo:
        return _decode_error(status, body)

    def encode_error(self, error: ErrorInfo) -> dict[str, Any]:
        return _error_object(error)

    def encode_stream_error(self, error: ErrorInfo) -> bytes:
        return _stream_error_bytes(error)

    def retry_after(self, body: bytes) -> float | None:
        """Not in the protocol: the RetryInfo delay of a Gemini error body, in seconds."""
        return retry_after_seconds(body)

    def usage_from_body(self, body: bytes) -> ir.Usage:
        try:
            parsed = orjson.loads(body)
        except orjson.JSONDecodeError:
            return ir.Usage()
        if isinstance(parsed, dict):
            return usage_from_metadata(parsed.get("usageMetadata"))
        return ir.Usage()

    def usage_from_stream(self, head: bytes, tail: bytes) -> ir.Usage:
        for window in (tail, head):
            found = _last_usage(window)
            if found is not None:
                return found
        return ir.Usage()


ADAPTER = GeminiAdapter()
_check: FormatAdapter = ADAPTER
