"""Reading a JSON request body with errors that name what is wrong."""

from __future__ import annotations

from typing import Any

import orjson
from aiohttp import web

from app.core.errors import InvalidRequest, PayloadTooLarge
from app.gateway.context import CONTEXT


async def read_json_object(request: web.Request) -> dict[str, Any]:
    return (await read_json(request))[1]


async def read_json(request: web.Request) -> tuple[bytes, dict[str, Any]]:
    """The raw body and its parsed JSON object."""
    try:
        raw = await request.read()
    except web.HTTPRequestEntityTooLarge:
        limit = request.app[CONTEXT].max_body_bytes
        raise PayloadTooLarge(
            f"request body is larger than the gateway's limit of {limit / 1048576:g} MiB"
        ) from None
    if not raw:
        raise InvalidRequest("request body is empty; expected a JSON object")
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise InvalidRequest(f"request body is not valid JSON: {exc}") from None
    if not isinstance(body, dict):
        raise InvalidRequest("request body must be a JSON object")
    return raw, body


def require_str(body: dict[str, Any], name: str) -> str:
    value = body.get(name)
    if value is None:
        raise InvalidRequest(f"missing required field '{name}'", param=name)
    if not isinstance(value, str) or not value:
        raise InvalidRequest(f"field '{name}' must be a non-empty string", param=name)
    return value


def require_list(body: dict[str, Any], name: str) -> list[Any]:
    value = body.get(name)
    if value is None:
        raise InvalidRequest(f"missing required field '{name}'", param=name)
    if not isinstance(value, list) or not value:
        raise InvalidRequest(f"field '{name}' must be a non-empty array", param=name)
    return value
