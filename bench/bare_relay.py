"""The floor for a Python gateway: a bare aiohttp relay, as in REFERENCE.md's measurements.

    python -m bench.bare_relay --port P --upstream http://127.0.0.1:N/v1   (key in $VANSROUTE_BENCH_UPSTREAM_KEY)

No local auth, no routing, no accounting: the body goes up with the upstream key, the answer comes back
as bytes (streamed when it is SSE). ``bench.overhead --modes relay`` measures it exactly as it measures
VansRoute, so the gateway can be compared with the floor on the same machine in the same run.
"""

from __future__ import annotations

import argparse
import os

import aiohttp
from aiohttp import web

SESSION = web.AppKey("session", aiohttp.ClientSession)


def build(upstream: str, key: str) -> web.Application:
    async def chat(request: web.Request) -> web.StreamResponse:
        body = await request.read()
        headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
        async with request.app[SESSION].post(
            upstream + "/chat/completions", data=body, headers=headers
        ) as up:
            if up.content_type != "text/event-stream":
                return web.Response(status=up.status, body=await up.read(), content_type=up.content_type)
            resp = web.StreamResponse(status=up.status, headers={"Content-Type": "text/event-stream"})
            await resp.prepare(request)
            async for chunk in up.content.iter_any():
                await resp.write(chunk)
            await resp.write_eof()
            return resp

    async def health(_request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    async def session_ctx(app: web.Application):  # type: ignore[no-untyped-def]
        app[SESSION] = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0))
        yield
        await app[SESSION].close()

    app = web.Application()
    app.cleanup_ctx.append(session_ctx)
    app.router.add_post("/v1/chat/completions", chat)
    app.router.add_get("/health", health)
    return app


def main() -> int:
    parser = argparse.ArgumentParser(description="a bare aiohttp relay (benchmark floor)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--upstream", required=True, help="base URL ending in /v1")
    args = parser.parse_args()
    key = os.environ["VANSROUTE_BENCH_UPSTREAM_KEY"]
    try:
        import uvloop
    except ImportError:
        loop = None
    else:
        loop = uvloop.new_event_loop()
    web.run_app(
        build(args.upstream, key), host=args.host, port=args.port, access_log=None, print=None, loop=loop
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
