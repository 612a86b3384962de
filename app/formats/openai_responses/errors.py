"""Errors both ways: upstream error bodies and in-stream `error` / `response.failed` codes →
canonical ErrorInfo / StreamError, and canonical errors → OpenAI error bodies and SSE error
events. The tables map canonical kinds (Anthropic's vocabulary) to OpenAI's error types and to
the `response.failed` codes Codex acts on.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from app.formats import ir
from app.formats.adapter import ErrorInfo
from app.formats.error_kinds import kind_for_status
from app.formats.json_values import parse_or_none
from app.formats.sse import encode_json_event

# Canonical error kind -> (OpenAI error `type`, default `code` in bodies, `code` in response.failed).
_KIND_TO_OPENAI: Final[Mapping[str, tuple[str, str | None, str]]] = {
    "invalid_request_error": ("invalid_request_error", None, "invalid_prompt"),
    "authentication_error": ("invalid_request_error", "invalid_api_key", "invalid_prompt"),
    "permission_error": ("permission_error", None, "invalid_prompt"),
    "not_found_error": ("invalid_request_error", None, "invalid_prompt"),
    "request_too_large": ("invalid_request_error", "request_too_large", "invalid_prompt"),
    "rate_limit_error": ("rate_limit_error", "rate_limit_exceeded", "rate_limit_exceeded"),
    "overloaded_error": ("server_error", "server_is_overloaded", "server_error"),
    "api_error": ("server_error", None, "server_error"),
}
# `response.failed` codes: the SDK's closed list, plus those Codex acts on (compaction, quota).
_FAILED_CODES: Final = frozenset(
    {
        "server_error",
        "rate_limit_exceeded",
        "invalid_prompt",
        "context_length_exceeded",
        "insufficient_quota",
        "usage_not_included",
    }
)
# In-stream error codes (response.failed / error events) -> (status, kind).
_CODE_TO_STATUS: Final[Mapping[str, tuple[int, str]]] = {
    "rate_limit_exceeded": (429, "rate_limit_error"),
    "insufficient_quota": (429, "rate_limit_error"),
    "too_many_requests": (429, "rate_limit_error"),
    "context_length_exceeded": (400, "invalid_request_error"),
    "invalid_prompt": (400, "invalid_request_error"),
    "invalid_request_error": (400, "invalid_request_error"),
    "server_is_overloaded": (503, "overloaded_error"),
    "slow_down": (503, "overloaded_error"),
    "server_error": (500, "api_error"),
}


def decode_error(status: int, body: bytes) -> ErrorInfo:
    kind = kind_for_status(status)
    parsed = parse_or_none(body)
    error = parsed.get("error") if isinstance(parsed, Mapping) else None
    if isinstance(error, str) and error:
        return ErrorInfo(status, error, kind)
    if not isinstance(error, Mapping):
        return ErrorInfo(status, f"The upstream answered with HTTP status {status}.", kind)
    message = error.get("message")
    code = error.get("code")
    param = error.get("param")
    if code in ("server_is_overloaded", "slow_down"):
        kind = "overloaded_error"
    return ErrorInfo(
        status,
        message
        if isinstance(message, str) and message
        else f"The upstream answered with HTTP status {status}.",
        kind,
        code=code if isinstance(code, str) else None,
        param=param if isinstance(param, str) else None,
    )


def _openai_error(error: ErrorInfo) -> dict[str, Any]:
    type_, code, _ = _KIND_TO_OPENAI.get(error.kind, _KIND_TO_OPENAI["api_error"])
    return {"message": error.message, "type": type_, "param": error.param, "code": error.code or code}


def encode_error(error: ErrorInfo) -> dict[str, Any]:
    return {"error": _openai_error(error)}


def _failed_code(error: ErrorInfo) -> str:
    if error.code in _FAILED_CODES:
        return error.code
    return _KIND_TO_OPENAI.get(error.kind, _KIND_TO_OPENAI["api_error"])[2]


def _frame(payload: Mapping[str, Any]) -> bytes:
    """A Responses event: its `type` is also the SSE event name."""
    return encode_json_event(payload, event=str(payload["type"]))


def _error_event(error: ErrorInfo, sequence: int) -> dict[str, Any]:
    """The `error` event: the documented flat fields, plus the nested `error` object the API
    actually sends — the Python SDK raises APIError on a payload with a top-level `error`."""
    nested = _openai_error(error)
    return {
        "type": "error",
        "sequence_number": sequence,
        "code": nested["code"] or _failed_code(error),
        "message": error.message,
        "param": error.param,
        "error": nested,
    }


def encode_stream_error(error: ErrorInfo) -> bytes:
    """For a relayed stream that broke: we do not know the upstream's sequence numbers, so both
    events carry 0 (no SDK checks them). `response.failed` is what Codex acts on."""
    failed = {
        "id": "resp_failed",
        "object": "response",
        "created_at": 0,
        "status": "failed",
        "error": {"code": _failed_code(error), "message": error.message},
        "incomplete_details": None,
        "model": "",
        "output": [],
        "parallel_tool_calls": True,
        "tool_choice": "auto",
        "tools": [],
        "usage": None,
    }
    return _frame(_error_event(error, 0)) + _frame(
        {"type": "response.failed", "sequence_number": 0, "response": failed}
    )


def _stream_error_of(code: Any, message: Any, status_hint: int | None = None) -> ir.StreamError:
    status, kind = _CODE_TO_STATUS.get(
        code if isinstance(code, str) else "", (status_hint or 500, "api_error")
    )
    if status_hint is None and isinstance(code, str) and code.startswith("invalid"):
        status, kind = 400, "invalid_request_error"
    text = message if isinstance(message, str) and message else "The upstream response failed."
    return ir.StreamError(status=status, message=text, kind=kind)
