"""Token usage: Gemini `usageMetadata` ↔ canonical Usage, and usage read on the side of a passthrough
(from a whole body, or from the head and tail windows of a relayed stream). promptTokenCount already
includes cached tokens and candidatesTokenCount excludes thoughts, so the conversion is not a plain
rename."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.formats import ir
from app.formats.gemini.fields import _get, _JSONDict
from app.formats.json_values import count, parse_or_none
from app.formats.stream_windows import find_object


def _int_field(obj: Mapping[str, Any], name: str) -> int:
    return count(_get(obj, name))


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


def usage_from_body(body: bytes) -> ir.Usage:
    """The usage of a whole relayed `generateContent` body (empty when it cannot be read)."""
    parsed = parse_or_none(body)
    if isinstance(parsed, dict):
        return usage_from_metadata(parsed.get("usageMetadata"))
    return ir.Usage()


def usage_from_stream(head: bytes, tail: bytes) -> ir.Usage:
    """The usage of a relayed stream: the last usageMetadata in its tail, else in its head."""
    for window in (tail, head):
        found = find_object(window, "usageMetadata")
        if found is not None:
            return usage_from_metadata(found)
    return ir.Usage()
