"""Token usage: Anthropic `usage` objects ⇄ canonical Usage, and usage read on the side of a
passthrough (from a whole body, or from the head and tail of a stream: `message_start` carries the
input side, the last `message_delta` the output side). Anthropic's `input_tokens` excludes cache
reads and writes while the canonical one includes them, so the conversion adds and subtracts them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from app.formats import ir
from app.formats.json_values import count, parse_or_none
from app.formats.stream_windows import find_object

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
    cache_read = count(raw.get("cache_read_input_tokens"))
    cache_write = count(raw.get("cache_creation_input_tokens"))
    details = raw.get("output_tokens_details")
    reasoning = count(details.get("thinking_tokens")) if isinstance(details, Mapping) else 0
    return ir.Usage(
        input_tokens=count(raw.get("input_tokens")) + cache_read + cache_write,
        output_tokens=count(raw.get("output_tokens")),
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
    payload = parse_or_none(body)
    return _usage_in(payload.get("usage")) if isinstance(payload, dict) else ir.Usage()


def usage_from_stream(head: bytes, tail: bytes) -> ir.Usage:
    """The first usage object of the stream (`message_start`'s, in the head) updated with the last
    (the final `message_delta`'s, in the tail)."""
    usage: dict[str, Any] = {}
    start = find_object(head, "usage", last=False)
    if start is not None:
        usage.update(start)
    end = find_object(tail, "usage")
    if end is not None:
        usage.update({k: v for k, v in end.items() if v is not None})
    return _usage_in(usage)
