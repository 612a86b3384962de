from __future__ import annotations

import orjson
import pytest

from app.core.errors import InvalidRequest, NoRouteAvailable, UpstreamHTTPError
from app.core.records import WireFormat
from app.gateway.errors import error_response, format_for_path


@pytest.mark.parametrize(
    ("path", "fmt"),
    [
        ("/v1/chat/completions", WireFormat.OPENAI),
        ("/v1/responses", WireFormat.RESPONSES),
        ("/v1/messages", WireFormat.ANTHROPIC),
        ("/v1/messages/count_tokens", WireFormat.ANTHROPIC),
        ("/v1beta/models/gemini-2.5-pro:generateContent", WireFormat.GEMINI),
    ],
)
def test_format_by_path(path: str, fmt: WireFormat) -> None:
    assert format_for_path(path) is fmt


def body(fmt: WireFormat, err: Exception) -> dict:  # type: ignore[type-arg]
    resp = error_response(fmt, err)  # type: ignore[arg-type]
    assert resp.body is not None
    return orjson.loads(resp.body)  # type: ignore[arg-type, no-any-return]


def test_openai_shape() -> None:
    got = body(WireFormat.OPENAI, InvalidRequest("missing required field 'model'", param="model"))
    assert got == {
        "error": {
            "message": "missing required field 'model'",
            "type": "invalid_request_error",
            "param": "model",
            "code": "invalid_request",
        }
    }


def test_anthropic_shape() -> None:
    got = body(WireFormat.ANTHROPIC, NoRouteAvailable("nothing"))
    assert got == {"type": "error", "error": {"type": "api_error", "message": "nothing"}}


def test_gemini_shape() -> None:
    got = body(WireFormat.GEMINI, InvalidRequest("bad"))
    assert {k: got["error"][k] for k in ("code", "message", "status")} == {
        "code": 400,
        "message": "bad",
        "status": "INVALID_ARGUMENT",
    }


def test_upstream_error_in_the_clients_shape_is_relayed_with_retry_after() -> None:
    upstream = b'{"error": {"message": "slow down", "type": "requests", "param": null, "code": "rate_limit_exceeded"}}'
    resp = error_response(
        WireFormat.OPENAI, UpstreamHTTPError("x", status=429, body=upstream, retry_after=12)
    )
    assert resp.status == 429
    assert resp.body == upstream
    assert resp.headers["Retry-After"] == "12"


def test_upstream_error_in_another_shape_is_wrapped() -> None:
    resp = error_response(
        WireFormat.ANTHROPIC, UpstreamHTTPError("x", status=502, body=b"<html>bad gateway</html>")
    )
    assert resp.status == 502
    assert orjson.loads(resp.body)["type"] == "error"  # type: ignore[arg-type]
