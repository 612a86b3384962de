from __future__ import annotations

import pytest

from app.providers.catalog import Capability
from app.providers.listing import github_models
from app.providers.listing.model import ListedModel

# Shaped like GitHub's documented GET https://models.github.ai/catalog/models answer: a bare array.
BODY: list[object] = [
    {
        "id": "openai/gpt-4.1",
        "name": "OpenAI GPT-4.1",
        "publisher": "OpenAI",
        "registry": "azure-openai",
        "summary": "gpt-4.1 outperforms gpt-4o across the board",
        "html_url": "https://github.com/marketplace/models/azure-openai/gpt-4-1",
        "version": "2025-04-14",
        "capabilities": ["streaming", "tool-calling"],
        "limits": {"max_input_tokens": 1048576, "max_output_tokens": 32768},
        "rate_limit_tier": "high",
        "supported_input_modalities": ["text", "image", "audio"],
        "supported_output_modalities": ["text"],
        "tags": ["multipurpose", "multilingual", "multimodal"],
    },
    {
        "id": "deepseek/deepseek-r1-0528",
        "name": "DeepSeek-R1-0528",
        "capabilities": ["streaming"],
        "limits": {"max_input_tokens": "128000", "max_output_tokens": None},
        "rate_limit_tier": "custom",
        "supported_input_modalities": ["text"],
        "supported_output_modalities": ["text"],
        "tags": ["reasoning", "coding"],
    },
    {
        # Limits not stated at all.
        "id": "microsoft/phi-4",
        "capabilities": None,
        "limits": None,
        "supported_input_modalities": "text",
    },
    {
        "id": "openai/text-embedding-3-large",
        "capabilities": [],
        "limits": {"max_input_tokens": 8191, "max_output_tokens": None},
        "supported_input_modalities": ["text"],
        "supported_output_modalities": ["embeddings"],
    },
    {"name": "no id"},
    42,
]


def test_reads_limits_and_capabilities_and_leaves_out_embedding_models() -> None:
    models, cursor = github_models.parse(BODY)
    assert cursor is None
    assert models == [
        ListedModel(
            id="openai/gpt-4.1",
            context_window=1048576,
            max_output=32768,
            capabilities=frozenset({Capability.TOOLS, Capability.VISION}),
        ),
        # A "reasoning" tag is marketing, not a stated capability.
        ListedModel(id="deepseek/deepseek-r1-0528", context_window=128000),
        ListedModel(id="microsoft/phi-4"),
    ]
    assert all(m.price is None for m in models)


@pytest.mark.parametrize("body", [None, {}, {"data": [{"id": "x"}]}, "[]", 0])
def test_a_body_of_the_wrong_shape_lists_nothing(body: object) -> None:
    assert github_models.parse(body) == ([], None)
