from __future__ import annotations

import orjson
import pytest

from app.core.errors import InvalidRequest, NoRouteAvailable, UpstreamHTTPError
from app.gateway.errors import ClientFormat, error_response, format_for_path


@pytest.mark.parametrize(
    ("path", "fmt"),
    [
        ("/v1/chat/completions", ClientFormat.OPENAI),
        ("/v1/responses", ClientFormat.OPENAI),
        ("/v1/messages", ClientFormat.ANTHROPIC),
        ("/v1/messages/count_tokens", ClientFormat.ANTHROPIC),
        ("/v1beta/models/gemini-2.5-pro:generateContent", ClientFormat.GEMINI),
    ],
)
def test_format_by_path(path: str, fmt: ClientFormat) -> None:
    assert format_for_path(path) is fmt


def body(fmt: ClientFormat, err: Exception) -> dict:  # type: ignore[type-arg]
    resp = error_response(fmt, err)  # type: ignore[arg-type]
    assert resp.body is not None
    return orjson.loads(resp.body)  # type: ignore[arg-type, no-any-return]


def test_openai_shape() -> None:
    got = body(ClientFormat.OPENAI, InvalidRequest("missing required field 'model'", param="model"))
    assert got == {
        "error": {
            "message": "missing required field 'model'",
            "type": "invalid_request_error",
            "param": "model",
            "code": "invalid_request",
        }
    }


def test_anthropic_shape() -> None:
    got = body(ClientFormat.ANTHROPIC, NoRouteAvailable("nothing"))
    assert got == {"type": "error", "error": {"type": "api_error", "message": "nothing"}}


def test_gemini_shape() -> None:
    got = body(ClientFormat.GEMINI, InvalidRequest("bad"))
    assert got == {"error": {"code": 400, "message": "bad", "status": "INVALID_ARGUMENT"}}


def test_upstream_error_in_the_clients_shape_is_relayed_with_retry_after() -> None:
    upstream = b'{"error": {"message": "slow down", "type": "requests", "param": null, "code": "rate_limit_exceeded"}}'
    resp = error_response(
        ClientFormat.OPENAI, UpstreamHTTPError("x", status=429, body=upstream, retry_after=12)
    )
    assert resp.status == 429
    assert resp.body == upstream
    assert resp.headers["Retry-After"] == "12"


def test_upstream_error_in_another_shape_is_wrapped() -> None:
    resp = error_response(
        ClientFormat.ANTHROPIC, UpstreamHTTPError("x", status=502, body=b"<html>bad gateway</html>")
    )
    assert resp.status == 502
    assert orjson.loads(resp.body)["type"] == "error"  # type: ignore[arg-type]
