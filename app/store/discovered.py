"""Model lists fetched from the providers themselves, with what each list said about its models,
kept so a restart does not have to ask again."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from types import MappingProxyType

from sqlalchemy import delete, select

from app.providers.catalog import Capability, Price
from app.providers.listing import ListedModel
from app.store import config_version
from app.store.db import Database
from app.store.models import DiscoveredModel, Provider

_CAPABILITIES = frozenset(c.value for c in Capability)


def _row_facts(row: DiscoveredModel) -> ListedModel:
    caps = frozenset(Capability(c) for c in (row.capabilities or "").split(",") if c in _CAPABILITIES)
    price = (
        Price(row.price_input, row.price_output, row.price_cached)
        if row.price_input is not None and row.price_output is not None
        else None
    )
    return ListedModel(row.model_id, row.context_window, row.max_output, caps, price)


def _row(provider_id: str, model: ListedModel, now: datetime) -> DiscoveredModel:
    return DiscoveredModel(
        provider_id=provider_id,
        model_id=model.id,
        fetched_at=now,
        context_window=model.context_window,
        max_output=model.max_output,
        capabilities=",".join(sorted(c.value for c in model.capabilities)) or None,
        price_input=model.price.input if model.price else None,
        price_output=model.price.output if model.price else None,
        price_cached=model.price.cached_input if model.price else None,
    )


class DiscoveredModelsRepo:
    def __init__(self, db: Database, now: Callable[[], datetime]) -> None:
        self._db = db
        self._now = now

    def replace(self, provider_id: str, models: Iterable[ListedModel | str]) -> bool:
        """Store the provider's current list; True when it changed, ids or facts (the routing snapshot
        is then rebuilt, so the config version moves only on a real change)."""
        wanted: dict[str, ListedModel] = {}
        for model in models:
            listed = ListedModel(model) if isinstance(model, str) else model
            if listed.id:
                wanted.setdefault(listed.id, listed)
        with self._db.session(f"store the model list of provider '{provider_id}'") as session:
            if session.get(Provider, provider_id) is None:
                return False  # removed while its list was being fetched
            rows = session.scalars(select(DiscoveredModel).where(DiscoveredModel.provider_id == provider_id))
            current = {row.model_id: row for row in rows}
            now = self._now()
            if {k: _row_facts(v) for k, v in current.items()} == wanted:
                for row in current.values():
                    row.fetched_at = now
                return False
            config_version.bump(session)
            session.execute(delete(DiscoveredModel).where(DiscoveredModel.provider_id == provider_id))
            session.add_all(_row(provider_id, m, now) for m in wanted.values())
            return True

    def all(self) -> Mapping[str, tuple[str, ...]]:
        return {pid: tuple(models) for pid, models in self.facts().items()}

    def facts(self, provider_id: str | None = None) -> Mapping[str, Mapping[str, ListedModel]]:
        """provider id -> model id -> what its list said, model ids in order (one provider's, or all)."""
        query = select(DiscoveredModel).order_by(DiscoveredModel.provider_id, DiscoveredModel.model_id)
        if provider_id is not None:
            query = query.where(DiscoveredModel.provider_id == provider_id)
        with self._db.session("read discovered models") as session:
            result: dict[str, dict[str, ListedModel]] = {}
            for row in session.scalars(query):
                result.setdefault(row.provider_id, {})[row.model_id] = _row_facts(row)
            return {k: MappingProxyType(v) for k, v in result.items()}

    def fetched_at(self, provider_id: str) -> datetime | None:
        with self._db.session(f"read when provider '{provider_id}' was last listed") as session:
            return session.scalar(
                select(DiscoveredModel.fetched_at).where(DiscoveredModel.provider_id == provider_id).limit(1)
            )
