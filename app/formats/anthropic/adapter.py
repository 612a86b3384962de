"""The Anthropic FormatAdapter behind `ADAPTER`: a thin class that gives each protocol method to the
module doing that job. Kept apart so the surface the registry and pipeline use is visible in one
short file."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.core.records import WireFormat
from app.formats import ir
from app.formats.adapter import ErrorInfo, FormatAdapter
from app.formats.anthropic.errors import _decode_error, _error_body, _error_kind
from app.formats.anthropic.request_decode import _decode_request
from app.formats.anthropic.request_encode import _RequestEncoder
from app.formats.anthropic.response import _decode_response, _encode_response
from app.formats.anthropic.stream_decode import _StreamDecoder
from app.formats.anthropic.stream_encode import _sse, _StreamEncoder
from app.formats.anthropic.usage import usage_from_body, usage_from_stream


class AnthropicAdapter:
    wire_format: WireFormat = WireFormat.ANTHROPIC

    # ---- requests

    def decode_request(
        self, body: Mapping[str, Any], *, model: str | None = None, stream: bool | None = None
    ) -> ir.Request:
        return _decode_request(body, model=model, stream=stream)

    def encode_request(self, request: ir.Request) -> ir.Encoded:
        return _RequestEncoder(request).encode()

    def upstream_path(self, model: str, stream: bool) -> str:
        return "/messages"

    # ---- responses

    def decode_response(self, body: Mapping[str, Any]) -> ir.Response:
        return _decode_response(body)

    def encode_response(self, response: ir.Response, request: ir.Request) -> ir.Encoded:
        return _encode_response(response, request)

    def stream_decoder(self) -> _StreamDecoder:
        return _StreamDecoder()

    def stream_encoder(self, request: ir.Request) -> _StreamEncoder:
        return _StreamEncoder(request)

    # ---- errors

    def decode_error(self, status: int, body: bytes) -> ErrorInfo:
        return _decode_error(status, body)

    def encode_error(self, error: ErrorInfo) -> dict[str, Any]:
        return _error_body(_error_kind(error.kind, error.status), error.message)

    def encode_stream_error(self, error: ErrorInfo) -> bytes:
        return _sse("error", _error_body(_error_kind(error.kind, error.status), error.message))

    # ---- usage on the side of a passthrough

    def usage_from_body(self, body: bytes) -> ir.Usage:
        return usage_from_body(body)

    def usage_from_stream(self, head: bytes, tail: bytes) -> ir.Usage:
        return usage_from_stream(head, tail)


ADAPTER = AnthropicAdapter()
_check: FormatAdapter = ADAPTER
