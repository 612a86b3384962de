from __future__ import annotations

from app.providers.catalog import Capability, Price
from app.providers.listing.model import ListedModel
from app.providers.listing.xai import parse

# The shape of https://api.x.ai/v1/language-models: prices in USD cents per 100 million tokens.
BODY = {
    "models": [
        {
            "id": "grok-3",
            "fingerprint": "fp_898ae9f31c",
            "created": 1743724800,
            "object": "model",
            "owned_by": "xai",
            "version": "1.0",
            "input_modalities": ["text"],
            "output_modalities": ["text"],
            "prompt_text_token_price": 30000,
            "cached_prompt_text_token_price": 7500,
            "prompt_image_token_price": 0,
            "completion_text_token_price": 150000,
            "search_price": 250000000,
            "aliases": ["grok-3-latest", "grok-3-beta"],
        },
        {
            "id": "grok-3-mini",
            "input_modalities": ["text"],
            "output_modalities": ["text"],
            "prompt_text_token_price": 3000,
            "cached_prompt_text_token_price": 750,
            "completion_text_token_price": 5000,
        },
        {
            "id": "grok-2-vision-1212",
            "input_modalities": ["text", "image"],
            "output_modalities": ["text"],
            "prompt_text_token_price": 20000,
            "prompt_image_token_price": 20000,
            "completion_text_token_price": 100000,
        },
        {
            "id": "grok-4-fast",
            "input_modalities": ["text", "image"],
            "output_modalities": ["text"],
            "context_length": 2000000,
            "long_context_threshold": 128000,
            "prompt_text_token_price": "2000",
            "prompt_text_token_price_long_context": 4000,
            "completion_text_token_price": 5000,
            "cached_prompt_text_token_price": 500,
        },
        {
            "id": "grok-free",
            "output_modalities": ["text"],
            "prompt_text_token_price": 0,
            "completion_text_token_price": 0,
        },
        {"id": "grok-half", "prompt_text_token_price": 30000},
        {"id": "grok-variable", "prompt_text_token_price": -1, "completion_text_token_price": 150000},
        {
            "id": "grok-2-image",
            "input_modalities": ["text"],
            "output_modalities": ["image"],
            "image_price": 7,
        },
        {"id": ""},
        ["not", "a", "model"],
    ]
}


def test_reads_language_models_with_prices_in_cents_per_hundred_million() -> None:
    models, cursor = parse(BODY)
    assert cursor is None
    assert models == [
        ListedModel(id="grok-3", price=Price(input=3.0, output=15.0, cached_input=0.75)),
        ListedModel(id="grok-3-mini", price=Price(input=0.3, output=0.5, cached_input=0.075)),
        ListedModel(
            id="grok-2-vision-1212",
            capabilities=frozenset({Capability.VISION}),
            price=Price(input=2.0, output=10.0),
        ),
        ListedModel(
            id="grok-4-fast",
            context_window=2000000,
            capabilities=frozenset({Capability.VISION}),
            price=Price(input=0.2, output=0.5, cached_input=0.05),
        ),
        ListedModel(id="grok-free", price=Price(input=0.0, output=0.0)),
        ListedModel(id="grok-half"),
        ListedModel(id="grok-variable"),
    ]


def test_the_plain_models_list_with_the_same_fields_is_read_too() -> None:
    body = {
        "object": "list",
        "data": [{"id": "grok-3", "prompt_text_token_price": 30000, "completion_text_token_price": 150000}],
    }
    assert parse(body) == ([ListedModel(id="grok-3", price=Price(input=3.0, output=15.0))], None)


def test_a_body_of_the_wrong_shape_lists_nothing() -> None:
    assert parse([{"id": "grok-3"}]) == ([], None)
    assert parse({"models": "grok-3"}) == ([], None)
    assert parse({}) == ([], None)
    assert parse(None) == ([], None)
