"""The Chat Completions FormatAdapter: the object the registry hands out for WireFormat.OPENAI. It
holds no logic of its own; each method delegates to the module that does that one job (request
decode/encode, responses, streams, errors, usage), so the protocol surface stays easy to read and
each direction can be tested and changed on its own."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.core.records import WireFormat
from app.formats import ir
from app.formats.adapter import ErrorInfo, FormatAdapter, StreamDecoder, StreamEncoder
from app.formats.openai_chat.errors import decode_error, encode_error, encode_stream_error
from app.formats.openai_chat.request_decode import decode_request
from app.formats.openai_chat.request_encode import encode_request
from app.formats.openai_chat.response import decode_response, encode_response
from app.formats.openai_chat.stream_decode import ChatStreamDecoder
from app.formats.openai_chat.stream_encode import ChatStreamEncoder
from app.formats.openai_chat.usage import body_usage, stream_tail_usage
from app.formats.openai_chat.vocabulary import UPSTREAM_PATH


class OpenAIChatAdapter:
    wire_format: WireFormat = WireFormat.OPENAI

    # --- requests

    def decode_request(
        self, body: Mapping[str, Any], *, model: str | None = None, stream: bool | None = None
    ) -> ir.Request:
        return decode_request(body, model=model, stream=stream)

    def encode_request(self, request: ir.Request) -> ir.Encoded:
        return encode_request(request)

    def upstream_path(self, model: str, stream: bool) -> str:
        return UPSTREAM_PATH

    # --- responses

    def decode_response(self, body: Mapping[str, Any]) -> ir.Response:
        return decode_response(body)

    def encode_response(self, response: ir.Response, request: ir.Request) -> ir.Encoded:
        return encode_response(response, request)

    def stream_decoder(self) -> StreamDecoder:
        return ChatStreamDecoder()

    def stream_encoder(self, request: ir.Request) -> StreamEncoder:
        return ChatStreamEncoder(request)

    # --- errors

    def decode_error(self, status: int, body: bytes) -> ErrorInfo:
        return decode_error(status, body)

    def encode_error(self, error: ErrorInfo) -> dict[str, Any]:
        return encode_error(error)

    def encode_stream_error(self, error: ErrorInfo) -> bytes:
        return encode_stream_error(error)

    # --- usage on the side of a passthrough

    def usage_from_body(self, body: bytes) -> ir.Usage:
        return body_usage(body)

    def usage_from_stream(self, head: bytes, tail: bytes) -> ir.Usage:
        return stream_tail_usage(tail)


ADAPTER = OpenAIChatAdapter()
_check: FormatAdapter = ADAPTER
