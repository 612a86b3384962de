"""Part-level `cache_control` marks, the OpenRouter/Anthropic-style dialect some Chat clients send:
decoded into `ir.CacheControl` and written back only for clients that used them (OpenAI itself has
no cache marks, so the encoder drops them otherwise)."""

from __future__ import annotations

from typing import Any

from app.formats import ir
from app.formats.openai_chat.checks import _obj, _opt_str


def _cache_of(value: object, path: str) -> ir.CacheControl | None:
    if value is None:
        return None
    mark = _obj(value, path)
    return ir.CacheControl(
        type=_opt_str(mark.get("type"), f"{path}.type") or "ephemeral",
        ttl=_opt_str(mark.get("ttl"), f"{path}.ttl"),
    )


def _cache_json(cache: ir.CacheControl) -> dict[str, Any]:
    out: dict[str, Any] = {"type": cache.type}
    if cache.ttl is not None:
        out["ttl"] = cache.ttl
    return out
