from __future__ import annotations

import pytest

from app.providers.catalog import Capability, Price
from app.providers.listing import openrouter
from app.providers.listing.model import ListedModel

# Shaped like OpenRouter's documented GET /api/v1/models answer (Kilo's proxy answers the same).
BODY: dict[str, object] = {
    "data": [
        {
            "id": "anthropic/claude-sonnet-4.5",
            "canonical_slug": "anthropic/claude-4.5-sonnet-20250929",
            "name": "Anthropic: Claude Sonnet 4.5",
            "created": 1759161676,
            "context_length": 1000000,
            "architecture": {
                "modality": "text+image->text",
                "input_modalities": ["text", "image", "file"],
                "output_modalities": ["text"],
                "tokenizer": "Claude",
                "instruct_type": None,
            },
            "pricing": {
                "prompt": "0.000003",
                "completion": "0.000015",
                "request": "0",
                "image": "0.0048",
                "web_search": "0.01",
                "internal_reasoning": "0",
                "input_cache_read": "0.0000003",
                "input_cache_write": "0.00000375",
            },
            "top_provider": {"context_length": 1000000, "max_completion_tokens": 64000, "is_moderated": True},
            "per_request_limits": None,
            "supported_parameters": ["include_reasoning", "max_tokens", "reasoning", "tool_choice", "tools"],
        },
        {
            # A free variant: prices "0", no stated output cap, only top_provider states the context.
            "id": "deepseek/deepseek-chat-v3.1:free",
            "context_length": None,
            "architecture": {"input_modalities": ["text"], "output_modalities": ["text"]},
            "pricing": {"prompt": "0", "completion": "0"},
            "top_provider": {"context_length": 163800, "max_completion_tokens": None, "is_moderated": False},
            "supported_parameters": ["max_tokens", "temperature"],
        },
        {
            # The router prices itself "-1": variable, so no price.
            "id": "openrouter/auto",
            "context_length": 2000000,
            "architecture": {"input_modalities": ["text", "image"], "output_modalities": ["text"]},
            "pricing": {"prompt": "-1", "completion": "-1"},
            "top_provider": {"context_length": None, "max_completion_tokens": None, "is_moderated": False},
            "supported_parameters": [],
        },
        {
            # Half a price would undercount: none at all.
            "id": "mystery/half-priced",
            "context_length": "32768",
            "pricing": {"prompt": "0.0000001"},
        },
        {"id": "mystery/unpriced", "context_length": 8192},
        {
            "id": "google/gemini-2.5-flash-image",
            "context_length": 32768,
            "architecture": {"input_modalities": ["image", "text"], "output_modalities": ["image", "text"]},
            "pricing": {"prompt": "0.0000003", "completion": "0.0000025", "image": "0.001238"},
            "top_provider": {"context_length": 32768, "max_completion_tokens": 8192, "is_moderated": False},
            "supported_parameters": ["max_tokens"],
        },
        {
            "id": "openai/text-embedding-3-small",
            "context_length": 8192,
            "architecture": {"input_modalities": ["text"], "output_modalities": ["embeddings"]},
            "pricing": {"prompt": "0.00000002", "completion": "0"},
        },
        {
            "id": "black-forest-labs/flux.2-pro",
            "architecture": {"input_modalities": ["text", "image"], "output_modalities": ["image"]},
            "pricing": {"prompt": "0", "completion": "0", "image": "0.03"},
        },
        {"name": "no id"},
        {"id": ""},
        "not an object",
    ]
}


def by_id(models: list[ListedModel]) -> dict[str, ListedModel]:
    return {m.id: m for m in models}


def test_reads_limits_capabilities_and_per_token_prices_as_per_million() -> None:
    models, cursor = openrouter.parse(BODY)
    assert cursor is None
    assert [m.id for m in models] == [
        "anthropic/claude-sonnet-4.5",
        "deepseek/deepseek-chat-v3.1:free",
        "openrouter/auto",
        "mystery/half-priced",
        "mystery/unpriced",
        "google/gemini-2.5-flash-image",
    ]
    assert by_id(models)["anthropic/claude-sonnet-4.5"] == ListedModel(
        id="anthropic/claude-sonnet-4.5",
        context_window=1000000,
        max_output=64000,
        capabilities=frozenset({Capability.TOOLS, Capability.VISION, Capability.REASONING, Capability.PDF}),
        price=Price(input=3.0, output=15.0, cached_input=0.3),
    )


def test_free_model_is_priced_zero_and_context_falls_back_to_the_top_provider() -> None:
    free = by_id(openrouter.parse(BODY)[0])["deepseek/deepseek-chat-v3.1:free"]
    assert free == ListedModel(
        id="deepseek/deepseek-chat-v3.1:free",
        context_window=163800,
        max_output=None,
        capabilities=frozenset(),
        price=Price(input=0.0, output=0.0, cached_input=None),
    )


def test_variable_half_known_and_missing_prices_give_no_price() -> None:
    models = by_id(openrouter.parse(BODY)[0])
    assert models["openrouter/auto"].price is None
    assert models["openrouter/auto"].capabilities == frozenset({Capability.VISION})
    assert models["mystery/half-priced"] == ListedModel(id="mystery/half-priced", context_window=32768)
    assert models["mystery/unpriced"] == ListedModel(id="mystery/unpriced", context_window=8192)


def test_a_model_that_also_draws_stays_and_keeps_its_token_price() -> None:
    image_chat = by_id(openrouter.parse(BODY)[0])["google/gemini-2.5-flash-image"]
    assert image_chat.max_output == 8192
    assert image_chat.capabilities == frozenset({Capability.VISION})
    assert image_chat.price == Price(input=0.3, output=2.5, cached_input=None)


@pytest.mark.parametrize("body", [None, [], [{"id": "x"}], "data", {"data": "x"}, {"data": None}, {}])
def test_a_body_of_the_wrong_shape_lists_nothing(body: object) -> None:
    assert openrouter.parse(body) == ([], None)


def test_odd_field_types_are_ignored_not_raised() -> None:
    body = {
        "data": [
            {
                "id": "odd/model",
                "context_length": True,
                "architecture": "text->text",
                "top_provider": ["not", "a", "map"],
                "supported_parameters": "tools",
                "pricing": {"prompt": "free", "completion": "0.000001", "input_cache_read": "-1"},
            },
            {
                "id": "odd/cache",
                "pricing": {"prompt": 0.000001, "completion": 0.000002, "input_cache_read": "n/a"},
                "architecture": {"input_modalities": [1, None, "image"], "output_modalities": None},
            },
        ]
    }
    models, _ = openrouter.parse(body)
    assert models == [
        ListedModel(id="odd/model"),
        ListedModel(
            id="odd/cache",
            capabilities=frozenset({Capability.VISION}),
            price=Price(input=1.0, output=2.0, cached_input=None),
        ),
    ]
