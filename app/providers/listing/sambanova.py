"""SambaNova Cloud's model list.

`GET {base}/models` (https://api.sambanova.ai/v1/models) answers `{"data": [model, …]}` in one page.
Per model: `id`, `context_length` ("Maximum supported context length in tokens"),
`max_completion_tokens` ("Maximum tokens that can be generated per request") and `pricing` with
`prompt` and `completion` as strings in USD per token ("Price per prompt token", "Price per
completion token").

Sources:
- https://docs.sambanova.ai/cloud/api-reference/endpoints/model-list (List models / Retrieve model)
"""

from __future__ import annotations

from collections.abc import Mapping

from app.providers.listing.model import ListedModel, count, field, per_token, price, read_list


def parse(body: object) -> tuple[list[ListedModel], str | None]:
    return read_list(field(body, "data"), _model), None


def _model(model_id: str, item: Mapping[str, object]) -> ListedModel | None:
    pricing = item.get("pricing")
    pricing = pricing if isinstance(pricing, Mapping) else {}
    return ListedModel(
        id=model_id,
        context_window=count(item.get("context_length")),
        max_output=count(item.get("max_completion_tokens")),
        price=price(per_token(pricing.get("prompt")), per_token(pricing.get("completion"))),
    )
