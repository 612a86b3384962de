"""Images and documents: Anthropic `source` objects (base64, url, file, and plain text for documents)
to and from canonical MediaSource. Encoding inlines `data:` URLs as base64, sniffs the media type of
an untyped base64 image from its magic bytes, and turns a base64 text document into a text source;
whatever Anthropic cannot take is recorded as a Drop rather than sent to fail upstream."""

from __future__ import annotations

import base64
import binascii
from typing import Any, Final

from app.formats import ir
from app.formats.anthropic.fields import _obj, _opt_str, _str
from app.formats.data_urls import UNTYPED, parse_data_url

_IMAGE_MAGIC: Final = (
    ("iVBORw0KGgo", "image/png"),
    ("/9j/", "image/jpeg"),
    ("R0lGOD", "image/gif"),
    ("UklGR", "image/webp"),
)


def _source_in(value: Any, path: str, *, document: bool) -> ir.MediaSource | None:
    """None when the source is of a kind the canonical form does not model (the block goes opaque)."""
    src = _obj(value, path)
    kind = _str(src.get("type"), f"{path}.type")
    if kind == "base64":
        return ir.MediaSource(
            kind="base64",
            media_type=_opt_str(src.get("media_type"), f"{path}.media_type"),
            data=_str(src.get("data"), f"{path}.data"),
        )
    if kind == "url":
        return ir.MediaSource(kind="url", url=_str(src.get("url"), f"{path}.url"))
    if kind == "file":
        return ir.MediaSource(kind="file", file_id=_str(src.get("file_id"), f"{path}.file_id"))
    if kind == "text" and document:
        return ir.MediaSource(
            kind="text",
            media_type=_opt_str(src.get("media_type"), f"{path}.media_type") or "text/plain",
            data=_str(src.get("data"), f"{path}.data"),
        )
    return None


def _sniff_image(data: str) -> str | None:
    for magic, media_type in _IMAGE_MAGIC:
        if data.startswith(magic):
            return media_type
    return None


def _image_source_out(source: ir.MediaSource, path: str, drops: list[ir.Drop]) -> dict[str, Any] | None:
    if source.kind == "base64" and source.data is not None:
        media_type = source.media_type or _sniff_image(source.data)
        if media_type is None:
            drops.append(ir.Drop(path, "image without a media type Anthropic can accept"))
            return None
        return {"type": "base64", "media_type": media_type, "data": source.data}
    if source.kind == "url" and source.url is not None:
        inline = parse_data_url(source.url)
        if inline is not None:
            return {"type": "base64", "media_type": inline.media_type or UNTYPED, "data": inline.data}
        return {"type": "url", "url": source.url}
    if source.kind == "file" and source.file_id is not None:
        return {"type": "file", "file_id": source.file_id}
    drops.append(ir.Drop(path, f"image source of kind {source.kind!r} is not supported by Anthropic"))
    return None


def _document_source_out(source: ir.MediaSource, path: str, drops: list[ir.Drop]) -> dict[str, Any] | None:
    if source.kind == "text" and source.data is not None:
        return {"type": "text", "media_type": source.media_type or "text/plain", "data": source.data}
    if source.kind == "url" and source.url is not None:
        inline = parse_data_url(source.url)
        if inline is None:
            return {"type": "url", "url": source.url}
        source = ir.MediaSource(kind="base64", media_type=inline.media_type or UNTYPED, data=inline.data)
    if source.kind == "file" and source.file_id is not None:
        return {"type": "file", "file_id": source.file_id}
    if source.kind == "base64" and source.data is not None:
        media_type = source.media_type or "application/pdf"
        if media_type == "application/pdf":
            return {"type": "base64", "media_type": media_type, "data": source.data}
        if media_type.startswith("text/"):
            try:
                text = base64.b64decode(source.data, validate=True).decode("utf-8")
            except (binascii.Error, UnicodeDecodeError):
                drops.append(ir.Drop(path, "text document whose base64 data does not decode"))
                return None
            return {"type": "text", "media_type": "text/plain", "data": text}
        drops.append(ir.Drop(path, f"document of type {media_type!r} is not supported by Anthropic"))
        return None
    drops.append(ir.Drop(path, f"document source of kind {source.kind!r} is not supported by Anthropic"))
    return None
