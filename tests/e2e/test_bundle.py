"""The frozen Linux bundle (PyInstaller one-folder build) as a user gets it: its self-test, one request
through it running headless, and its install and uninstall scripts.

.ci/run builds the bundle with installers/linux/build.sh and points VANSROUTE_TEST_BUNDLE at the
folder (dist/vansroute). Without it these tests are unavailable: skipped on a developer's machine,
failures in CI.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import aiohttp
import openai
import orjson
import pytest

from tests.e2e.selftest_run import CHECKS, check_lines, clean_env, run_with_keyring
from tests.environment import unavailable
from tests.fakes.openai_upstream import Behaviour, FakeOpenAI

pytestmark = pytest.mark.skipif(
    sys.platform != "linux", reason="the Linux bundle; other systems build theirs in the release workflow"
)


def bundle_dir() -> Path:
    value = os.environ.get("VANSROUTE_TEST_BUNDLE")
    if not value:
        unavailable(
            "VANSROUTE_TEST_BUNDLE is not set (build the bundle: installers/linux/build.sh, then "
            "VANSROUTE_TEST_BUNDLE=dist/vansroute)"
        )
    folder = Path(value).resolve()
    if not (folder / "vansroute").is_file():
        unavailable(
            f"VANSROUTE_TEST_BUNDLE={value} holds no vansroute executable (run installers/linux/build.sh)"
        )
    return folder


def run(
    command: list[str], env: dict[str, str], *, stdin: str = "", timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command, env=env, input=stdin, capture_output=True, text=True, timeout=timeout, check=False
    )


@pytest.mark.secret_service
def test_bundle_selftest_passes(tmp_path: Path) -> None:
    folder = bundle_dir()
    # cwd outside the checkout: the bundle must find everything inside itself.
    done = run_with_keyring([str(folder / "vansroute"), "--selftest"], clean_env(tmp_path), tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "(frozen app, linux)" in done.stdout.splitlines()[0]
    assert check_lines(done.stdout) == dict.fromkeys(CHECKS, "ok")
    assert f"{folder}/_internal/app/resources/providers" in done.stdout


async def test_bundle_serves_a_request_headless(tmp_path: Path) -> None:
    exe = str(bundle_dir() / "vansroute")
    env = clean_env(
        tmp_path / "home", VANSROUTE_DATA_DIR=str(tmp_path / "data"), UPSTREAM_KEY="sk-bundle-e2e"
    )
    (tmp_path / "home").mkdir()
    async with FakeOpenAI(models=("gpt-4o-mini",), api_key="sk-bundle-e2e") as fake:
        created = run([exe, "keys", "create", "bundle"], env)
        assert created.returncode == 0, created.stderr
        key = created.stdout.strip().splitlines()[-1]
        added = run(
            [
                exe,
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
            ],
            env,
        )
        assert added.returncode == 0, added.stderr

        proc = await asyncio.create_subprocess_exec(
            exe,
            "serve",
            "--headless",
            "--port",
            "0",
            env=env,
            cwd=tmp_path,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
        try:
            url = await _wait_until_serving(proc, tmp_path / "data" / "gateway.json")
            fake.script(Behaviour(text="through the frozen gateway", chunk_interval=0.002))
            async with openai.AsyncOpenAI(base_url=url + "/v1", api_key=key, max_retries=0) as client:
                stream = await client.chat.completions.create(
                    model="fake/gpt-4o-mini", messages=[{"role": "user", "content": "hi"}], stream=True
                )
                text = "".join([c.choices[0].delta.content or "" async for c in stream if c.choices])
            assert text == "through the frozen gateway"
            assert fake.chat_requests[-1].header("Authorization") == "Bearer sk-bundle-e2e"
        finally:
            if proc.returncode is None:
                proc.send_signal(signal.SIGTERM)
            code = await asyncio.wait_for(proc.wait(), 20)
            log = (await proc.stderr.read()).decode() if proc.stderr else ""
        assert code == 0, log
        assert "Traceback" not in log


async def _wait_until_serving(proc: asyncio.subprocess.Process, runtime_file: Path) -> str:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.returncode is not None:
            rest = (await proc.stderr.read()).decode() if proc.stderr else ""
            raise AssertionError(f"the bundle exited with {proc.returncode}: {rest}")
        url = _advertised_url(runtime_file)
        if url is not None:
            async with aiohttp.ClientSession() as session, session.get(url + "/health") as response:
                if response.status == 200 and (await response.json())["state"] == "serving":
                    return url
        await asyncio.sleep(0.05)
    raise AssertionError("the bundle was not serving within 30 s")


def _advertised_url(runtime_file: Path) -> str | None:
    """The URL the running gateway wrote to its runtime file, once it exists."""
    if not runtime_file.exists():
        return None
    return str(orjson.loads(runtime_file.read_bytes())["url"])


def test_install_then_uninstall_restores_the_users_tools(tmp_path: Path) -> None:
    folder = bundle_dir()
    if not (folder / "install.sh").is_file():
        unavailable(f"{folder} has no install.sh: build it with installers/linux/build.sh")
    home = tmp_path / "home"
    claude = home / ".claude" / "settings.json"
    claude.parent.mkdir(parents=True)
    original = b'{\n    "theme": "dark",  "verbose": true\n}\n'
    claude.write_bytes(original)
    env = clean_env(home, PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring")
    prefix = tmp_path / "opt" / "vansroute"

    installed = run([str(folder / "install.sh"), "--prefix", str(prefix), "--autostart"], env)
    assert installed.returncode == 0, installed.stderr
    exec_line = f'Exec="{prefix}/vansroute" serve'
    menu = home / ".local/share/applications/vansroute.desktop"
    autostart = home / ".config/autostart/vansroute.desktop"
    assert exec_line in menu.read_text().splitlines()
    assert exec_line in autostart.read_text().splitlines()
    assert "X-VansRoute-Autostart=true" in autostart.read_text().splitlines()
    assert (home / ".local/share/icons/hicolor/256x256/apps/vansroute.png").is_file()
    link = home / ".local/bin/vansroute"
    assert link.resolve() == (prefix / "vansroute").resolve()

    # The installed command works from the link, and points Claude Code at the gateway.
    configured = run([str(link), "configure", "claude-code"], env)
    assert configured.returncode == 0, configured.stderr
    assert b"ANTHROPIC_BASE_URL" in claude.read_bytes()
    data_dir = home / ".local/share/VansRoute"
    assert (data_dir / "vansroute.db").is_file()

    removed = run([str(prefix / "uninstall.sh")], env)
    assert removed.returncode == 0, removed.stdout + removed.stderr
    assert claude.read_bytes() == original
    assert not prefix.exists()
    assert not menu.exists() and not autostart.exists() and not link.exists()
    # The user's data stays unless they ask.
    assert (data_dir / "vansroute.db").is_file()
    assert f"your data is kept in {data_dir}" in removed.stdout


def test_uninstall_leaves_a_foreign_autostart_entry_and_purges_data_on_request(tmp_path: Path) -> None:
    folder = bundle_dir()
    if not (folder / "install.sh").is_file():
        unavailable(f"{folder} has no install.sh: build it with installers/linux/build.sh")
    home = tmp_path / "home"
    env = clean_env(home, PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring")
    prefix = tmp_path / "vr"
    assert run([str(folder / "install.sh"), "--prefix", str(prefix)], env).returncode == 0
    # The user's own autostart entry under our file name, without our marker.
    mine = home / ".config/autostart/vansroute.desktop"
    mine.parent.mkdir(parents=True)
    mine.write_text("[Desktop Entry]\nType=Application\nExec=/usr/bin/true\n")
    (home / ".local/share/VansRoute").mkdir(parents=True, exist_ok=True)

    removed = run([str(prefix / "uninstall.sh"), "--purge-data"], env)
    assert removed.returncode == 0, removed.stdout + removed.stderr
    assert mine.read_text() == "[Desktop Entry]\nType=Application\nExec=/usr/bin/true\n"
    assert not (home / ".local/share/VansRoute").exists()
    assert not prefix.exists()


@pytest.mark.xvfb
async def test_bundle_runs_the_tray_app_where_there_is_a_display(tmp_path: Path, x_display: str) -> None:
    exe = str(bundle_dir() / "vansroute")
    env = clean_env(tmp_path / "home", VANSROUTE_DATA_DIR=str(tmp_path / "data"), DISPLAY=x_display)
    env["QT_QPA_PLATFORM"] = "xcb"
    (tmp_path / "home").mkdir()
    proc = await asyncio.create_subprocess_exec(
        exe,
        "serve",
        "--port",
        "0",
        env=env,
        cwd=tmp_path,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        url = await _wait_until_serving(proc, tmp_path / "data" / "gateway.json")
        async with aiohttp.ClientSession() as session, session.get(url + "/health") as response:
            health = await response.json()
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(proc.wait(), 20)
        log = (await proc.stderr.read()).decode() if proc.stderr else ""
    assert health["mode"] == "desktop", log
    assert code == 0, log
    # The xcb platform plugin and the tray work from inside the bundle.
    assert "tray icon shown" in log
    assert "Traceback" not in log
