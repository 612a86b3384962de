"""Requesty's model list.

`GET {base}/models` (https://router.requesty.ai/v1/models) answers `{"object": "list", "data": [model,
…]}` in one page; with an API key only the models the organisation approved. Per model:
`context_window`, `max_output_tokens`, the flags `supports_vision` / `supports_reasoning` /
`supports_caching` / `supports_computer_use`, and prices as JSON numbers in USD per token:
`input_price` ("Price per input token in USD"), `output_price`, `cached_price` ("Price per cached
token in USD") and `caching_price` (writing the cache, which VansRoute's Price does not carry).
The listing states no model type and no tool support, so nothing is filtered and TOOLS is never set.

Source: https://docs.requesty.ai/api-reference/endpoint/models-list
"""

from __future__ import annotations

from collections.abc import Mapping

from app.providers.catalog import Capability
from app.providers.listing.model import (
    ListedModel,
    caps,
    count,
    field,
    per_token,
    price,
    read_list,
)


def parse(body: object) -> tuple[list[ListedModel], str | None]:
    return read_list(field(body, "data"), _model), None


def _model(model_id: str, item: Mapping[str, object]) -> ListedModel | None:
    return ListedModel(
        id=model_id,
        context_window=count(item.get("context_window")),
        max_output=count(item.get("max_output_tokens")),
        capabilities=caps(
            (
                (item.get("supports_vision") is True, Capability.VISION),
                (item.get("supports_reasoning") is True, Capability.REASONING),
            )
        ),
        price=price(
            per_token(item.get("input_price")),
            per_token(item.get("output_price")),
            per_token(item.get("cached_price")),
        ),
    )
