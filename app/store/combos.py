"""Combos: a named model that routes to an ordered list of targets with a strategy."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.core.errors import AlreadyExists, NotFound
from app.core.records import ComboRecord
from app.store import config_version
from app.store.db import Database
from app.store.models import Combo


def _record(row: Combo) -> ComboRecord:
    return ComboRecord(
        name=row.name,
        strategy=row.strategy,
        targets=tuple(row.targets),
        enabled=row.enabled,
        options=tuple(sorted((row.options or {}).items())),
    )


class CombosRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    def add(self, record: ComboRecord) -> ComboRecord:
        with self._db.session(f"add combo '{record.name}'") as session:
            config_version.bump(session)
            if session.get(Combo, record.name) is not None:
                raise AlreadyExists(f"combo '{record.name}' already exists")
            row = Combo(
                name=record.name,
                strategy=record.strategy,
                targets=tuple(record.targets),
                enabled=record.enabled,
                options=dict(record.options),
            )
            session.add(row)
            try:
                session.flush()
            except IntegrityError:
                raise AlreadyExists(f"combo '{record.name}' already exists") from None
            return _record(row)

    def get(self, name: str) -> ComboRecord | None:
        with self._db.session(f"read combo '{name}'") as session:
            row = session.get(Combo, name)
            return None if row is None else _record(row)

    def list(self) -> tuple[ComboRecord, ...]:
        with self._db.session("list combos") as session:
            return tuple(_record(row) for row in session.scalars(select(Combo).order_by(Combo.name)))

    def remove(self, name: str) -> ComboRecord:
        with self._db.session(f"remove combo '{name}'") as session:
            config_version.bump(session)
            row = session.get(Combo, name)
            if row is None:
                raise NotFound(f"combo '{name}' not found")
            removed = _record(row)
            session.delete(row)
            return removed

    def replace(self, record: ComboRecord) -> ComboRecord:
        """Update an existing combo in place (targets, strategy, options, enabled)."""
        with self._db.session(f"update combo '{record.name}'") as session:
            config_version.bump(session)
            row = session.get(Combo, record.name)
            if row is None:
                raise NotFound(f"combo '{record.name}' not found")
            row.strategy, row.targets, row.enabled = record.strategy, tuple(record.targets), record.enabled
            row.options = dict(record.options)
            session.flush()
            return _record(row)
