"""The FormatAdapter for OpenAI Responses: a thin class that delegates to the request, response,
stream, error and usage modules of this package, and the ADAPTER instance the registry uses.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.core.records import WireFormat
from app.formats import ir
from app.formats.adapter import ErrorInfo, FormatAdapter
from app.formats.json_values import parse_or_none
from app.formats.openai_responses.errors import decode_error, encode_error, encode_stream_error
from app.formats.openai_responses.request_decode import decode_request
from app.formats.openai_responses.request_encode import encode_request
from app.formats.openai_responses.response import decode_response, encode_response
from app.formats.openai_responses.stream_decode import ResponsesStreamDecoder
from app.formats.openai_responses.stream_encode import ResponsesStreamEncoder
from app.formats.openai_responses.usage import _decode_usage, _usage_in


class ResponsesAdapter:
    wire_format: WireFormat = WireFormat.RESPONSES

    def decode_request(
        self, body: Mapping[str, Any], *, model: str | None = None, stream: bool | None = None
    ) -> ir.Request:
        return decode_request(body, model=model, stream=stream)

    def encode_request(self, request: ir.Request) -> ir.Encoded:
        return encode_request(request)

    def upstream_path(self, model: str, stream: bool) -> str:
        return "/responses"

    def decode_response(self, body: Mapping[str, Any]) -> ir.Response:
        return decode_response(body)

    def encode_response(self, response: ir.Response, request: ir.Request) -> ir.Encoded:
        return encode_response(response, request)

    def stream_decoder(self) -> ResponsesStreamDecoder:
        return ResponsesStreamDecoder()

    def stream_encoder(self, request: ir.Request) -> ResponsesStreamEncoder:
        return ResponsesStreamEncoder(request)

    def decode_error(self, status: int, body: bytes) -> ErrorInfo:
        return decode_error(status, body)

    def encode_error(self, error: ErrorInfo) -> dict[str, Any]:
        return encode_error(error)

    def encode_stream_error(self, error: ErrorInfo) -> bytes:
        return encode_stream_error(error)

    def usage_from_body(self, body: bytes) -> ir.Usage:
        parsed = parse_or_none(body)
        return _decode_usage(parsed.get("usage")) if isinstance(parsed, Mapping) else ir.Usage()

    def usage_from_stream(self, head: bytes, tail: bytes) -> ir.Usage:
        return _usage_in(tail) or _usage_in(head) or ir.Usage()


ADAPTER = ResponsesAdapter()
_check: FormatAdapter = ADAPTER
