from __future__ import annotations

from app.providers.catalog import Price
from app.providers.listing.model import ListedModel
from app.providers.listing.novita import parse

# The shape of https://api.novita.ai/openai/v1/models: prices in 0.0001 USD per million tokens.
BODY = {
    "data": [
        {
            "created": 1733560109,
            "id": "meta-llama/llama-3.3-70b-instruct",
            "object": "model",
            "input_token_price_per_m": 3900,
            "output_token_price_per_m": 3900,
            "title": "meta-llama/llama-3.3-70b-instruct",
            "description": "The Meta Llama 3.3 multilingual large language model (LLM)...",
            "context_size": 131072,
        },
        {
            "id": "deepseek/deepseek-r1",
            "object": "model",
            "input_token_price_per_m": 40000,
            "output_token_price_per_m": "160000",
            "context_size": "163840",
        },
        {
            "id": "free/model",
            "input_token_price_per_m": 0,
            "output_token_price_per_m": 0,
            "context_size": 8192,
        },
        {"id": "half/priced", "input_token_price_per_m": 3900},
        {"id": "odd/priced", "input_token_price_per_m": -1, "output_token_price_per_m": None},
        {"id": 7},
        None,
    ]
}


def test_reads_context_and_prices_in_ten_thousandths_of_a_dollar() -> None:
    models, cursor = parse(BODY)
    assert cursor is None
    assert models == [
        ListedModel(
            id="meta-llama/llama-3.3-70b-instruct",
            context_window=131072,
            price=Price(input=0.39, output=0.39),
        ),
        ListedModel(id="deepseek/deepseek-r1", context_window=163840, price=Price(input=4.0, output=16.0)),
        ListedModel(id="free/model", context_window=8192, price=Price(input=0.0, output=0.0)),
        ListedModel(id="half/priced"),
        ListedModel(id="odd/priced"),
    ]


def test_a_body_of_the_wrong_shape_lists_nothing() -> None:
    assert parse([{"id": "x"}]) == ([], None)
    assert parse({"models": []}) == ([], None)
    assert parse(3900) == ([], None)
