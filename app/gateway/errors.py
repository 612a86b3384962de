"""Error bodies in each client's own wire format. A client never sees a traceback."""

from __future__ import annotations

import orjson
from aiohttp import web

from app.core.errors import GatewayError, UpstreamHTTPError
from app.core.records import WireFormat
from app.formats.adapter import ErrorInfo
from app.formats.registry import adapter_for


def format_for_path(path: str) -> WireFormat:
    """Which error shape a path's clients expect (Responses clients read OpenAI's, as Chat's do)."""
    if path.startswith("/v1/messages"):
        return WireFormat.ANTHROPIC
    if path.startswith("/v1beta/"):
        return WireFormat.GEMINI
    if path.startswith("/v1/responses"):
        return WireFormat.RESPONSES
    return WireFormat.OPENAI


def error_info(err: GatewayError) -> ErrorInfo:
    return ErrorInfo(status=err.status, message=err.message, kind=err.kind, code=err.code, param=err.param)


def error_response(fmt: WireFormat, err: GatewayError) -> web.Response:
    headers: dict[str, str] = {}
    retry_after = getattr(err, "retry_after", None)
    if isinstance(retry_after, int | float):
        headers["Retry-After"] = f"{retry_after:g}"
    adapter = adapter_for(fmt)
    if isinstance(err, UpstreamHTTPError):
        # Reaching here means same format in and out (translated errors arrive already decoded):
        # the upstream's own body is what the client's SDK knows how to read.
        if _looks_like(fmt, err.body):
            return web.Response(
                status=err.status, body=err.body, content_type="application/json", headers=headers
            )
        info = adapter.decode_error(err.status, err.body)
    else:
        info = error_info(err)
    body = orjson.dumps(adapter.encode_error(info))
    return web.Response(status=err.status, body=body, content_type="application/json", headers=headers)


def _looks_like(fmt: WireFormat, body: bytes) -> bool:
    try:
        parsed = orjson.loads(body)
    except orjson.JSONDecodeError:
        return False
    if not isinstance(parsed, dict) or not isinstance(parsed.get("error"), dict):
        return False
    if fmt is WireFormat.ANTHROPIC:
        return parsed.get("type") == "error"
    if fmt is WireFormat.GEMINI:
        return "status" in parsed["error"]
    return "message" in parsed["error"]
