"""What every Anthropic content codec shares: `FORMAT`, the key of this adapter's `extras`; opaque
blocks (a content block the canonical form does not model travels verbatim as an empty TextPart whose
extras hold the raw block); the extra fields of text and tool_use parts; and the test for a lone
plain text block, which decides between the string shorthand and a list. Request decoding and
encoding, responses and streams all read and write blocks through these helpers, so an opaque or
annotated block survives any path through the gateway. (`cache_control` marks are read and written
by `app.formats.cache_marks`.)"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from app.formats import ir

FORMAT: Final = "anthropic"


def _opaque(block: Mapping[str, Any]) -> ir.TextPart:
    return ir.TextPart("", extras={FORMAT: {"block": dict(block)}})


def _opaque_block(part: ir.Part) -> dict[str, Any] | None:
    if not isinstance(part, ir.TextPart):
        return None
    mine = part.extras.get(FORMAT)
    if isinstance(mine, Mapping):
        block = mine.get("block")
        if isinstance(block, Mapping):
            return dict(block)
    return None


def _part_extras(part: ir.TextPart | ir.ToolCallPart) -> dict[str, Any]:
    mine = part.extras.get(FORMAT)
    if isinstance(mine, Mapping):
        return {k: v for k, v in mine.items() if k != "block"}
    return {}


# --- request decoding -----------------------------------------------------------------------------------------


def _is_plain_text(value: Any) -> bool:
    return (
        isinstance(value, list)
        and len(value) == 1
        and isinstance(value[0], Mapping)
        and set(value[0]) == {"type", "text"}
        and value[0]["type"] == "text"
    )
