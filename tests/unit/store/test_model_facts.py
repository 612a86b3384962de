"""What providers' model lists said about their models, and the user's overrides, on both backends."""

from __future__ import annotations

import pytest

from app.core.errors import NotFound
from app.core.records import ModelOverrideRecord, ProviderRecord, WireFormat
from app.providers.catalog import Capability, Price
from app.providers.listing import ListedModel
from app.store.repos import Store


def _provider(store: Store, provider_id: str = "openrouter") -> None:
    store.providers.add(
        ProviderRecord(
            id=provider_id, wire_format=WireFormat.OPENAI, base_url="https://or.example/api/v1", models=()
        )
    )


GLM = ListedModel(
    "z-ai/glm-4.6",
    context_window=202752,
    max_output=65536,
    capabilities=frozenset({Capability.TOOLS, Capability.REASONING}),
    price=Price(input=0.4, output=1.75, cached_input=0.08),
)


def test_listed_facts_round_trip_and_only_a_real_change_bumps_the_version(store: Store) -> None:
    _provider(store)
    assert store.discovered.replace("openrouter", [GLM, ListedModel("free/model")]) is True
    assert store.discovered.facts() == {"openrouter": {"free/model": ListedModel("free/model"), GLM.id: GLM}}
    assert store.discovered.all() == {"openrouter": ("free/model", GLM.id)}
    assert store.discovered.facts("openrouter") == store.discovered.facts()
    assert store.discovered.facts("other") == {}
    version = store.config_version()
    assert store.discovered.replace("openrouter", [ListedModel("free/model"), GLM]) is False
    assert store.config_version() == version
    # Same ids, new price: a change (costs must follow the provider's list).
    cheaper = ListedModel(GLM.id, GLM.context_window, GLM.max_output, GLM.capabilities, Price(0.3, 1.5))
    assert store.discovered.replace("openrouter", [cheaper, "free/model"]) is True
    assert store.discovered.facts()["openrouter"][GLM.id].price == Price(0.3, 1.5)
    assert store.config_version() > version


def test_a_list_for_a_removed_provider_is_dropped(store: Store) -> None:
    assert store.discovered.replace("gone", [GLM]) is False
    assert store.discovered.facts() == {}


def test_overrides_are_put_whole_listed_and_removed(store: Store) -> None:
    _provider(store)
    first = ModelOverrideRecord("openrouter", "x/model", price_input=1.0, price_output=2.0, price_cached=0.1)
    assert store.model_overrides.put(first) == first
    again = ModelOverrideRecord("openrouter", "x/model", context_window=32768)
    store.model_overrides.put(again)
    assert store.model_overrides.list() == [again]  # replaced whole, not merged
    assert store.model_overrides.get("openrouter", "x/model") == again
    assert store.model_overrides.get("openrouter", "other") is None
    version = store.config_version()
    assert store.model_overrides.remove("openrouter", "x/model") is True
    assert store.config_version() > version
    assert store.model_overrides.remove("openrouter", "x/model") is False
    assert store.model_overrides.list() == []


def test_an_override_needs_its_provider_and_goes_with_it(store: Store) -> None:
    with pytest.raises(NotFound):
        store.model_overrides.put(ModelOverrideRecord("nope", "m", context_window=1))
    _provider(store)
    store.model_overrides.put(ModelOverrideRecord("openrouter", "m", context_window=1))
    store.discovered.replace("openrouter", [GLM])
    store.providers.remove("openrouter")
    assert store.model_overrides.list() == []
    assert store.discovered.facts() == {}
