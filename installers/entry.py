"""The frozen app's entry point (build.spec): the same `main()` as the `vansroute` console script.

One bundle holds two programs built from this file: the console `vansroute` (`vansroute-cli` on
Windows and macOS, where a case-insensitive file system would clash with the app's name) and, on
Windows and macOS, the windowed `VansRoute` that a double-click, the Start menu or login starts.
Started with no arguments, the windowed one runs the tray app instead of printing help to nowhere.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from app.main import main

WINDOWED_NAME = "VansRoute"


def arguments(argv: list[str], executable: str) -> list[str]:
    # Finder adds -psn_<process serial number> when it launches an app on older macOS.
    args = [arg for arg in argv if not arg.startswith("-psn_")]
    if not args and Path(executable).stem == WINDOWED_NAME:
        return ["serve"]
    return args


if __name__ == "__main__":
    # A windowed Windows program has no console: give print() and logging somewhere harmless to write.
    for stream in ("stdout", "stderr"):
        if getattr(sys, stream) is None:
            setattr(sys, stream, open(os.devnull, "w", encoding="utf-8"))  # noqa: SIM115
    raise SystemExit(main(arguments(sys.argv[1:], sys.executable)))
