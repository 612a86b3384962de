"""Token usage: the Responses `usage` object to and from canonical Usage, merging the usage seen at
a stream's start with its end, and `_usage_in`, the last `"usage"` object in a raw window of a
relayed stream.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.formats import ir
from app.formats.json_values import count
from app.formats.stream_windows import find_object


def _decode_usage(value: Any) -> ir.Usage:
    if not isinstance(value, Mapping):
        return ir.Usage()
    inp = value.get("input_tokens_details")
    out = value.get("output_tokens_details")
    inp = inp if isinstance(inp, Mapping) else {}
    out = out if isinstance(out, Mapping) else {}
    return ir.Usage(
        input_tokens=count(value.get("input_tokens")),
        output_tokens=count(value.get("output_tokens")),
        cache_read_tokens=count(inp.get("cached_tokens")),
        cache_write_tokens=count(inp.get("cache_write_tokens")),
        reasoning_tokens=count(out.get("reasoning_tokens")),
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


def _usage_in(window: bytes) -> ir.Usage | None:
    """The last `"usage": {...}` object in a window of a stream (`response.completed` carries it)."""
    found = find_object(window, "usage")
    return _decode_usage(found) if found is not None else None
