"""Token usage: the Responses `usage` object to and from canonical Usage, merging the usage seen at
a stream's start with its end, and `_usage_in`, which finds the last `"usage"` object in a raw
piece of stream without parsing the rest (the tail of a relayed stream kept for accounting
usually starts in the middle of an event).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson

from app.formats import ir
from app.formats.openai_responses.checks import _int0


def _decode_usage(value: Any) -> ir.Usage:
    if not isinstance(value, Mapping):
        return ir.Usage()
    inp = value.get("input_tokens_details")
    out = value.get("output_tokens_details")
    inp = inp if isinstance(inp, Mapping) else {}
    out = out if isinstance(out, Mapping) else {}
    return ir.Usage(
        input_tokens=_int0(value.get("input_tokens")),
        output_tokens=_int0(value.get("output_tokens")),
        cache_read_tokens=_int0(inp.get("cached_tokens")),
        cache_write_tokens=_int0(inp.get("cache_write_tokens")),
        reasoning_tokens=_int0(out.get("reasoning_tokens")),
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


def _usage_in(data: bytes) -> ir.Usage | None:
    """The last `"usage": {...}` object in a piece of a stream, found without parsing the rest
    (the tail of a relayed stream usually starts in the middle of an event)."""
    pos = len(data)
    while True:
        pos = data.rfind(b'"usage"', 0, pos)
        if pos < 0:
            return None
        if pos > 0 and data[pos - 1 : pos] == b"\\":
            continue  # inside a JSON string
        j = pos + len(b'"usage"')
        while j < len(data) and data[j : j + 1] in b" \t:":
            j += 1
        if data[j : j + 1] != b"{":
            continue
        end = _object_end(data, j)
        if end is None:
            continue
        try:
            parsed = orjson.loads(data[j:end])
        except orjson.JSONDecodeError:
            continue
        return _decode_usage(parsed)


def _object_end(data: bytes, start: int) -> int | None:
    depth = 0
    in_string = False
    escaped = False
    for k in range(start, len(data)):
        c = data[k]
        if in_string:
            if escaped:
                escaped = False
            elif c == 0x5C:  # backslash
                escaped = True
            elif c == 0x22:
                in_string = False
        elif c == 0x22:
            in_string = True
        elif c == 0x7B:
            depth += 1
        elif c == 0x7D:
            depth -= 1
            if depth == 0:
                return k + 1
    return None
