from __future__ import annotations

import asyncio

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QSystemTrayIcon

from app.core.events import GatewayStateChanged
from app.core.tasks import spawn
from app.ui.bridge import EventBridge
from app.ui.icons import app_icon, render_icon, save_icon_png
from app.ui.loop import DesktopShell
from app.ui.tray import Tray
from tests.ui.fake_runtime import FakeRuntime


def _actions(tray: Tray) -> list[QAction]:
    return [a for a in tray.menu.actions() if not a.isSeparator()]


async def _started(runtime: FakeRuntime) -> None:
    await asyncio.wait_for(runtime.started.wait(), timeout=5)


def test_menu_has_status_open_quit(qtbot, fake_runtime: FakeRuntime):
    fake_runtime.state = "serving"
    bridge = EventBridge(fake_runtime.bus)
    tray = Tray(fake_runtime.status, bridge, app_icon())
    try:
        actions = _actions(tray)
        assert [a.text() for a in actions] == [
            "VansRoute — serving on http://127.0.0.1:20127 · 42 requests",
            "Open",
            "Quit",
        ]
        assert not actions[0].isEnabled()
        assert actions[1].isEnabled() and actions[2].isEnabled()
        assert tray.toolTip() == actions[0].text()
        assert not tray.icon().isNull()
    finally:
        tray.dispose()
        bridge.close()


def test_status_line_follows_requests_and_state(qtbot, fake_runtime: FakeRuntime):
    fake_runtime.state = "serving"
    bridge = EventBridge(fake_runtime.bus)
    tray = Tray(fake_runtime.status, bridge, app_icon())
    try:
        fake_runtime.finish_request()
        qtbot.waitUntil(
            lambda: tray.status_text() == "VansRoute — serving on http://127.0.0.1:20127 · 43 requests"
        )
        assert tray.toolTip() == tray.status_text()

        # The event's state wins even if status() has not caught up yet.
        fake_runtime.bus.publish(GatewayStateChanged(state="stopping", url=fake_runtime.url))
        assert tray.status_text() == "VansRoute — stopping · 43 requests"
    finally:
        tray.dispose()
        bridge.close()


def test_open_and_quit_actions_and_click_emit_requests(qtbot, fake_runtime: FakeRuntime):
    bridge = EventBridge(fake_runtime.bus)
    tray = Tray(fake_runtime.status, bridge, app_icon())
    try:
        with qtbot.waitSignal(tray.open_requested, timeout=1000):
            tray.open_action.trigger()
        with qtbot.waitSignal(tray.quit_requested, timeout=1000):
            tray.quit_action.trigger()
        with qtbot.waitSignal(tray.open_requested, timeout=1000):
            tray.activated.emit(QSystemTrayIcon.ActivationReason.Trigger)
    finally:
        tray.dispose()
        bridge.close()


def test_drawn_icon(tmp_path, qtbot):
    pixmap = render_icon(256)
    assert (pixmap.width(), pixmap.height()) == (256, 256)
    image = pixmap.toImage()
    assert image.pixelColor(128, 128).alpha() == 255  # filled square
    assert image.pixelColor(1, 1).alpha() == 0  # rounded, transparent corner
    assert len(app_icon().availableSizes()) >= 8
    save_icon_png(tmp_path / "icon.png")
    assert (tmp_path / "icon.png").read_bytes().startswith(b"\x89PNG")


def test_icon_file_is_used_and_a_bad_one_falls_back(tmp_path, qtbot, caplog):
    good = tmp_path / "good.png"
    save_icon_png(good, 64)
    assert app_icon(good).availableSizes()[0].width() == 64
    assert not app_icon(tmp_path / "missing.png").isNull()
    assert "cannot load icon" in caplog.text


async def test_quit_sets_the_stop_event_and_awaits_runtime_stop(qtbot, fake_runtime: FakeRuntime):
    shell = DesktopShell(fake_runtime, app_icon())
    task = spawn(shell.run(), name="shell")
    await _started(fake_runtime)
    # Offscreen has no tray: the status window stands in for it.
    assert not shell.tray_available
    assert shell.window.isVisible()
    assert not shell.stop_event.is_set()

    shell.tray.quit_action.trigger()
    assert shell.stop_event.is_set()
    assert await asyncio.wait_for(task, timeout=5) == 0
    assert fake_runtime.stop_calls == 1
    assert fake_runtime.stop_completed
    assert not shell.window.isVisible()


async def test_open_shows_the_status_window(qtbot, fake_runtime: FakeRuntime):
    shell = DesktopShell(fake_runtime, app_icon())
    task = spawn(shell.run(), name="shell")
    await _started(fake_runtime)
    shell.window.hide()
    shell.tray.open_action.trigger()
    assert shell.window.isVisible()
    shell.window.quit_button.click()
    assert await asyncio.wait_for(task, timeout=5) == 0
    assert fake_runtime.stop_completed


async def test_without_a_tray_closing_the_window_quits(qtbot, fake_runtime: FakeRuntime):
    shell = DesktopShell(fake_runtime, app_icon())
    task = spawn(shell.run(), name="shell")
    await _started(fake_runtime)
    shell.window.close()
    assert await asyncio.wait_for(task, timeout=5) == 0
    assert fake_runtime.stop_completed


async def test_on_ready_is_called_once_shown(qtbot, fake_runtime: FakeRuntime):
    seen: list[bool] = []
    shell = DesktopShell(
        fake_runtime, app_icon(), on_ready=lambda s: seen.append(s.window.isVisible() or s.tray_available)
    )
    task = spawn(shell.run(), name="shell")
    await _started(fake_runtime)
    await asyncio.sleep(0)
    assert seen == [True]
    shell.request_stop()
    assert await asyncio.wait_for(task, timeout=5) == 0


async def test_failed_start_returns_1_and_still_stops(qtbot, caplog):
    runtime = FakeRuntime(fail_start=True)
    dialogs: list[tuple[str, str]] = []

    async def dialog(title: str, text: str) -> None:
        dialogs.append((title, text))

    shell = DesktopShell(runtime, app_icon(), dialog=dialog)
    try:
        assert await asyncio.wait_for(shell.run(), timeout=5) == 1
        assert runtime.stop_calls == 1
        assert "could not start" in caplog.text
        assert not shell.window.isVisible()
        # The fake fails with "address already in use": the user is told what to do.
        assert [t for t, _ in dialogs] == ["Port already in use"]
        assert "http://127.0.0.1:20127" in dialogs[0][1] and "--port N" in dialogs[0][1]
    finally:
        runtime.close()


async def test_the_port_dialog_waits_for_the_user_without_blocking_the_loop(qtbot):
    from PySide6.QtWidgets import QApplication, QMessageBox

    from app.ui.loop import message_dialog, port_in_use_text

    # As the shell does: closing the last window must not stop the qasync loop.
    QApplication.setQuitOnLastWindowClosed(False)
    task = spawn(
        message_dialog("Port already in use", port_in_use_text("http://127.0.0.1:20127")), name="dlg"
    )
    box: list[QMessageBox] = []

    def shown() -> bool:
        box[:] = [w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible()]
        return bool(box)

    # qtbot.waitUntil would spin a nested Qt loop under the running qasync loop: poll with asyncio.
    for _ in range(100):
        if shown():
            break
        await asyncio.sleep(0.03)
    assert box, "no message box appeared"
    assert "already in use" in box[0].text()
    await asyncio.sleep(0.05)  # the loop runs while the box is up
    assert not task.done()
    box[0].button(QMessageBox.StandardButton.Ok).click()
    await asyncio.wait_for(task, timeout=3)


async def test_stop_during_a_slow_start_cancels_it_and_stops(qtbot):
    runtime = FakeRuntime(start_delay=30)
    shell = DesktopShell(runtime, app_icon())
    task = spawn(shell.run(), name="shell")
    await asyncio.sleep(0.05)
    assert runtime.start_calls == 1 and runtime.state == "starting"
    shell.request_stop()
    assert await asyncio.wait_for(task, timeout=5) == 0
    assert runtime.start_cancelled
    assert runtime.stop_calls == 1
    assert not shell.started
    assert not shell.window.isVisible()


async def test_qt_timers_fire_while_a_test_awaits(qtbot):
    # Guards the qasync loop factory in conftest: on a plain asyncio loop this would hang.
    from PySide6.QtCore import QTimer

    fired = asyncio.Event()
    QTimer.singleShot(10, fired.set)
    await asyncio.wait_for(fired.wait(), timeout=2)
