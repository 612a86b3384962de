"""SiliconFlow's model list, asked for chat models only.

`GET {base}/models` (https://api.siliconflow.com/v1/models, also api.siliconflow.cn) answers the plain
OpenAI list `{"object": "list", "data": [{"id", "object", "created", "owned_by"}]}` in one page,
with no context window, capability or price per model. It mixes chat, embedding, reranker,
image, speech and video models, but takes the query parameters `type` ("text", "image", "audio",
"video") and `sub_type` ("chat", "embedding", "reranker", "text-to-image", "image-to-image",
"speech-to-text", "text-to-video"): the dialect's path asks for `sub_type=chat`, so only models that
can hold a conversation come back.

Sources:
- https://docs.siliconflow.com/en/api-reference/models/get-model-list
- https://api-docs.siliconflow.cn/docs/api/models-get
- github.com/siliconflow/siliconcloud: openapi.yaml (`/models` parameters)
"""

from __future__ import annotations

from collections.abc import Mapping

from app.providers.listing.model import ListedModel, field, read_list

# Relative to the provider's base URL.
PATH = "/models?sub_type=chat"


def parse(body: object) -> tuple[list[ListedModel], str | None]:
    return read_list(field(body, "data"), _model), None


def _model(model_id: str, item: Mapping[str, object]) -> ListedModel | None:
    return ListedModel(id=model_id)
