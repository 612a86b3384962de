"""What every wire-format adapter offers. One module per format implements it; `registry` lists them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from app.core.records import WireFormat
from app.formats.ir import Encoded, Request, Response, StreamEvent, Usage


@dataclass(frozen=True, slots=True)
class ErrorInfo:
    """An error in canonical terms. `kind` uses Anthropic's error types as the common vocabulary:
    invalid_request_error, authentication_error, permission_error, not_found_error,
    request_too_large, rate_limit_error, api_error, overloaded_error."""

    status: int
    message: str
    kind: str = "api_error"
    code: str | None = None
    param: str | None = None
    # Seconds to wait, when the error body says so (Gemini puts RetryInfo in the body, not a header).
    retry_after: float | None = None


class StreamDecoder(Protocol):
    """Upstream bytes → canonical events. Stateful: one per response."""

    def feed(self, chunk: bytes) -> list[StreamEvent]: ...

    def close(self) -> list[StreamEvent]:
        """The upstream ended. Flushes what is pending; if the stream never finished properly
        (no terminal event), returns a StreamError so the client learns it was cut short."""
        ...


class StreamEncoder(Protocol):
    """Canonical events → client bytes. Stateful: one per response."""

    def feed(self, event: StreamEvent) -> bytes: ...

    def close(self) -> bytes:
        """Anything the format needs at the very end that was not sent yet (e.g. `[DONE]`)."""
        ...


class FormatAdapter(Protocol):
    wire_format: WireFormat

    # --- requests
    def decode_request(
        self, body: Mapping[str, Any], *, model: str | None = None, stream: bool | None = None
    ) -> Request:
        """Client body → canonical request. `model`/`stream` override the body (Gemini puts them in
        the URL). Raises InvalidRequest naming the offending field."""
        ...

    def encode_request(self, request: Request) -> Encoded:
        """Canonical request → upstream body (request.model is already the upstream model)."""
        ...

    def upstream_path(self, model: str, stream: bool) -> str:
        """Path appended to the provider's base URL, e.g. "/chat/completions"."""
        ...

    # --- responses
    def decode_response(self, body: Mapping[str, Any]) -> Response: ...

    def encode_response(self, response: Response, request: Request) -> Encoded:
        """`request` is the client's canonical request (its model name is echoed back)."""
        ...

    def stream_decoder(self) -> StreamDecoder: ...

    def stream_encoder(self, request: Request) -> StreamEncoder: ...

    # --- errors
    def decode_error(self, status: int, body: bytes) -> ErrorInfo: ...

    def encode_error(self, error: ErrorInfo) -> dict[str, Any]: ...

    def encode_stream_error(self, error: ErrorInfo) -> bytes:
        """The in-stream error event that makes this format's SDK raise."""
        ...

    # --- usage on the side of a passthrough
    def usage_from_body(self, body: bytes) -> Usage: ...

    def usage_from_stream(self, head: bytes, tail: bytes) -> Usage:
        """From the first few KiB and the last few KiB of a relayed stream."""
        ...
