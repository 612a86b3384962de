"""Probes, health and the model list."""

from __future__ import annotations

import orjson
from aiohttp import web

from app.gateway.auth import authenticate
from app.gateway.context import CONTEXT


def _json(payload: object, status: int = 200) -> web.Response:
    return web.Response(status=status, body=orjson.dumps(payload), content_type="application/json")


async def root(request: web.Request) -> web.Response:
    # Claude Code probes `HEAD /` before its first request; any 200 will do.
    ctx = request.app[CONTEXT]
    return _json({"name": "VansRoute", "version": ctx.version})


async def health(request: web.Request) -> web.Response:
    ctx = request.app[CONTEXT]
    snapshot = ctx.snapshots.current
    uptime = ctx.clock.monotonic() - ctx.started_at if ctx.started_at else 0.0
    return _json(
        {
            "status": "ok" if ctx.state == "serving" else ctx.state,
            "state": ctx.state,
            "version": ctx.version,
            "mode": ctx.mode,
            "uptime_s": round(uptime, 3),
            "providers": len(snapshot.providers),
            "accounts": snapshot.accounts_total,
            "config_version": snapshot.version,
            "requests_served": ctx.requests_served,
        }
    )


async def list_models(request: web.Request) -> web.Response:
    ctx = request.app[CONTEXT]
    snapshot = ctx.snapshots.current
    authenticate(request, snapshot)
    data = [
        {"id": f"{pid}/{model}", "object": "model", "created": 0, "owned_by": pid}
        for pid in sorted(snapshot.providers)
        for model in snapshot.providers[pid].models
    ]
    return _json({"object": "list", "data": data})
