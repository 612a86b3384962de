from __future__ import annotations

import pytest

from app.providers.catalog import Capability, Price
from app.providers.listing import vercel
from app.providers.listing.model import ListedModel

# Shaped like the AI Gateway's GET /v1/models answer as recorded in Vercel's own SDK fixtures.
BODY: dict[str, object] = {
    "object": "list",
    "data": [
        {
            "id": "anthropic/claude-sonnet-4.5",
            "object": "model",
            "created": 1755815280,
            "released": 1759104000,
            "owned_by": "anthropic",
            "name": "Claude Sonnet 4.5",
            "description": "Claude Sonnet 4.5",
            "context_window": 200000,
            "max_tokens": 64000,
            "type": "language",
            "tags": ["file-input", "reasoning", "tool-use", "vision", "implicit-caching"],
            "pricing": {
                "input": "0.000003",
                "output": "0.000015",
                "input_cache_read": "0.0000003",
                "input_cache_write": "0.00000375",
            },
        },
        {
            "id": "deepseek/deepseek-v3.2-thinking",
            "object": "model",
            "owned_by": "deepseek",
            "context_window": 128000,
            "max_tokens": 8000,
            "type": "language",
            "tags": ["tool-use", "implicit-caching", "reasoning"],
            "pricing": {"input": "0.00000062", "output": "0.00000185"},
        },
        {
            # Free, and stated without a type: kept.
            "id": "mystery/free",
            "context_window": "32768",
            "pricing": {"input": "0", "output": "0"},
        },
        {"id": "mystery/unpriced", "type": "language", "max_tokens": 4096, "tags": "vision"},
        {"id": "mystery/output-only", "type": "language", "pricing": {"output": "0.000001"}},
        {
            "id": "openai/text-embedding-3-small",
            "type": "embedding",
            "context_window": 8192,
            "pricing": {"input": "0.00000002"},
        },
        {"id": "bfl/flux-pro-1.1", "type": "image", "pricing": {"image": "0.04"}},
        {"id": "google/veo-3.0-generate-001", "type": "video", "pricing": {"video_duration_pricing": []}},
        {"type": "language"},
        None,
    ],
}


def test_reads_language_models_with_limits_tags_and_per_token_prices() -> None:
    models, cursor = vercel.parse(BODY)
    assert cursor is None
    assert models == [
        ListedModel(
            id="anthropic/claude-sonnet-4.5",
            context_window=200000,
            max_output=64000,
            capabilities=frozenset(
                {Capability.TOOLS, Capability.VISION, Capability.REASONING, Capability.PDF}
            ),
            price=Price(input=3.0, output=15.0, cached_input=0.3),
        ),
        ListedModel(
            id="deepseek/deepseek-v3.2-thinking",
            context_window=128000,
            max_output=8000,
            capabilities=frozenset({Capability.TOOLS, Capability.REASONING}),
            price=Price(input=0.62, output=1.85, cached_input=None),
        ),
        ListedModel(id="mystery/free", context_window=32768, price=Price(input=0.0, output=0.0)),
        ListedModel(id="mystery/unpriced", max_output=4096),
        ListedModel(id="mystery/output-only"),
    ]


def test_embedding_image_and_video_models_are_left_out() -> None:
    ids = {m.id for m in vercel.parse(BODY)[0]}
    assert not ids & {"openai/text-embedding-3-small", "bfl/flux-pro-1.1", "google/veo-3.0-generate-001"}


@pytest.mark.parametrize("body", [None, [], "list", {"object": "list"}, {"data": 3}])
def test_a_body_of_the_wrong_shape_lists_nothing(body: object) -> None:
    assert vercel.parse(body) == ([], None)
