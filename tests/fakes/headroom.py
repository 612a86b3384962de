"""A fake Headroom compressor (`headroom proxy`'s POST /v1/compress) on a real TCP socket.

It takes OpenAI Chat messages and answers with the same messages, each tool message's content
replaced by a deterministic "compression": its first and last lines around a `[headroom: N lines]`
marker. `mode` scripts a failure instead: "error" (HTTP 500), "slow" (answers after `delay`
seconds), "garbage" (a body that is not JSON), "wrong-shape" (JSON without messages), "longer" (each
tool content made longer), "empty" (each tool content emptied), "reset" (the connection is dropped).

    async with FakeHeadroom() as fake:
        ... fake.url ...            # http://127.0.0.1:PORT/v1/compress
        fake.requests[-1]           # the parsed JSON bodies received
"""

from __future__ import annotations

import asyncio
from typing import Any, Self

import orjson
from aiohttp import web


def squeeze(text: str) -> str:
    lines = text.split("\n")
    if len(lines) <= 2:
        return text
    return f"{lines[0]}\n[headroom: {len(lines) - 2} lines]\n{lines[-1]}"


class FakeHeadroom:
    def __init__(self, mode: str = "compress", delay: float = 0.0) -> None:
        self.mode = mode
        self.delay = delay
        self.requests: list[Any] = []
        self.url = ""
        self._runner: web.AppRunner | None = None

    async def _compress(self, request: web.Request) -> web.StreamResponse:
        raw = await request.read()
        self.requests.append(orjson.loads(raw))
        if self.mode == "reset":
            assert request.transport is not None
            request.transport.close()
            return web.Response()
        if self.mode == "error":
            return web.json_response({"error": "compressor crashed"}, status=500)
        if self.mode == "slow":
            await asyncio.sleep(self.delay)
        if self.mode == "garbage":
            return web.Response(text="<html>proxy error</html>", content_type="text/html")
        if self.mode == "wrong-shape":
            return web.json_response({"compressed": True})
        messages = self.requests[-1]["messages"]
        out = []
        for message in messages:
            if message.get("role") == "tool":
                content = message["content"]
                if self.mode == "longer":
                    content += "\n(annotated by headroom)"
                elif self.mode == "empty":
                    content = ""
                else:
                    content = squeeze(content)
                message = {**message, "content": content}
            out.append(message)
        return web.json_response(
            {"messages": out, "tokens_before": 0, "tokens_after": 0, "transforms_applied": ["fake"]}
        )

    async def __aenter__(self) -> Self:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_post("/v1/compress", self._compress)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.25)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        host, port = self._runner.addresses[0][:2]
        self.url = f"http://{host}:{port}/v1/compress"
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
