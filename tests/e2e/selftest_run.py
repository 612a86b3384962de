"""Running `--selftest` the way a user would: a command in a fresh process, on a private D-Bus session
with an unlocked gnome-keyring (the desktop's Secret Service), or with no keyring at all."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Sequence
from pathlib import Path

from tests.environment import need_tools

CHECKS = ("catalogue", "tokens", "keyring", "database", "gateway", "qt")
# Unlocks a new login keyring with a throwaway password, then runs the command given after `sh`.
_WITH_KEYRING = 'echo -n selftest | gnome-keyring-daemon --unlock --components=secrets >/dev/null; exec "$@"'


def clean_env(home: Path, **extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("VANSROUTE_", "DBUS_", "PYTHON_KEYRING", "XDG_"))
        and k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")
    }
    env["HOME"] = str(home)
    env.update(extra)
    return env


def run_with_keyring(
    command: Sequence[str], env: dict[str, str], cwd: Path
) -> subprocess.CompletedProcess[str]:
    need_tools(("dbus-run-session", "gnome-keyring-daemon"), "apt-get install gnome-keyring dbus")
    return subprocess.run(
        ["dbus-run-session", "--", "sh", "-c", _WITH_KEYRING, "sh", *command],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def check_lines(stdout: str) -> dict[str, str]:
    """{check name: "ok" | "FAIL"} from the report."""
    found: dict[str, str] = {}
    for line in stdout.splitlines():
        parts = line.split()
        if len(parts) >= 2 and parts[0] in ("ok", "FAIL") and line.startswith("  "):
            found[parts[1]] = parts[0]
    return found
