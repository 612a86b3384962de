"""The Usage page on a real SQLite database with seeded usage rows; live updates from bus events."""

from __future__ import annotations

import asyncio
import os
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from app.core.events import RequestFinished
from app.core.records import UsageDimension, UsageRecord, WireFormat
from app.ui.bridge import EventBridge
from app.ui.models.usage_data import MAX_SERIES, UsageData, UsageQuery, UsageSnapshot, period_start
from app.ui.pages.usage import UsagePage, recent_model, totals_model
from app.ui.widgets.usage_chart import compact
from tests.ui.fake_runtime import FakeRuntime

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)

# (provider, upstream model, price per 1k tokens in, out)
ROUTES = (
    ("anthropic", "claude-sonnet-4-5", 0.003, 0.015),
    ("openai", "gpt-5-mini", 0.00025, 0.002),
    ("gemini", "gemini-2.5-pro", 0.00125, 0.01),
    ("deepseek", "deepseek-chat", 0.00027, 0.0011),
)
KEYS = ("tool.claude-code", "tool.codex", "laptop")
APPS = {"tool.claude-code": "claude-cli", "tool.codex": "codex", "laptop": "openai-python"}


def _record(n: int, at: datetime, rng: random.Random) -> UsageRecord:
    provider, model, p_in, p_out = ROUTES[rng.choices(range(4), weights=(5, 3, 2, 1))[0]]
    key = rng.choices(KEYS, weights=(5, 3, 1))[0]
    tin, tout = rng.randint(2_000, 40_000), rng.randint(100, 3_000)
    failed = rng.random() < 0.05
    return UsageRecord(
        request_id=f"req-{n:05d}",
        started_at=at,
        api_key_name=key,
        client_format=WireFormat.ANTHROPIC if key == "tool.claude-code" else WireFormat.RESPONSES,
        provider_id=provider,
        account_id=1,
        model="combo/coding" if key == "tool.claude-code" else model,
        status=429 if failed else 200,
        latency_ms=rng.uniform(800, 9_000),
        stream=True,
        input_tokens=None if failed else tin,
        output_tokens=None if failed else tout,
        error="upstream quota exhausted" if failed else None,
        client_app=APPS[key],
        upstream_model=model,
        cached_tokens=None if failed else tin // 2,
        cost_usd=None if failed else round(tin / 1000 * p_in + tout / 1000 * p_out, 6),
        ttft_ms=None if failed else rng.uniform(300, 2_500),
        attempts=2 if failed else rng.choice((1, 1, 1, 2)),
        # Claude Code turns carry tool output, which the token savers shrink.
        saver_tokens_before=None if failed or key != "tool.claude-code" else tin // 3,
        saver_tokens_after=None if failed or key != "tool.claude-code" else tin // 9,
    )


def make_records(days: int = 14, per_day: int = 40) -> list[UsageRecord]:
    rng = random.Random(7)
    records: list[UsageRecord] = []
    for d in range(days):
        day = NOW - timedelta(days=d)
        for i in range(per_day + rng.randint(-15, 15) - d):
            at = day.replace(hour=8) + timedelta(minutes=rng.randint(0, 9 * 60 - 1), seconds=i)
            if at <= NOW:
                records.append(_record(len(records), at, rng))
    return records


def seed(runtime: FakeRuntime, days: int = 14, per_day: int = 40) -> list[UsageRecord]:
    records = make_records(days, per_day)
    runtime.admin().store.usage.add_many(records)
    return records


def _page(qtbot, runtime: FakeRuntime) -> UsagePage:
    bridge = EventBridge(runtime.bus)
    page = UsagePage(runtime, bridge, clock=lambda: NOW)
    page._test_bridge = bridge  # kept alive with the page
    qtbot.addWidget(page)
    page.resize(820, 640)
    return page


def _show(qtbot, page: UsagePage) -> None:
    page.show()
    qtbot.waitExposed(page)


def _finish(runtime: FakeRuntime, record: UsageRecord) -> None:
    runtime.bus.publish(RequestFinished(record))


def test_models_pass_the_model_tester(qtmodeltester, fake_runtime: FakeRuntime):
    records = seed(fake_runtime, days=3, per_day=10)
    recent = recent_model()
    recent.set_rows(records[:20])
    qtmodeltester.check(recent)
    totals = totals_model()
    totals.set_rows(fake_runtime.admin().usage().totals(UsageDimension.MODEL))
    qtmodeltester.check(totals)


def test_shows_what_the_database_holds(qtbot, fake_runtime: FakeRuntime):
    records = seed(fake_runtime)
    page = _page(qtbot, fake_runtime)
    _show(qtbot, page)
    since = period_start(7, NOW)
    in_period = [r for r in records if r.started_at >= since]
    assert page.dimension_box.currentText() == "Provider"
    # Totals per provider equal the sums over the seeded rows.
    totals = {t.group: t for t in page.totals.rows()}
    for provider in {r.provider_id for r in in_period}:
        mine = [r for r in in_period if r.provider_id == provider]
        assert totals[provider].requests == len(mine)
        assert totals[provider].cost_usd == pytest.approx(sum(r.cost_usd or 0 for r in mine))
    # The chart: one x position per day of the period, stacks summing to each day's tokens.
    chart = page.chart.data
    assert chart is not None and len(chart.days) == 7 and chart.days[-1] == "2026-11-25"
    for i, day in enumerate(chart.days):
        want = sum(
            (r.input_tokens or 0) + (r.output_tokens or 0)
            for r in in_period
            if r.started_at.date().isoformat() == day
        )
        assert sum(s.values[i] for s in chart.series) == pytest.approx(want)
    assert len(page.chart.bars) == len(chart.series) == 4
    # Recent requests: newest first.
    newest = sorted(records, key=lambda r: r.started_at, reverse=True)[:5]
    assert [page.recent.record(i).request_id for i in range(5)] == [r.request_id for r in newest]
    assert f"{len(in_period):,}</b> requests" in page.summary.text()


def test_dimension_period_and_metric(qtbot, fake_runtime: FakeRuntime):
    records = seed(fake_runtime)
    page = _page(qtbot, fake_runtime)
    _show(qtbot, page)
    page.dimension_box.setCurrentText("Client app")
    assert {t.group for t in page.totals.rows()} == {"claude-cli", "codex", "openai-python"}
    page.dimension_box.setCurrentText("Model")
    assert {s.name for s in page.chart.data.series} == {m for _, m, _, _ in ROUTES}
    page.period_box.setCurrentText("Last 30 days")
    assert len(page.chart.data.days) == 30
    assert sum(t.requests for t in page.totals.rows()) == len(records)
    page.metric_box.setCurrentText("Cost")
    total_cost = sum(sum(s.values) for s in page.chart.data.series)
    assert total_cost == pytest.approx(sum(r.cost_usd or 0 for r in records))
    assert page.chart.axis.labelText == "Cost (USD)"


def test_a_burst_of_finished_requests_is_one_redraw_and_no_query(qtbot, fake_runtime: FakeRuntime):
    seed(fake_runtime, days=2, per_day=5)
    page = _page(qtbot, fake_runtime)
    _show(qtbot, page)
    reads, redraws = page.reads, page.redraws
    before = sum(t.requests for t in page.totals.rows())
    rng = random.Random(1)
    burst = [_record(10_000 + i, NOW - timedelta(seconds=200 - i), rng) for i in range(200)]
    for record in burst:
        _finish(fake_runtime, record)
    qtbot.waitUntil(lambda: sum(t.requests for t in page.totals.rows()) == before + 200, timeout=3000)
    assert page.redraws == redraws + 1
    assert page.reads == reads  # the database was not read again
    assert page.recent.record(0).request_id == burst[-1].request_id
    assert page.recent.rowCount() == 100


def test_hidden_page_ignores_events_and_reads_again_when_shown(qtbot, fake_runtime: FakeRuntime):
    page = _page(qtbot, fake_runtime)
    _show(qtbot, page)
    assert page.chart.empty_label.isVisibleTo(page.chart)
    page.hide()
    records = seed(fake_runtime, days=1, per_day=6)
    _finish(fake_runtime, records[0])
    qtbot.wait(700)
    assert page.recent.rowCount() == 0
    _show(qtbot, page)
    assert page.recent.rowCount() == len(records)
    assert page.chart.plot.isVisibleTo(page.chart)


def test_data_folding_matches_a_fresh_read(fake_runtime: FakeRuntime):
    """Folding events into a snapshot gives what reading the database afterwards gives."""
    records = make_records(days=5, per_day=8)
    first, second = records[: len(records) // 2], records[len(records) // 2 :]
    usage = fake_runtime.admin().usage()
    query = UsageQuery(UsageDimension.KEY, 7, period_start(7, NOW))

    def read() -> UsageData:
        return UsageData.from_snapshot(
            UsageSnapshot(
                query,
                usage.daily(query.by, since=query.since),
                usage.totals(query.by, since=query.since),
                usage.recent(),
            )
        )

    fake_runtime.admin().store.usage.add_many(first)
    folded = read()
    folded.add(second)
    fake_runtime.admin().store.usage.add_many(second)
    fresh = read()
    for metric in ("cost", "tokens"):
        got, want = folded.chart(metric, NOW), fresh.chart(metric, NOW)
        assert got.days == want.days
        assert [s.name for s in got.series] == [s.name for s in want.series]
        for mine, theirs in zip(got.series, want.series, strict=True):
            assert mine.values == pytest.approx(theirs.values)
    assert [
        (t.group, t.requests, t.errors, t.input_tokens, t.output_tokens, t.saved_tokens)
        for t in folded.totals()
    ] == [
        (t.group, t.requests, t.errors, t.input_tokens, t.output_tokens, t.saved_tokens)
        for t in fresh.totals()
    ]
    assert folded.overall().saved_tokens > 0
    assert folded.overall().cost_usd == pytest.approx(fresh.overall().cost_usd)


def test_many_series_fold_into_other():
    records = [
        UsageRecord(
            f"r{i}", NOW, f"key-{i}", WireFormat.OPENAI, "p", 1, "m", 200, 10.0, False, 100 * (i + 1), 0
        )
        for i in range(10)
    ]
    data = UsageData(UsageQuery(UsageDimension.KEY, 7, period_start(7, NOW)))
    data.add(records)
    chart = data.chart("tokens", NOW)
    assert len(chart.series) == MAX_SERIES
    assert chart.series[0].name == "key-9"
    assert chart.series[-1].name == "other (5)"
    assert chart.series[-1].values[-1] == 100 * (1 + 2 + 3 + 4 + 5)


def test_axis_text():
    assert [compact(v, "tokens") for v in (0, 950, 12_000, 3_400_000)] == ["0", "950", "12k", "3.4M"]
    assert [compact(v, "cost") for v in (0.5, 1234)] == ["$0.50", "$1,234"]


def test_screenshot(qtbot, fake_runtime: FakeRuntime, tmp_path: Path):
    seed(fake_runtime)
    page = _page(qtbot, fake_runtime)
    page.resize(900, 640)
    _show(qtbot, page)
    page.dimension_box.setCurrentText("Model")
    qtbot.wait(50)
    out = Path(os.environ.get("VANSROUTE_SCREENSHOT_DIR", tmp_path)) / "page-usage.png"
    out.parent.mkdir(parents=True, exist_ok=True)
    assert page.grab().save(str(out))
    assert out.stat().st_size > 10_000


async def test_reads_in_the_executor_under_the_running_loop(qtbot, fake_runtime: FakeRuntime):
    """As in the app: the read runs off the GUI thread; a selector changed meanwhile wins."""
    records = seed(fake_runtime)
    page = _page(qtbot, fake_runtime)
    page.show()  # reads in an executor: the loop is running here
    page.dimension_box.setCurrentText("Client app")  # a second read; the first one's answer is dropped
    for _ in range(100):
        if page.data is not None and page.totals.rowCount():
            break
        await asyncio.sleep(0.05)
    assert {t.group for t in page.totals.rows()} == {"claude-cli", "codex", "openai-python"}
    since = period_start(7, NOW)
    assert sum(t.requests for t in page.totals.rows()) == len([r for r in records if r.started_at >= since])
