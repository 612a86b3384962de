from __future__ import annotations

import plistlib
from pathlib import Path

import pytest

from app.services.autostart import MARKER, Autostart, launch_command

COMMAND = ("/opt/Vans Route/bin/python", "-m", "app", "serve")


class FakeRunKey:
    def __init__(self) -> None:
        self.values: dict[str, str] = {}

    def get(self, name: str) -> str | None:
        return self.values.get(name)

    def set(self, name: str, command: str) -> None:
        self.values[name] = command

    def delete(self, name: str) -> None:
        self.values.pop(name, None)


def test_linux_writes_an_xdg_autostart_entry(tmp_path: Path):
    auto = Autostart(home=tmp_path, command=COMMAND, platform="linux", environ={})
    assert not auto.enabled()
    auto.enable()
    path = tmp_path / ".config" / "autostart" / "vansroute.desktop"
    text = path.read_text()
    assert auto.location == str(path)
    assert auto.enabled()
    assert text.startswith("[Desktop Entry]\nType=Application\n")
    assert 'Exec="/opt/Vans Route/bin/python" -m app serve\n' in text
    assert MARKER in text
    auto.disable()
    assert not path.exists()
    assert not auto.enabled()
    auto.disable()  # twice is fine


def test_linux_honours_xdg_config_home(tmp_path: Path):
    config = tmp_path / "cfg"
    auto = Autostart(
        home=tmp_path / "home", command=COMMAND, platform="linux", environ={"XDG_CONFIG_HOME": str(config)}
    )
    auto.enable()
    assert (config / "autostart" / "vansroute.desktop").is_file()
    # A relative XDG_CONFIG_HOME is invalid per the spec and ignored.
    rel = Autostart(
        home=tmp_path / "home", command=COMMAND, platform="linux", environ={"XDG_CONFIG_HOME": "rel"}
    )
    assert rel.location == str(tmp_path / "home" / ".config" / "autostart" / "vansroute.desktop")


def test_linux_leaves_a_foreign_file_alone(tmp_path: Path):
    path = tmp_path / ".config" / "autostart" / "vansroute.desktop"
    path.parent.mkdir(parents=True)
    path.write_text("[Desktop Entry]\nExec=my-own-script\n")
    auto = Autostart(home=tmp_path, command=COMMAND, platform="linux", environ={})
    assert not auto.enabled()
    with pytest.raises(FileExistsError, match="was not written by VansRoute"):
        auto.disable()
    assert path.read_text() == "[Desktop Entry]\nExec=my-own-script\n"


def test_desktop_exec_quoting_escapes_reserved_characters(tmp_path: Path):
    auto = Autostart(home=tmp_path, command=("/a$b/py", "100%", 'say"hi'), platform="linux")
    assert 'Exec="/a\\$b/py" 100%% "say\\"hi"\n' in auto.desktop_entry()


def test_macos_writes_a_launch_agent(tmp_path: Path):
    auto = Autostart(home=tmp_path, command=COMMAND, platform="darwin")
    auto.enable()
    path = tmp_path / "Library" / "LaunchAgents" / "app.vansroute.desktop.plist"
    plist = plistlib.loads(path.read_bytes())
    assert plist["ProgramArguments"] == list(COMMAND)
    assert plist["RunAtLoad"] is True
    assert plist["KeepAlive"] is False
    assert auto.enabled()
    auto.set_enabled(False)
    assert not path.exists()


def test_windows_uses_the_run_key():
    registry = FakeRunKey()
    auto = Autostart(
        home=Path("C:/Users/me"),
        command=("C:\\Program Files\\VansRoute\\vansroute.exe", "serve"),
        platform="win32",
        run_key=registry,
    )
    assert not auto.enabled()
    auto.set_enabled(True)
    assert registry.values == {"VansRoute": '"C:\\Program Files\\VansRoute\\vansroute.exe" serve'}
    assert auto.enabled()
    assert auto.location.endswith("CurrentVersion\\Run\\VansRoute")
    auto.set_enabled(False)
    assert registry.values == {}


def test_launch_command_frozen_and_not():
    assert launch_command("/x/vansroute", frozen=True) == ("/x/vansroute", "serve")
    assert launch_command("/usr/bin/python3", frozen=False) == ("/usr/bin/python3", "-m", "app", "serve")
