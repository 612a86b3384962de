from __future__ import annotations

from app.core.events import Event, EventBus, GatewayStateChanged, SnapshotSwapped


def test_subscribers_get_their_kind_and_base_kinds() -> None:
    bus = EventBus()
    states: list[Event] = []
    everything: list[Event] = []
    bus.subscribe(GatewayStateChanged, states.append)
    bus.subscribe(Event, everything.append)
    bus.publish(GatewayStateChanged("serving", "http://x"))
    bus.publish(SnapshotSwapped(1, 2, 3, 4))
    assert states == [GatewayStateChanged("serving", "http://x")]
    assert len(everything) == 2


def test_a_failing_handler_does_not_stop_the_others() -> None:
    bus = EventBus()
    got: list[Event] = []

    def broken(_: Event) -> None:
        raise RuntimeError("boom")

    bus.subscribe(SnapshotSwapped, broken)
    bus.subscribe(SnapshotSwapped, got.append)
    bus.publish(SnapshotSwapped(1, 0, 0, 0))
    assert len(got) == 1


def test_unsubscribe() -> None:
    bus = EventBus()
    got: list[Event] = []
    off = bus.subscribe(SnapshotSwapped, got.append)
    off()
    bus.publish(SnapshotSwapped(1, 0, 0, 0))
    assert got == []
