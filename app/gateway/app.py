"""create_app: the aiohttp application with its routes and the error middleware."""

from __future__ import annotations

import logging

from aiohttp import web
from aiohttp.typedefs import Handler

from app.core.errors import GatewayError, InvalidRequest, NotFoundError
from app.gateway.admission import admission_middleware
from app.gateway.context import CONTEXT, GatewayContext
from app.gateway.errors import error_response, format_for_path
from app.gateway.routes_admin import clear_cooldowns, reset_breaker, status
from app.gateway.routes_generate import (
    chat_completions,
    count_tokens,
    gemini_model_action,
    messages,
    responses,
)
from app.gateway.routes_misc import health, list_gemini_models, list_models, root

_log = logging.getLogger(__name__)


class _RouteNotFound(NotFoundError):
    code = "not_found"


class _MethodNotAllowed(InvalidRequest):
    status = 405
    code = "method_not_allowed"


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except GatewayError as exc:
        return error_response(format_for_path(request.path), exc)
    except web.HTTPNotFound:
        err: GatewayError = _RouteNotFound(f"no such endpoint: {request.method} {request.path}")
        return error_response(format_for_path(request.path), err)
    except web.HTTPMethodNotAllowed:
        err = _MethodNotAllowed(f"method {request.method} is not allowed on {request.path}")
        return error_response(format_for_path(request.path), err)
    except web.HTTPException:
        raise
    except Exception:
        # Logged with its traceback for us; the client gets a plain error in its own format.
        _log.exception("unhandled error on %s %s", request.method, request.path)
        return error_response(format_for_path(request.path), GatewayError("internal gateway error"))


def create_app(ctx: GatewayContext) -> web.Application:
    app = web.Application(
        middlewares=[error_middleware, admission_middleware], client_max_size=ctx.max_body_bytes
    )
    app[CONTEXT] = ctx
    app.router.add_get("/", root)  # add_get answers HEAD too: Claude Code probes `HEAD /`
    app.router.add_get("/health", health)
    app.router.add_post("/v1/chat/completions", chat_completions)
    app.router.add_post("/v1/responses", responses)
    app.router.add_post("/v1/messages", messages)
    app.router.add_post("/v1/messages/count_tokens", count_tokens)
    app.router.add_post("/v1beta/models/{target:.+}", gemini_model_action)
    app.router.add_get("/v1/models", list_models)
    app.router.add_get("/v1beta/models", list_gemini_models)
    app.router.add_get("/vansroute/status", status)
    app.router.add_post("/vansroute/breakers/{key}/reset", reset_breaker)
    app.router.add_post("/vansroute/accounts/{provider}/{account}/clear-cooldowns", clear_cooldowns)
    return app
