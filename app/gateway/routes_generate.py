"""The generation endpoints of all four formats, and token counting. Thin: the pipeline does the work."""

from __future__ import annotations

import logging
from typing import Any

import orjson
from aiohttp import web

from app.core.errors import GatewayError, NotFoundError, UpstreamError
from app.core.records import WireFormat
from app.formats.registry import adapter_for
from app.formats.token_count import count_request_tokens
from app.gateway.auth import authenticate
from app.gateway.context import CONTEXT
from app.gateway.pipeline import handle
from app.gateway.request_body import read_json_object, require_str
from app.gateway.upstream_headers import upstream_headers
from app.routing.model_suffix import split_reasoning_suffix
from app.routing.resolve import resolve
from app.routing.snapshot import Candidate

_log = logging.getLogger(__name__)


async def chat_completions(request: web.Request) -> web.StreamResponse:
    return await handle(request, WireFormat.OPENAI)


async def responses(request: web.Request) -> web.StreamResponse:
    return await handle(request, WireFormat.RESPONSES)


async def messages(request: web.Request) -> web.StreamResponse:
    return await handle(request, WireFormat.ANTHROPIC)


async def gemini_model_action(request: web.Request) -> web.StreamResponse:
    """POST /v1beta/models/{model}:{action}; the model may itself contain '/' (provider/model)."""
    model, sep, action = request.match_info["target"].rpartition(":")
    if not sep or not model:
        raise NotFoundError(f"no such endpoint: POST {request.path}")
    if action == "generateContent":
        return await handle(request, WireFormat.GEMINI, model=model, stream=False)
    if action == "streamGenerateContent":
        return await handle(request, WireFormat.GEMINI, model=model, stream=True)
    if action == "countTokens":
        return await _count_tokens(request, WireFormat.GEMINI, model)
    raise NotFoundError(f"unsupported Gemini method '{action}'")


async def count_tokens(request: web.Request) -> web.Response:
    return await _count_tokens(request, WireFormat.ANTHROPIC, None)


async def _count_tokens(request: web.Request, fmt: WireFormat, model: str | None) -> web.Response:
    """An exact count from the upstream when it speaks the client's format and offers counting
    (Anthropic, Gemini); otherwise, or if that fails, an offline estimate."""
    ctx = request.app[CONTEXT]
    snapshot = ctx.snapshots.current
    authenticate(request, snapshot)
    body = await read_json_object(request)
    if fmt is WireFormat.GEMINI and isinstance(body.get("generateContentRequest"), dict):
        body = body["generateContentRequest"]
    model = model if model is not None else require_str(body, "model")
    base_model = split_reasoning_suffix(model)[0]
    try:
        candidates = resolve(snapshot, base_model)
    except GatewayError:
        candidates = ()  # counting needs no route: fall back to the estimate
    for candidate in candidates:
        if candidate.target.wire_format is fmt:
            exact = await _upstream_count(request, fmt, body, candidate)
            if exact is not None:
                return _count_response(fmt, exact)
            break
    if fmt is WireFormat.ANTHROPIC and "max_tokens" not in body:
        body = {**body, "max_tokens": 1}  # count_tokens takes no max_tokens; the decoder wants one
    canonical = adapter_for(fmt).decode_request(body, model=base_model, stream=False)
    return _count_response(fmt, count_request_tokens(canonical))


async def _upstream_count(
    request: web.Request, fmt: WireFormat, body: dict[str, Any], candidate: Candidate
) -> int | None:
    ctx = request.app[CONTEXT]
    target = candidate.target
    if fmt is WireFormat.ANTHROPIC:
        path, payload, key = (
            "/messages/count_tokens",
            {**body, "model": candidate.upstream_model},
            "input_tokens",
        )
    else:
        path, payload, key = f"/models/{candidate.upstream_model}:countTokens", body, "totalTokens"
    try:
        response = await ctx.transport.send(
            "POST",
            target.base_url + path,
            body=orjson.dumps(payload),
            headers=upstream_headers(target, fmt, request.headers, stream=False),
            proxy_url=target.proxy_url,
        )
        answer = orjson.loads(await response.read())
    except (UpstreamError, orjson.JSONDecodeError) as exc:
        _log.debug("upstream token count failed, estimating instead: %s", exc)
        return None
    value = answer.get(key) if isinstance(answer, dict) else None
    return value if isinstance(value, int) else None


def _count_response(fmt: WireFormat, tokens: int) -> web.Response:
    payload = {"totalTokens": tokens} if fmt is WireFormat.GEMINI else {"input_tokens": tokens}
    return web.Response(body=orjson.dumps(payload), content_type="application/json")
