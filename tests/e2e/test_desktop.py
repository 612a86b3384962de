"""`vansroute serve` where there is a display: the real app in the tray, on qasync, under Xvfb."""

from __future__ import annotations

import signal
from pathlib import Path

import aiohttp
import pytest

from tests.e2e.conftest import Served, base_env, start_serving

pytestmark = pytest.mark.xvfb


async def test_serve_with_a_display_runs_the_tray_app(
    tmp_path: Path, x_display: str, serving: list[Served]
) -> None:
    env = base_env(tmp_path / "data", DISPLAY=x_display, QT_QPA_PLATFORM="xcb")
    served = await start_serving(env)
    serving.append(served)
    async with aiohttp.ClientSession() as s, s.get(served.url + "/health") as resp:
        health = await resp.json()
    assert health["mode"] == "desktop"
    assert health["state"] == "serving"
    assert await served.stop(signal.SIGTERM) == 0
    assert "no display found" not in served.log
    assert "tray icon shown" in served.log
    assert "no system tray available" not in served.log
