"""Cost from the prices in the routing snapshot, and the usage record a finished request publishes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.core.clock import FakeClock
from app.core.events import EventBus, RequestFinished
from app.core.records import ApiKeyRecord, ModelOverrideRecord, UsageRecord, WireFormat
from app.formats.ir import Usage
from app.gateway.accounting import RequestLog, cost_usd, price_of
from app.gateway.context import GatewayContext
from app.providers.catalog import Price, builtin_catalog
from app.providers.listing import ListedModel
from app.providers.model_facts import merge_all
from app.providers.transport import Transport
from app.routing.snapshot import ProviderView, RoutingSnapshot, SnapshotHolder

PRICE = Price(input=5.0, output=25.0, cached_input=0.5)


def test_cost_splits_cached_and_uncached_input() -> None:
    usage = Usage(input_tokens=1_000_000, output_tokens=200_000, cache_read_tokens=400_000)
    # 600k uncached at $5/M, 400k cached at $0.5/M, 200k output at $25/M
    assert cost_usd(PRICE, usage) == pytest.approx(3.0 + 0.2 + 5.0)


def test_cache_writes_are_priced_as_input_and_reasoning_as_output() -> None:
    usage = Usage(input_tokens=100, output_tokens=50, cache_write_tokens=60, reasoning_tokens=40)
    assert cost_usd(PRICE, usage) == pytest.approx((100 * 5.0 + 50 * 25.0) / 1e6)


def test_cached_input_without_a_cached_price_costs_the_input_price() -> None:
    usage = Usage(input_tokens=10, output_tokens=0, cache_read_tokens=10)
    assert cost_usd(Price(input=2.0, output=8.0), usage) == pytest.approx(20 / 1e6)


def test_no_price_no_cost() -> None:
    assert cost_usd(None, Usage(input_tokens=10, output_tokens=10)) is None


def _snapshot(
    listed: dict[str, ListedModel] | None = None,
    overrides: tuple[ModelOverrideRecord, ...] = (),
    provider_id: str = "anthropic",
) -> RoutingSnapshot:
    entry = builtin_catalog().get(provider_id)
    assert entry is not None
    provider = ProviderView(
        id=provider_id,
        wire_format=entry.wire_format,
        base_url=entry.base_url,
        models=(),
        targets=(),
        model_info=merge_all(entry.models, listed or {}, overrides),
    )
    return RoutingSnapshot(version=1, providers={provider_id: provider}, keys_by_hash={})


def test_price_of_reads_the_snapshot_the_catalogue_first() -> None:
    snapshot = _snapshot()
    assert price_of(snapshot, "anthropic", "claude-opus-4-7") == PRICE
    assert price_of(snapshot, "anthropic", "no-such-model") is None
    assert price_of(snapshot, "not-configured", "claude-opus-4-7") is None


def test_the_providers_list_and_then_the_user_override_the_catalogue_price() -> None:
    live = Price(input=4.0, output=20.0, cached_input=0.4)
    listed = {"claude-opus-4-7": ListedModel("claude-opus-4-7", price=live)}
    assert price_of(_snapshot(listed), "anthropic", "claude-opus-4-7") == live
    mine = ModelOverrideRecord("anthropic", "claude-opus-4-7", price_input=1.0, price_output=2.0)
    assert price_of(_snapshot(listed, (mine,)), "anthropic", "claude-opus-4-7") == Price(1.0, 2.0)
    # A model only the user knows gets its price too (a private deployment, a custom name).
    own = ModelOverrideRecord("anthropic", "my-finetune", price_input=3.0, price_output=9.0, price_cached=0.3)
    assert price_of(_snapshot(None, (own,)), "anthropic", "my-finetune") == Price(3.0, 9.0, 0.3)


def _ctx(clock: FakeClock) -> GatewayContext:
    return GatewayContext(
        version="t", snapshots=SnapshotHolder(_snapshot()), transport=Transport(), bus=EventBus(), clock=clock
    )


def _published(ctx: GatewayContext) -> list[UsageRecord]:
    seen: list[UsageRecord] = []
    ctx.bus.subscribe(RequestFinished, lambda event: seen.append(event.usage))
    return seen


def test_a_streamed_request_is_recorded_in_full() -> None:
    clock = FakeClock(start=100.0, wall=datetime(2026, 5, 1, tzinfo=UTC))
    ctx = _ctx(clock)
    seen = _published(ctx)
    log = RequestLog(ctx, WireFormat.ANTHROPIC, clock.monotonic())
    key = ApiKeyRecord(id=1, name="laptop", key_hash="h", prefix="vr-")
    log.identify(key, {"User-Agent": "claude-cli/2.0.14 (external, cli)"})
    log.model, log.stream = "anthropic/claude-opus-4-7", True
    log.provider_id, log.account_id, log.upstream_model, log.attempts = "anthropic", 3, "claude-opus-4-7", 2
    clock.advance(0.25)
    log.first_byte()
    clock.advance(0.5)
    log.first_byte()  # only the first counts
    log.record_usage(
        Usage(input_tokens=1000, output_tokens=100, cache_read_tokens=600, cache_write_tokens=100)
    )
    clock.advance(1.0)
    log.publish()
    (row,) = seen
    assert row.api_key_name == "laptop"
    assert row.client_app == "claude-cli"
    assert (row.input_tokens, row.output_tokens, row.cached_tokens, row.cache_write_tokens) == (
        1000,
        100,
        600,
        100,
    )
    assert row.reasoning_tokens == 0
    assert row.cost_usd == pytest.approx((400 * 5.0 + 600 * 0.5 + 100 * 25.0) / 1e6)
    assert row.ttft_ms == pytest.approx(250.0)
    assert row.latency_ms == pytest.approx(1750.0)
    assert row.attempts == 2
    # started_at is when the request began, not when it was published
    assert row.started_at == clock.now() - timedelta(milliseconds=1750)


def test_an_off_peak_request_costs_what_the_provider_bills_then() -> None:
    def cost_at(wall: datetime) -> float | None:
        clock = FakeClock(start=0.0, wall=wall)
        ctx = GatewayContext(
            version="t",
            snapshots=SnapshotHolder(_snapshot(provider_id="deepseek")),
            transport=Transport(),
            bus=EventBus(),
            clock=clock,
        )
        seen = _published(ctx)
        log = RequestLog(ctx, WireFormat.OPENAI, clock.monotonic())
        log.provider_id, log.upstream_model = "deepseek", "deepseek-flash"
        log.record_usage(Usage(input_tokens=1_000_000, output_tokens=1_000_000))
        clock.advance(2.0)
        log.close()
        return seen[0].cost_usd

    # DeepSeek: peak 09:00-12:00 and 14:00-18:00 Beijing time on weekdays; half price otherwise.
    peak = cost_at(datetime(2026, 11, 25, 2, 0, tzinfo=UTC))  # Wednesday 10:00 in Beijing
    off_peak = cost_at(datetime(2026, 11, 25, 12, 0, tzinfo=UTC))  # Wednesday 20:00 in Beijing
    assert peak == pytest.approx(0.3 + 1.2)
    assert off_peak == pytest.approx((0.3 + 1.2) / 2)


def test_a_whole_answer_has_its_first_token_at_the_end() -> None:
    clock = FakeClock(start=0.0)
    ctx = _ctx(clock)
    seen = _published(ctx)
    log = RequestLog(ctx, WireFormat.OPENAI, clock.monotonic())
    log.provider_id, log.upstream_model = "nowhere", "m"
    clock.advance(2.0)
    log.publish()
    assert seen[0].ttft_ms == pytest.approx(2000.0)
    assert seen[0].cost_usd is None  # no catalogue price
    assert seen[0].cached_tokens is None  # no usage reported


def test_a_refused_request_has_no_first_token() -> None:
    clock = FakeClock(start=0.0)
    ctx = _ctx(clock)
    seen = _published(ctx)
    log = RequestLog(ctx, WireFormat.OPENAI, clock.monotonic())
    log.status, log.error = 429, "key_rate_limited"
    log.publish()
    assert seen[0].ttft_ms is None
    assert seen[0].attempts == 0


def test_finished_requests_feed_the_budget() -> None:
    clock = FakeClock(start=0.0)
    ctx = _ctx(clock)
    log = RequestLog(ctx, WireFormat.ANTHROPIC, clock.monotonic())
    log.api_key_name = "laptop"
    log.provider_id, log.upstream_model = "anthropic", "claude-opus-4-7"
    log.record_usage(Usage(input_tokens=1_000_000, output_tokens=0))
    log.publish()
    assert ctx.access.spent("laptop") == pytest.approx(5.0)
