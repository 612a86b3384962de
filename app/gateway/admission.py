"""The admission middleware: every API request is authenticated and checked against its key's
access lists and limits (app.gateway.access) before its handler runs, so the model, token-counting
and generation endpoints of all four formats share one gate.

A refused generation request is still logged as a usage row (status and error code, no tokens), so a
user can see which key ran into which limit. The concurrency slot a request takes is held until its
handler returns, which for a stream is after the last byte.
"""

from __future__ import annotations

from aiohttp import web
from aiohttp.typedefs import Handler

from app.core.errors import GatewayError
from app.core.records import ApiKeyRecord, RequestKind
from app.gateway.access import CLIENT_FORMAT, kind_of
from app.gateway.accounting import RequestLog
from app.gateway.auth import authenticate
from app.gateway.context import CONTEXT, GatewayContext


@web.middleware
async def admission_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    kind = kind_of(request.method, request.path)
    if kind is None:
        return await handler(request)
    ctx = request.app[CONTEXT]
    started = ctx.clock.monotonic()
    key: ApiKeyRecord | None = None
    try:
        key = authenticate(request, ctx.snapshots.current)
        ticket = ctx.access.admit(key, kind)
    except GatewayError as exc:
        if kind.generates:
            _log_refusal(ctx, request, kind, key, started, exc)
        raise
    try:
        return await handler(request)
    finally:
        if ticket is not None:
            ticket.release()


def _log_refusal(
    ctx: GatewayContext,
    request: web.Request,
    kind: RequestKind,
    key: ApiKeyRecord | None,
    started: float,
    exc: GatewayError,
) -> None:
    log = RequestLog(ctx, CLIENT_FORMAT[kind], started)
    log.identify(key, request.headers)
    if kind is RequestKind.GEMINI:
        log.model = request.path.removeprefix("/v1beta/models/").rpartition(":")[0]
        log.stream = request.path.endswith(":streamGenerateContent")
    log.status, log.error = exc.status, exc.code
    log.publish()
