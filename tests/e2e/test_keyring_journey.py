"""The desktop path for secrets: a provider key typed into the CLI lands in a real Secret Service, and
the gateway (another process) reads it from there. Both run on one private D-Bus session."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from pathlib import Path

import openai
import orjson
import pytest

from tests.e2e.conftest import ROOT
from tests.environment import need_tools
from tests.fakes.openai_upstream import FakeOpenAI

pytestmark = pytest.mark.secret_service


def _require_tools() -> None:
    need_tools(("dbus-run-session", "gnome-keyring-daemon"), "apt-get install gnome-keyring dbus")


async def test_key_from_stdin_goes_through_the_keyring_to_the_gateway(tmp_path: Path) -> None:
    _require_tools()
    home = tmp_path / "home"
    home.mkdir()
    data = tmp_path / "data"
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(home),
        "PYTHONPATH": str(ROOT),
        "VANSROUTE_DATA_DIR": str(data),
    }
    async with FakeOpenAI(api_key="sk-from-the-keyring") as fake:
        py = sys.executable
        script = (
            "echo -n pw | gnome-keyring-daemon --unlock --components=secrets >/dev/null; "
            f'"{py}" -m app keys create desk > "{tmp_path}/key.txt" && '
            f'printf %s sk-from-the-keyring | "{py}" -m app providers add fake --type openai '
            f"--base-url {fake.base_url} --models gpt-4o-mini && "
            f'exec "{py}" -m app serve --headless --port 0'
        )
        proc = await asyncio.create_subprocess_exec(
            "dbus-run-session", "--", "sh", "-c", script, env=env, cwd=ROOT, stderr=asyncio.subprocess.PIPE
        )
        try:
            runtime_file = data / "gateway.json"
            deadline = time.monotonic() + 60
            while not runtime_file.exists():
                assert proc.returncode is None, (await proc.stderr.read()).decode()  # type: ignore[union-attr]
                assert time.monotonic() < deadline, "gateway did not start"
                await asyncio.sleep(0.1)
            info = orjson.loads(runtime_file.read_bytes())
            key = (tmp_path / "key.txt").read_text().strip().splitlines()[-1]
            async with openai.AsyncOpenAI(base_url=info["url"] + "/v1", api_key=key, max_retries=0) as client:
                reply = await client.chat.completions.create(
                    model="fake/gpt-4o-mini", messages=[{"role": "user", "content": "hi"}]
                )
            assert reply.choices[0].message.content
            assert fake.chat_requests[0].header("Authorization") == "Bearer sk-from-the-keyring"
            os.kill(info["pid"], signal.SIGTERM)
            assert await asyncio.wait_for(proc.wait(), 30) == 0
        finally:
            if proc.returncode is None:
                proc.kill()
                await proc.wait()
    db = (data / "vansroute.db").read_bytes()
    assert b"sk-from-the-keyring" not in db
    assert "sk-from-the-keyring" not in (data / "logs" / "vansroute.log").read_text()
