"""Large JSON: re-serialised without indentation (same keys, same order, same values), arrays longer
than 20 items cut to their first 10 with a count, strings over 1,000 characters cut with a count.

Input that is not JSON is returned unchanged."""

from __future__ import annotations

from typing import Any

import orjson

ARRAY_ITEMS = 20
ARRAY_KEEP = 10
STRING_CHARS = 1000


def _shrink(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _shrink(item) for key, item in value.items()}
    if isinstance(value, list):
        if len(value) > ARRAY_ITEMS:
            return [
                *(_shrink(item) for item in value[:ARRAY_KEEP]),
                f"… {len(value) - ARRAY_KEEP} more items",
            ]
        return [_shrink(item) for item in value]
    if isinstance(value, str) and len(value) > STRING_CHARS:
        return f"{value[:STRING_CHARS]}… (+{len(value) - STRING_CHARS} chars)"
    return value


def compress(text: str) -> str:
    try:
        return orjson.dumps(_shrink(orjson.loads(text))).decode()
    except (orjson.JSONDecodeError, orjson.JSONEncodeError, RecursionError):
        # Not JSON, or nested deeper than Python's recursion limit: leave it to the engine's
        # "not shorter, keep the original" rule.
        return text
