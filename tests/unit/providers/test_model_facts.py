from __future__ import annotations

from app.core.records import ModelOverrideRecord
from app.providers.catalog import Capability, CatalogModel, Price
from app.providers.listing import ListedModel
from app.providers.model_facts import FactSource, merge, merge_all, price_source

CATALOGUED = CatalogModel(
    "m",
    context_window=128000,
    max_output=8192,
    capabilities=frozenset({Capability.TOOLS}),
    price=Price(1.0, 4.0, 0.1),
    temperature=False,
)


def test_each_fact_comes_from_the_first_source_that_states_it() -> None:
    listed = ListedModel("m", context_window=163840, capabilities=frozenset({Capability.REASONING}))
    override = ModelOverrideRecord("p", "m", max_output=4096)
    merged = merge("m", CATALOGUED, listed, override)
    assert merged == CatalogModel(
        "m",
        context_window=163840,  # the provider's list is newer than the catalogue
        max_output=4096,  # the user's word wins
        capabilities=frozenset({Capability.TOOLS, Capability.REASONING}),  # lists only ever add
        price=Price(1.0, 4.0, 0.1),  # nobody else stated one
        temperature=False,  # only the catalogue knows the client's temperature rule
    )
    assert price_source(CATALOGUED, listed, override) is FactSource.CATALOGUE


def test_price_precedence_user_then_provider_then_catalogue() -> None:
    listed = ListedModel("m", price=Price(0.5, 2.0))
    assert merge("m", CATALOGUED, listed, None).price == Price(0.5, 2.0)
    assert price_source(CATALOGUED, listed, None) is FactSource.PROVIDER
    mine = ModelOverrideRecord("p", "m", price_input=0.0, price_output=0.0)  # a free deal is a price
    assert merge("m", CATALOGUED, listed, mine).price == Price(0.0, 0.0)
    assert price_source(CATALOGUED, listed, mine) is FactSource.YOURS
    assert price_source(None, ListedModel("m"), None) is None
    assert merge("m", None, None, None) == CatalogModel("m")


def test_merge_all_covers_every_model_any_source_knows() -> None:
    merged = merge_all(
        [CATALOGUED],
        {"listed-only": ListedModel("listed-only", context_window=8192)},
        [ModelOverrideRecord("p", "mine", price_input=2.0, price_output=6.0)],
    )
    assert list(merged) == ["listed-only", "m", "mine"]
    assert merged["listed-only"].context_window == 8192
    assert merged["mine"].price == Price(2.0, 6.0)
    assert merged["m"] == CATALOGUED
