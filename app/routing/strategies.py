"""Combo strategies: in which order a combo's members are tried for one request.

The reference system's: fallback (declared order), round-robin (the start rotates), fusion (a panel
answers in parallel and a judge synthesises — executed by gateway/fusion.py; here it is the panel's
order) and capacity (members that can do what the request needs come first). Beyond it: least-busy,
lowest-latency (moving average of time to first token), cheapest (model prices: yours, the provider
list's, the catalogue's), context-window (members whose window is known to be too small for the
request are skipped) and weighted (a weighted random order). A nested combo is ordered by its own strategy and tried where it stands.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from app.core.errors import ContextTooLong
from app.providers.catalog import Capability, CatalogModel
from app.routing.resolve import ComboRoute, ModelRoute, Route
from app.routing.state import RoutingState

FALLBACK = "fallback"
ROUND_ROBIN = "round-robin"
FUSION = "fusion"
CAPACITY = "capacity"
LEAST_BUSY = "least-busy"
LOWEST_LATENCY = "lowest-latency"
CHEAPEST = "cheapest"
CONTEXT_WINDOW = "context-window"
WEIGHTED = "weighted"

STRATEGIES: tuple[str, ...] = (
    FALLBACK,
    ROUND_ROBIN,
    FUSION,
    CAPACITY,
    LEAST_BUSY,
    LOWEST_LATENCY,
    CHEAPEST,
    CONTEXT_WINDOW,
    WEIGHTED,
)


@dataclass(frozen=True, slots=True)
class RequestNeeds:
    """What one request asks of a model, estimated cheaply from the client's body."""

    tools: bool = False
    vision: bool = False
    pdf: bool = False
    reasoning: bool = False
    input_tokens: int = 0
    # max_tokens / max_output_tokens as asked (None: the model's default).
    output_tokens: int | None = None

    def capabilities(self) -> tuple[Capability, ...]:
        wanted = (
            (self.tools, Capability.TOOLS),
            (self.vision, Capability.VISION),
            (self.pdf, Capability.PDF),
            (self.reasoning, Capability.REASONING),
        )
        return tuple(cap for on, cap in wanted if on)


# Load of a model route between 0 (idle) and 1+ (saturated), from the limiter.
BusyOf = Callable[[ModelRoute], float]


def order(route: ComboRoute, needs: RequestNeeds, state: RoutingState, busy: BusyOf) -> list[ModelRoute]:
    """The combo's models in the order this request tries them (each once)."""
    seen: set[str] = set()
    out: list[ModelRoute] = []
    for member in _ordered_members(route, needs, state, busy):
        for model in (member,) if isinstance(member, ModelRoute) else order(member, needs, state, busy):
            if model.key not in seen:
                seen.add(model.key)
                out.append(model)
    return out


def _ordered_members(
    route: ComboRoute, needs: RequestNeeds, state: RoutingState, busy: BusyOf
) -> Sequence[Route]:
    members = list(route.members)
    strategy = route.combo.strategy
    if strategy == ROUND_ROBIN:
        start = state.next_turn(f"combo:{route.combo.name}") % len(members)
        return members[start:] + members[:start]
    if strategy == CAPACITY:
        return sorted(members, key=lambda m: _capacity_rank(_lead(m), needs))
    if strategy == LEAST_BUSY:
        return sorted(members, key=lambda m: busy(_lead(m)))
    if strategy == LOWEST_LATENCY:
        # A model never measured goes first once, so that it gets measured.
        return sorted(members, key=lambda m: state.latency(_lead(m).key) or 0.0)
    if strategy == CHEAPEST:
        return sorted(members, key=lambda m: _cost(_lead(m), needs))
    if strategy == CONTEXT_WINDOW:
        fitting = [m for m in members if _fits(_lead(m), needs) is not False]
        if not fitting:
            raise ContextTooLong(
                f"the request (about {needs.input_tokens} tokens) is larger than the context window of "
                f"every model in combo '{route.combo.name}'",
                param="messages",
            )
        return fitting
    if strategy == WEIGHTED:
        return _weighted(route, members, state)
    return members  # fallback, fusion (the panel), or a strategy this version does not know


def _lead(member: Route) -> ModelRoute:
    """The model that stands for a nested combo when the outer strategy compares members."""
    return member if isinstance(member, ModelRoute) else member.model_routes()[0]


def _info(route: ModelRoute) -> CatalogModel | None:
    return route.provider.model_info.get(route.upstream_model)


def _fits(route: ModelRoute, needs: RequestNeeds) -> bool | None:
    info = _info(route)
    if info is None or info.context_window is None:
        return None
    return needs.input_tokens + (needs.output_tokens or 0) <= info.context_window


def _capacity_rank(route: ModelRoute, needs: RequestNeeds) -> int:
    """0: known to do everything the request needs; 1: not known; 2: known to lack something."""
    if not needs.capabilities() and _fits(route, needs) is not False:
        return 0  # a plain request: every member qualifies, the declared order stands
    info = _info(route)
    if info is None:
        return 1
    if _fits(route, needs) is False or any(not info.has(c) for c in needs.capabilities()):
        return 2
    return 0


def _cost(route: ModelRoute, needs: RequestNeeds) -> float:
    info = _info(route)
    if info is None or info.price is None:
        return math.inf  # unknown prices go last: "cheapest" must not gamble on them
    out = needs.output_tokens if needs.output_tokens is not None else 1000
    return (info.price.input * max(needs.input_tokens, 1) + info.price.output * out) / 1e6


def _weighted(route: ComboRoute, members: list[Route], state: RoutingState) -> list[Route]:
    weights = weights_of(route.combo.options.get("weights"), len(members))
    # Efraimidis-Spirakis: sorting by u^(1/w) draws a weighted random order without replacement.
    keyed = [
        (state.rng.random() ** (1.0 / w) if w > 0 else -1.0, i, m)
        for i, (m, w) in enumerate(zip(members, weights, strict=True))
    ]
    keyed.sort(key=lambda t: (-t[0], t[1]))
    return [m for _, _, m in keyed]


def weights_of(raw: object, count: int) -> list[float]:
    """The `weights` option as one positive number per member (missing or bad entries count 1)."""
    values = list(raw) if isinstance(raw, list | tuple) else []
    out: list[float] = []
    for i in range(count):
        value = values[i] if i < len(values) else 1
        out.append(float(value) if isinstance(value, int | float) and value >= 0 else 1.0)
    return out
