"""The Gemini FormatAdapter behind `ADAPTER`: a thin class that gives each protocol method to the
module doing that job. Kept apart so the
surface the registry and pipeline use is visible in one short file."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.core.records import WireFormat
from app.formats import ir
from app.formats.adapter import ErrorInfo, FormatAdapter
from app.formats.gemini.errors import _decode_error, _error_object, _stream_error_bytes
from app.formats.gemini.request_decode import _decode_request
from app.formats.gemini.request_encode import _encode_request
from app.formats.gemini.response import _decode_response, _encode_response
from app.formats.gemini.stream_decode import GeminiStreamDecoder
from app.formats.gemini.stream_encode import GeminiStreamEncoder
from app.formats.gemini.usage import usage_from_body, usage_from_stream


class GeminiAdapter:
    wire_format: WireFormat = WireFormat.GEMINI

    def decode_request(
        self, body: Mapping[str, Any], *, model: str | None = None, stream: bool | None = None
    ) -> ir.Request:
        return _decode_request(body, model, stream)

    def encode_request(self, request: ir.Request) -> ir.Encoded:
        return _encode_request(request)

    def upstream_path(self, model: str, stream: bool) -> str:
        model = model.removeprefix("models/")
        if stream:
            return f"/models/{model}:streamGenerateContent?alt=sse"
        return f"/models/{model}:generateContent"

    def decode_response(self, body: Mapping[str, Any]) -> ir.Response:
        return _decode_response(body)

    def encode_response(self, response: ir.Response, request: ir.Request) -> ir.Encoded:
        return _encode_response(response, request)

    def stream_decoder(self) -> GeminiStreamDecoder:
        return GeminiStreamDecoder()

    def stream_encoder(self, request: ir.Request) -> GeminiStreamEncoder:
        return GeminiStreamEncoder(request)

    def decode_error(self, status: int, body: bytes) -> ErrorInfo:
        return _decode_error(status, body)

    def encode_error(self, error: ErrorInfo) -> dict[str, Any]:
        return _error_object(error)

    def encode_stream_error(self, error: ErrorInfo) -> bytes:
        return _stream_error_bytes(error)

    def usage_from_body(self, body: bytes) -> ir.Usage:
        return usage_from_body(body)

    def usage_from_stream(self, head: bytes, tail: bytes) -> ir.Usage:
        return usage_from_stream(head, tail)


ADAPTER = GeminiAdapter()
_check: FormatAdapter = ADAPTER
