"""What the Usage page shows, kept in memory: read from the database when the page is shown or a
selector changes, then kept current by folding in each finished request from the bus.

The usage table is written in batches (up to a second late), so re-reading it on every
``RequestFinished`` would both cost a query per burst and miss the newest rows; the event carries
the record itself, which is exactly what the next read would return.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from app.core.records import UsageDimension, UsagePoint, UsageRecord, UsageTotals

# The same threshold the usage queries count as an error.
ERROR_STATUS = 400
RECENT_LIMIT = 100
# More series than this and a stacked chart is unreadable: the rest are summed as "other".
MAX_SERIES = 6
OTHER = "other"
UNKNOWN = "(none)"


def period_start(days: int, now: datetime) -> datetime:
    """Midnight UTC of the first of the last `days` calendar days (today included)."""
    today = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return today - timedelta(days=days - 1)


def day_labels(days: int, now: datetime) -> tuple[str, ...]:
    first = period_start(days, now).date()
    return tuple((first + timedelta(days=i)).isoformat() for i in range(days))


def series_of(record: UsageRecord, by: UsageDimension) -> str | None:
    """The group a record falls in, as the usage queries group it."""
    if by is UsageDimension.KEY:
        return record.api_key_name
    if by is UsageDimension.PROVIDER:
        return record.provider_id
    if by is UsageDimension.APP:
        return record.client_app
    if by is UsageDimension.DAY:
        return _day(record.started_at)
    return record.upstream_model or record.model


def _day(moment: datetime) -> str:
    if moment.tzinfo is None:  # SQLite returns naive UTC
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).date().isoformat()


@dataclass
class _Sum:
    requests: int = 0
    errors: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cached_tokens: int = 0
    reasoning_tokens: int = 0
    cost_usd: float = 0.0
    latency_sum: float = 0.0
    latency_n: int = 0
    ttft_sum: float = 0.0
    ttft_n: int = 0
    saved_tokens: int = 0

    @classmethod
    def of(cls, t: UsageTotals) -> _Sum:
        # The database gives averages; weighting them by the request count is exact for latency
        # (every row has one) and close for time to first token (rows without one are few).
        return cls(
            t.requests,
            t.errors,
            t.input_tokens,
            t.output_tokens,
            t.cached_tokens,
            t.reasoning_tokens,
            t.cost_usd,
            (t.avg_latency_ms or 0.0) * t.requests,
            t.requests if t.avg_latency_ms is not None else 0,
            (t.avg_ttft_ms or 0.0) * t.requests,
            t.requests if t.avg_ttft_ms is not None else 0,
            t.saved_tokens,
        )

    def add(self, r: UsageRecord) -> None:
        self.requests += 1
        self.errors += r.status >= ERROR_STATUS
        self.input_tokens += r.input_tokens or 0
        self.output_tokens += r.output_tokens or 0
        self.cached_tokens += r.cached_tokens or 0
        self.reasoning_tokens += r.reasoning_tokens or 0
        self.cost_usd += r.cost_usd or 0.0
        self.latency_sum += r.latency_ms
        self.latency_n += 1
        if r.ttft_ms is not None:
            self.ttft_sum += r.ttft_ms
            self.ttft_n += 1
        if r.saver_tokens_before is not None and r.saver_tokens_after is not None:
            self.saved_tokens += r.saver_tokens_before - r.saver_tokens_after

    def totals(self, group: str | None) -> UsageTotals:
        return UsageTotals(
            group,
            self.requests,
            self.errors,
            self.input_tokens,
            self.output_tokens,
            self.cached_tokens,
            self.reasoning_tokens,
            self.cost_usd,
            self.latency_sum / self.latency_n if self.latency_n else None,
            self.ttft_sum / self.ttft_n if self.ttft_n else None,
            self.saved_tokens,
        )


@dataclass(frozen=True, slots=True)
class Series:
    name: str
    values: tuple[float, ...]  # one per day of ChartData.days


@dataclass(frozen=True, slots=True)
class ChartData:
    days: tuple[str, ...]
    series: tuple[Series, ...]  # largest first

    @property
    def empty(self) -> bool:
        return not any(any(s.values) for s in self.series)


@dataclass(frozen=True, slots=True)
class UsageQuery:
    by: UsageDimension
    days: int
    since: datetime


@dataclass(frozen=True, slots=True)
class UsageSnapshot:
    """One read of the database for a query: what the page starts from."""

    query: UsageQuery
    daily: tuple[UsagePoint, ...]
    totals: tuple[UsageTotals, ...]
    recent: tuple[UsageRecord, ...]


@dataclass
class UsageData:
    query: UsageQuery
    _points: dict[tuple[str, str | None], list[float]] = field(default_factory=dict)
    _totals: dict[str | None, _Sum] = field(default_factory=dict)
    _recent: list[UsageRecord] = field(default_factory=list)

    @classmethod
    def from_snapshot(cls, snap: UsageSnapshot) -> UsageData:
        data = cls(snap.query)
        for p in snap.daily:
            data._points[(p.day, p.series)] = [float(p.input_tokens + p.output_tokens), p.cost_usd]
        for t in snap.totals:
            data._totals[t.group] = _Sum.of(t)
        data._recent = list(snap.recent[:RECENT_LIMIT])
        return data

    def add(self, records: Iterable[UsageRecord]) -> None:
        """Fold finished requests in (newest last); ones before the period only join the recent list."""
        for r in records:
            self._recent.insert(0, r)
            started = r.started_at if r.started_at.tzinfo else r.started_at.replace(tzinfo=UTC)
            if started < self.query.since:
                continue
            key = (_day(r.started_at), series_of(r, self.query.by))
            point = self._points.setdefault(key, [0.0, 0.0])
            point[0] += (r.input_tokens or 0) + (r.output_tokens or 0)
            point[1] += r.cost_usd or 0.0
            self._totals.setdefault(series_of(r, self.query.by), _Sum()).add(r)
        del self._recent[RECENT_LIMIT:]

    def recent(self) -> tuple[UsageRecord, ...]:
        return tuple(self._recent)

    def totals(self) -> tuple[UsageTotals, ...]:
        """Per group, by cost then requests, largest first (as `vansroute usage` sorts them)."""
        rows = [s.totals(g) for g, s in self._totals.items()]
        rows.sort(key=lambda t: (-t.cost_usd, -t.requests, t.group is None, t.group or ""))
        return tuple(rows)

    def overall(self) -> UsageTotals:
        total = _Sum()
        for s in self._totals.values():
            for name in vars(total):
                setattr(total, name, getattr(total, name) + getattr(s, name))
        return total.totals(None)

    def chart(self, metric: str, now: datetime) -> ChartData:
        """Per-day values of `metric` ("tokens" or "cost") per series, the smaller series as "other"."""
        index = 0 if metric == "tokens" else 1
        days = day_labels(self.query.days, now)
        position = {d: i for i, d in enumerate(days)}
        per_series: dict[str, list[float]] = {}
        for (day, name), values in self._points.items():
            if day in position:
                row = per_series.setdefault(name or UNKNOWN, [0.0] * len(days))
                row[position[day]] += values[index]
        ranked = sorted(per_series.items(), key=lambda kv: (-sum(kv[1]), kv[0]))
        kept = ranked[:MAX_SERIES] if len(ranked) <= MAX_SERIES else ranked[: MAX_SERIES - 1]
        rest = ranked[len(kept) :]
        series = [Series(name, tuple(v)) for name, v in kept]
        if rest:
            summed = [sum(v[i] for _, v in rest) for i in range(len(days))]
            series.append(Series(f"{OTHER} ({len(rest)})", tuple(summed)))
        return ChartData(days, tuple(series))


def short_day(day: str) -> str:
    """2026-11-25 → "Nov 25" (English month abbreviations, as the rest of the app's text)."""
    return date.fromisoformat(day).strftime("%b %d").replace(" 0", " ")
