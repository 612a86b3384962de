"""Token usage: Anthropic `usage` objects ⇄ canonical Usage, and usage read on the side of a
passthrough (from a whole body, or from the head and tail of a stream: `message_start` carries the
input side, the last `message_delta` the output side). Anthropic's `input_tokens` excludes cache
reads and writes while the canonical one includes them, so the conversion adds and subtracts them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Final

import orjson

from app.formats import ir
from app.formats.anthropic.fields import _int_or_zero

_USAGE_FIELDS: Final = frozenset(
    {
        "input_tokens",
        "output_tokens",
        "cache_creation_input_tokens",
        "cache_read_input_tokens",
        "output_tokens_details",
    }
)


def _usage_in(raw: Any) -> ir.Usage:
    if not isinstance(raw, Mapping):
        return ir.Usage()
    cache_read = _int_or_zero(raw.get("cache_read_input_tokens"))
    cache_write = _int_or_zero(raw.get("cache_creation_input_tokens"))
    details = raw.get("output_tokens_details")
    reasoning = _int_or_zero(details.get("thinking_tokens")) if isinstance(details, Mapping) else 0
    return ir.Usage(
        input_tokens=_int_or_zero(raw.get("input_tokens")) + cache_read + cache_write,
        output_tokens=_int_or_zero(raw.get("output_tokens")),
        cache_read_tokens=cache_read,
        cache_write_tokens=cache_write,
        reasoning_tokens=reasoning,
    )


def _usage_input_out(usage: ir.Usage) -> dict[str, int]:
    uncached = max(0, usage.input_tokens - usage.cache_read_tokens - usage.cache_write_tokens)
    return {
        "input_tokens": uncached,
        "cache_creation_input_tokens": usage.cache_write_tokens,
        "cache_read_input_tokens": usage.cache_read_tokens,
    }


def _usage_out(usage: ir.Usage, leftovers: Mapping[str, Any] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {**_usage_input_out(usage), "output_tokens": usage.output_tokens}
    if usage.reasoning_tokens:
        out["output_tokens_details"] = {"thinking_tokens": usage.reasoning_tokens}
    if leftovers:
        out.update(leftovers)
    return out


def usage_from_body(body: bytes) -> ir.Usage:
    try:
        payload = orjson.loads(body)
    except orjson.JSONDecodeError:
        return ir.Usage()
    return _usage_in(payload.get("usage")) if isinstance(payload, dict) else ir.Usage()


def usage_from_stream(head: bytes, tail: bytes) -> ir.Usage:
    usage: dict[str, Any] = {}
    start = _find_event(head.split(b"\n"), b'"message_start"')
    if start is not None and isinstance(start.get("message"), dict):
        found = start["message"].get("usage")
        if isinstance(found, dict):
            usage.update(found)
    end = _find_event(reversed(tail.split(b"\n")), b'"message_delta"')
    if end is not None and isinstance(end.get("usage"), dict):
        usage.update({k: v for k, v in end["usage"].items() if v is not None})
    return _usage_in(usage)


def _find_event(lines: Iterable[bytes], marker: bytes) -> dict[str, Any] | None:
    for line in lines:
        line = line.strip()
        if not line.startswith(b"data:") or marker not in line:
            continue
        try:
            payload = orjson.loads(line[5:])
        except orjson.JSONDecodeError:
            continue  # cut by the edge of the window
        if isinstance(payload, dict):
            return payload
    return None
