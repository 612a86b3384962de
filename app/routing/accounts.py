"""Account selection inside one provider: the order its accounts are tried in for one request.

fill-first: by priority, the first account takes everything until it cannot (the default);
round-robin: each request starts at the next account; sticky-round-robin: an account serves N
requests in a row (3 by default: the reference system's), then the next takes over; least-used: the
account that has served the fewest requests since start. Rotation happens within a priority tier,
so a user's "use this account first" still holds.
"""

from __future__ import annotations

from itertools import groupby

from app.routing.snapshot import ProviderView, Target
from app.routing.state import RoutingState

FILL_FIRST = "fill-first"
ROUND_ROBIN = "round-robin"
STICKY_ROUND_ROBIN = "sticky-round-robin"
LEAST_USED = "least-used"
ACCOUNT_STRATEGIES: tuple[str, ...] = (FILL_FIRST, ROUND_ROBIN, STICKY_ROUND_ROBIN, LEAST_USED)


def order_accounts(provider: ProviderView, state: RoutingState) -> tuple[Target, ...]:
    targets = provider.targets
    strategy = provider.account_strategy
    if len(targets) < 2 or strategy not in (ROUND_ROBIN, STICKY_ROUND_ROBIN, LEAST_USED):
        return targets
    if strategy == LEAST_USED:
        return tuple(sorted(targets, key=lambda t: (-t.priority, state.used(t.account_id))))
    turn = state.next_turn(f"accounts:{provider.id}")
    if strategy == STICKY_ROUND_ROBIN:
        turn //= max(1, provider.sticky_requests)
    out: list[Target] = []
    for _, tier in groupby(targets, key=lambda t: t.priority):  # targets come sorted by priority
        group = list(tier)
        start = turn % len(group)
        out.extend(group[start:] + group[:start])
    return tuple(out)
