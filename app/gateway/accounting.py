"""One RequestFinished event per request, published on the bus (the usage writer, budgets and UI listen).

The cost of a request is worked out here from the model's price in the routing snapshot (USD per
million tokens; the user's own price, else the provider's model list's, else the catalogue's):
uncached input at the input price, cache reads at the cached-input price (the input price where none
is published), cache writes at the input price (no write price is carried, so Anthropic's 1.25x
surcharge is not counted), and all output, reasoning included, at the output price. A model without
a known price has no cost (None), and counts as free against a budget.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from app.core.events import RequestFinished
from app.core.records import ApiKeyRecord, UsageRecord, WireFormat
from app.formats.ir import Usage
from app.gateway.client_app import client_app
from app.gateway.context import GatewayContext
from app.providers.catalog import Price
from app.routing.snapshot import RoutingSnapshot

_PER_MILLION = 1_000_000.0


def new_request_id() -> str:
    return os.urandom(12).hex()


def price_of(snapshot: RoutingSnapshot, provider_id: str, model: str) -> Price | None:
    """The price the routing snapshot holds for one provider's model (merged when it was built)."""
    provider = snapshot.providers.get(provider_id)
    info = provider.model_info.get(model) if provider is not None else None
    return info.price if info is not None else None


def cost_usd(price: Price | None, usage: Usage) -> float | None:
    if price is None:
        return None
    cached = usage.cache_read_tokens
    uncached = max(0, usage.input_tokens - cached)  # cache writes stay in here, at the input price
    cached_price = price.input if price.cached_input is None else price.cached_input
    return (
        uncached * price.input + cached * cached_price + usage.output_tokens * price.output
    ) / _PER_MILLION


@dataclass(slots=True)
class RequestLog:
    """Filled in as a request proceeds; published once at the end whatever happened."""

    ctx: GatewayContext
    client_format: WireFormat
    started: float
    request_id: str = field(default_factory=new_request_id)
    api_key_name: str | None = None
    client_app: str | None = None
    model: str = ""
    provider_id: str | None = None
    account_id: int | None = None
    upstream_model: str | None = None
    attempts: int = 0
    stream: bool = False
    status: int = 200
    input_tokens: int | None = None
    output_tokens: int | None = None
    usage: Usage | None = None
    first_byte_at: float | None = None
    error: str | None = None
    # Tokens of the tool output the savers rewrote (before, after), counted off the event loop.
    saver_count: asyncio.Future[tuple[int, int]] | None = None
    finished_at: float | None = None
    finished_wall: datetime | None = None

    def close(self) -> None:
        """The request is over: publish now, or once the saver token count is ready (it never delays
        the answer; the row just lands a few milliseconds later)."""
        self.finished_at = self.ctx.clock.monotonic()
        self.finished_wall = self.ctx.clock.now()
        pending = self.saver_count
        if pending is None or pending.done():
            self.publish()
        else:
            pending.add_done_callback(lambda _done: self.publish())

    def identify(self, key: ApiKeyRecord | None, headers: Mapping[str, str]) -> None:
        """Who is asking: the local key and the client program (from its User-Agent)."""
        self.api_key_name = key.name if key is not None else None
        self.client_app = client_app(headers)

    def record_usage(self, usage: Usage) -> None:
        """The upstream's reported usage (canonical: input includes cached, output includes reasoning)."""
        if usage.input_tokens or usage.output_tokens:
            self.usage = usage
            self.input_tokens, self.output_tokens = usage.input_tokens, usage.output_tokens

    def first_byte(self) -> None:
        """Called when the first bytes of the answer go to the client (only the first call counts)."""
        if self.first_byte_at is None:
            self.first_byte_at = self.ctx.clock.monotonic()

    def publish(self) -> None:
        ctx = self.ctx
        ctx.requests_served += 1
        finished = self.finished_at if self.finished_at is not None else ctx.clock.monotonic()
        latency_ms = (finished - self.started) * 1000.0
        saved = self._saver_tokens()
        if self.first_byte_at is not None:
            ttft_ms: float | None = (self.first_byte_at - self.started) * 1000.0
        elif not self.stream and self.status < 400 and self.provider_id is not None:
            # A whole answer reaches the client at once: its first token arrives with its last.
            ttft_ms = latency_ms
        else:
            ttft_ms = None
        usage = self.usage
        started_at = (self.finished_wall or ctx.clock.now()) - timedelta(milliseconds=latency_ms)
        cost = None
        if usage is not None and self.provider_id is not None and self.upstream_model is not None:
            price = price_of(ctx.snapshots.current, self.provider_id, self.upstream_model)
            # Off-peak discounts (DeepSeek) go by when the request was made.
            cost = cost_usd(None if price is None else price.at(started_at), usage)
        ctx.bus.publish(
            RequestFinished(
                UsageRecord(
                    request_id=self.request_id,
                    started_at=started_at,
                    api_key_name=self.api_key_name,
                    client_format=self.client_format,
                    provider_id=self.provider_id,
                    account_id=self.account_id,
                    model=self.model,
                    status=self.status,
                    latency_ms=latency_ms,
                    stream=self.stream,
                    input_tokens=self.input_tokens,
                    output_tokens=self.output_tokens,
                    error=self.error,
                    client_app=self.client_app,
                    upstream_model=self.upstream_model,
                    cached_tokens=None if usage is None else usage.cache_read_tokens,
                    cache_write_tokens=None if usage is None else usage.cache_write_tokens,
                    reasoning_tokens=None if usage is None else usage.reasoning_tokens,
                    cost_usd=cost,
                    ttft_ms=ttft_ms,
                    attempts=self.attempts,
                    saver_tokens_before=None if saved is None else saved[0],
                    saver_tokens_after=None if saved is None else saved[1],
                )
            )
        )

    def _saver_tokens(self) -> tuple[int, int] | None:
        pending = self.saver_count
        if pending is None or not pending.done() or pending.cancelled() or pending.exception() is not None:
            return None
        return pending.result()
