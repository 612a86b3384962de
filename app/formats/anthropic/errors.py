"""Errors: Anthropic error bodies (`{"type": "error", "error": {"type", "message"}}`) ⇄ ErrorInfo, and
the mapping between HTTP statuses and Anthropic error types, both ways. The stream decoder and encoder
use the same table so an error reads the same in a body and in an event stream."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

import orjson

from app.formats.adapter import ErrorInfo

_ERROR_STATUS: Final[Mapping[str, int]] = {
    "invalid_request_error": 400,
    "authentication_error": 401,
    "billing_error": 402,
    "permission_error": 403,
    "not_found_error": 404,
    "request_too_large": 413,
    "rate_limit_error": 429,
    "api_error": 500,
    "timeout_error": 504,
    "overloaded_error": 529,
}


def kind_for_status(status: int) -> str:
    if status == 400:
        return "invalid_request_error"
    if status == 401:
        return "authentication_error"
    if status == 402:
        return "billing_error"
    if status == 403:
        return "permission_error"
    if status == 404:
        return "not_found_error"
    if status == 413:
        return "request_too_large"
    if status == 429:
        return "rate_limit_error"
    if status in (503, 529):
        return "overloaded_error"
    if status == 504:
        return "timeout_error"
    if 400 <= status < 500:
        return "invalid_request_error"
    return "api_error"


def _error_body(kind: str, message: str) -> dict[str, Any]:
    return {"type": "error", "error": {"type": kind, "message": message}}


def _error_kind(error: ErrorInfo) -> str:
    return error.kind if error.kind in _ERROR_STATUS else kind_for_status(error.status)


def _decode_error(status: int, body: bytes) -> ErrorInfo:
    try:
        payload = orjson.loads(body)
    except orjson.JSONDecodeError:
        payload = None
    error = payload.get("error") if isinstance(payload, dict) else None
    if isinstance(error, dict):
        message = error.get("message")
        kind = error.get("type")
        return ErrorInfo(
            status=status,
            message=message if isinstance(message, str) and message else f"upstream returned HTTP {status}",
            kind=kind if isinstance(kind, str) and kind else kind_for_status(status),
        )
    return ErrorInfo(status=status, message=f"upstream returned HTTP {status}", kind=kind_for_status(status))
