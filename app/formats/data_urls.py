"""`data:` URLs (RFC 2397, `data:[<media type>][;<param>]*;base64,<data>`) ⇄ base64 media sources.
Chat and Responses carry inline images and files as such URLs; Anthropic and Gemini take the base64
data and its media type apart, so a URL a client sent has to be taken apart for them. One parser for
all four: it reads the media type without its `;name=value` parameters and knows a base64 URL only by
its `;base64` marker (a URL without one is not inline base64 data and stays a URL)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from app.formats import ir

# What a data URL without a media type holds, as RFC 2397 leaves it to the reader.
UNTYPED: Final = "application/octet-stream"


@dataclass(frozen=True, slots=True)
class DataUrl:
    media_type: str | None  # "image/png"; None when the URL names none
    params: tuple[str, ...]  # the `name=value` segments between the media type and `;base64`
    data: str  # the base64 text


def parse_data_url(url: str) -> DataUrl | None:
    """The parts of a base64 `data:` URL; None for anything else (a plain URL, a data URL whose data
    is not base64)."""
    if not url.startswith("data:"):
        return None
    head, comma, data = url[5:].partition(",")
    media_type, *segments = head.split(";")
    if not comma or not segments or segments[-1] != "base64":
        return None
    return DataUrl(media_type or None, tuple(segments[:-1]), data)


def data_url(source: ir.MediaSource) -> str:
    """A base64 source as a `data:` URL."""
    return f"data:{source.media_type or UNTYPED};base64,{source.data or ''}"


def source_from_url(url: str) -> ir.MediaSource:
    """A base64 source for a base64 `data:` URL, a URL source for anything else."""
    parsed = parse_data_url(url)
    if parsed is None:
        return ir.MediaSource("url", url=url)
    return ir.MediaSource("base64", media_type=parsed.media_type, data=parsed.data)


def source_from_file_data(file_data: str) -> ir.MediaSource:
    """OpenAI's `file_data`: a base64 `data:` URL, or bare base64 (kept as it is, untyped)."""
    parsed = parse_data_url(file_data)
    if parsed is None:
        return ir.MediaSource("base64", data=file_data)
    return ir.MediaSource("base64", media_type=parsed.media_type, data=parsed.data)
