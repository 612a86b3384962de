from __future__ import annotations

from app.core.clock import FakeClock
from app.core.records import WireFormat
from app.routing.plan import plan, stick
from app.routing.resolve import ModelRoute
from app.routing.snapshot import ProviderView, Target
from app.routing.state import RoutingState
from app.routing.strategies import RequestNeeds

TARGETS = tuple(Target("p", WireFormat.OPENAI, "http://u", i, f"a{i}", 0, api_key="k") for i in (1, 2, 3))
PROVIDER = ProviderView("p", WireFormat.OPENAI, "http://u", (), TARGETS)


def test_a_pinned_session_goes_first_while_it_lasts() -> None:
    clock = FakeClock()
    state = RoutingState(clock, session_ttl_s=300)
    candidates = plan(ModelRoute(PROVIDER, "m"), RequestNeeds(), state, lambda t: (0, 3))
    assert [c.target.account_id for c in stick(candidates, state, "s")] == [1, 2, 3]
    state.pin_session("s", "p", 3)
    assert [c.target.account_id for c in stick(candidates, state, "s")] == [3, 1, 2]
    clock.advance(301)
    assert [c.target.account_id for c in stick(candidates, state, "s")] == [1, 2, 3]


def test_sessions_are_bounded_least_recently_used_first() -> None:
    state = RoutingState(FakeClock(), max_sessions=2)
    for name in ("a", "b", "c"):
        state.pin_session(name, "p", 1)
    assert state.sessions == 2 and state.session("a") is None and state.session("c") is not None
