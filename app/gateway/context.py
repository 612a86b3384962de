"""What every handler needs, reachable from the aiohttp application under one typed key."""

from __future__ import annotations

from dataclasses import dataclass, field

from aiohttp import web

from app.core.clock import Clock, SystemClock
from app.core.events import EventBus
from app.gateway.signature_memory import SignatureMemory
from app.providers.transport import Transport
from app.routing.snapshot import SnapshotHolder


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
    # Things a target format could not express, left out of translated requests (see formats.ir.Drop).
    translation_drops: int = 0
    signatures: SignatureMemory = field(default_factory=SignatureMemory)


CONTEXT = web.AppKey("vansroute_context", GatewayContext)
