"""Images and files as Chat Completions carries them: `data:` URLs ⇄ base64 media sources, plain URLs,
and the filename OpenAI requires for an inline file when the canonical part has none."""

from __future__ import annotations

import re

from app.formats import ir

_DATA_URL = re.compile(r"data:([^;,]*)((?:;[^;,]*)*?);base64,(.*)", re.DOTALL)


def _media_from_url(url: str) -> ir.MediaSource:
    match = _DATA_URL.fullmatch(url)
    if match is not None:
        return ir.MediaSource("base64", media_type=match.group(1) or None, data=match.group(3))
    return ir.MediaSource("url", url=url)


def _data_url(source: ir.MediaSource) -> str:
    return f"data:{source.media_type or 'application/octet-stream'};base64,{source.data or ''}"


def _default_filename(media_type: str | None) -> str:
    if media_type == "application/pdf" or media_type is None:
        return "document.pdf"
    if media_type.startswith("text/"):
        return "document.txt"
    return "document"
