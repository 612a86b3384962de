"""xAI's model list, read from its richer `/language-models` endpoint.

`GET {base}/language-models` (https://api.x.ai/v1/language-models) lists only the chat and
image-understanding models, in one page, as `{"models": [model, …]}`. Per model: `id`, `aliases`,
`input_modalities` / `output_modalities` ("text", "image"), and prices as integers in USD cents per
100 million tokens: `prompt_text_token_price`, `cached_prompt_text_token_price`,
`completion_text_token_price` (grok-3 lists 30000 for input: $3.00 per million tokens), plus
`prompt_image_token_price` and `search_price`. Newer answers (and the plain `/models` list, which
now carries the same price fields under `data`) add `context_length` and `*_long_context` prices that
apply past `long_context_threshold`; the base prices are the ones read here.

Sources:
- https://docs.x.ai/developers/rest-api-reference/inference/models (List language models; field
  units "USD cents per 100 million tokens")
- https://docs.x.ai/docs/api-reference#list-language-models
"""

from __future__ import annotations

from collections.abc import Mapping

from app.providers.catalog import Capability
from app.providers.listing.model import (
    ListedModel,
    caps,
    count,
    field,
    money,
    price,
    read_list,
    strings,
)

# Relative to the provider's base URL (https://api.x.ai/v1).
PATH = "/language-models"

# USD cents per 100 million tokens → USD per million tokens: / 100 (cents) / 100 (100M → 1M).
_CENTS_PER_100M = 1 / 10_000


def parse(body: object) -> tuple[list[ListedModel], str | None]:
    items = field(body, "models")
    if not isinstance(items, list):
        items = field(body, "data")  # the same fields on the plain /models list
    return read_list(items, _model), None


def _model(model_id: str, item: Mapping[str, object]) -> ListedModel | None:
    outputs = strings(item.get("output_modalities"))
    if outputs is not None and "text" not in outputs:
        return None  # image and video generation
    inputs = strings(item.get("input_modalities")) or frozenset()
    return ListedModel(
        id=model_id,
        context_window=count(item.get("context_length")),
        capabilities=caps((("image" in inputs, Capability.VISION),)),
        price=price(
            _usd(item.get("prompt_text_token_price")),
            _usd(item.get("completion_text_token_price")),
            _usd(item.get("cached_prompt_text_token_price")),
        ),
    )


def _usd(value: object) -> float | None:
    return money(value, scale=_CENTS_PER_100M)
