"""Errors: Anthropic error bodies (`{"type": "error", "error": {"type", "message"}}`) ⇄ ErrorInfo, and
the mapping between HTTP statuses and Anthropic error types, both ways. The stream decoder and encoder
use the same table so an error reads the same in a body and in an event stream."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from app.formats import error_kinds
from app.formats.adapter import ErrorInfo
from app.formats.json_values import parse_or_none

# The error types Anthropic documents beyond the canonical table: payment and timeouts have their
# own, and its overloaded status is 529.
_OWN_KINDS: Final[Mapping[int, str]] = {402: "billing_error", 504: "timeout_error"}
# Anthropic's error types and their statuses.
_ERROR_STATUS: Final[Mapping[str, int]] = {
    **error_kinds.STATUS_BY_KIND,
    **{kind: status for status, kind in _OWN_KINDS.items()},
    "overloaded_error": 529,
}


def kind_for_status(status: int) -> str:
    return error_kinds.kind_for_status(status, _OWN_KINDS)


def _error_body(kind: str, message: str) -> dict[str, Any]:
    return {"type": "error", "error": {"type": kind, "message": message}}


def _error_kind(kind: str, status: int) -> str:
    """`kind` when Anthropic has that error type, else the type of `status`."""
    return kind if kind in _ERROR_STATUS else kind_for_status(status)


def _decode_error(status: int, body: bytes) -> ErrorInfo:
    payload = parse_or_none(body)
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
