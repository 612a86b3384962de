from __future__ import annotations

from app.core.clock import FakeClock
from app.core.records import WireFormat
from app.routing.accounts import order_accounts
from app.routing.snapshot import ProviderView, Target
from app.routing.state import RoutingState


def view(strategy: str, *priorities: int, sticky: int = 3) -> ProviderView:
    targets = tuple(
        Target("p", WireFormat.OPENAI, "http://u", i + 1, f"a{i + 1}", prio, api_key="k")
        for i, prio in enumerate(priorities)
    )
    targets = tuple(sorted(targets, key=lambda t: (-t.priority, t.account_id)))
    return ProviderView(
        "p", WireFormat.OPENAI, "http://u", (), targets, account_strategy=strategy, sticky_requests=sticky
    )


def firsts(provider: ProviderView, n: int, state: RoutingState | None = None) -> list[int]:
    state = state or RoutingState(FakeClock())
    return [order_accounts(provider, state)[0].account_id for _ in range(n)]


def test_fill_first_always_starts_with_the_highest_priority() -> None:
    assert firsts(view("fill-first", 0, 5, 0), 3) == [2, 2, 2]


def test_round_robin_rotates_within_the_top_tier_only() -> None:
    provider = view("round-robin", 1, 1, 0)
    state = RoutingState(FakeClock())
    assert firsts(provider, 4, state) == [1, 2, 1, 2]
    assert order_accounts(provider, state)[-1].account_id == 3  # the lower tier stays behind


def test_sticky_round_robin_serves_n_in_a_row() -> None:
    assert firsts(view("sticky-round-robin", 0, 0, sticky=3), 7) == [1, 1, 1, 2, 2, 2, 1]


def test_least_used_evens_out() -> None:
    provider = view("least-used", 0, 0, 0)
    state = RoutingState(FakeClock())
    served = []
    for _ in range(6):
        first = order_accounts(provider, state)[0].account_id
        state.note_used(first)
        served.append(first)
    assert sorted(served) == [1, 1, 2, 2, 3, 3]
