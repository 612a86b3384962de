"""The app as a user runs it: `python -m app ...` in subprocesses, over real sockets."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
import orjson
import pytest

from tests.ui.test_tray_xvfb import x_display  # noqa: F401 - Xvfb + tray host, for the desktop test

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Result:
    code: int
    out: str
    err: str


def base_env(data_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("VANSROUTE_")}
    env.pop("DISPLAY", None)
    env.pop("WAYLAND_DISPLAY", None)
    env["VANSROUTE_DATA_DIR"] = str(data_dir)
    env["PYTHONPATH"] = str(ROOT)
    env.update(extra)
    return env


async def cli(env: Mapping[str, str], *args: str, stdin: str | None = None, timeout: float = 60) -> Result:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "app",
        *args,
        env=dict(env),
        cwd=ROOT,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(stdin.encode() if stdin is not None else b""), timeout)
    assert proc.returncode is not None
    return Result(proc.returncode, out.decode(), err.decode())


@dataclass
class Served:
    proc: asyncio.subprocess.Process
    data_dir: Path
    url: str = ""
    stderr: list[str] = field(default_factory=list)

    async def stop(self, sig: int = signal.SIGTERM, timeout: float = 20) -> int:
        if self.proc.returncode is None:
            self.proc.send_signal(sig)
        code = await asyncio.wait_for(self.proc.wait(), timeout)
        rest = await self.proc.stderr.read() if self.proc.stderr else b""
        self.stderr.append(rest.decode())
        return code

    @property
    def log(self) -> str:
        return "".join(self.stderr)


async def start_serving(env: Mapping[str, str], *args: str, timeout: float = 30) -> Served:
    data_dir = Path(env["VANSROUTE_DATA_DIR"])
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "app",
        "serve",
        "--port",
        "0",
        *args,
        env=dict(env),
        cwd=ROOT,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    served = Served(proc, data_dir)
    runtime_file = data_dir / "gateway.json"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.returncode is not None:
            rest = await proc.stderr.read() if proc.stderr else b""
            raise AssertionError(f"gateway exited with {proc.returncode}: {rest.decode()}")
        if runtime_file.exists():
            served.url = orjson.loads(runtime_file.read_bytes())["url"]
            async with aiohttp.ClientSession() as s, s.get(served.url + "/health") as resp:
                if resp.status == 200 and (await resp.json())["state"] == "serving":
                    return served
        await asyncio.sleep(0.05)
    proc.kill()
    raise AssertionError("gateway did not come up in time")


@pytest.fixture
async def serving() -> AsyncIterator[list[Served]]:
    """Collects gateways started by a test and makes sure none outlives it."""
    started: list[Served] = []
    yield started
    for served in started:
        if served.proc.returncode is None:
            served.proc.kill()
            await served.proc.wait()
