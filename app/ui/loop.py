"""Desktop mode: QApplication + qasync loop, the gateway on that loop, a tray icon on top.

``run_desktop`` owns the process until Quit or SIGINT/SIGTERM; both end the main coroutine by setting
one asyncio.Event (under ``qasync.run`` the app must never call ``QApplication.quit()``: that stops
the loop under the pending main future and raises "Event loop stopped before Future completed").
"""

from __future__ import annotations

import asyncio
import errno
import logging
import os
import signal
import socket
import sys
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path
from types import FrameType
from typing import Any

from PySide6.QtCore import QCoreApplication, QSocketNotifier, QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QMessageBox, QSystemTrayIcon

from app import __version__
from app.core.records import UsageDimension
from app.core.tasks import spawn
from app.services.autostart import Autostart, for_current_user
from app.ui import qt_event_loop
from app.ui.bridge import EventBridge
from app.ui.icons import app_icon
from app.ui.jobs import run_blocking
from app.ui.main_window import MainWindow, PageDeps
from app.ui.notifier import Notifier
from app.ui.ports import DesktopPort
from app.ui.prefs import FILE_NAME, DesktopPrefs, PrefsFile
from app.ui.single_instance import SingleInstance, ask_running_instance, server_name
from app.ui.text import APP_NAME
from app.ui.tray import Tray
from app.ui.wizard import FirstRunWizard

# Shows a modal-looking message without blocking the loop: (title, text) -> awaitable.
Dialog = Callable[[str, str], Awaitable[None]]

_log = logging.getLogger(__name__)

STOP_SIGNALS: tuple[signal.Signals, ...] = tuple(
    s for s in (signal.SIGINT, getattr(signal, "SIGTERM", None)) if s is not None
)


async def message_dialog(title: str, text: str) -> None:
    """A warning box that does not block the event loop (the gateway keeps its loop while it shows)."""
    box = QMessageBox(QMessageBox.Icon.Warning, title, text)
    box.setWindowTitle(f"{APP_NAME} — {title}")
    done = asyncio.get_running_loop().create_future()

    def finished(_result: int) -> None:
        if not done.done():
            done.set_result(None)

    box.finished.connect(finished)
    box.open()
    await done


def port_in_use_text(url: str) -> str:
    return (
        f"VansRoute could not listen on {url}: the port is already in use by another program (perhaps "
        "another VansRoute with a different data folder).\n\nQuit that program, or start VansRoute on "
        "another port with `vansroute serve --port N`."
    )


def _port_in_use(exc: BaseException) -> bool:
    return isinstance(exc, OSError) and (
        exc.errno in (errno.EADDRINUSE, 10048) or "address already in use" in str(exc).lower()
    )


class DesktopShell:
    """The bridge, tray, notifications and main window around one runtime, from start to stop."""

    def __init__(
        self,
        runtime: DesktopPort,
        icon: QIcon,
        *,
        on_ready: Callable[[DesktopShell], object] | None = None,
        autostart: Autostart | None = None,
        dialog: Dialog = message_dialog,
        first_run: bool = True,
    ) -> None:
        self.runtime = runtime
        self.icon = icon
        self._on_ready = on_ready
        self._dialog = dialog
        self._first_run = first_run
        # Closing the last window must never quit Qt under the qasync loop: only stop_event ends the app.
        QApplication.setQuitOnLastWindowClosed(False)
        self.stop_event = asyncio.Event()
        self.tray_available = False
        self.started = False
        self.wizard: FirstRunWizard | None = None
        self.prefs = PrefsFile(runtime.config.data_dir / FILE_NAME)
        if self.prefs.prefs.log_level is not None:
            logging.getLogger().setLevel(self.prefs.prefs.log_level)
        self.autostart = autostart if autostart is not None else for_current_user(os.environ)
        self.bridge = EventBridge(runtime.bus)
        deps = PageDeps(runtime, self.bridge, self.prefs, self.autostart, icon, self._prefs_changed)
        self.window = MainWindow(deps)
        self.tray = Tray(runtime.status, self.bridge, icon, services=runtime, autostart=self.autostart)
        self.notifier = Notifier(self.tray, self.bridge)
        self.notifier.set_disabled(self.prefs.prefs.notifications_off)
        self.tray.open_requested.connect(self.show_window)
        self.tray.quit_requested.connect(self.request_stop)
        self.tray.key_copied.connect(
            lambda: self.tray.showMessage(APP_NAME, "API key copied to the clipboard.", self.icon, 3000)
        )
        self.window.quit_requested.connect(self.request_stop)

    def _prefs_changed(self, prefs: DesktopPrefs) -> None:
        self.notifier.set_disabled(prefs.notifications_off)

    def request_stop(self) -> None:
        if not self.stop_event.is_set():
            _log.info("stop requested")
        self.stop_event.set()

    def show_window(self) -> None:
        self.window.show()
        self.window.raise_()
        self.window.activateWindow()

    def show(self) -> None:
        if QSystemTrayIcon.isSystemTrayAvailable():
            self.tray_available = True
            self.tray.show()
            _log.info("tray icon shown")
        else:
            _log.warning("no system tray available; showing the status window instead (close it to quit)")
            self.window.closed.connect(self.request_stop)
            self.show_window()

    async def run(self) -> int:
        """Start the runtime, show the UI, wait for a stop request, stop the runtime. Returns 0 or 1.

        A stop request while the runtime is still starting (Ctrl+C during a slow start) cancels the
        start and goes straight to ``stop()``.
        """
        try:
            started = await self._start_unless_stopped()
        except Exception as exc:
            # The traceback is already logged by spawn() for the failed start task.
            _log.error("%s could not start: %s", APP_NAME, exc)
            await self._stop_runtime()
            if _port_in_use(exc):
                await self._show_dialog("Port already in use", port_in_use_text(self.runtime.status().url))
            self.dispose()
            return 1
        try:
            if started:
                self.started = True
                self.show()
                self._after_start()
                self._report_ready()
                await self.stop_event.wait()
        finally:
            self.dispose()
            await self._stop_runtime()
        return 0

    async def _start_unless_stopped(self) -> bool:
        """Await ``runtime.start()``; False if a stop was requested first (the start is cancelled)."""
        start = spawn(self.runtime.start(), name="runtime-start")
        stop_requested = spawn(self.stop_event.wait(), name="runtime-start-stop-watch")
        try:
            await asyncio.wait((start, stop_requested), return_when=asyncio.FIRST_COMPLETED)
        finally:
            stop_requested.cancel()
            if not start.done():
                start.cancel()
                # Let the start unwind; asyncio.wait never raises the child's CancelledError here,
                # so a cancellation of this task itself still propagates.
                await asyncio.wait((start,))
        if start.cancelled():
            _log.info("stop requested while starting")
            return False
        start.result()  # re-raises a failed start
        return not self.stop_event.is_set()

    async def _show_dialog(self, title: str, text: str) -> None:
        try:
            await self._dialog(title, text)
        except Exception:
            _log.exception("could not show the %r dialog", title)

    def _after_start(self) -> None:
        """Parked accounts for the tray icon, and the wizard on a first run with nothing set up."""
        try:
            admin = self.runtime.admin()
        except RuntimeError:
            return
        run_blocking(
            self.window,
            admin.accounts_needing_attention,
            lambda accounts: self.tray.set_parked({a.id for a in accounts if a.parked_until}),
            lambda exc: _log.warning("could not read parked accounts: %s", exc),
            name="ui-initial-parked",
        )
        midnight = datetime.now().astimezone().replace(hour=0, minute=0, second=0, microsecond=0)
        usage = admin.usage()
        run_blocking(
            self.window,
            lambda: sum(t.requests for t in usage.totals(UsageDimension.DAY, since=midnight)),
            self.tray.set_today,
            lambda exc: _log.warning("could not count today's requests: %s", exc),
            name="ui-requests-today",
        )
        status = self.runtime.status()
        if (
            self._first_run
            and not self.prefs.prefs.wizard_done
            and status.api_keys == 0
            and status.providers == 0
        ):
            self.show_wizard()

    def show_wizard(self) -> FirstRunWizard:
        wizard = FirstRunWizard(self.runtime)
        wizard.setWindowIcon(self.icon)
        wizard.finished.connect(lambda _r: self._wizard_closed())
        self.wizard = wizard
        wizard.show()
        return wizard

    def _wizard_closed(self) -> None:
        try:
            self.prefs.update(wizard_done=True)
        except Exception as exc:
            _log.warning("could not remember that the wizard ran: %s", exc)
        self.wizard = None
        self.show_window()

    def _report_ready(self) -> None:
        if self._on_ready is None:
            return
        try:
            self._on_ready(self)
        except Exception:
            _log.exception("on_ready hook failed")

    def dispose(self) -> None:
        self.tray.dispose()
        self.window.hide()
        if self.wizard is not None:
            self.wizard.hide()
        self.bridge.close()

    async def _stop_runtime(self) -> None:
        try:
            await self.runtime.stop()
        except Exception:
            _log.exception("%s did not stop cleanly", APP_NAME)


class SignalWakeup:
    """Deliver SIGINT/SIGTERM to ``on_signal`` while Qt's C++ event loop is blocked.

    Python runs a signal handler only when it next executes bytecode, which may be never while Qt
    sleeps in poll(). ``signal.set_wakeup_fd`` makes the C-level handler write a byte to a socket that
    a QSocketNotifier watches: Qt wakes up, calls into Python, the Python handler runs and records the
    signal, and the notifier's slot dispatches it from ordinary loop context (not from inside the
    handler, which may have interrupted the event loop's own bookkeeping).
    """

    def __init__(self, on_signal: Callable[[int], None], signals: tuple[int, ...] = STOP_SIGNALS) -> None:
        self._on_signal = on_signal
        self._signals = signals
        self._pending: list[int] = []
        self._previous: dict[int, Any] = {}
        self._previous_fd: int | None = None
        self._sockets: tuple[socket.socket, socket.socket] | None = None
        self._notifier: QSocketNotifier | None = None
        self._timer: QTimer | None = None

    def install(self) -> None:
        rsock, wsock = socket.socketpair()
        rsock.setblocking(False)
        wsock.setblocking(False)
        try:
            self._previous_fd = signal.set_wakeup_fd(wsock.fileno(), warn_on_full_buffer=False)
        except (ValueError, OSError):
            # Not the main thread or no usable fd: fall back to polling, so handlers still run.
            rsock.close()
            wsock.close()
            self._timer = QTimer()
            self._timer.setInterval(200)
            self._timer.timeout.connect(self._dispatch)
            self._timer.start()
        else:
            self._sockets = (rsock, wsock)
            self._notifier = QSocketNotifier(rsock.fileno(), QSocketNotifier.Type.Read)
            self._notifier.activated.connect(self._drain)
        for signum in self._signals:
            self._previous[signum] = signal.signal(signum, self._handler)

    def uninstall(self) -> None:
        for signum, previous in self._previous.items():
            signal.signal(signum, previous if previous is not None else signal.SIG_DFL)
        self._previous.clear()
        if self._notifier is not None:
            self._notifier.setEnabled(False)
            self._notifier.deleteLater()
            self._notifier = None
        if self._sockets is not None:
            signal.set_wakeup_fd(self._previous_fd if self._previous_fd is not None else -1)
            for sock in self._sockets:
                sock.close()
            self._sockets = None
        if self._timer is not None:
            self._timer.stop()
            self._timer = None

    def _handler(self, signum: int, _frame: FrameType | None) -> None:
        self._pending.append(signum)

    def _drain(self, *_args: object) -> None:
        if self._sockets is not None:
            try:
                while self._sockets[0].recv(512):
                    pass
            except (BlockingIOError, InterruptedError):
                pass
        self._dispatch()

    def _dispatch(self) -> None:
        while self._pending:
            signum = self._pending.pop(0)
            try:
                self._on_signal(signum)
            except Exception:
                _log.exception("signal handler failed")


def _application() -> QApplication:
    existing = QCoreApplication.instance()
    if existing is not None:
        if not isinstance(existing, QApplication):
            raise RuntimeError("a non-widget Qt application already exists")
        qt_app = existing
    else:
        qt_app = QApplication(sys.argv[:1])
    qt_app.setApplicationName(APP_NAME)
    qt_app.setApplicationDisplayName(APP_NAME)
    qt_app.setApplicationVersion(__version__)
    qt_app.setDesktopFileName("vansroute")
    qt_app.setQuitOnLastWindowClosed(False)
    return qt_app


def run_desktop(
    runtime: DesktopPort,
    *,
    icon_path: Path | None = None,
    on_ready: Callable[[DesktopShell], object] | None = None,
    autostart: Autostart | None = None,
) -> int:
    """Run the gateway with a tray icon until Quit, SIGINT or SIGTERM. Returns the exit code.

    ``on_ready`` is called once the runtime has started and the UI is shown (a seam for tests and
    screenshots). A second launch for the same data folder brings the first one's window up and
    returns 0 at once.
    """
    qt_app = _application()
    icon = app_icon(icon_path)
    qt_app.setWindowIcon(icon)

    name = server_name(str(runtime.config.data_dir))
    if ask_running_instance(name):
        _log.info("%s is already running; asked it to show its window", APP_NAME)
        print(
            f"{APP_NAME} is already running; its window was brought to the front.",
            file=sys.stderr,
            flush=True,
        )
        return 0
    instance = SingleInstance(name)
    instance.listen()

    async def main() -> int:
        shell = DesktopShell(runtime, icon, on_ready=on_ready, autostart=autostart)
        instance.show_requested.connect(shell.show_window)

        def on_signal(signum: int) -> None:
            name = signal.Signals(signum).name
            if shell.stop_event.is_set():
                _log.info("%s received again; already stopping", name)
            else:
                _log.info("%s received; stopping", name)
            shell.request_stop()

        wakeup = SignalWakeup(on_signal)
        wakeup.install()
        try:
            return await shell.run()
        finally:
            wakeup.uninstall()

    try:
        code: int = qt_event_loop.run(main())
    finally:
        instance.close()
    return code
