"""Novita AI's model list.

`GET {base}/v1/models` (https://api.novita.ai/openai/v1/models; the catalogue's base URL is
https://api.novita.ai/openai) answers `{"data": [model, …]}` in one page. Per model: `id`, `title`,
`description`, `context_size` and the integers `input_token_price_per_m` / `output_token_price_per_m`,
"the price per million input/output tokens" in Novita's money unit of 0.0001 USD (the same unit its
balance API states; the documented example lists meta-llama/llama-3.3-70b-instruct at 3900, i.e.
$0.39 per million tokens, its published price).

Sources:
- https://novita.ai/docs/api-reference/model-apis-llm-list-models
- https://novita.ai/docs/api-reference/model-apis-llm-retrieve-model (field descriptions)
- https://novita.ai/docs/api-reference/basic-get-user-balance ("unit is 0.0001 USD")
"""

from __future__ import annotations

from collections.abc import Mapping

from app.providers.listing.model import ListedModel, count, field, money, price, read_list

# Relative to the provider's base URL (https://api.novita.ai/openai): the documented list path.
PATH = "/v1/models"

# 0.0001 USD per million tokens → USD per million tokens.
_TEN_THOUSANDTHS = 1 / 10_000


def parse(body: object) -> tuple[list[ListedModel], str | None]:
    return read_list(field(body, "data"), _model), None


def _model(model_id: str, item: Mapping[str, object]) -> ListedModel | None:
    return ListedModel(
        id=model_id,
        context_window=count(item.get("context_size")),
        price=price(
            money(item.get("input_token_price_per_m"), scale=_TEN_THOUSANDTHS),
            money(item.get("output_token_price_per_m"), scale=_TEN_THOUSANDTHS),
        ),
    )
