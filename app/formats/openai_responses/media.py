"""Images and files on the wire: `data:` URLs to and from canonical base64 MediaSources, and the
`prompt_cache_breakpoint` mark some clients put on content parts (read into a canonical
CacheControl; OpenAI has no cache marks to write back).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.formats import ir


def _data_url_source(url: str) -> ir.MediaSource:
    if url.startswith("data:") and ";base64," in url:
        header, data = url[5:].split(";base64,", 1)
        return ir.MediaSource(kind="base64", media_type=header or None, data=data)
    return ir.MediaSource(kind="url", url=url)


def _data_url(source: ir.MediaSource) -> str:
    return f"data:{source.media_type or 'application/octet-stream'};base64,{source.data or ''}"


def _breakpoint_cache(part: Mapping[str, Any]) -> ir.CacheControl | None:
    mark = part.get("prompt_cache_breakpoint")
    if not isinstance(mark, Mapping):
        return None
    ttl = mark.get("ttl")
    return ir.CacheControl(ttl=ttl if isinstance(ttl, str) else None)
