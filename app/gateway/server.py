"""Binding the application to a socket and shutting it down gracefully."""

from __future__ import annotations

import logging

from aiohttp import web

_log = logging.getLogger(__name__)


class GatewayServer:
    def __init__(self, app: web.Application, host: str, port: int, *, shutdown_timeout: float = 10.0) -> None:
        self._app = app
        self._host = host
        self._port = port
        # On stop, in-flight requests get this long to finish before they are cancelled.
        self._runner = web.AppRunner(
            app, access_log=None, handle_signals=False, shutdown_timeout=shutdown_timeout
        )
        self._site: web.TCPSite | None = None
        self.bound_port: int | None = None

    @property
    def url(self) -> str:
        host = f"[{self._host}]" if ":" in self._host else self._host
        return f"http://{host}:{self.bound_port or self._port}"

    async def start(self) -> None:
        await self._runner.setup()
        self._site = web.TCPSite(self._runner, self._host, self._port, reuse_address=True)
        await self._site.start()
        addresses = self._runner.addresses
        self.bound_port = int(addresses[0][1]) if addresses else self._port

    async def stop(self) -> None:
        await self._runner.cleanup()
