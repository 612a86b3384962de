"""The generation endpoints of all four formats, and token counting. Thin: the pipeline does the work."""

from __future__ import annotations

import orjson
from aiohttp import web

from app.core.errors import NotFoundError
from app.core.records import WireFormat
from app.formats.registry import adapter_for
from app.formats.token_count import count_request_tokens
from app.gateway.auth import authenticate
from app.gateway.context import CONTEXT
from app.gateway.pipeline import handle
from app.gateway.request_body import read_json_object, require_str
from app.routing.model_suffix import split_reasoning_suffix


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
    ctx = request.app[CONTEXT]
    authenticate(request, ctx.snapshots.current)
    body = await read_json_object(request)
    if fmt is WireFormat.GEMINI and isinstance(body.get("generateContentRequest"), dict):
        body = body["generateContentRequest"]
    model = model if model is not None else require_str(body, "model")
    if fmt is WireFormat.ANTHROPIC and "max_tokens" not in body:
        body = {**body, "max_tokens": 1}  # count_tokens takes no max_tokens; the decoder wants one
    canonical = adapter_for(fmt).decode_request(body, model=split_reasoning_suffix(model)[0], stream=False)
    tokens = count_request_tokens(canonical)
    if fmt is WireFormat.GEMINI:
        payload: object = {"totalTokens": tokens}
    else:
        payload = {"input_tokens": tokens}
    return web.Response(body=orjson.dumps(payload), content_type="application/json")
