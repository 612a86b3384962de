"""One RequestFinished event per request, published on the bus (the usage writer and UI listen)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from app.core.events import RequestFinished
from app.core.records import UsageRecord, WireFormat
from app.gateway.context import GatewayContext


def new_request_id() -> str:
    return os.urandom(12).hex()


@dataclass(slots=True)
class RequestLog:
    """Filled in as a request proceeds; published once at the end whatever happened."""

    ctx: GatewayContext
    client_format: WireFormat
    started: float
    request_id: str = field(default_factory=new_request_id)
    api_key_name: str | None = None
    model: str = ""
    provider_id: str | None = None
    account_id: int | None = None
    stream: bool = False
    status: int = 200
    input_tokens: int | None = None
    output_tokens: int | None = None
    error: str | None = None

    def publish(self) -> None:
        ctx = self.ctx
        ctx.requests_served += 1
        ctx.bus.publish(
            RequestFinished(
                UsageRecord(
                    request_id=self.request_id,
                    started_at=ctx.clock.now(),
                    api_key_name=self.api_key_name,
                    client_format=self.client_format,
                    provider_id=self.provider_id,
                    account_id=self.account_id,
                    model=self.model,
                    status=self.status,
                    latency_ms=(ctx.clock.monotonic() - self.started) * 1000.0,
                    stream=self.stream,
                    input_tokens=self.input_tokens,
                    output_tokens=self.output_tokens,
                    error=self.error,
                )
            )
        )
