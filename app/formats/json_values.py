"""Lenient JSON for what the adapters only consume — upstream bodies read on the side of a
passthrough, token counts, positions kept in their own extras — where junk means "nothing to read"
rather than an error, and the compact JSON text the canonical form keeps tool arguments in."""

from __future__ import annotations

from typing import Any

import orjson


def parse_or_none(data: bytes | str) -> Any:
    """The parsed JSON, or None when `data` is not JSON."""
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        return None


def json_text(value: Any) -> str:
    """Compact JSON text (no spaces), as the canonical form keeps tool call arguments."""
    return orjson.dumps(value).decode()


def count(value: object) -> int:
    """A token count (or a position): an integer, or a whole float; anything else is 0."""
    if isinstance(value, bool):
        return 0
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return 0
