"""Start at login, the way each desktop expects it.

- Linux (and other XDG desktops): ``$XDG_CONFIG_HOME/autostart/vansroute.desktop`` (default
  ``~/.config/autostart``), per the XDG Autostart specification.
- macOS: a LaunchAgent, ``~/Library/LaunchAgents/<label>.plist`` with ``RunAtLoad``.
- Windows: a value under ``HKCU\\Software\\Microsoft\\Windows\\CurrentVersion\\Run`` (a Startup-folder
  shortcut would need COM to write a ``.lnk``; the Run key is what installers use too).

Everything is computed from an explicit home, environment and platform so tests can point it at a
temporary HOME; the only OS-specific code (the registry) sits behind a small protocol.
"""

from __future__ import annotations

import importlib
import plistlib
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from app.services.atomic_file import write_atomic

APP_NAME = "VansRoute"
LAUNCH_AGENT_LABEL = "app.vansroute.desktop"
DESKTOP_FILE = "vansroute.desktop"
RUN_KEY = r"Software\Microsoft\Windows\CurrentVersion\Run"
# Marks a .desktop file as ours, so we never delete one the user wrote by hand.
MARKER = "X-VansRoute-Autostart=true"


class RunKey(Protocol):
    """The few registry operations autostart needs (HKCU Run key)."""

    def get(self, name: str) -> str | None: ...

    def set(self, name: str, command: str) -> None: ...

    def delete(self, name: str) -> None: ...


class WindowsRunKey:
    """``RunKey`` on the real registry (importable anywhere; winreg is imported only when used)."""

    def get(self, name: str) -> str | None:
        winreg = _winreg()

        try:
            with winreg.OpenKey(winreg.HKEY_CURRENT_USER, RUN_KEY) as key:
                value, _kind = winreg.QueryValueEx(key, name)
        except FileNotFoundError:
            return None
        return str(value)

    def set(self, name: str, command: str) -> None:
        winreg = _winreg()

        with winreg.CreateKey(winreg.HKEY_CURRENT_USER, RUN_KEY) as key:
            winreg.SetValueEx(key, name, 0, winreg.REG_SZ, command)

    def delete(self, name: str) -> None:
        winreg = _winreg()

        try:
            with winreg.OpenKey(winreg.HKEY_CURRENT_USER, RUN_KEY, 0, winreg.KEY_SET_VALUE) as key:
                winreg.DeleteValue(key, name)
        except FileNotFoundError:
            pass


def _winreg() -> Any:
    # Only on Windows; typed loosely so type checks pass on every platform.
    return importlib.import_module("winreg")


def launch_command(executable: str | None = None, *, frozen: bool | None = None) -> tuple[str, ...]:
    """How to start the desktop app: the frozen binary itself, or this interpreter with ``-m app``."""
    exe = executable or sys.executable
    is_frozen = bool(getattr(sys, "frozen", False)) if frozen is None else frozen
    return (exe, "serve") if is_frozen else (exe, "-m", "app", "serve")


@dataclass(frozen=True, slots=True)
class Autostart:
    """Start-at-login for one user. ``platform`` is ``sys.platform``-like: "linux", "darwin", "win32"."""

    home: Path
    command: Sequence[str]
    platform: str = sys.platform
    environ: Mapping[str, str] | None = None
    run_key: RunKey | None = None

    @property
    def location(self) -> str:
        """Where the entry lives, for the UI to show."""
        if self.platform == "win32":
            return f"HKEY_CURRENT_USER\\{RUN_KEY}\\{APP_NAME}"
        return str(self._path())

    def enabled(self) -> bool:
        if self.platform == "win32":
            return self._registry().get(APP_NAME) is not None
        path = self._path()
        if not path.is_file():
            return False
        if self.platform == "darwin":
            return True
        return MARKER in path.read_text(encoding="utf-8", errors="replace")

    def enable(self) -> None:
        if self.platform == "win32":
            self._registry().set(APP_NAME, _windows_command_line(self.command))
        elif self.platform == "darwin":
            write_atomic(self._path(), self.launch_agent(), mode=0o644)
        else:
            write_atomic(self._path(), self.desktop_entry().encode(), mode=0o644)

    def disable(self) -> None:
        if self.platform == "win32":
            self._registry().delete(APP_NAME)
            return
        path = self._path()
        if self.platform != "darwin" and path.is_file() and MARKER not in path.read_text(errors="replace"):
            # Someone else's file under our name: leave it alone rather than delete their work.
            raise FileExistsError(f"{path} was not written by {APP_NAME}; remove it by hand if unwanted")
        path.unlink(missing_ok=True)

    def set_enabled(self, on: bool) -> None:
        if on:
            self.enable()
        else:
            self.disable()

    # --- file contents --------------------------------------------------------------------------

    def desktop_entry(self) -> str:
        return (
            "[Desktop Entry]\n"
            "Type=Application\n"
            f"Name={APP_NAME}\n"
            "Comment=Local AI gateway\n"
            f"Exec={_desktop_exec(self.command)}\n"
            "Icon=vansroute\n"
            "Terminal=false\n"
            "X-GNOME-Autostart-enabled=true\n"
            f"{MARKER}\n"
        )

    def launch_agent(self) -> bytes:
        return plistlib.dumps(
            {
                "Label": LAUNCH_AGENT_LABEL,
                "ProgramArguments": list(self.command),
                "RunAtLoad": True,
                # Quit from the tray means quit: do not restart it behind the user's back.
                "KeepAlive": False,
                "ProcessType": "Interactive",
            }
        )

    # --- internals --------------------------------------------------------------------------------

    def _path(self) -> Path:
        if self.platform == "darwin":
            return self.home / "Library" / "LaunchAgents" / f"{LAUNCH_AGENT_LABEL}.plist"
        env = self.environ or {}
        config = env.get("XDG_CONFIG_HOME")
        base = Path(config) if config and Path(config).is_absolute() else self.home / ".config"
        return base / "autostart" / DESKTOP_FILE

    def _registry(self) -> RunKey:
        return self.run_key if self.run_key is not None else WindowsRunKey()


def for_current_user(environ: Mapping[str, str]) -> Autostart:
    return Autostart(home=Path.home(), command=launch_command(), environ=environ)


def _desktop_exec(command: Sequence[str]) -> str:
    # The Exec key has its own quoting: arguments with reserved characters go in double quotes, with
    # backslash, quote, backtick and dollar escaped; a literal % is doubled (field codes).
    def quote(arg: str) -> str:
        arg = arg.replace("%", "%%")
        if arg and not any(c in arg for c in " \t\n\"'\\><~|&;$*?#()`"):
            return arg
        escaped = "".join("\\" + c if c in '"`$\\' else c for c in arg)
        return f'"{escaped}"'

    return " ".join(quote(a) for a in command)


def _windows_command_line(command: Sequence[str]) -> str:
    import subprocess

    return subprocess.list2cmdline(list(command))


__all__ = ["Autostart", "RunKey", "WindowsRunKey", "for_current_user", "launch_command"]
