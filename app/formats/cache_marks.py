"""`cache_control` marks as Anthropic writes them (`{"type": "ephemeral", "ttl": "1h"}`), on blocks,
tools and messages; OpenRouter and some Chat clients send the same marks on content parts. Read into
`ir.CacheControl` with the reader of the client's format (so a malformed mark is reported in its
wording) and written back in the one shape both use."""

from __future__ import annotations

from typing import Any

from app.formats import ir
from app.formats.json_fields import FieldReader


def read_cache_mark(value: object, path: str, fields: FieldReader) -> ir.CacheControl | None:
    if value is None:
        return None
    mark = fields.mapping(value, path)
    return ir.CacheControl(
        type=fields.opt_string(mark.get("type"), f"{path}.type") or "ephemeral",
        ttl=fields.opt_string(mark.get("ttl"), f"{path}.ttl"),
    )


def cache_mark_json(cache: ir.CacheControl) -> dict[str, Any]:
    out: dict[str, Any] = {"type": cache.type}
    if cache.ttl is not None:
        out["ttl"] = cache.ttl
    return out
