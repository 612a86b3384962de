"""Mistral AI's model list.

`GET {base}/models` (https://api.mistral.ai/v1/models) answers `{"object": "list", "data": [card, …]}`
in one page. Per card: `id`, `aliases`, `max_context_length`, `type` ("base" or "fine-tuned") and
`capabilities`, booleans `completion_chat`, `completion_fim`, `function_calling`, `fine_tuning`,
`vision` (newer cards add more, such as `classification` or `ocr`). No price is published here.

Cards with `completion_chat: false` (embedding, moderation and OCR models) are left out.

Sources:
- https://docs.mistral.ai/api/endpoint/models (List Models)
- Mistral's official Python SDK, github.com/mistralai/client-python:
  src/mistralai/models/basemodelcard.py, ftmodelcard.py, modelcapabilities.py
"""

from __future__ import annotations

from collections.abc import Mapping

from app.providers.catalog import Capability
from app.providers.listing.model import ListedModel, caps, count, field, read_list


def parse(body: object) -> tuple[list[ListedModel], str | None]:
    return read_list(field(body, "data"), _model), None


def _model(model_id: str, item: Mapping[str, object]) -> ListedModel | None:
    capabilities = item.get("capabilities")
    capabilities = capabilities if isinstance(capabilities, Mapping) else {}
    if capabilities.get("completion_chat") is False:
        return None
    return ListedModel(
        id=model_id,
        context_window=count(item.get("max_context_length")),
        capabilities=caps(
            (
                (capabilities.get("function_calling") is True, Capability.TOOLS),
                (capabilities.get("vision") is True, Capability.VISION),
            )
        ),
    )
