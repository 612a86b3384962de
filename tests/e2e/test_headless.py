"""A user's first five minutes, headless: start, create a key, add a provider, stream a completion."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
import time
from pathlib import Path

import aiohttp
import openai

from tests.e2e.conftest import ROOT, Served, base_env, cli, start_serving
from tests.fakes.openai_upstream import Behaviour, FakeOpenAI


async def test_quick_start_journey(tmp_path: Path, serving: list[Served]) -> None:
    async with FakeOpenAI(models=("gpt-4o-mini",), api_key="sk-upstream-e2e") as fake:
        env = base_env(tmp_path / "data", UPSTREAM_KEY="sk-upstream-e2e")
        served = await start_serving(env, "--headless")
        serving.append(served)

        created = await cli(env, "keys", "create", "laptop")
        assert created.code == 0, created.err
        key = created.out.strip().splitlines()[-1]
        assert key.startswith("vr-") and len(key) > 30

        added = await cli(
            env,
            "providers",
            "add",
            "fake",
            "--type",
            "openai",
            "--base-url",
            fake.base_url,
            "--models",
            "gpt-4o-mini",
            "--key-env",
            "UPSTREAM_KEY",
        )
        assert added.code == 0, added.err
        t_added = time.monotonic()

        fake.script(Behaviour(text="streamed through the gateway", chunk_interval=0.002))
        async with openai.AsyncOpenAI(base_url=served.url + "/v1", api_key=key, max_retries=0) as client:
            while True:  # the running gateway picks the new provider up on its own
                try:
                    stream = await client.chat.completions.create(
                        model="fake/gpt-4o-mini", messages=[{"role": "user", "content": "hi"}], stream=True
                    )
                    break
                except (openai.NotFoundError, openai.AuthenticationError):
                    assert time.monotonic() - t_added < 2.0, "admin change not applied within 2 s"
                    await asyncio.sleep(0.05)
            text = "".join([c.choices[0].delta.content or "" async for c in stream if c.choices])
        assert text == "streamed through the gateway"
        assert fake.chat_requests[-1].header("Authorization") == "Bearer sk-upstream-e2e"

        listed = await cli(env, "providers", "list")
        assert "fake" in listed.out and "openai" in listed.out
        assert await served.stop(signal.SIGTERM) == 0
    assert "VansRoute serving on" in served.log
    assert not (tmp_path / "data" / "gateway.json").exists()
    # Secrets never reach logs or the database.
    log_text = (tmp_path / "data" / "logs" / "vansroute.log").read_text()
    db_bytes = (tmp_path / "data" / "vansroute.db").read_bytes()
    for secret in (key, "sk-upstream-e2e"):
        assert secret not in log_text and secret not in served.log
        assert secret.encode() not in db_bytes


async def test_sigint_with_a_request_in_flight_finishes_it(tmp_path: Path, serving: list[Served]) -> None:
    async with FakeOpenAI(api_key="sk-up") as fake:
        env = base_env(tmp_path / "data", UPSTREAM_KEY="sk-up")
        key = (await cli(env, "keys", "create", "k")).out.strip().splitlines()[-1]
        await cli(
            env,
            "providers",
            "add",
            "fake",
            "--type",
            "openai",
            "--base-url",
            fake.base_url,
            "--key-env",
            "UPSTREAM_KEY",
        )
        served = await start_serving(env, "--headless")
        serving.append(served)
        fake.script(Behaviour(delay_first_byte=0.6))
        async with openai.AsyncOpenAI(base_url=served.url + "/v1", api_key=key, max_retries=0) as client:
            pending = asyncio.ensure_future(
                client.chat.completions.create(
                    model="fake/gpt-4o-mini", messages=[{"role": "user", "content": "x"}]
                )
            )
            while not fake.chat_requests:
                await asyncio.sleep(0.01)
            served.proc.send_signal(signal.SIGINT)
            reply = await pending
        assert reply.choices[0].message.content
        assert await served.stop() == 0


async def test_serve_without_display_falls_back_to_headless(tmp_path: Path, serving: list[Served]) -> None:
    served = await start_serving(base_env(tmp_path / "data"))
    serving.append(served)
    async with aiohttp.ClientSession() as s, s.get(served.url + "/health") as resp:
        health = await resp.json()
    assert health["status"] == "ok"
    assert await served.stop(signal.SIGINT) == 0
    assert "no display found: running headless" in served.log


def test_headless_never_imports_qt(tmp_path: Path) -> None:
    script = f"""
import os, signal, sys, threading
sys.argv = ["vansroute"]
from app.main import main
threading.Timer(1.5, lambda: os.kill(os.getpid(), signal.SIGTERM)).start()
code = main(["serve", "--headless", "--port", "0", "--data-dir", {str(tmp_path)!r}])
qt = sorted(m for m in sys.modules if m.split(".")[0] in ("PySide6", "shiboken6", "qasync"))
print("EXIT", code, "QT", qt)
"""
    env = base_env(tmp_path)
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert "EXIT 0 QT []" in done.stdout, done.stdout + done.stderr


async def test_port_in_use_is_a_clear_error(tmp_path: Path, serving: list[Served]) -> None:
    first = await start_serving(base_env(tmp_path / "a"), "--headless")
    serving.append(first)
    port = first.url.rsplit(":", 1)[1]
    second = await cli(base_env(tmp_path / "b"), "serve", "--headless", "--port", port)
    assert second.code == 1
    assert "cannot listen on" in second.err
    assert "Traceback" not in second.err
