"""The gateway in desktop mode (qasync loop, tray/status window, event bridge) without a real display.

    QT_QPA_PLATFORM=offscreen python -m bench.desktop_gateway --data-dir D --port P

``vansroute serve`` falls back to headless when there is no DISPLAY, so the benchmark cannot reach the
desktop code path through the CLI on a machine like this one. This runner does what ``app.main.serve``
does for desktop mode — same config, logging, secret store, ``Runtime(mode="desktop")`` and
``app.ui.loop.run_desktop`` — with Qt's offscreen platform. There is no system tray offscreen, so the
shell shows the status window instead, as it would on a desktop without a tray; both listen to every
request through the event bridge. ``--bare`` runs only the Runtime on the qasync loop (no UI), to tell
the loop's cost from the UI's.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from app.cli import config_from
from app.credentials.keyring_store import KeyringSecretStore
from app.main import setup_logging
from app.services.runtime import Runtime


def _run_bare(runtime: Runtime) -> int:
    import qasync
    from PySide6.QtWidgets import QApplication

    QApplication.instance() or QApplication(sys.argv[:1])

    async def main() -> int:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            # qasync's loop has no add_signal_handler; Python runs this handler between Qt callbacks
            # (the gateway is busy with requests, so that is soon enough for a benchmark).
            signal.signal(sig, lambda *_: loop.call_soon_threadsafe(stop.set))
        await runtime.start()
        try:
            await stop.wait()
        finally:
            await runtime.stop()
        return 0

    try:  # the loop the app runs on; older refs (--ref) ran on qasync's own
        from app.ui.qt_event_loop import run
    except ImportError:
        run = qasync.run
    code: int = run(main())
    return code


def main() -> int:
    parser = argparse.ArgumentParser(description="VansRoute desktop mode, offscreen (for benchmarks)")
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--max-body-mb", type=float, default=None)
    parser.add_argument("--bare", action="store_true", help="the Runtime on qasync only: no tray, no window")
    args = parser.parse_args()
    environ = os.environ
    config = config_from(args, environ)
    config.data_dir.mkdir(parents=True, exist_ok=True)
    setup_logging(config, verbose=bool(environ.get("VANSROUTE_DEBUG")))
    runtime = Runtime(config, KeyringSecretStore(), environ=environ, mode="desktop")
    if args.bare:
        return _run_bare(runtime)
    from app.ui.loop import run_desktop

    return run_desktop(runtime)


if __name__ == "__main__":
    raise SystemExit(main())
