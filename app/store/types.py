"""Column types that keep the database's quirks out of the repositories."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import DateTime, Dialect, Text
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC in and out, on every backend.

    PostgreSQL keeps the offset (timestamptz) but returns values in the session's time zone; SQLite keeps
    no offset at all. Storing UTC everywhere and re-attaching UTC on the way out makes both behave the
    same, and keeps SQLite's text timestamps sortable.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            # A naive datetime is ambiguous (local time? UTC?); refusing it catches the bug at its source.
            raise ValueError("naive datetime given to the store; pass a timezone-aware datetime")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            # SQLite would silently drop the offset anyway; drop it ourselves after converting to UTC.
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class JSONObject(TypeDecorator[dict[str, Any]]):
    """A JSON object stored as text (combo options): portable, readable in any SQL shell."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> str:
        return orjson.dumps(dict(value or {}), option=orjson.OPT_SORT_KEYS).decode()

    def process_result_value(self, value: Any, dialect: Dialect) -> dict[str, Any]:
        loaded = orjson.loads(value) if value else {}
        return dict(loaded) if isinstance(loaded, dict) else {}


class JSONList(TypeDecorator[tuple[str, ...]]):
    """A list of strings stored as JSON text: portable, and readable in any SQL shell."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return orjson.dumps(list(value)).decode()

    def process_result_value(self, value: Any, dialect: Dialect) -> tuple[str, ...] | None:
        if value is None:
            return None
        loaded = orjson.loads(value)
        return tuple(str(item) for item in loaded)
