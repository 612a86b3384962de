"""OpenRouter's model list, also served unchanged by Kilo Code's OpenRouter proxy.

`GET {base}/models` (OpenRouter: https://openrouter.ai/api/v1/models; Kilo:
https://api.kilo.ai/api/openrouter/models) answers `{"data": [model, …]}` in one page. Per model:
`context_length`; `top_provider.context_length` / `top_provider.max_completion_tokens`;
`architecture.input_modalities` / `output_modalities` ("text", "image", "file", "audio", "video";
output also "embeddings", "rerank", "speech"…); `supported_parameters` ("tools", "reasoning",
"include_reasoning"…); and `pricing` whose values are strings in USD per token ("All pricing values
are in USD per token/request/unit. A value of "0" indicates the feature is free."), with the cache
read price in `input_cache_read`. The router model (`openrouter/auto`) prices itself "-1": variable.

Sources:
- https://openrouter.ai/docs/guides/overview/models (Models API standard: schema, pricing unit)
- https://openrouter.ai/docs/api/api-reference/models/list-all-models-and-their-properties
- OpenRouter's official SDK, github.com/OpenRouterTeam/typescript-sdk: src/models/model.ts,
  publicpricing.ts, topproviderinfo.ts, modelarchitecture.ts, inputmodality.ts, outputmodality.ts
- Kilo Code's own client reads its list with the OpenRouter parser:
  github.com/Kilo-Org/kilocode-legacy src/api/providers/fetchers/modelCache.ts (case "kilocode")
"""

from __future__ import annotations

from collections.abc import Mapping

from app.providers.catalog import Capability
from app.providers.listing.model import (
    ListedModel,
    caps,
    count,
    field,
    mapping,
    per_token,
    price,
    read_list,
    strings,
)


def parse(body: object) -> tuple[list[ListedModel], str | None]:
    return read_list(field(body, "data"), _model), None


def _model(model_id: str, item: Mapping[str, object]) -> ListedModel | None:
    architecture = mapping(item.get("architecture"))
    outputs = strings(architecture.get("output_modalities"))
    if outputs is not None and "text" not in outputs:
        return None  # image, embedding, rerank and speech models cannot chat
    top = mapping(item.get("top_provider"))
    inputs = strings(architecture.get("input_modalities")) or frozenset()
    parameters = strings(item.get("supported_parameters")) or frozenset()
    pricing = mapping(item.get("pricing"))
    return ListedModel(
        id=model_id,
        context_window=count(item.get("context_length")) or count(top.get("context_length")),
        max_output=count(top.get("max_completion_tokens")),
        capabilities=caps(
            (
                ("tools" in parameters, Capability.TOOLS),
                ("image" in inputs, Capability.VISION),
                (bool({"reasoning", "include_reasoning"} & parameters), Capability.REASONING),
                ("file" in inputs, Capability.PDF),
            )
        ),
        price=price(
            per_token(pricing.get("prompt")),
            per_token(pricing.get("completion")),
            per_token(pricing.get("input_cache_read")),
        ),
    )
