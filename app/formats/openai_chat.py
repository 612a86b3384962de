"""OpenAI Chat Completions: what the passthrough path needs to read on the side (usage).

The full decode/encode adapter to the canonical form comes with the formats work; this module only
reads, never rewrites, so a passthrough body reaches the client byte for byte.
"""

from __future__ import annotations

from dataclasses import dataclass

import orjson


@dataclass(frozen=True, slots=True)
class Usage:
    input_tokens: int | None
    output_tokens: int | None


NO_USAGE = Usage(None, None)


def _usage_of(obj: object) -> Usage | None:
    if not isinstance(obj, dict):
        return None
    usage = obj.get("usage")
    if not isinstance(usage, dict):
        return None
    prompt = usage.get("prompt_tokens")
    completion = usage.get("completion_tokens")
    return Usage(
        prompt if isinstance(prompt, int) else None,
        completion if isinstance(completion, int) else None,
    )


def usage_from_body(body: bytes) -> Usage:
    try:
        return _usage_of(orjson.loads(body)) or NO_USAGE
    except orjson.JSONDecodeError:
        return NO_USAGE


def usage_from_stream_tail(tail: bytes) -> Usage:
    """Finds the usage chunk near the end of an SSE stream (sent last, before [DONE])."""
    for line in reversed(tail.split(b"\n")):
        line = line.strip()
        if not line.startswith(b"data:") or b'"usage"' not in line:
            continue
        try:
            found = _usage_of(orjson.loads(line[5:]))
        except orjson.JSONDecodeError:
            continue
        if found is not None:
            return found
    return NO_USAGE
