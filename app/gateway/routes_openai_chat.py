"""POST /v1/chat/completions relayed to an OpenAI-compatible upstream (passthrough: model and auth change)."""

from __future__ import annotations

from typing import Any

import orjson
from aiohttp import web

from app.core.errors import GatewayError, UpstreamError
from app.core.records import WireFormat
from app.formats.openai_chat import usage_from_body, usage_from_stream_tail
from app.gateway.accounting import RequestLog
from app.gateway.auth import authenticate
from app.gateway.context import CONTEXT
from app.gateway.errors import ClientFormat, error_payload
from app.gateway.request_body import read_json_object, require_list, require_str
from app.gateway.streaming import relay_sse
from app.providers.auth import auth_headers
from app.providers.transport import UpstreamResponse
from app.routing.execute import first_answer
from app.routing.resolve import resolve
from app.routing.snapshot import Candidate


def _stream_error_event(err: UpstreamError) -> bytes:
    # The OpenAI SDK raises on a chunk with a top-level "error" key: the client learns the stream broke.
    payload = error_payload(
        ClientFormat.OPENAI, err.status, err.message, code=err.code, kind=err.kind, param=None
    )
    return b"data: " + orjson.dumps(payload) + b"\n\n"


async def chat_completions(request: web.Request) -> web.StreamResponse:
    ctx = request.app[CONTEXT]
    log = RequestLog(ctx, WireFormat.OPENAI, ctx.clock.monotonic())
    try:
        return await _handle(request, log)
    except GatewayError as exc:
        log.status = exc.status
        log.error = exc.code
        raise
    finally:
        log.publish()


async def _handle(request: web.Request, log: RequestLog) -> web.StreamResponse:
    ctx = request.app[CONTEXT]
    snapshot = ctx.snapshots.current
    log.api_key_name = authenticate(request, snapshot).name
    body = await read_json_object(request)
    model = require_str(body, "model")
    log.model = model
    require_list(body, "messages")
    stream = body.get("stream") is True
    log.stream = stream
    candidates = resolve(snapshot, model)
    accept = "text/event-stream" if stream else "application/json"

    async def attempt(candidate: Candidate) -> UpstreamResponse:
        target = candidate.target
        outgoing: dict[str, Any] = {**body, "model": candidate.upstream_model}
        headers = {
            "Content-Type": "application/json",
            "Accept": accept,
            **auth_headers(target.wire_format, target.api_key),
        }
        return await ctx.transport.send(
            "POST",
            target.base_url + "/chat/completions",
            body=orjson.dumps(outgoing),
            headers=headers,
            proxy_url=target.proxy_url,
        )

    chosen, upstream = await first_answer(candidates, attempt)
    log.provider_id = chosen.target.provider_id
    log.account_id = chosen.target.account_id
    if stream and upstream.content_type == "text/event-stream":
        response, outcome = await relay_sse(request, upstream, error_event=_stream_error_event)
        usage = usage_from_stream_tail(outcome.tail)
        if outcome.error is not None:
            log.error = outcome.error.code
            log.status = outcome.error.status
        elif outcome.client_gone:
            log.error = "client_disconnected"
            log.status = 499
        log.input_tokens, log.output_tokens = usage.input_tokens, usage.output_tokens
        return response
    data = await upstream.read()
    usage = usage_from_body(data)
    log.input_tokens, log.output_tokens = usage.input_tokens, usage.output_tokens
    return web.Response(
        status=upstream.status, body=data, content_type=upstream.content_type or "application/json"
    )
