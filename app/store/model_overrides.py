"""The user's own facts about models (price, context window, output cap), by provider and model id."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import delete, select

from app.core.errors import NotFound
from app.core.records import ModelOverrideRecord
from app.store import config_version
from app.store.db import Database
from app.store.models import ModelOverride, Provider


def _record(row: ModelOverride) -> ModelOverrideRecord:
    return ModelOverrideRecord(
        provider_id=row.provider_id,
        model_id=row.model_id,
        context_window=row.context_window,
        max_output=row.max_output,
        price_input=row.price_input,
        price_output=row.price_output,
        price_cached=row.price_cached,
    )


class ModelOverridesRepo:
    def __init__(self, db: Database, now: Callable[[], datetime]) -> None:
        self._db = db
        self._now = now

    def put(self, record: ModelOverrideRecord) -> ModelOverrideRecord:
        """Store the override whole (it replaces an earlier one for the same model)."""
        where = f"set the facts of model '{record.model_id}' of provider '{record.provider_id}'"
        with self._db.session(where) as session:
            config_version.bump(session)
            if session.get(Provider, record.provider_id) is None:
                raise NotFound(f"no provider '{record.provider_id}'")
            row = session.get(ModelOverride, (record.provider_id, record.model_id))
            if row is None:
                row = ModelOverride(provider_id=record.provider_id, model_id=record.model_id)
                session.add(row)
            row.context_window = record.context_window
            row.max_output = record.max_output
            row.price_input = record.price_input
            row.price_output = record.price_output
            row.price_cached = record.price_cached
            row.updated_at = self._now()
            session.flush()
            return _record(row)

    def remove(self, provider_id: str, model_id: str) -> bool:
        with self._db.session(
            f"clear the facts of model '{model_id}' of provider '{provider_id}'"
        ) as session:
            config_version.bump(session)
            result = session.execute(
                delete(ModelOverride).where(
                    ModelOverride.provider_id == provider_id, ModelOverride.model_id == model_id
                )
            )
            return bool(getattr(result, "rowcount", 0))

    def get(self, provider_id: str, model_id: str) -> ModelOverrideRecord | None:
        with self._db.session(f"read the facts of model '{model_id}' of provider '{provider_id}'") as session:
            row = session.get(ModelOverride, (provider_id, model_id))
            return None if row is None else _record(row)

    def list(self) -> list[ModelOverrideRecord]:
        with self._db.session("read model overrides") as session:
            rows = session.scalars(
                select(ModelOverride).order_by(ModelOverride.provider_id, ModelOverride.model_id)
            )
            return [_record(r) for r in rows]
