"""The real desktop app (real Runtime, gateway, store and shell) with markers on stdout for tests.

    python -m tests.ui.desktop_probe --data-dir DIR --port N

It is what ``vansroute serve`` runs in desktop mode, plus an ``on_ready`` hook that reports:
``READY tray_available=<bool> url=<url>``, ``TRAY-GEOMETRY x y w h``, ``NOTIFIED <title> | <body>``
(each tray notification, newlines as " / "), ``PARKED <provider>/<label> <until>`` (a row of the
Resilience page's parked-accounts table, once the page lists it), ``WINDOW-SHOWN x y w h`` and
``EXIT <code>``. Upstream keys come from environment variables (``env:`` references), so no keyring
is needed.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

from app.services.config import load_config
from app.services.runtime import Runtime
from tests.ui.fake_runtime import marker


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.ui.desktop_probe")
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s")

    from PySide6.QtCore import QTimer

    from app.ui.loop import DesktopShell, run_desktop
    from app.ui.notices import Message
    from app.ui.pages.resilience import ResiliencePage
    from app.ui.text_records import when

    config = load_config(os.environ, data_dir=args.data_dir, port=args.port)
    runtime = Runtime(config, environ=os.environ, mode="desktop")
    keep: list[object] = []

    def on_ready(shell: DesktopShell) -> None:
        marker(f"READY tray_available={shell.tray_available} url={runtime.url}")

        def notified(message: Message) -> None:
            marker(f"NOTIFIED {message.title} | {message.body.replace(chr(10), ' / ')}")

        shell.notifier.shown.connect(notified)

        page: ResiliencePage = shell.window.pages["Resilience"]  # type: ignore[assignment]
        reported: set[int] = set()

        def report_parked() -> None:
            for account in page.parked.rows():
                if account.id not in reported and account.parked_until is not None:
                    reported.add(account.id)
                    marker(f"PARKED {account.provider_id}/{account.label} {when(account.parked_until)}")

        page.parked.modelReset.connect(report_parked)
        page.parked.dataChanged.connect(lambda *_: report_parked())

        def open_resilience(_event: object) -> None:
            shell.show_window()
            shell.window.show_page("Resilience")

            def placed() -> None:
                g = shell.window.frameGeometry()
                marker(f"WINDOW-SHOWN {g.x()} {g.y()} {g.width()} {g.height()}")

            QTimer.singleShot(500, shell.window, placed)

        shell.bridge.quota_parked.connect(open_resilience)

        if shell.tray_available:
            poll = QTimer(shell.window)
            poll.setInterval(100)

            def tray_placed() -> None:
                rect = shell.tray.geometry()
                if rect.isValid() and rect.width() > 0 and (rect.x() > 0 or rect.y() > 0):
                    poll.stop()
                    marker(f"TRAY-GEOMETRY {rect.x()} {rect.y()} {rect.width()} {rect.height()}")

            poll.timeout.connect(tray_placed)
            poll.start()
            keep.append(poll)

    Path(args.data_dir).mkdir(parents=True, exist_ok=True)
    code = run_desktop(runtime, on_ready=on_ready)
    marker(f"EXIT {code}")
    return code


if __name__ == "__main__":
    sys.exit(main())
