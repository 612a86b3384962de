"""The tray under a real X server: Xvfb + trayer (a tray host), screenshots of the menu and the window.

Needs: Xvfb, trayer, xdotool and ImageMagick (import, convert, display, identify), plus Qt's xcb
libraries. Skipped when a tool is missing, unless VANSROUTE_TEST_REQUIRE_ALL=1 (then it fails).
Screenshots go to $VANSROUTE_SCREENSHOT_DIR (default: the test's tmp dir).
"""

from __future__ import annotations

import os
import re
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.environment import need_tools
from tests.ui.procs import Child

pytestmark = pytest.mark.xvfb

TOOLS = ("Xvfb", "trayer", "xdotool", "import", "convert", "display", "identify")
SCREEN_W, SCREEN_H = 1280, 800
BACKDROP = "#4c5a63"  # a calm slate "desktop" so screenshots are not black


@dataclass(frozen=True)
class Rect:
    x: int
    y: int
    w: int
    h: int

    @classmethod
    def parse(cls, line: str) -> Rect:
        x, y, w, h = (int(v) for v in line.split()[1:5])
        return cls(x, y, w, h)

    @property
    def center(self) -> tuple[int, int]:
        return self.x + self.w // 2, self.y + self.h // 2


def _require_tools() -> None:
    need_tools(TOOLS, "apt-get install xvfb trayer xdotool imagemagick")


def _run(display: str, *cmd: str, timeout: float = 15, check: bool = True) -> str:
    env = {**os.environ, "DISPLAY": display}
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout, check=False)
    if check and done.returncode != 0:
        raise AssertionError(f"{cmd} failed ({done.returncode}): {done.stderr}")
    return done.stdout


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


@pytest.fixture
def x_display(tmp_path: Path) -> Iterator[str]:
    """A fresh Xvfb on a free display (Xvfb picks it: -displayfd), with a backdrop and a tray host."""
    _require_tools()
    xvfb_log = (tmp_path / "xvfb.log").open("wb")
    trayer_log = (tmp_path / "trayer.log").open("wb")
    read_fd, write_fd = os.pipe()
    xvfb = subprocess.Popen(
        [
            *("Xvfb", "-displayfd", str(write_fd)),
            *("-screen", "0", f"{SCREEN_W}x{SCREEN_H}x24", "-nolisten", "tcp"),
        ],
        pass_fds=(write_fd,),
        stdout=subprocess.DEVNULL,
        stderr=xvfb_log,
    )
    os.close(write_fd)
    trayer: subprocess.Popen[bytes] | None = None
    try:
        with os.fdopen(read_fd, "rb") as pipe:
            number = pipe.readline().strip().decode()
        assert number.isdigit(), f"Xvfb did not report a display: {(tmp_path / 'xvfb.log').read_text()}"
        display = f":{number}"

        backdrop = tmp_path / "backdrop.png"
        _run(display, "convert", "-size", f"{SCREEN_W}x{SCREEN_H}", f"xc:{BACKDROP}", str(backdrop))
        # Sets the root window's background; exits 1 on Xvfb even though it worked. Cosmetic only.
        _run(display, "display", "-window", "root", str(backdrop), check=False)

        trayer = subprocess.Popen(
            [
                *("trayer", "--edge", "top", "--align", "right", "--widthtype", "pixel"),
                *("--width", "200", "--height", "32", "--tint", "0xe8e8e8", "--transparent", "false"),
            ],
            env={**os.environ, "DISPLAY": display},
            stdout=subprocess.DEVNULL,
            stderr=trayer_log,
        )
        _run(display, "xdotool", "search", "--sync", "--class", "trayer", timeout=15)
        time.sleep(0.3)  # the tray selection is taken right after the panel window appears
        yield display
    finally:
        if trayer is not None:
            _stop(trayer)
        _stop(xvfb)
        xvfb_log.close()
        trayer_log.close()


def _screenshot_dir(tmp_path: Path) -> Path:
    configured = os.environ.get("VANSROUTE_SCREENSHOT_DIR")
    path = Path(configured) if configured else tmp_path / "screenshots"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _shoot(display: str, out: Path, region: Rect) -> None:
    """``import -window root``, cropped to ``region`` (clamped to the screen)."""
    x, y = max(0, region.x), max(0, region.y)
    w = min(SCREEN_W, region.x + region.w) - x
    h = min(SCREEN_H, region.y + region.h) - y
    _run(display, "import", "-window", "root", "-crop", f"{w}x{h}+{x}+{y}", "+repage", str(out))
    data = out.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n"), f"{out} is not a PNG"
    assert len(data) > 1000, f"{out} is suspiciously small"
    # Something was drawn: a blank crop would be one or two colours.
    colours = int(_run(display, "identify", "-format", "%k", str(out)))
    assert colours > 20, f"{out} looks blank ({colours} colours)"


def test_tray_menu_and_status_window_screenshots(x_display: str, tmp_path: Path):
    shots = _screenshot_dir(tmp_path)
    env = {"DISPLAY": x_display, "QT_QPA_PLATFORM": "xcb"}
    with Child("tests.ui.fake_runtime", "--demo", env=env) as app:
        assert app.wait_for("READY") == "READY tray_available=True", app.transcript()
        icon = Rect.parse(app.wait_for("TRAY-GEOMETRY"))
        assert icon.y < 32 and icon.x > SCREEN_W - 200, f"icon not in the tray panel: {icon}"

        # Right-click: the context menu.
        _run(x_display, "xdotool", "mousemove", str(icon.center[0]), str(icon.center[1]), "click", "3")
        shown = app.wait_for("MENU-SHOWN")
        menu = Rect.parse(shown)
        time.sleep(0.3)
        margin = 24
        _shoot(
            x_display,
            shots / "tray-menu.png",
            Rect(menu.x - margin, 0, SCREEN_W - menu.x + margin, menu.y + menu.h + margin),
        )
        _run(x_display, "xdotool", "key", "Escape")
        app.wait_for("MENU-HIDDEN")

        # Left-click: the status window.
        _run(x_display, "xdotool", "mousemove", str(icon.center[0]), str(icon.center[1]), "click", "1")
        window = Rect.parse(app.wait_for("WINDOW-SHOWN"))
        time.sleep(0.5)
        _shoot(
            x_display,
            shots / "status-window.png",
            Rect(window.x - margin, window.y - margin, window.w + 2 * margin, window.h + 2 * margin),
        )

        # Quit from the real menu ends the app cleanly.
        _run(x_display, "xdotool", "mousemove", str(icon.center[0]), str(icon.center[1]), "click", "3")
        quit_at = re.search(r"quit=(\d+),(\d+)", app.wait_for("MENU-SHOWN"))
        assert quit_at, shown
        time.sleep(0.2)
        _run(x_display, "xdotool", "mousemove", quit_at[1], quit_at[2], "click", "1")
        assert app.wait(timeout=20) == 0, app.transcript()
        assert "FAKE-RUNTIME stopped" in app.stdout
        assert "no system tray available" not in app.transcript()


def test_a_second_launch_brings_the_first_to_the_front(x_display: str, tmp_path: Path):
    env = {"DISPLAY": x_display, "QT_QPA_PLATFORM": "xcb"}
    data = str(tmp_path / "data")
    with Child("tests.ui.fake_runtime", "--data-dir", data, env=env) as first:
        assert first.wait_for("READY") == "READY tray_available=True", first.transcript()
        assert not any(line.startswith("WINDOW-SHOWN") for line in first.stdout)  # in the tray only
        with Child("tests.ui.fake_runtime", "--data-dir", data, env=env) as second:
            assert second.wait(timeout=20) == 0, second.transcript()
            assert "already running" in second.transcript()
            assert not any(line.startswith("READY") for line in second.stdout)  # it never started
        first.wait_for("WINDOW-SHOWN")
        first.proc.terminate()
        assert first.wait(timeout=20) == 0, first.transcript()


QUOTA_BODY = {
    "error": {
        "message": "You exceeded your current quota, please check your plan and billing details.",
        "type": "insufficient_quota",
        "param": None,
        "code": "insufficient_quota",
    }
}


async def _seen(app: Child, prefix: str, timeout: float = 20.0) -> str:
    """The first stdout line starting with ``prefix``, whenever it came (markers arrive in any order)."""
    import asyncio

    for _ in range(int(timeout / 0.1)):
        found = next((line for line in list(app.stdout) if line.startswith(prefix)), None)
        if found is not None:
            return found
        await asyncio.sleep(0.1)
    raise AssertionError(f"no {prefix!r} line within {timeout}s\n{app.transcript()}")


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_the_real_app_notifies_a_parked_quota_and_lists_it(x_display: str, tmp_path: Path):
    """The real Runtime and desktop shell under Xvfb + trayer; a fake upstream says "quota exhausted"."""
    import asyncio

    import aiohttp

    from app.credentials.memory_store import MemorySecretStore
    from app.services.admin import KeySource, open_admin
    from app.services.config import load_config
    from tests.fakes.openai_upstream import Behaviour, FakeOpenAI

    shots = _screenshot_dir(tmp_path)
    data = tmp_path / "data"
    port = _free_port()
    config = load_config({}, data_dir=str(data), port=port)
    async with FakeOpenAI() as fake:
        with open_admin(config.database_url, {}, MemorySecretStore()) as admin:
            admin.add_provider(
                "fake",
                wire_format="openai",
                base_url=fake.base_url,
                models=None,
                key=KeySource(env_var="FAKE_UPSTREAM_KEY"),
            )
            _record, key = admin.create_key("e2e")
        env = {
            "DISPLAY": x_display,
            "QT_QPA_PLATFORM": "xcb",
            "FAKE_UPSTREAM_KEY": "sk-fake-upstream",
            "HOME": str(tmp_path / "home"),
        }
        with Child("tests.ui.desktop_probe", "--data-dir", str(data), "--port", str(port), env=env) as app:
            ready = await asyncio.to_thread(app.wait_for, "READY", 40)
            assert ready == f"READY tray_available=True url=http://127.0.0.1:{port}", app.transcript()
            icon = Rect.parse(await asyncio.to_thread(app.wait_for, "TRAY-GEOMETRY"))

            # The fake's default rate-limit headers say "reset in 6ms", which would unpark the account
            # at once; a spent balance resets much later.
            spent = {"x-ratelimit-reset-requests": "20h", "x-ratelimit-reset-tokens": "20h"}
            fake.script(Behaviour(status=429, error_body=QUOTA_BODY, headers=spent))
            async with (
                aiohttp.ClientSession() as session,
                session.post(
                    f"http://127.0.0.1:{port}/v1/chat/completions",
                    headers={"Authorization": f"Bearer {key}"},
                    json={"model": "fake/gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]},
                ) as resp,
            ):
                # The only account is spent: the client gets an error in its own format.
                assert resp.status >= 400
                assert "error" in await resp.json()

            notified = await _seen(app, "NOTIFIED")
            assert notified.startswith(
                "NOTIFIED Quota used up: fake/default | fake/default is parked until "
            ), notified
            await asyncio.sleep(0.6)  # the balloon is drawn
            _shoot(x_display, shots / "tray-notification.png", Rect(SCREEN_W - 520, 0, 520, 260))

            parked = await _seen(app, "PARKED")
            assert parked.startswith("PARKED fake/default "), parked
            window = Rect.parse(await _seen(app, "WINDOW-SHOWN"))
            await asyncio.sleep(0.3)
            _shoot(x_display, shots / "resilience-live.png", Rect(window.x, window.y, window.w, window.h))
            assert icon.x > SCREEN_W - 200

            app.proc.terminate()
            code = await asyncio.to_thread(app.wait, 30)
            assert code == 0, app.transcript()
            assert "notification: Quota used up: fake/default" in app.transcript()
            assert "Traceback" not in app.transcript()
