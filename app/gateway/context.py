"""What every handler needs, reachable from the aiohttp application under one typed key."""

from __future__ import annotations

from dataclasses import dataclass, field

from aiohttp import web

from app.core.clock import Clock, SystemClock
from app.core.events import EventBus, RequestFinished
from app.gateway.access import AccessControl
from app.gateway.signature_memory import SignatureMemory
from app.providers.transport import Transport
from app.resilience.breaker import Breakers
from app.resilience.cooldown import Cooldowns
from app.resilience.limiter import AccountLimiter
from app.routing.execute import Guards
from app.routing.snapshot import SnapshotHolder
from app.routing.state import RoutingState
from app.savers import HeadroomMemory


@dataclass
class GatewayContext:
    version: str
    snapshots: SnapshotHolder
    transport: Transport
    bus: EventBus
    clock: Clock = field(default_factory=SystemClock)
    max_body_bytes: int = 32 * 1024 * 1024
    started_at: float = 0.0
    state: str = "starting"
    mode: str = "headless"
    requests_served: int = 0
    # Paused from the tray: requests get a 503 in their own format until resumed.
    paused: bool = False
    # Things a target format could not express, left out of translated requests (see formats.ir.Drop).
    translation_drops: int = 0
    signatures: SignatureMemory = field(default_factory=SignatureMemory)
    # Guards the admin endpoints (/vansroute/…); written to gateway.json for the CLI.
    admin_token: str = ""
    guards: Guards = field(init=False)
    # Round-robin turns, latency averages and session pins (combos, account selection, stickiness).
    routing: RoutingState = field(init=False)
    # What Headroom sent for each tool result, so a later turn sends the same text (prompt caches).
    headroom_memory: HeadroomMemory = field(default_factory=HeadroomMemory)
    # Per-key rate, concurrency and budget state; spend grows with every finished request's cost.
    access: AccessControl = field(init=False)

    def __post_init__(self) -> None:
        self.access = AccessControl(self.clock)
        self.bus.subscribe(RequestFinished, self.access.on_finished)
        self.routing = RoutingState(self.clock)
        self.guards = Guards(
            clock=self.clock,
            breakers=Breakers(self.clock),
            limiter=AccountLimiter(),
            cooldowns=Cooldowns(self.clock),
            publish=self.bus.publish,
        )


CONTEXT = web.AppKey("vansroute_context", GatewayContext)
