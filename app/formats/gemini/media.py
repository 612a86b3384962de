"""Media parts: `inlineData` blobs and `fileData` references ↔ canonical image and document parts.
Files API URIs become file sources and other URIs URL sources; on the way out a data: URL is sent
as inline data, other URLs as file references, and a file id only when it is a Files API URI (the
one kind of file Gemini can reference), so shared by request, response and tool-result encoding."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.core.errors import InvalidRequest
from app.formats import ir
from app.formats.data_urls import UNTYPED, parse_data_url
from app.formats.gemini.fields import _get, _JSONDict, _opt_str


def _media(
    mime: str | None, source: ir.MediaSource, name: str | None = None
) -> ir.ImagePart | ir.DocumentPart:
    if mime is not None and mime.startswith("image/"):
        return ir.ImagePart(source=source)
    return ir.DocumentPart(source=source, filename=name)


def _decode_blob(blob: Mapping[str, Any], param: str) -> ir.ImagePart | ir.DocumentPart:
    mime = _opt_str(_get(blob, "mimeType"), f"{param}.mimeType")
    data = _opt_str(_get(blob, "data"), f"{param}.data")
    if data is None:
        raise InvalidRequest(f"'{param}.data' is required", param=f"{param}.data")
    name = _opt_str(_get(blob, "displayName"), f"{param}.displayName")
    return _media(mime, ir.MediaSource(kind="base64", media_type=mime, data=data), name)


def _is_files_api(uri: str) -> bool:
    return uri.startswith(("https://generativelanguage.googleapis.com/", "files/"))


def _decode_file(ref: Mapping[str, Any], param: str) -> ir.ImagePart | ir.DocumentPart:
    mime = _opt_str(_get(ref, "mimeType"), f"{param}.mimeType")
    uri = _opt_str(_get(ref, "fileUri"), f"{param}.fileUri")
    if uri is None:
        raise InvalidRequest(f"'{param}.fileUri' is required", param=f"{param}.fileUri")
    name = _opt_str(_get(ref, "displayName"), f"{param}.displayName")
    if _is_files_api(uri):
        source = ir.MediaSource(kind="file", media_type=mime, file_id=uri)
    else:
        source = ir.MediaSource(kind="url", media_type=mime, url=uri)
    return _media(mime, source, name)


def _media_part(source: ir.MediaSource) -> _JSONDict | None:
    if source.kind == "base64" and source.data is not None:
        return {"inlineData": {"mimeType": source.media_type or UNTYPED, "data": source.data}}
    if source.kind == "url" and source.url is not None:
        inline = parse_data_url(source.url)
        if inline is not None:
            mime = inline.media_type or source.media_type or UNTYPED
            return {"inlineData": {"mimeType": mime, "data": inline.data}}
        ref: _JSONDict = {"fileUri": source.url}
        if source.media_type:
            ref = {"mimeType": source.media_type, **ref}
        return {"fileData": ref}
    if source.kind == "file" and source.file_id is not None and _is_files_api(source.file_id):
        ref = {"fileUri": source.file_id}
        if source.media_type:
            ref = {"mimeType": source.media_type, **ref}
        return {"fileData": ref}
    return None
