from __future__ import annotations

import threading

import shiboken6

from app.core.events import EventBus, GatewayStateChanged, SnapshotSwapped
from app.ui.bridge import EventBridge
from tests.ui.fake_runtime import FakeRuntime


def test_each_event_kind_is_re_emitted_with_the_frozen_dataclass(qtbot, fake_runtime: FakeRuntime):
    bridge = EventBridge(fake_runtime.bus)

    with qtbot.waitSignal(bridge.request_finished, timeout=1000) as finished:
        event = fake_runtime.finish_request()
    assert finished.args == [event]

    state = GatewayStateChanged(state="serving", url="http://127.0.0.1:20127")
    with qtbot.waitSignal(bridge.gateway_state_changed, timeout=1000) as changed:
        fake_runtime.bus.publish(state)
    assert changed.args == [state]

    with qtbot.waitSignal(bridge.snapshot_swapped, timeout=1000) as swapped:
        snap = fake_runtime.swap_snapshot(providers=1, accounts=2, keys=3)
    assert swapped.args == [snap]
    assert isinstance(swapped.args[0], SnapshotSwapped)
    bridge.close()


def test_close_unsubscribes(qtbot):
    bus = EventBus()
    bridge = EventBridge(bus)
    seen: list[object] = []
    bridge.gateway_state_changed.connect(seen.append)
    bridge.close()
    bridge.close()  # twice is fine
    bus.publish(GatewayStateChanged(state="stopped", url=""))
    assert seen == []


def test_deleted_bridge_no_longer_receives_events(qtbot, caplog):
    bus = EventBus()
    bridge = EventBridge(bus)
    shiboken6.delete(bridge)
    bus.publish(GatewayStateChanged(state="stopped", url=""))
    assert "event handler failed" not in caplog.text


def test_events_published_off_the_gui_thread_arrive_on_it(qtbot):
    bus = EventBus()
    bridge = EventBridge(bus)
    received_on: list[int] = []
    bridge.gateway_state_changed.connect(lambda _event: received_on.append(threading.get_ident()))

    worker = threading.Thread(target=lambda: bus.publish(GatewayStateChanged(state="serving", url="u")))
    worker.start()
    worker.join()
    qtbot.waitUntil(lambda: len(received_on) == 1, timeout=2000)
    assert received_on == [threading.get_ident()]
    bridge.close()
