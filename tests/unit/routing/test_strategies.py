from __future__ import annotations

import random
from types import MappingProxyType

import pytest

from app.core.clock import FakeClock
from app.core.errors import ContextTooLong
from app.core.records import WireFormat
from app.providers.catalog import Capability, CatalogModel, Price
from app.routing.resolve import ComboRoute, ModelRoute
from app.routing.snapshot import ComboView, ProviderView, Target
from app.routing.state import RoutingState
from app.routing.strategies import RequestNeeds, order, weights_of

CAPS = frozenset({Capability.TOOLS, Capability.VISION})


def provider(pid: str, **info: CatalogModel) -> ProviderView:
    target = Target(pid, WireFormat.OPENAI, "http://u", 1, "a", 0, api_key="k")
    return ProviderView(pid, WireFormat.OPENAI, "http://u", (), (target,), model_info=MappingProxyType(info))


TEXT = provider(
    "text",
    m=CatalogModel("m", context_window=8_000, capabilities=frozenset({Capability.TOOLS}), price=Price(1, 2)),
)
SEES = provider("sees", m=CatalogModel("m", context_window=200_000, capabilities=CAPS, price=Price(3, 15)))
CHEAP = provider(
    "cheap", m=CatalogModel("m", context_window=128_000, capabilities=CAPS, price=Price(0.1, 0.4))
)
UNKNOWN = provider("unknown")


def combo(strategy: str, *providers: ProviderView, **options: object) -> ComboRoute:
    view = ComboView("c", strategy, tuple(f"{p.id}/m" for p in providers), MappingProxyType(options))
    return ComboRoute(view, tuple(ModelRoute(p, "m") for p in providers))


def ids(
    route: ComboRoute,
    needs: RequestNeeds = RequestNeeds(),
    state: RoutingState | None = None,
    busy: dict[str, float] | None = None,
) -> list[str]:
    state = state or RoutingState(FakeClock(), random.Random(7))
    load = busy or {}
    return [m.provider.id for m in order(route, needs, state, lambda m: load.get(m.provider.id, 0.0))]


def test_fallback_keeps_the_declared_order() -> None:
    assert ids(combo("fallback", TEXT, SEES, UNKNOWN)) == ["text", "sees", "unknown"]


def test_round_robin_rotates_the_start_per_request() -> None:
    state = RoutingState(FakeClock())
    route = combo("round-robin", TEXT, SEES, UNKNOWN)
    assert [ids(route, state=state)[0] for _ in range(4)] == ["text", "sees", "unknown", "text"]


@pytest.mark.parametrize(
    ("needs", "expected"),
    [
        (RequestNeeds(), ["text", "unknown", "sees"]),  # nothing special: declared order
        (RequestNeeds(vision=True), ["sees", "unknown", "text"]),  # known able, unknown, known unable
        (RequestNeeds(input_tokens=50_000), ["unknown", "sees", "text"]),  # too long for text's window
    ],
)
def test_capacity(needs: RequestNeeds, expected: list[str]) -> None:
    assert ids(combo("capacity", TEXT, UNKNOWN, SEES), needs) == expected


def test_least_busy_prefers_the_idle() -> None:
    assert ids(combo("least-busy", TEXT, SEES, CHEAP), busy={"text": 1.0, "sees": 0.5, "cheap": 0.0}) == [
        "cheap",
        "sees",
        "text",
    ]


def test_lowest_latency_measures_newcomers_first_then_prefers_the_fast() -> None:
    state = RoutingState(FakeClock())
    state.note_latency("text/m", 2.0)
    state.note_latency("sees/m", 0.5)
    assert ids(combo("lowest-latency", TEXT, SEES, UNKNOWN), state=state) == ["unknown", "sees", "text"]
    state.note_latency("sees/m", 10.0)  # one slow answer moves the average, not all the way
    assert 0.5 < (state.latency("sees/m") or 0) < 10.0


def test_cheapest_puts_unknown_prices_last() -> None:
    assert ids(combo("cheapest", SEES, UNKNOWN, CHEAP, TEXT), RequestNeeds(input_tokens=1000)) == [
        "cheap",
        "text",
        "sees",
        "unknown",
    ]


def test_context_window_skips_what_is_too_small_and_refuses_when_nothing_fits() -> None:
    route = combo("context-window", TEXT, CHEAP, SEES)
    assert ids(route, RequestNeeds(input_tokens=100_000)) == ["cheap", "sees"]
    assert ids(route, RequestNeeds(input_tokens=150_000)) == ["sees"]
    with pytest.raises(ContextTooLong):
        ids(route, RequestNeeds(input_tokens=500_000))


def test_weighted_draws_in_proportion() -> None:
    state = RoutingState(FakeClock(), random.Random(1))
    route = combo("weighted", TEXT, SEES, weights=[3.0, 1.0])
    firsts = [ids(route, state=state)[0] for _ in range(4000)]
    share = firsts.count("text") / len(firsts)
    assert 0.70 < share < 0.80  # 3:1


def test_weights_tolerate_missing_and_bad_entries() -> None:
    assert weights_of([2, "x", -1], 4) == [2.0, 1.0, 1.0, 1.0]
    assert weights_of(None, 2) == [1.0, 1.0]


def test_a_nested_combo_is_ordered_by_its_own_strategy_and_repeats_drop() -> None:
    inner = combo("round-robin", SEES, CHEAP)
    outer_view = ComboView("outer", "fallback", ("text/m", "combo/c", "sees/m"))
    outer = ComboRoute(outer_view, (ModelRoute(TEXT, "m"), inner, ModelRoute(SEES, "m")))
    state = RoutingState(FakeClock())
    assert ids(outer, state=state) == ["text", "sees", "cheap"]
    assert ids(outer, state=state) == ["text", "cheap", "sees"]
