from __future__ import annotations

from PySide6.QtGui import QGuiApplication

from app.core.events import GatewayStateChanged
from app.ui.bridge import EventBridge
from app.ui.icons import app_icon
from app.ui.windows.status import REFRESH_MS, StatusWindow
from tests.ui.fake_runtime import FakeRuntime


class Clock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def _window(qtbot, runtime: FakeRuntime) -> tuple[StatusWindow, EventBridge]:
    bridge = EventBridge(runtime.bus)
    window = StatusWindow(runtime.status, bridge, icon=app_icon())
    qtbot.addWidget(window)
    return window, bridge


async def _serve(runtime: FakeRuntime) -> None:
    await runtime.start()


def test_shows_the_fake_status(qtbot):
    clock = Clock()
    runtime = FakeRuntime(clock=clock, uptime_offset=3725, data_dir="/srv/vansroute/data")
    runtime.state = "serving"
    runtime._started_at = clock() - 3725
    window, _bridge = _window(qtbot, runtime)

    assert window.url_label.text() == "http://127.0.0.1:20127"
    assert window.state_label.text() == "Serving"
    assert window.uptime_label.text() == "1 h 02 min 05 s"
    assert window.providers_label.text() == "3"
    assert window.accounts_label.text() == "5"
    assert window.keys_label.text() == "2"
    assert window.requests_label.text() == "42"
    assert window.data_dir_label.full_text() == "/srv/vansroute/data"
    assert window.data_dir_label.toolTip() == "/srv/vansroute/data"
    assert window.version_label.text() == "Version 0.1.0 · desktop mode"
    assert window.windowTitle() == "VansRoute"


def test_updates_on_request_finished_without_waiting_for_the_timer(qtbot, fake_runtime: FakeRuntime):
    window, _bridge = _window(qtbot, fake_runtime)
    assert not window.timer.isActive()  # hidden: no polling
    fake_runtime.finish_request()
    qtbot.waitUntil(lambda: window.requests_label.text() == "43", timeout=2000)


def test_a_burst_of_requests_is_one_refresh(qtbot, fake_runtime: FakeRuntime, monkeypatch):
    window, _bridge = _window(qtbot, fake_runtime)
    reads = []
    real_status = fake_runtime.status
    monkeypatch.setattr(window, "_status", lambda: reads.append(1) or real_status())
    for _ in range(1000):
        fake_runtime.finish_request()
    qtbot.waitUntil(lambda: window.requests_label.text() == "1,042", timeout=2000)
    assert len(reads) <= 3  # not one status read per request


def test_updates_on_state_and_snapshot_events(qtbot, fake_runtime: FakeRuntime):
    window, _bridge = _window(qtbot, fake_runtime)
    fake_runtime.bus.publish(GatewayStateChanged(state="stopping", url="http://127.0.0.1:9999"))
    assert window.state_label.text() == "Stopping"
    assert window.url_label.text() == "http://127.0.0.1:9999"
    fake_runtime.swap_snapshot(providers=9, accounts=8, keys=7)
    assert (window.providers_label.text(), window.accounts_label.text(), window.keys_label.text()) == (
        "9",
        "8",
        "7",
    )


def test_timer_refreshes_every_second_while_visible(qtbot):
    clock = Clock()
    runtime = FakeRuntime(clock=clock)
    runtime.state = "serving"
    runtime._started_at = clock()
    window, _bridge = _window(qtbot, runtime)
    window.show()
    qtbot.waitExposed(window)
    assert window.timer.isActive()
    assert window.timer.interval() == REFRESH_MS == 1000
    assert window.uptime_label.text() == "0 s"

    clock.t += 61
    runtime.requests_served = 100  # changed without an event: only the timer can notice
    qtbot.waitUntil(lambda: window.requests_label.text() == "100", timeout=2500)
    assert window.uptime_label.text() == "1 min 01 s"

    window.hide()
    assert not window.timer.isActive()


def test_copy_puts_the_url_on_the_clipboard(qtbot, fake_runtime: FakeRuntime):
    window, _bridge = _window(qtbot, fake_runtime)
    QGuiApplication.clipboard().setText("")
    window.copy_button.click()
    assert QGuiApplication.clipboard().text() == "http://127.0.0.1:20127"
    assert window.copy_button.text() == "Copied"
    qtbot.waitUntil(lambda: window.copy_button.text() == "Copy", timeout=3000)


def test_long_data_dir_is_elided_in_the_middle(qtbot):
    path = "/home/someone/" + "very-long-folder-name/" * 12 + "vansroute"
    window, _bridge = _window(qtbot, FakeRuntime(data_dir=path))
    window.resize(460, 400)
    window.show()
    qtbot.waitExposed(window)
    shown = window.data_dir_label.text()
    assert "…" in shown
    assert shown.startswith("/home/")
    assert shown.endswith("vansroute")
    assert window.data_dir_label.full_text() == path


def test_quit_and_close_signals(qtbot, fake_runtime: FakeRuntime):
    window, _bridge = _window(qtbot, fake_runtime)
    window.show()
    with qtbot.waitSignal(window.quit_requested, timeout=1000):
        window.quit_button.click()
    with qtbot.waitSignal(window.closed, timeout=1000):
        window.close_button.click()
    assert not window.isVisible()
