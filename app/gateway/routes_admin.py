"""The running gateway's live state, for `vansroute status` and the desktop windows.

Guarded by an admin token that the runtime writes (mode 0600) into the data directory's
gateway.json: whoever can read the user's data can already change the configuration, and nobody
else can reach these endpoints, not even with a client key.
"""

from __future__ import annotations

import hmac
from typing import Any

import orjson
from aiohttp import web

from app.core.errors import InvalidRequest, Unauthorized
from app.gateway.context import CONTEXT, GatewayContext


def _json(payload: object) -> web.Response:
    return web.Response(body=orjson.dumps(payload), content_type="application/json")


def _guard(request: web.Request) -> GatewayContext:
    ctx = request.app[CONTEXT]
    auth = request.headers.get("Authorization", "")
    token = auth[7:] if auth.lower().startswith("bearer ") else ""
    if not ctx.admin_token or not hmac.compare_digest(token.encode(), ctx.admin_token.encode()):
        raise Unauthorized("the admin endpoints need the token from the gateway's data directory")
    return ctx


async def status(request: web.Request) -> web.Response:
    ctx = _guard(request)
    guards = ctx.guards
    clock = ctx.clock
    now = clock.monotonic()
    payload: dict[str, Any] = {
        "state": ctx.state,
        "requests_served": ctx.requests_served,
        "translation_drops": ctx.translation_drops,
        "breakers": [
            {
                "key": v.key,
                "state": v.state.value,
                "failures": v.failures,
                "retry_in_s": None if v.retry_at is None else max(0.0, round(v.retry_at - now, 1)),
            }
            for v in guards.breakers.views()
        ],
        "limiter": [
            {"key": v.key, "limit": v.limit, "in_flight": v.in_flight, "queued": v.queued}
            for v in guards.limiter.views()
        ],
        "cooldowns": [
            {
                "key": lock.key,
                "model": lock.model,
                "reason": lock.reason.value,
                "remaining_s": max(0.0, round(lock.until - now, 1)),
                "strikes": lock.strikes,
            }
            for lock in guards.cooldowns.locks()
        ],
    }
    return _json(payload)


async def reset_breaker(request: web.Request) -> web.Response:
    ctx = _guard(request)
    key = request.match_info["key"]
    if key not in {v.key for v in ctx.guards.breakers.views()}:
        raise InvalidRequest(f"no breaker '{key}' (see `vansroute status`)", param="key")
    ctx.guards.breakers.reset(key)
    return _json({"reset": key})


async def clear_cooldowns(request: web.Request) -> web.Response:
    """Forgets the cooldowns of one account (after the user reactivated or fixed it)."""
    ctx = _guard(request)
    prefix = f"{request.match_info['provider']}:{request.match_info['account']}:"
    cleared = sorted({lock.key for lock in ctx.guards.cooldowns.locks() if lock.key.startswith(prefix)})
    for key in cleared:
        ctx.guards.cooldowns.clear(key)
    return _json({"cleared": cleared})
