"""The usage log: written in batches by UsageWriter, read by the CLI and the UI."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from operator import attrgetter
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Dialect,
    bindparam,
    case,
    delete,
    func,
    insert,
    literal_column,
    or_,
    select,
    update,
)
from sqlalchemy.orm import InstrumentedAttribute

from app.core.errors import StoreError
from app.core.records import (
    UsageDimension,
    UsagePoint,
    UsageRecord,
    UsageSummaryRow,
    UsageTotals,
    WireFormat,
)
from app.store.db import Database
from app.store.models import ApiKey, Usage
from app.store.types import UTCDateTime

# HTTP statuses from here up count as errors in the summary.
_ERROR_STATUS = 400


def _record(row: Usage) -> UsageRecord:
    return UsageRecord(
        request_id=row.request_id,
        started_at=row.started_at,
        api_key_name=row.api_key_name,
        client_format=WireFormat(row.client_format),
        provider_id=row.provider_id,
        account_id=row.account_id,
        model=row.model,
        status=row.status,
        latency_ms=row.latency_ms,
        stream=row.stream,
        input_tokens=row.input_tokens,
        output_tokens=row.output_tokens,
        error=row.error,
        client_app=row.client_app,
        upstream_model=row.upstream_model,
        cached_tokens=row.cached_tokens,
        cache_write_tokens=row.cache_write_tokens,
        reasoning_tokens=row.reasoning_tokens,
        cost_usd=row.cost_usd,
        ttft_ms=row.ttft_ms,
        attempts=row.attempts,
        saver_tokens_before=row.saver_tokens_before,
        saver_tokens_after=row.saver_tokens_after,
    )


_TOUCH_KEYS = (
    update(ApiKey)
    .where(
        ApiKey.name == bindparam("key_name"),
        ApiKey.revoked.is_(False),
        or_(
            ApiKey.last_used_at.is_(None),
            ApiKey.last_used_at < bindparam("used_at", type_=UTCDateTime()),
        ),
    )
    .values(last_used_at=bindparam("used_at", type_=UTCDateTime()))
)


def _total(column: Any) -> ColumnElement[Any]:
    return func.coalesce(func.sum(column), 0)


class _UsageInsert:
    """The usage INSERT compiled once for a dialect and fed plain tuples (or dicts) through the driver's
    executemany. SQLAlchemy's own executemany builds and type-processes every row's parameters (~17 µs
    of CPU a row on SQLite, most of the writer's cost); here a row is one C-level attribute fetch plus
    the bind processors of the few columns that have one (timestamps, booleans), applied as
    SQLAlchemy would, so rows read back exactly as before. A usage row is written for every request,
    so this is where the per-row cost shows (docs/PERFORMANCE.md)."""

    def __init__(self, dialect: Dialect) -> None:
        table = Usage.__table__
        names = [c.key for c in table.columns if c.key != "id"]
        compiled = insert(table).compile(dialect=dialect, column_keys=names)  # type: ignore[arg-type]
        self.sql = str(compiled)
        self.positional = bool(compiled.positiontup)
        self.order = list(compiled.positiontup) if compiled.positiontup else names
        # Every column but the id is a UsageRecord field of the same name (the round-trip test checks).
        self._fields = attrgetter(*self.order)
        steps: list[tuple[int, Callable[[Any], Any]]] = []
        for i, name in enumerate(self.order):
            process = table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
            if name == "client_format":
                steps.append((i, str))  # the enum's value, a plain str for every driver
            elif process is not None:
                steps.append((i, process))
        self._steps = tuple(steps)

    def rows(self, records: Sequence[UsageRecord]) -> list[Any]:
        out: list[Any] = []
        steps, fields, order = self._steps, self._fields, self.order
        for record in records:
            row = list(fields(record))
            try:
                for i, process in steps:
                    row[i] = process(row[i])
            except (TypeError, ValueError) as exc:  # what SQLAlchemy would have raised as a StatementError
                raise StoreError(f"could not write usage record '{record.request_id}': {exc}") from exc
            out.append(tuple(row) if self.positional else dict(zip(order, row, strict=True)))
        return out


class UsageRepo:
    def __init__(self, db: Database) -> None:
        self._db = db
        self._insert: _UsageInsert | None = None

    def add_many(self, records: Sequence[UsageRecord]) -> None:
        """Insert all records in one transaction (one executemany). Not a configuration change."""
        if not records:
            return
        with self._db.connect(f"write {len(records)} usage records") as connection:
            if self._insert is None:
                self._insert = _UsageInsert(connection.dialect)
            connection.exec_driver_sql(self._insert.sql, self._insert.rows(records))
            last_used: dict[str, datetime] = {}
            for record in records:
                name = record.api_key_name
                if name is not None and (name not in last_used or record.started_at > last_used[name]):
                    last_used[name] = record.started_at
            if last_used:
                # The keys' "last used" column, in the same transaction and batch: one statement for
                # all the keys in it, never moving a time backwards.
                connection.execute(_TOUCH_KEYS, [{"key_name": n, "used_at": t} for n, t in last_used.items()])

    def recent(self, limit: int = 100) -> tuple[UsageRecord, ...]:
        """The newest records first."""
        query = select(Usage).order_by(Usage.started_at.desc(), Usage.id.desc()).limit(limit)
        with self._db.session("read recent usage") as session:
            return tuple(_record(row) for row in session.scalars(query))

    def summary(self, since: datetime | None = None) -> tuple[UsageSummaryRow, ...]:
        """Requests, errors and tokens per (provider, model), optionally from `since` on."""
        errors = func.sum(case((Usage.status >= _ERROR_STATUS, 1), else_=0))
        query = select(
            Usage.provider_id,
            Usage.model,
            func.count(),
            func.coalesce(errors, 0),
            func.coalesce(func.sum(Usage.input_tokens), 0),
            func.coalesce(func.sum(Usage.output_tokens), 0),
        ).group_by(Usage.provider_id, Usage.model)
        if since is not None:
            query = query.where(Usage.started_at >= since)
        with self._db.session("summarize usage") as session:
            rows = [
                UsageSummaryRow(
                    provider_id=provider_id,
                    model=model,
                    requests=int(requests),
                    errors=int(error_count),
                    input_tokens=int(input_tokens),
                    output_tokens=int(output_tokens),
                )
                for provider_id, model, requests, error_count, input_tokens, output_tokens in session.execute(
                    query
                )
            ]
        # Sorted here: SQLite and PostgreSQL disagree on where NULL sorts.
        rows.sort(key=lambda row: (row.provider_id is not None, row.provider_id or "", row.model))
        return tuple(rows)

    # --- grouped queries for `vansroute usage` and the desktop's charts ----------------------------

    def _group(self, by: UsageDimension) -> ColumnElement[Any] | InstrumentedAttribute[Any]:
        if by is UsageDimension.DAY:
            return self._day()
        if by is UsageDimension.KEY:
            return Usage.api_key_name
        if by is UsageDimension.PROVIDER:
            return Usage.provider_id
        if by is UsageDimension.APP:
            return Usage.client_app
        # The model actually served where one was reached, else the name the client asked for.
        return func.coalesce(Usage.upstream_model, Usage.model)

    def _day(self) -> ColumnElement[Any]:
        """The UTC calendar day of started_at as YYYY-MM-DD, computed by the database."""
        if self._db.dialect == "postgresql":
            return func.to_char(
                func.timezone(literal_column("'UTC'"), Usage.started_at), literal_column("'YYYY-MM-DD'")
            )
        # SQLite holds naive UTC text ("2026-03-01 12:00:00.000000"): the date is its first ten chars.
        return func.substr(Usage.started_at, 1, 10)

    def totals(
        self, by: UsageDimension, *, since: datetime | None = None, until: datetime | None = None
    ) -> tuple[UsageTotals, ...]:
        """Usage summed per group; days in order, other groups by cost then requests, largest first."""
        group = self._group(by).label("grp")
        errors = func.sum(case((Usage.status >= _ERROR_STATUS, 1), else_=0))
        query = select(
            group,
            func.count(),
            func.coalesce(errors, 0),
            _total(Usage.input_tokens),
            _total(Usage.output_tokens),
            _total(Usage.cached_tokens),
            _total(Usage.reasoning_tokens),
            _total(Usage.cost_usd),
            func.avg(Usage.latency_ms),
            func.avg(Usage.ttft_ms),
            _total(Usage.saver_tokens_before) - _total(Usage.saver_tokens_after),
        ).group_by(group)
        query = _between(query, since, until)
        with self._db.session(f"summarize usage by {by.value}") as session:
            rows = [
                UsageTotals(
                    group=None if name is None else str(name),
                    requests=int(requests),
                    errors=int(errs),
                    input_tokens=int(tin),
                    output_tokens=int(tout),
                    cached_tokens=int(cached),
                    reasoning_tokens=int(reasoning),
                    cost_usd=float(cost),
                    avg_latency_ms=None if latency is None else float(latency),
                    avg_ttft_ms=None if ttft is None else float(ttft),
                    saved_tokens=int(saved),
                )
                for name, requests, errs, tin, tout, cached, reasoning, cost, latency, ttft, saved in session.execute(
                    query
                )
            ]
        # Sorted here: SQLite and PostgreSQL disagree on where NULL sorts.
        if by is UsageDimension.DAY:
            rows.sort(key=lambda r: r.group or "")
        else:
            rows.sort(key=lambda r: (-r.cost_usd, -r.requests, r.group is None, r.group or ""))
        return tuple(rows)

    def daily(
        self,
        series: UsageDimension | None = None,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> tuple[UsagePoint, ...]:
        """Per-day points, for all traffic or split into one series per key/provider/model/app."""
        day = self._day().label("day")
        columns: list[Any] = [day]
        if series is not None and series is not UsageDimension.DAY:
            columns.append(self._group(series).label("series"))
        query = select(
            *columns,
            func.count(),
            _total(Usage.input_tokens),
            _total(Usage.output_tokens),
            _total(Usage.cost_usd),
        ).group_by(*columns)
        query = _between(query, since, until)
        with self._db.session("read daily usage") as session:
            points = []
            for row in session.execute(query):
                if len(columns) == 2:
                    day_value, name, requests, tin, tout, cost = row
                else:
                    day_value, requests, tin, tout, cost = row
                    name = None
                points.append(
                    UsagePoint(
                        day=str(day_value),
                        series=None if name is None else str(name),
                        requests=int(requests),
                        input_tokens=int(tin),
                        output_tokens=int(tout),
                        cost_usd=float(cost),
                    )
                )
        points.sort(key=lambda p: (p.day, p.series is not None, p.series or ""))
        return tuple(points)

    def spend_by_key(self, since: datetime) -> dict[str, float]:
        """USD per key name from `since` on: seeds the gateway's month-to-date budgets at start."""
        query = (
            select(Usage.api_key_name, _total(Usage.cost_usd))
            .where(Usage.started_at >= since, Usage.api_key_name.is_not(None))
            .group_by(Usage.api_key_name)
        )
        with self._db.session("read spend per key") as session:
            return {str(name): float(cost) for name, cost in session.execute(query)}

    def delete_before(self, cutoff: datetime) -> int:
        """Remove rows that started before `cutoff` (the retention setting); returns how many."""
        with self._db.connect("delete old usage") as connection:
            result = connection.execute(delete(Usage).where(Usage.started_at < cutoff))
            return int(result.rowcount or 0)


def _between(query: Any, since: datetime | None, until: datetime | None) -> Any:
    if since is not None:
        query = query.where(Usage.started_at >= since)
    if until is not None:
        query = query.where(Usage.started_at < until)
    return query
