"""Together AI's model list.

`GET {base}/models` (https://api.together.xyz/v1/models) answers a bare JSON array, not the OpenAI
`{"data": […]}` envelope, in one page. Per model: `id`; `type`, one of "chat", "language", "code",
"image", "embedding", "moderation", "rerank", "audio", "transcribe", "video"; `context_length`; and
`pricing` with `input`, `output` and optional `cached_input` in USD per million tokens (the official
CLI prints them as "Input per 1M token" / "Output per 1M token"), plus `hourly`, `base` and `finetune`
for dedicated hosting and fine-tuning.

Only "chat" models are kept: "language" and "code" are base models served on `/completions`, and the
other types cannot hold a conversation at all.

Sources:
- Together's official Python SDK, github.com/togethercomputer/together-py:
  src/together/types/model_object.py (ModelObject, Pricing, the `type` literals)
- github.com/togethercomputer/together-python: src/together/cli/api/models.py (price unit)
- https://docs.together.ai/reference/models-1 (List all models)
"""

from __future__ import annotations

from collections.abc import Mapping

from app.providers.catalog import Price
from app.providers.listing.model import ListedModel, count, money, price, read_list

_CHAT = "chat"


def parse(body: object) -> tuple[list[ListedModel], str | None]:
    return read_list(body, _model), None


def _model(model_id: str, item: Mapping[str, object]) -> ListedModel | None:
    kind = item.get("type")
    if isinstance(kind, str) and kind != _CHAT:
        return None
    return ListedModel(id=model_id, context_window=count(item.get("context_length")), price=_price(item))


def _price(item: Mapping[str, object]) -> Price | None:
    pricing = item.get("pricing")
    if not isinstance(pricing, Mapping):
        return None
    input_usd = money(pricing.get("input"))
    output_usd = money(pricing.get("output"))
    hourly = money(pricing.get("hourly"))
    # A model billed by the hour (a dedicated deployment) lists zero token prices: that is not "free".
    if hourly and not input_usd and not output_usd:
        return None
    return price(input_usd, output_usd, money(pricing.get("cached_input")))
