"""One request's plan: the candidates (model + account) in the order they are tried.

The combo strategy orders the models, the provider's account strategy orders each model's accounts,
and a client session that already has a provider and account keeps them while they are healthy (the
attempt loop skips them when they are not), so the provider's prompt cache stays warm.
"""

from __future__ import annotations

from collections.abc import Callable

from app.core.errors import NoRouteAvailable
from app.routing.accounts import order_accounts
from app.routing.resolve import ModelRoute, Route, no_account_message
from app.routing.snapshot import Candidate, Target
from app.routing.state import RoutingState
from app.routing.strategies import RequestNeeds, order

# (in flight, limit) for an account: how busy it is right now.
LoadOf = Callable[[Target], tuple[int, int]]


def models_of(route: Route, needs: RequestNeeds, state: RoutingState, load: LoadOf) -> list[ModelRoute]:
    if isinstance(route, ModelRoute):
        return [route]

    def busy(model: ModelRoute) -> float:
        loads = [load(t) for t in model.provider.targets]
        if not loads:
            return float("inf")
        return sum(used for used, _ in loads) / max(1, sum(limit for _, limit in loads))

    return order(route, needs, state, busy)


def plan(route: Route, needs: RequestNeeds, state: RoutingState, load: LoadOf) -> tuple[Candidate, ...]:
    models = models_of(route, needs, state, load)
    candidates = tuple(
        Candidate(t, m.upstream_model) for m in models for t in order_accounts(m.provider, state)
    )
    if not candidates:
        raise NoRouteAvailable(no_account_message(models))
    return candidates


def stick(candidates: tuple[Candidate, ...], state: RoutingState, session: str) -> tuple[Candidate, ...]:
    """The session's provider and account first, when it has one and it is still a candidate."""
    pin = state.session(session)
    if pin is None:
        return candidates
    for i, c in enumerate(candidates):
        if c.target.provider_id == pin.provider_id and c.target.account_id == pin.account_id:
            return (c, *candidates[:i], *candidates[i + 1 :])
    return candidates
