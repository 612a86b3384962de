"""Token usage in the Chat Completions dialects ⇄ `ir.Usage`: OpenAI's `*_tokens_details`, DeepSeek's
`prompt_cache_hit_tokens`, OpenRouter's `cache_write_tokens`; plus reading usage on the side of a
passthrough (from a whole body, or from the last usage chunk in the tail of an SSE stream), which the
gateway records without decoding the answer."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.formats import ir
from app.formats.json_values import count, parse_or_none
from app.formats.stream_windows import find_object


def _usage_object(obj: object) -> Mapping[str, Any] | None:
    if not isinstance(obj, dict):
        return None
    usage = obj.get("usage")
    return usage if isinstance(usage, dict) else None


def _ir_usage(usage: Mapping[str, Any]) -> ir.Usage:
    prompt_details = usage.get("prompt_tokens_details")
    prompt_details = prompt_details if isinstance(prompt_details, dict) else {}
    completion_details = usage.get("completion_tokens_details")
    completion_details = completion_details if isinstance(completion_details, dict) else {}
    cached = count(prompt_details.get("cached_tokens")) or count(usage.get("prompt_cache_hit_tokens"))
    return ir.Usage(
        input_tokens=count(usage.get("prompt_tokens")),
        output_tokens=count(usage.get("completion_tokens")),
        cache_read_tokens=cached,
        cache_write_tokens=count(prompt_details.get("cache_write_tokens")),
        reasoning_tokens=count(completion_details.get("reasoning_tokens")),
    )


def _chat_usage(usage: ir.Usage) -> dict[str, Any]:
    prompt_details: dict[str, Any] = {"cached_tokens": usage.cache_read_tokens, "audio_tokens": 0}
    if usage.cache_write_tokens:
        prompt_details["cache_write_tokens"] = usage.cache_write_tokens
    return {
        "prompt_tokens": usage.input_tokens,
        "completion_tokens": usage.output_tokens,
        "total_tokens": usage.input_tokens + usage.output_tokens,
        "prompt_tokens_details": prompt_details,
        "completion_tokens_details": {
            "reasoning_tokens": usage.reasoning_tokens,
            "audio_tokens": 0,
            "accepted_prediction_tokens": 0,
            "rejected_prediction_tokens": 0,
        },
    }


def _usage_json(usage: ir.Usage, original: object) -> dict[str, Any]:
    """The upstream's own usage object when it still says the same, else one built from `usage`."""
    if isinstance(original, dict) and _ir_usage(original) == usage:
        return dict(original)
    return _chat_usage(usage)


def body_usage(body: bytes) -> ir.Usage:
    usage = _usage_object(parse_or_none(body))
    return _ir_usage(usage) if usage is not None else ir.Usage()


def stream_tail_usage(tail: bytes) -> ir.Usage:
    # The usage chunk comes last, before [DONE]; chunks before it say `"usage": null`.
    usage = find_object(tail, "usage")
    return _ir_usage(usage) if usage is not None else ir.Usage()


# What a usage-only chunk always contains (compact, or as some servers space it).
USAGE_ONLY_MARKERS = (b'"choices":[]', b'"choices": []')


def is_usage_only_event(event: bytes) -> bool:
    """The chunk an upstream sends only because `stream_options.include_usage` was set: no choices,
    just usage. The gateway asks for it to account a stream and leaves it out for a client that did
    not ask for it (some clients index `choices[0]` of every chunk)."""
    # Cheap tests first: once usage is asked for, every chunk carries `"usage":null`, and this runs on
    # every event of the stream; only a chunk whose choices are empty is worth parsing.
    if b'"usage"' not in event or not any(m in event for m in USAGE_ONLY_MARKERS):
        return False
    data = b"".join(line[5:].strip() for line in event.splitlines() if line.startswith(b"data:"))
    parsed = parse_or_none(data)
    return isinstance(parsed, dict) and parsed.get("choices") == [] and isinstance(parsed.get("usage"), dict)
