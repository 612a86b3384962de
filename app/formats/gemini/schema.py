"""JSON Schema ↔ Gemini's OpenAPI `Schema` subset. Gemini-side schemas (upper-case types, `nullable`)
are normalised to JSON Schema on decode; schemas from other formats are cleaned into the subset
(refs resolved, allOf merged, unsupported keywords removed and reported) or, when the subset cannot
express them, flagged so the caller sends them as `parametersJsonSchema` / `responseJsonSchema`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from app.formats.gemini.fields import _camel, _JSONDict
from app.formats.json_values import json_text

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
        listed = ", ".join(json_text(v) for v in values)
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
