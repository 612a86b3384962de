"""Vercel AI Gateway's model list.

`GET {base}/models` (https://ai-gateway.vercel.sh/v1/models, no authentication needed) answers
`{"object": "list", "data": [model, …]}` in one page. Per model: `type` ("language", "embedding",
"image", "video"…), `context_window`, `max_tokens` (the output cap), `tags` ("tool-use", "vision",
"reasoning", "file-input", "implicit-caching"…) and `pricing` whose `input` / `output` /
`input_cache_read` / `input_cache_write` are strings in USD per token, as the gateway's own SDK
documents them ("Cost per input token in USD"). Image and video models carry other price keys and
are left out by their type anyway.

Sources:
- https://vercel.com/docs/ai-gateway/sdks-and-apis/rest-api (model discovery endpoints)
- https://vercel.com/docs/ai-gateway/models-and-providers
- Vercel's official SDK, github.com/vercel/ai: packages/gateway/src/gateway-model-entry.ts and
  gateway-fetch-metadata.ts (pricing field names and unit), and the recorded /v1/models answer
  packages/gateway/src/__fixtures__/issue-15894-deepseek-v3.2-catalog.json (field names and shapes)
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
    kind = item.get("type")
    if isinstance(kind, str) and kind != "language":
        return None  # embedding, image and video models cannot chat
    raw_tags = item.get("tags")
    tags = {t for t in raw_tags if isinstance(t, str)} if isinstance(raw_tags, list) else set()
    raw_pricing = item.get("pricing")
    pricing: Mapping[str, object] = raw_pricing if isinstance(raw_pricing, Mapping) else {}
    return ListedModel(
        id=model_id,
        context_window=count(item.get("context_window")),
        max_output=count(item.get("max_tokens")),
        capabilities=caps(
            (
                ("tool-use" in tags, Capability.TOOLS),
                ("vision" in tags, Capability.VISION),
                ("reasoning" in tags, Capability.REASONING),
                ("file-input" in tags, Capability.PDF),
            )
        ),
        price=price(
            per_token(pricing.get("input")),
            per_token(pricing.get("output")),
            per_token(pricing.get("input_cache_read")),
        ),
    )
