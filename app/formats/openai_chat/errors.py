"""Errors in OpenAI's shape: reading an upstream error body (OpenAI's object, a bare string, FastAPI's
`detail`, Gemini's OpenAI endpoint's list) or an in-stream error chunk into ErrorInfo, and writing
ErrorInfo as `{"error": {message, type, param, code}}` with OpenAI's type names, as a body or as an
SSE event."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.formats.adapter import ErrorInfo
from app.formats.error_kinds import kind_for_status
from app.formats.json_values import parse_or_none
from app.formats.sse import encode_json_event

_TYPE_BY_KIND: Mapping[str, str] = {
    "invalid_request_error": "invalid_request_error",
    "authentication_error": "authentication_error",
    "permission_error": "permission_error",
    "not_found_error": "invalid_request_error",
    "request_too_large": "invalid_request_error",
    "rate_limit_error": "rate_limit_error",
    "api_error": "server_error",
    "overloaded_error": "service_unavailable_error",
}


def _status_of(error: object, default: int) -> int:
    """An in-stream error's HTTP-like status, when it gives one (`code: 429`, `status: 503`)."""
    if isinstance(error, dict):
        for key in ("status", "code"):
            value = error.get(key)
            if isinstance(value, int) and not isinstance(value, bool) and 400 <= value <= 599:
                return value
        if error.get("type") in ("server_error", "api_error"):
            return 500
        if error.get("code") == "rate_limit_exceeded" or error.get("type") in ("requests", "tokens"):
            return 429
    return default


def _error_info(status: int, parsed: object) -> ErrorInfo:
    generic = ErrorInfo(status, f"Upstream error (HTTP {status})", kind_for_status(status))
    if isinstance(parsed, list) and parsed:  # Gemini's OpenAI endpoint wraps errors in a list
        parsed = parsed[0]
    if not isinstance(parsed, dict):
        return generic
    error = parsed.get("error", parsed)
    if isinstance(error, str):
        return ErrorInfo(status, error or generic.message, kind_for_status(status))
    if not isinstance(error, dict):
        return generic
    message = error.get("message")
    if not isinstance(message, str) or not message:
        detail = error.get("detail")
        message = detail if isinstance(detail, str) and detail else generic.message
    code = error.get("code")
    param = error.get("param")
    return ErrorInfo(
        status,
        message,
        kind_for_status(status),
        code=None if code is None or isinstance(code, bool) else str(code),
        param=param if isinstance(param, str) else None,
    )


def decode_error(status: int, body: bytes) -> ErrorInfo:
    return _error_info(status, parse_or_none(body))


def encode_error(error: ErrorInfo) -> dict[str, Any]:
    kind = _TYPE_BY_KIND.get(error.kind, error.kind)
    return {"error": {"message": error.message, "type": kind, "param": error.param, "code": error.code}}


def encode_stream_error(error: ErrorInfo) -> bytes:
    return encode_json_event(encode_error(error))
