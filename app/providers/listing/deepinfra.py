"""DeepInfra's model list on its OpenAI-compatible API.

`GET {base}/models` (https://api.deepinfra.com/v1/openai/models) answers `{"object": "list",
"data": [model, …]}` in one page; each model carries a `metadata` object (null for some) with
`description`, `context_length`, `max_tokens` (the output cap), `tags` and `pricing`, a map of
numbers. DeepInfra's own OpenAPI schema (ModelMetadata) types `pricing` only as "string → number",
and its documentation states no unit for it, so no price is read here; the catalogue's prices stand.

Sources:
- https://api.deepinfra.com/openapi.json, schema ModelMetadata (as mirrored in the generated SDK
  github.com/tryAGI/DeepInfra: src/libs/DeepInfra/Generated/DeepInfra.Models.ModelMetadata.g.cs)
- https://deepinfra.com/docs/inference (the OpenAI-compatible base https://api.deepinfra.com/v1/openai)
"""

from __future__ import annotations

from collections.abc import Mapping

from app.providers.listing.model import ListedModel, count, field, read_list


def parse(body: object) -> tuple[list[ListedModel], str | None]:
    return read_list(field(body, "data"), _model), None


def _model(model_id: str, item: Mapping[str, object]) -> ListedModel | None:
    metadata = item.get("metadata")
    metadata = metadata if isinstance(metadata, Mapping) else {}
    return ListedModel(
        id=model_id,
        context_window=count(metadata.get("context_length")),
        max_output=count(metadata.get("max_tokens")),
    )
