"""Errors: Google API error bodies (`{"error": {code, message, status, details}}`) ↔ ErrorInfo, the
in-stream error event, and the retry delay Gemini gives in `RetryInfo` (it sends no Retry-After
header). The gRPC status and ErrorInfo reason are mapped to the canonical error kinds so every
client format sees a sensible error."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Final

from app.formats import error_kinds
from app.formats.adapter import ErrorInfo
from app.formats.gemini.fields import _JSONDict, _str_or_none
from app.formats.json_values import parse_or_none
from app.formats.sse import encode_json_event

_HTTP_TO_STATUS: Mapping[int, str] = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    409: "ABORTED",
    413: "INVALID_ARGUMENT",
    429: "RESOURCE_EXHAUSTED",
    499: "CANCELLED",
    500: "INTERNAL",
    501: "UNIMPLEMENTED",
    502: "UNAVAILABLE",
    503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
}
_KIND_TO_HTTP: Final = error_kinds.STATUS_BY_KIND
# gRPC's mapping of HTTP statuses makes 502 UNAVAILABLE, as this adapter writes it (above).
_OWN_KINDS: Final[Mapping[int, str]] = {502: "overloaded_error"}
_STATUS_TO_KIND: Mapping[str, str] = {
    "INVALID_ARGUMENT": "invalid_request_error",
    "FAILED_PRECONDITION": "invalid_request_error",
    "OUT_OF_RANGE": "invalid_request_error",
    "UNAUTHENTICATED": "authentication_error",
    "PERMISSION_DENIED": "permission_error",
    "NOT_FOUND": "not_found_error",
    "RESOURCE_EXHAUSTED": "rate_limit_error",
    "UNAVAILABLE": "overloaded_error",
    "INTERNAL": "api_error",
    "UNKNOWN": "api_error",
    "DEADLINE_EXCEEDED": "api_error",
    "ABORTED": "api_error",
    "CANCELLED": "api_error",
    "UNIMPLEMENTED": "invalid_request_error",
}


def _kind_for(status: int, google_status: str | None, reason: str | None) -> str:
    if reason in ("API_KEY_INVALID", "API_KEY_EXPIRED", "ACCESS_TOKEN_EXPIRED"):
        return "authentication_error"
    if status == 413:
        return "request_too_large"
    if google_status is not None and google_status in _STATUS_TO_KIND:
        return _STATUS_TO_KIND[google_status]
    return error_kinds.kind_for_status(status, _OWN_KINDS)


def _error_details(body: Any) -> Mapping[str, Any] | None:
    if isinstance(body, list) and body:
        body = body[0]
    if isinstance(body, Mapping) and isinstance(body.get("error"), Mapping):
        error: Mapping[str, Any] = body["error"]
        return error
    return None


def _parse_duration(text: str) -> float | None:
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)s\s*", text)
    return float(match.group(1)) if match else None


def retry_after_seconds(body: bytes) -> float | None:
    """The wait a Gemini error asks for: `RetryInfo.retryDelay` ("30s"), else "retry in 12.5s" in the
    message. Gemini sends no Retry-After header, so the caller reads it from the body."""
    error = _error_details(parse_or_none(body))
    if error is None:
        return None
    for detail in error.get("details") or ():
        if isinstance(detail, Mapping) and str(detail.get("@type", "")).endswith("google.rpc.RetryInfo"):
            delay = detail.get("retryDelay")
            if isinstance(delay, str):
                parsed = _parse_duration(delay)
                if parsed is not None:
                    return parsed
    message = error.get("message")
    if isinstance(message, str):
        match = re.search(r"retry in (\d+(?:\.\d+)?)\s*(ms|s)\b", message, re.IGNORECASE)
        if match:
            value = float(match.group(1))
            return value / 1000 if match.group(2).lower() == "ms" else value
    return None


def _decode_error(status: int, body: bytes) -> ErrorInfo:
    error = _error_details(parse_or_none(body))
    if error is None:
        text = body.decode("utf-8", errors="replace").strip()
        message = f"upstream returned HTTP {status}" + (f": {text[:200]}" if text else "")
        return ErrorInfo(status=status, message=message, kind=_kind_for(status, None, None))
    message = _str_or_none(error.get("message")) or f"upstream returned HTTP {status}"
    google_status = _str_or_none(error.get("status"))
    reason: str | None = None
    param: str | None = None
    for detail in error.get("details") or ():
        if not isinstance(detail, Mapping):
            continue
        kind = str(detail.get("@type", ""))
        if kind.endswith("google.rpc.ErrorInfo") and isinstance(detail.get("reason"), str):
            reason = reason or detail["reason"]
        elif kind.endswith("google.rpc.BadRequest"):
            violations = detail.get("fieldViolations")
            if isinstance(violations, list) and violations and isinstance(violations[0], Mapping):
                field_name = violations[0].get("field")
                param = field_name if isinstance(field_name, str) else None
    return ErrorInfo(
        status=status,
        message=str(message),
        kind=_kind_for(status, google_status, reason),
        code=reason or google_status,
        param=param,
        # Gemini says how long to wait in a RetryInfo detail, not in a Retry-After header.
        retry_after=retry_after_seconds(body),
    )


# Gateway error codes with a Google ErrorInfo reason of their own.
_REASONS: Mapping[str, str] = {"invalid_api_key": "API_KEY_INVALID"}


def _error_object(error: ErrorInfo) -> _JSONDict:
    status = error.status if 400 <= error.status < 600 else _KIND_TO_HTTP.get(error.kind, 500)
    google_status = _HTTP_TO_STATUS.get(status)
    if google_status is None:
        google_status = _HTTP_TO_STATUS.get(_KIND_TO_HTTP.get(error.kind, 500), "INTERNAL")
    obj: _JSONDict = {"code": status, "message": error.message, "status": google_status}
    details: list[_JSONDict] = []
    reason = _REASONS.get(error.code or "", error.code)
    if reason and re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", reason) and reason.upper() != google_status:
        details.append(
            {
                "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                "reason": reason.upper(),
                "domain": "googleapis.com",
            }
        )
    if error.param:
        details.append(
            {
                "@type": "type.googleapis.com/google.rpc.BadRequest",
                "fieldViolations": [{"field": error.param, "description": error.message}],
            }
        )
    if details:
        obj["details"] = details
    return {"error": obj}


def _stream_error_bytes(error: ErrorInfo) -> bytes:
    return encode_json_event(_error_object(error))
