"""HTTP status ⇄ canonical error kind, one table for every format.

The kinds are Anthropic's error types, the vocabulary of `ErrorInfo.kind`. Status → kind:

- 400 invalid_request_error, 401 authentication_error, 403 permission_error, 404 not_found_error,
  413 request_too_large, 429 rate_limit_error;
- 503 and 529 overloaded_error: the upstream is busy, another route or a later retry may do;
- any other 4xx invalid_request_error (422 included: a body understood but refused; 402 too: no
  vendor but Anthropic gives payment its own type);
- anything else api_error (502 and 504 included: the upstream failed, and the client can only retry).

A format overrides an entry only where its vendor documents something else: Anthropic has its own
`billing_error` (402) and `timeout_error` (504); for Gemini, 502 is UNAVAILABLE (gRPC's mapping of
HTTP statuses), that is overloaded_error. Kind → status is the inverse, for writing an error whose
status is unknown."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

KIND_BY_STATUS: Final[Mapping[int, str]] = MappingProxyType(
    {
        400: "invalid_request_error",
        401: "authentication_error",
        403: "permission_error",
        404: "not_found_error",
        413: "request_too_large",
        429: "rate_limit_error",
        503: "overloaded_error",
        529: "overloaded_error",
    }
)

STATUS_BY_KIND: Final[Mapping[str, int]] = MappingProxyType(
    {
        "invalid_request_error": 400,
        "authentication_error": 401,
        "permission_error": 403,
        "not_found_error": 404,
        "request_too_large": 413,
        "rate_limit_error": 429,
        "api_error": 500,
        "overloaded_error": 503,
    }
)

_NONE: Final[Mapping[int, str]] = MappingProxyType({})


def kind_for_status(status: int, overrides: Mapping[int, str] = _NONE) -> str:
    """The canonical kind of an HTTP error status; `overrides` are the format's own entries."""
    kind = overrides.get(status) or KIND_BY_STATUS.get(status)
    if kind is not None:
        return kind
    return "invalid_request_error" if 400 <= status < 500 else "api_error"
