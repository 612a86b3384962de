"""The Hugging Face Inference Providers router's model list.

`GET {base}/models` (https://router.huggingface.co/v1/models) answers `{"object": "list", "data":
[model, …]}` in one page, chat-completion models only. Per model: `architecture.input_modalities` /
`output_modalities`, and `providers`, one entry per provider serving it: `status` ("live" or
"error"), and when available `context_length`, `pricing` (`input` and `output` as numbers "in USD
per million tokens"), `supports_tools`.

The router picks the provider per request, so the listing is read for what holds whichever live
provider serves: the smallest stated context window, tools only when every live provider says it
supports them, and the dearest live provider's price (by input plus output), so a cost is never
undercounted. Providers in "error" are not serving and are ignored.

Source: https://huggingface.co/docs/inference-providers/hub-api ("List OpenAI-compatible models",
field table), from github.com/huggingface/hub-docs docs/inference-providers/hub-api.md
"""

from __future__ import annotations

from collections.abc import Mapping

from app.providers.catalog import Capability, Price
from app.providers.listing.model import (
    ListedModel,
    caps,
    count,
    field,
    mapping,
    money,
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
        return None
    inputs = strings(architecture.get("input_modalities")) or frozenset()
    raw_providers = item.get("providers")
    live = [
        p
        for p in (raw_providers if isinstance(raw_providers, list) else [])
        if isinstance(p, Mapping) and p.get("status") == "live"
    ]
    windows = [w for w in (count(p.get("context_length")) for p in live) if w is not None]
    tools = bool(live) and all(p.get("supports_tools") is True for p in live)
    return ListedModel(
        id=model_id,
        context_window=min(windows) if windows else None,
        capabilities=caps(((tools, Capability.TOOLS), ("image" in inputs, Capability.VISION))),
        price=_dearest(live),
    )


def _dearest(live: list[Mapping[str, object]]) -> Price | None:
    prices = []
    for provider in live:
        pricing = mapping(provider.get("pricing"))
        found = price(money(pricing.get("input")), money(pricing.get("output")))
        if found is not None:
            prices.append(found)
    return max(prices, key=lambda p: p.input + p.output, default=None)
