"""A fake RuntimePort for UI tests, and a script that runs the desktop shell around it.

    python -m tests.ui.fake_runtime [--demo] [--traffic SECONDS] [--open-window]

prints markers on stdout (one per line, flushed) so subprocess tests can follow along:
``FAKE-RUNTIME started``, ``READY tray_available=<bool>``, ``TRAY-GEOMETRY x y w h`` (when a tray is
available and the icon has been placed), ``MENU-SHOWN x y w h quit=X,Y`` / ``MENU-HIDDEN`` (tray
menu; quit= is the centre of the Quit item), ``WINDOW-SHOWN x y w h`` / ``WINDOW-HIDDEN`` (status
window), ``FAKE-RUNTIME stop-called``, ``FAKE-RUNTIME stopped``, ``EXIT <code>``. Geometry is in
global screen pixels.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from app.core.events import EventBus, GatewayStateChanged, RequestFinished, SnapshotSwapped
from app.core.records import UsageRecord, WireFormat
from app.credentials.memory_store import MemorySecretStore
from app.services.config import AppConfig
from app.services.desktop_admin import DesktopAdmin
from app.services.status import ResilienceStatus, RuntimeStatus
from app.store.db import Database, sqlite_url
from app.store.repos import Store

if TYPE_CHECKING:
    from PySide6.QtCore import QTimer

    from app.ui.loop import DesktopShell

DEFAULT_URL = "http://127.0.0.1:20127"


def marker(text: str) -> None:
    print(text, flush=True)


class FakeRuntime:
    """Satisfies app.ui.ports.DesktopPort; counts calls and publishes events like the real one.

    ``admin()`` is the real administration service on a SQLite file in a temporary data folder with an
    in-memory secret store (fake services, real rules); ``resilience()`` returns whatever a test set.
    """

    def __init__(
        self,
        *,
        url: str = DEFAULT_URL,
        requests_served: int = 42,
        providers: int = 3,
        accounts: int = 5,
        api_keys: int = 2,
        data_dir: str = "/home/user/.local/share/vansroute",
        version: str = "0.1.0",
        clock: Callable[[], float] = time.monotonic,
        uptime_offset: float = 0.0,
        fail_start: bool = False,
        start_delay: float = 0.0,
        print_markers: bool = False,
    ) -> None:
        self.bus = EventBus()
        self.url = url
        self.state = "stopped"
        self.requests_served = requests_served
        self.providers = providers
        self.accounts = accounts
        self.api_keys = api_keys
        self.data_dir = data_dir
        self.version = version
        self._clock = clock
        self._uptime_offset = uptime_offset
        self._started_at: float | None = None
        self._fail_start = fail_start
        self._start_delay = start_delay
        self.start_cancelled = False
        self._print = print_markers
        self.start_calls = 0
        self.stop_calls = 0
        self.stop_completed = False
        self.started = asyncio.Event()
        self._tmp = Path(tempfile.mkdtemp(prefix="vansroute-ui-"))
        self.config = AppConfig(data_dir=self._tmp, database_url=sqlite_url(self._tmp / "t.db"))
        self.paused = False
        self.secrets = MemorySecretStore()
        self.resilience_status = ResilienceStatus((), (), ())
        self.reset_calls: list[str] = []
        self._db: Database | None = None
        self._admin: DesktopAdmin | None = None

    # -- RuntimePort ---------------------------------------------------------------------------------

    async def start(self) -> None:
        self.start_calls += 1
        self._set_state("starting")
        if self._print:
            marker("FAKE-RUNTIME starting")
        try:
            await asyncio.sleep(self._start_delay)
        except asyncio.CancelledError:
            self.start_cancelled = True
            if self._print:
                marker("FAKE-RUNTIME start-cancelled")
            raise
        if self._fail_start:
            raise OSError("address already in use")
        self._started_at = self._clock() - self._uptime_offset
        self._set_state("serving")
        self.started.set()
        if self._print:
            marker("FAKE-RUNTIME started")

    async def stop(self) -> None:
        self.stop_calls += 1
        if self._print:
            marker("FAKE-RUNTIME stop-called")
        self._set_state("stopping")
        await asyncio.sleep(0.01)
        self._started_at = None
        self._set_state("stopped")
        self.stop_completed = True
        if self._print:
            marker("FAKE-RUNTIME stopped")

    def pause(self) -> None:
        self.paused = True
        self.bus.publish(GatewayStateChanged(state="paused", url=self.url))

    def resume(self) -> None:
        self.paused = False
        self.bus.publish(GatewayStateChanged(state=self.state, url=self.url))

    def resilience(self) -> ResilienceStatus:
        return self.resilience_status

    def reset_breaker(self, key: str) -> None:
        self.reset_calls.append(key)
        self.resilience_status = ResilienceStatus(
            tuple(b for b in self.resilience_status.breakers if b.key != key),
            self.resilience_status.slots,
            self.resilience_status.cooldowns,
        )

    def admin(self) -> DesktopAdmin:
        if self._admin is None:
            self._db = Database.open(self.config.database_url)
            self._db.migrate()
            self._admin = DesktopAdmin(Store(self._db), self.secrets, {})
        return self._admin

    def close(self) -> None:
        """Close the database and remove the temporary data folder."""
        if self._db is not None:
            self._db.close()
            self._db = None
            self._admin = None
        shutil.rmtree(self._tmp, ignore_errors=True)

    def status(self) -> RuntimeStatus:
        uptime = 0.0 if self._started_at is None else self._clock() - self._started_at
        return RuntimeStatus(
            version=self.version,
            state="paused" if self.paused and self.state == "serving" else self.state,
            url=self.url,
            uptime_s=uptime,
            providers=self.providers,
            accounts=self.accounts,
            api_keys=self.api_keys,
            requests_served=self.requests_served,
            data_dir=self.data_dir,
            mode="desktop",
        )

    # -- test helpers --------------------------------------------------------------------------------

    def finish_request(self, *, model: str = "claude-sonnet-4", status: int = 200) -> RequestFinished:
        """Count one request, then publish it (the order the real runtime promises)."""
        self.requests_served += 1
        event = RequestFinished(
            UsageRecord(
                request_id=f"req-{self.requests_served}",
                started_at=datetime.now(UTC),
                api_key_name="default",
                client_format=WireFormat.ANTHROPIC,
                provider_id="anthropic",
                account_id=1,
                model=model,
                status=status,
                latency_ms=123.0,
                stream=True,
            )
        )
        self.bus.publish(event)
        return event

    def swap_snapshot(self, *, providers: int, accounts: int, keys: int) -> SnapshotSwapped:
        self.providers, self.accounts, self.api_keys = providers, accounts, keys
        event = SnapshotSwapped(version=2, providers=providers, accounts=accounts, keys=keys)
        self.bus.publish(event)
        return event

    def _set_state(self, state: str) -> None:
        self.state = state
        self.bus.publish(GatewayStateChanged(state=state, url=self.url))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.ui.fake_runtime")
    parser.add_argument("--demo", action="store_true", help="realistic numbers for screenshots")
    parser.add_argument("--traffic", type=float, default=0.0, help="finish a fake request every N s")
    parser.add_argument("--open-window", action="store_true", help="show the status window when ready")
    parser.add_argument("--slow-start", type=float, default=0.0, help="start() takes this many seconds")
    parser.add_argument("--data-dir", help="the data folder (names the single-instance server)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s")

    # Qt is imported only here: FakeRuntime itself stays free of Qt.
    from PySide6.QtCore import QTimer

    from app.ui.loop import run_desktop

    if args.demo:
        runtime = FakeRuntime(
            requests_served=1284,
            providers=4,
            accounts=7,
            api_keys=3,
            uptime_offset=2 * 3600 + 14 * 60 + 5,
            start_delay=args.slow_start,
            print_markers=True,
        )
    else:
        runtime = FakeRuntime(start_delay=args.slow_start, print_markers=True)
    if args.data_dir:
        runtime.config = AppConfig(data_dir=Path(args.data_dir), database_url=runtime.config.database_url)

    keep: list[QTimer] = []

    def on_ready(shell: DesktopShell) -> None:
        marker(f"READY tray_available={shell.tray_available}")
        if args.open_window:
            shell.show_window()
        if args.traffic > 0:
            traffic = QTimer(shell.window)
            traffic.setInterval(int(args.traffic * 1000))
            traffic.timeout.connect(lambda: runtime.finish_request())
            traffic.start()
            keep.append(traffic)
        _report_menu(shell)
        _report_window(shell, keep)
        if shell.tray_available:
            _report_tray(shell, keep)

    code = run_desktop(runtime, on_ready=on_ready)
    runtime.close()
    marker(f"EXIT {code}")
    return code


def _report_tray(shell: DesktopShell, keep: list[QTimer]) -> None:
    from PySide6.QtCore import QTimer

    poll = QTimer(shell.window)
    poll.setInterval(100)

    def report() -> None:
        rect = shell.tray.geometry()
        # Until the tray host has embedded the icon, its geometry is empty or at the origin.
        if rect.isValid() and rect.width() > 0 and (rect.x() > 0 or rect.y() > 0):
            poll.stop()
            marker(f"TRAY-GEOMETRY {rect.x()} {rect.y()} {rect.width()} {rect.height()}")

    poll.timeout.connect(report)
    poll.start()
    keep.append(poll)


def _report_menu(shell: DesktopShell) -> None:
    from PySide6.QtCore import QTimer

    menu = shell.tray.menu

    def report() -> None:
        g = menu.geometry()
        quit_at = menu.mapToGlobal(menu.actionGeometry(shell.tray.quit_action).center())
        marker(f"MENU-SHOWN {g.x()} {g.y()} {g.width()} {g.height()} quit={quit_at.x()},{quit_at.y()}")

    # aboutToShow comes before the menu is placed and painted: report a moment later.
    menu.aboutToShow.connect(lambda: QTimer.singleShot(200, menu, report))
    menu.aboutToHide.connect(lambda: marker("MENU-HIDDEN"))


def _report_window(shell: DesktopShell, keep: list[QTimer]) -> None:
    from PySide6.QtCore import QTimer

    window = shell.window
    poll = QTimer(window)
    poll.setInterval(100)
    was_visible = False

    def report() -> None:
        nonlocal was_visible
        visible = window.isVisible()
        if visible and not was_visible:
            g = window.frameGeometry()
            marker(f"WINDOW-SHOWN {g.x()} {g.y()} {g.width()} {g.height()}")
        elif was_visible and not visible:
            marker("WINDOW-HIDDEN")
        was_visible = visible

    poll.timeout.connect(report)
    poll.start()
    keep.append(poll)


if __name__ == "__main__":
    sys.exit(main())
