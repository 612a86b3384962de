"""Model lists fetched from the providers themselves, kept so a restart does not have to ask again."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime

from sqlalchemy import delete, select

from app.store import config_version
from app.store.db import Database
from app.store.models import DiscoveredModel, Provider


class DiscoveredModelsRepo:
    def __init__(self, db: Database, now: Callable[[], datetime]) -> None:
        self._db = db
        self._now = now

    def replace(self, provider_id: str, model_ids: Iterable[str]) -> bool:
        """Store the provider's current list; True when it changed (the routing snapshot is then
        rebuilt, so the config version moves only on a real change)."""
        wanted = tuple(dict.fromkeys(m for m in model_ids if m))
        with self._db.session(f"store the model list of provider '{provider_id}'") as session:
            if session.get(Provider, provider_id) is None:
                return False  # removed while its list was being fetched
            rows = session.scalars(select(DiscoveredModel).where(DiscoveredModel.provider_id == provider_id))
            current = {row.model_id: row for row in rows}
            now = self._now()
            if set(current) == set(wanted):
                for row in current.values():
                    row.fetched_at = now
                return False
            config_version.bump(session)
            session.execute(delete(DiscoveredModel).where(DiscoveredModel.provider_id == provider_id))
            session.add_all(
                DiscoveredModel(provider_id=provider_id, model_id=m, fetched_at=now) for m in wanted
            )
            return True

    def all(self) -> Mapping[str, tuple[str, ...]]:
        with self._db.session("read discovered models") as session:
            result: dict[str, list[str]] = {}
            for row in session.scalars(
                select(DiscoveredModel).order_by(DiscoveredModel.provider_id, DiscoveredModel.model_id)
            ):
                result.setdefault(row.provider_id, []).append(row.model_id)
            return {k: tuple(v) for k, v in result.items()}

    def fetched_at(self, provider_id: str) -> datetime | None:
        with self._db.session(f"read when provider '{provider_id}' was last listed") as session:
            return session.scalar(
                select(DiscoveredModel.fetched_at).where(DiscoveredModel.provider_id == provider_id).limit(1)
            )
