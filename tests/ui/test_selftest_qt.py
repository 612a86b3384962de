"""The Qt check of `vansroute --selftest`: Qt starts offscreen, draws, and the native plugin is there."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6 import __version__ as pyside_version
from PySide6.QtCore import qVersion
from PySide6.QtWidgets import QApplication

from app.ui import selftest_qt
from app.ui.selftest_qt import NATIVE_PLATFORM_PLUGINS, check_qt

ROOT = Path(__file__).resolve().parents[2]


def test_uses_the_running_application(qapp: QApplication) -> None:
    detail = check_qt()
    assert detail.startswith(f"Qt {qVersion()} (PySide6 {pyside_version}) on the offscreen plugin")
    if sys.platform in NATIVE_PLATFORM_PLUGINS:
        assert ", native plugin " in detail


def test_starts_offscreen_whatever_the_environment_asks_for() -> None:
    # A fresh process, no display, and the environment asking for xcb: the check must not need one.
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env["QT_QPA_PLATFORM"] = "xcb"
    done = subprocess.run(
        [sys.executable, "-c", "from app.ui.selftest_qt import check_qt; print(check_qt())"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert " on the offscreen plugin" in done.stdout


def test_a_missing_native_plugin_fails(qapp: QApplication, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(selftest_qt.NATIVE_PLATFORM_PLUGINS, sys.platform, ("libqnowhere.so",))
    with pytest.raises(RuntimeError, match=r"libqnowhere\.so platform plugin is missing from .*platforms"):
        check_qt()


def test_a_desktop_module_that_cannot_be_imported_fails(
    qapp: QApplication, monkeypatch: pytest.MonkeyPatch
) -> None:
    # What a bundle missing one of the Qt modules the tray uses looks like (PySide6.QtNetwork, say).
    def missing(name: str) -> object:
        raise ModuleNotFoundError("No module named 'PySide6.QtNetwork'")

    monkeypatch.setattr(selftest_qt, "import_module", missing)
    with pytest.raises(ModuleNotFoundError, match=r"PySide6\.QtNetwork"):
        check_qt()
