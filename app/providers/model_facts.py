"""One model's facts (context window, output cap, capabilities, price) from three sources, each
field taken from the first that states it: the user's override, then the provider's own model list
(current: a price change there shows up at the next refresh), then the catalogue shipped with the
app. Capabilities are the union: a list only ever says what a model can do, never what it cannot.
Merged when the routing snapshot is built, never per request."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import StrEnum
from types import MappingProxyType

from app.core.records import ModelOverrideRecord
from app.providers.catalog import CatalogModel, Price
from app.providers.listing import ListedModel


class FactSource(StrEnum):
    YOURS = "yours"
    PROVIDER = "provider"
    CATALOGUE = "catalogue"


def override_price(override: ModelOverrideRecord | None) -> Price | None:
    if override is None or override.price_input is None or override.price_output is None:
        return None
    return Price(override.price_input, override.price_output, override.price_cached)


def price_source(
    catalogued: CatalogModel | None, listed: ListedModel | None, override: ModelOverrideRecord | None
) -> FactSource | None:
    if override_price(override) is not None:
        return FactSource.YOURS
    if listed is not None and listed.price is not None:
        return FactSource.PROVIDER
    if catalogued is not None and catalogued.price is not None:
        return FactSource.CATALOGUE
    return None


def merge(
    model_id: str,
    catalogued: CatalogModel | None,
    listed: ListedModel | None,
    override: ModelOverrideRecord | None,
) -> CatalogModel:
    def first(*values: int | None) -> int | None:
        return next((v for v in values if v is not None), None)

    return CatalogModel(
        id=model_id,
        context_window=first(
            override.context_window if override else None,
            listed.context_window if listed else None,
            catalogued.context_window if catalogued else None,
        ),
        max_output=first(
            override.max_output if override else None,
            listed.max_output if listed else None,
            catalogued.max_output if catalogued else None,
        ),
        capabilities=(catalogued.capabilities if catalogued else frozenset())
        | (listed.capabilities if listed else frozenset()),
        price=override_price(override)
        or (listed.price if listed else None)
        or (catalogued.price if catalogued else None),
        temperature=catalogued.temperature if catalogued else True,
    )


def merge_all(
    catalogued: Iterable[CatalogModel],
    listed: Mapping[str, ListedModel],
    overrides: Iterable[ModelOverrideRecord],
) -> Mapping[str, CatalogModel]:
    """Every model any source knows, by id."""
    by_catalogue = {m.id: m for m in catalogued}
    by_override = {o.model_id: o for o in overrides}
    ids = dict.fromkeys((*listed, *by_catalogue, *by_override))
    return MappingProxyType(
        {m: merge(m, by_catalogue.get(m), listed.get(m), by_override.get(m)) for m in ids}
    )
