from __future__ import annotations

from app.providers.catalog import Price
from app.providers.listing.model import ListedModel
from app.providers.listing.sambanova import parse

# The shape of https://api.sambanova.ai/v1/models: prices are strings in USD per token.
BODY = {
    "object": "list",
    "data": [
        {
            "id": "DeepSeek-R1-0528",
            "object": "model",
            "owned_by": "sambanova",
            "context_length": 131072,
            "max_completion_tokens": 32768,
            "pricing": {"prompt": "0.000005", "completion": "0.000007"},
        },
        {
            "id": "Meta-Llama-3.3-70B-Instruct",
            "object": "model",
            "context_length": "131072",
            "max_completion_tokens": "3072",
            "pricing": {"prompt": " 0.0000006 ", "completion": "0.0000012"},
        },
        {"id": "free-preview", "pricing": {"prompt": "0", "completion": "0"}},
        {"id": "half-priced", "pricing": {"prompt": "0.0000006"}},
        {"id": "variable", "pricing": {"prompt": "-1", "completion": "-1"}},
        {"id": "unpriced", "context_length": 0, "pricing": None},
        {"object": "model"},
        42,
    ],
}


def test_reads_limits_and_per_token_string_prices() -> None:
    models, cursor = parse(BODY)
    assert cursor is None
    assert models == [
        ListedModel(
            id="DeepSeek-R1-0528",
            context_window=131072,
            max_output=32768,
            price=Price(input=5.0, output=7.0),
        ),
        ListedModel(
            id="Meta-Llama-3.3-70B-Instruct",
            context_window=131072,
            max_output=3072,
            price=Price(input=0.6, output=1.2),
        ),
        ListedModel(id="free-preview", price=Price(input=0.0, output=0.0)),
        ListedModel(id="half-priced"),
        ListedModel(id="variable"),
        ListedModel(id="unpriced"),
    ]


def test_a_body_of_the_wrong_shape_lists_nothing() -> None:
    assert parse([{"id": "x"}]) == ([], None)
    assert parse({"data": {"id": "x"}}) == ([], None)
    assert parse("") == ([], None)
