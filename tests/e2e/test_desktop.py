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


QUOTA_BODY = {
    "error": {
        "message": "You exceeded your current quota, please check your plan and billing details.",
        "type": "insufficient_quota",
        "param": None,
        "code": "insufficient_quota",
    }
}


async def test_a_spent_quota_raises_the_tray_notification_and_a_second_launch_defers(
    tmp_path: Path, x_display: str, serving: list[Served]
) -> None:
    """`vansroute serve` as a user runs it: the upstream's quota is spent, the tray says so (the
    notifier logs every message it shows); a second `vansroute serve` hands over to the first."""
    import asyncio

    from tests.e2e.conftest import cli
    from tests.fakes.openai_upstream import Behaviour, FakeOpenAI

    async with FakeOpenAI() as fake:
        env = base_env(
            tmp_path / "data",
            DISPLAY=x_display,
            QT_QPA_PLATFORM="xcb",
            FAKE_UPSTREAM_KEY="sk-fake-upstream",
            PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring",
        )
        added = await cli(
            env,
            "providers",
            "add",
            "fake",
            "--type",
            "openai",
            "--base-url",
            fake.base_url,
            "--key-env",
            "FAKE_UPSTREAM_KEY",
        )
        assert added.code == 0, added.err
        made = await cli(env, "keys", "create", "e2e")
        key = made.out.strip().splitlines()[-1]
        served = await start_serving(env)
        serving.append(served)

        # The fake's default headers say the rate limit resets in 6 ms; a spent balance resets later.
        spent = {"x-ratelimit-reset-requests": "20h", "x-ratelimit-reset-tokens": "20h"}
        fake.script(Behaviour(status=429, error_body=QUOTA_BODY, headers=spent))
        async with (
            aiohttp.ClientSession() as s,
            s.post(
                served.url + "/v1/chat/completions",
                headers={"Authorization": f"Bearer {key}"},
                json={"model": "fake/gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]},
            ) as resp,
        ):
            assert resp.status >= 400
            assert "error" in await resp.json()

        log_file = tmp_path / "data" / "logs" / "vansroute.log"
        for _ in range(100):
            if "notification: Quota used up: fake/default" in log_file.read_text():
                break
            await asyncio.sleep(0.1)
        log = log_file.read_text()
        assert "notification: Quota used up: fake/default — fake/default is parked until" in log

        second = await cli(env, "serve", "--port", "0")
        assert second.code == 0, second.err
        assert "already running" in second.err

        assert await served.stop(signal.SIGTERM) == 0
        assert "tray icon shown" in served.log
