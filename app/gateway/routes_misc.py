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
            "translation_drops": ctx.translation_drops,
        }
    )


def _model_ids(request: web.Request) -> list[tuple[str, str]]:
    """(owner, model) for what the caller's key may use: its combos, then provider/model for every
    model a configured provider offers (the user's list, else its own list and the catalogue's)."""
    ctx = request.app[CONTEXT]
    snapshot = ctx.snapshots.current
    limits = authenticate(request, snapshot).limits
    ids = [("vansroute", f"combo/{name}") for name in sorted(snapshot.combos) if limits.combos.allows(name)]
    ids.extend(
        (pid, f"{pid}/{model}")
        for pid in sorted(snapshot.providers)
        if limits.providers.allows(pid)
        for model in snapshot.providers[pid].offers()
    )
    return ids


# Claude Code validates created_at as a timestamp; the gateway does not know when a model was released.
_EPOCH = "1970-01-01T00:00:00Z"


async def list_models(request: web.Request) -> web.Response:
    """OpenAI's list shape, or Anthropic's when the caller speaks Anthropic (Claude Code sends
    `anthropic-version` with its `GET /v1/models?limit=1000`)."""
    ids = _model_ids(request)
    if "anthropic-version" in request.headers:
        data = [{"type": "model", "id": mid, "display_name": mid, "created_at": _EPOCH} for _, mid in ids]
        return _json(
            {
                "data": data,
                "has_more": False,
                "first_id": data[0]["id"] if data else None,
                "last_id": data[-1]["id"] if data else None,
            }
        )
    return _json(
        {
            "object": "list",
            "data": [{"id": mid, "object": "model", "created": 0, "owned_by": pid} for pid, mid in ids],
        }
    )


async def list_gemini_models(request: web.Request) -> web.Response:
    methods = ["generateContent", "streamGenerateContent", "countTokens"]
    models = [
        {"name": f"models/{mid}", "displayName": mid, "supportedGenerationMethods": methods}
        for _, mid in _model_ids(request)
    ]
    return _json({"models": models})
