"""Error bodies in each client's own wire format. A client never sees a traceback."""

from __future__ import annotations

from enum import StrEnum

import orjson
from aiohttp import web

from app.core.errors import GatewayError, UpstreamHTTPError


class ClientFormat(StrEnum):
    OPENAI = "openai"
    ANTHROPIC = "anthropic"
    GEMINI = "gemini"


def format_for_path(path: str) -> ClientFormat:
    if path.startswith("/v1/messages"):
        return ClientFormat.ANTHROPIC
    if path.startswith("/v1beta/"):
        return ClientFormat.GEMINI
    return ClientFormat.OPENAI


_ANTHROPIC_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    413: "request_too_large",
    429: "rate_limit_error",
    529: "overloaded_error",
}
_GEMINI_STATUS = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    413: "INVALID_ARGUMENT",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    502: "UNAVAILABLE",
    503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
}
_OPENAI_TYPES = {429: "rate_limit_error", 401: "authentication_error", 403: "permission_error"}


def error_payload(
    fmt: ClientFormat, status: int, message: str, *, code: str | None, kind: str | None, param: str | None
) -> dict[str, object]:
    if fmt is ClientFormat.ANTHROPIC:
        return {
            "type": "error",
            "error": {"type": _ANTHROPIC_TYPES.get(status, "api_error"), "message": message},
        }
    if fmt is ClientFormat.GEMINI:
        return {
            "error": {"code": status, "message": message, "status": _GEMINI_STATUS.get(status, "UNKNOWN")}
        }
    return {
        "error": {
            "message": message,
            "type": kind
            or _OPENAI_TYPES.get(status, "invalid_request_error" if status < 500 else "api_error"),
            "param": param,
            "code": code,
        }
    }


def error_response(fmt: ClientFormat, err: GatewayError) -> web.Response:
    headers: dict[str, str] = {}
    if isinstance(err, UpstreamHTTPError):
        if err.retry_after is not None:
            headers["Retry-After"] = f"{err.retry_after:g}"
        relayed = _relayable_upstream_body(fmt, err)
        if relayed is not None:
            return web.Response(
                status=err.status, body=relayed, content_type="application/json", headers=headers
            )
        message = f"upstream answered {err.status}"
    else:
        message = err.message
    body = orjson.dumps(
        error_payload(fmt, err.status, message, code=err.code, kind=err.kind, param=err.param)
    )
    return web.Response(status=err.status, body=body, content_type="application/json", headers=headers)


def _relayable_upstream_body(fmt: ClientFormat, err: UpstreamHTTPError) -> bytes | None:
    """The upstream's own error body, when it already has the client's shape (same-format passthrough)."""
    try:
        parsed = orjson.loads(err.body)
    except orjson.JSONDecodeError:
        return None
    if not isinstance(parsed, dict) or not isinstance(parsed.get("error"), dict):
        return None
    inner = parsed["error"]
    if fmt is ClientFormat.OPENAI and "message" in inner:
        return err.body
    if fmt is ClientFormat.ANTHROPIC and parsed.get("type") == "error":
        return err.body
    if fmt is ClientFormat.GEMINI and "status" in inner:
        return err.body
    return None
