"""The models of one configured provider as the user sees them (CLI `vansroute models`, the Providers
page): each with the facts the gateway uses — context window, output cap, capabilities, price — and
where its price comes from; and the user's own overrides of those facts.

The same merge as the routing snapshot (app/providers/model_facts.py), read from the database here
because this is administration, not the request path.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from app.core.errors import ConfigError, NotFound
from app.core.records import ModelOverrideRecord, ProviderRecord
from app.providers.catalog import CatalogModel, builtin_catalog
from app.providers.model_facts import FactSource, merge, price_source
from app.routing.resolve import split_model
from app.store.repos import Store


@dataclass(frozen=True, slots=True)
class ModelFactsRow:
    provider_id: str
    facts: CatalogModel
    # Where the model is known from: "your list", "provider", "provider + catalogue", "catalogue", "yours".
    listed_by: str
    price_from: FactSource | None
    overridden: bool

    @property
    def model_id(self) -> str:
        return self.facts.id


@dataclass(frozen=True, slots=True)
class OverrideChange:
    """What `models set` asks for; None leaves a fact as it is."""

    price_input: float | None = None
    price_output: float | None = None
    price_cached: float | None = None
    context_window: int | None = None
    max_output: int | None = None


def provider_and_model(value: str) -> tuple[str, str]:
    """'provider/model', split as requests are (the model may hold slashes: 'openrouter/z-ai/glm-4.6')."""
    provider_id, model_id = split_model(value.strip())
    if not provider_id or not model_id:
        raise ConfigError(f"name the model as PROVIDER/MODEL, e.g. openrouter/z-ai/glm-4.6 (got '{value}')")
    return provider_id, model_id


class ModelFactsAdmin:
    def __init__(self, store: Store) -> None:
        self._store = store

    def _provider(self, provider_id: str) -> ProviderRecord:
        provider = self._store.providers.get(provider_id)
        if provider is None:
            raise NotFound(f"no provider '{provider_id}' (see `vansroute providers list`)")
        return provider

    def rows(self, provider_id: str) -> list[ModelFactsRow]:
        provider = self._provider(provider_id)
        entry = builtin_catalog().get(provider.id)
        catalogued = (
            {m.id: m for m in entry.models} if entry and entry.wire_format is provider.wire_format else {}
        )
        listed = self._store.discovered.facts(provider.id).get(provider.id, {})
        overrides = {
            o.model_id: o for o in self._store.model_overrides.list() if o.provider_id == provider.id
        }
        if provider.models:
            origin = dict.fromkeys(provider.models, "your list")
        else:
            origin = {m: "provider" + (" + catalogue" if m in catalogued else "") for m in sorted(listed)}
            origin.update((m, "catalogue") for m in sorted(set(catalogued) - set(listed)))
        origin.update((m, "yours") for m in sorted(set(overrides) - set(origin)))
        return [
            ModelFactsRow(
                provider.id,
                merge(m, catalogued.get(m), listed.get(m), overrides.get(m)),
                where,
                price_source(catalogued.get(m), listed.get(m), overrides.get(m)),
                m in overrides,
            )
            for m, where in origin.items()
        ]

    def override(self, provider_id: str, model_id: str, change: OverrideChange) -> ModelOverrideRecord:
        """Set some of a model's facts; facts not named keep their earlier override, if any."""
        provider = self._provider(provider_id)
        model_id = model_id.strip()
        if not model_id:
            raise ConfigError("name the model")
        for name, value in (
            ("input", change.price_input),
            ("output", change.price_output),
            ("cached", change.price_cached),
        ):
            if value is not None and (not math.isfinite(value) or value < 0 or value > 10_000):
                raise ConfigError(
                    f"the {name} price is USD per million tokens, between 0 and 10000 (got {value})"
                )
        for name, count in (("context", change.context_window), ("max output", change.max_output)):
            if count is not None and not 0 < count <= 100_000_000:
                raise ConfigError(f"the {name} is a number of tokens above 0 (got {count})")
        current = self._store.model_overrides.get(provider.id, model_id) or ModelOverrideRecord(
            provider.id, model_id
        )
        record = ModelOverrideRecord(
            provider.id,
            model_id,
            context_window=change.context_window or current.context_window,
            max_output=change.max_output or current.max_output,
            price_input=_pick(change.price_input, current.price_input),
            price_output=_pick(change.price_output, current.price_output),
            price_cached=_pick(change.price_cached, current.price_cached),
        )
        if (record.price_input is None) != (record.price_output is None):
            # Half a price would count only one side of every request.
            raise ConfigError("give both --input and --output: a price needs the two")
        if record.price_cached is not None and record.price_input is None:
            raise ConfigError("a cached-input price needs --input and --output too")
        if record.empty:
            raise ConfigError("give a price (--input and --output), --context or --max-output")
        return self._store.model_overrides.put(record)

    def clear(self, provider_id: str, model_id: str) -> None:
        provider = self._provider(provider_id)
        if not self._store.model_overrides.remove(provider.id, model_id):
            raise NotFound(f"model '{model_id}' of provider '{provider.id}' has no facts of yours")


def _pick(new: float | None, old: float | None) -> float | None:
    return old if new is None else new
