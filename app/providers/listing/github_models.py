"""GitHub Models' catalog.

The inference base is https://models.github.ai/inference, but the list with limits and capabilities
is the catalog at https://models.github.ai/catalog/models (`GET /catalog/models` on the host, not
under the inference base). It answers a bare JSON array in one page. Per model: `limits`
(`max_input_tokens`, `max_output_tokens`), `capabilities` ("streaming", "tool-calling"…),
`supported_input_modalities` / `supported_output_modalities` ("text", "image", "audio"; embedding
models output "embeddings") and `tags`. No prices: GitHub Models bills by request tier
(`rate_limit_tier`), not per token.

Sources:
- https://docs.github.com/en/rest/models/catalog (List all models: request and example response)
- https://github.blog/changelog/2025-05-15-github-models-api-now-available
"""

from __future__ import annotations

from collections.abc import Mapping

from app.providers.catalog import Capability
from app.providers.listing.model import ListedModel, caps, count, read_list, strings


def parse(body: object) -> tuple[list[ListedModel], str | None]:
    return read_list(body, _model), None


def _model(model_id: str, item: Mapping[str, object]) -> ListedModel | None:
    outputs = strings(item.get("supported_output_modalities"))
    if outputs is not None and "text" not in outputs:
        return None  # embedding models cannot chat
    raw_limits = item.get("limits")
    limits: Mapping[str, object] = raw_limits if isinstance(raw_limits, Mapping) else {}
    capabilities = strings(item.get("capabilities")) or frozenset()
    inputs = strings(item.get("supported_input_modalities")) or frozenset()
    return ListedModel(
        id=model_id,
        context_window=count(limits.get("max_input_tokens")),
        max_output=count(limits.get("max_output_tokens")),
        capabilities=caps(
            (
                ("tool-calling" in capabilities, Capability.TOOLS),
                ("image" in inputs, Capability.VISION),
            )
        ),
    )
