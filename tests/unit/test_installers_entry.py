"""installers/entry.py, the frozen app's entry point: which arguments reach app.main.main()."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

ENTRY = Path(__file__).resolve().parents[2] / "installers" / "entry.py"


def _entry() -> ModuleType:
    spec = importlib.util.spec_from_file_location("vansroute_entry", ENTRY)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # not __main__: defines arguments() without running the app
    return module


def test_the_windowed_app_starts_the_tray_when_given_nothing() -> None:
    entry = _entry()
    # sys.executable is a native path: built with this system's separator.
    assert entry.arguments([], str(Path("Programs", "VansRoute", "VansRoute.exe"))) == ["serve"]
    assert entry.arguments([], str(Path("VansRoute.app", "Contents", "MacOS", "VansRoute"))) == ["serve"]


def test_finder_process_serial_numbers_are_dropped() -> None:
    entry = _entry()
    exe = "/Applications/VansRoute.app/Contents/MacOS/VansRoute"
    assert entry.arguments(["-psn_0_1234567"], exe) == ["serve"]
    assert entry.arguments(["-psn_0_1", "--selftest"], exe) == ["--selftest"]


def test_the_console_program_passes_arguments_through_and_prints_help_for_none() -> None:
    entry = _entry()
    for exe in (str(Path("opt", "vansroute", "vansroute")), str(Path("VansRoute", "vansroute-cli.exe"))):
        assert entry.arguments([], exe) == []
        assert entry.arguments(["configure", "--restore-all"], exe) == ["configure", "--restore-all"]
