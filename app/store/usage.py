"""The usage log: written in batches by UsageWriter, read by the CLI and the UI."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import case, func, insert, select

from app.core.records import UsageRecord, UsageSummaryRow, WireFormat
from app.store.db import Database
from app.store.models import Usage

# HTTP statuses from here up count as errors in the summary.
_ERROR_STATUS = 400


def _row_values(record: UsageRecord) -> dict[str, Any]:
    return {
        "request_id": record.request_id,
        "started_at": record.started_at,
        "api_key_name": record.api_key_name,
        "client_format": WireFormat(record.client_format).value,
        "provider_id": record.provider_id,
        "account_id": record.account_id,
        "model": record.model,
        "status": record.status,
        "latency_ms": record.latency_ms,
        "stream": record.stream,
        "input_tokens": record.input_tokens,
        "output_tokens": record.output_tokens,
        "error": record.error,
    }


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
    )


class UsageRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    def add_many(self, records: Sequence[UsageRecord]) -> None:
        """Insert all records in one transaction (one executemany). Not a configuration change."""
        if not records:
            return
        with self._db.connect(f"write {len(records)} usage records") as connection:
            connection.execute(insert(Usage), [_row_values(record) for record in records])

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
