from __future__ import annotations

import pytest

from app.providers.catalog import Capability, Price
from app.providers.listing import huggingface
from app.providers.listing.model import ListedModel

# Shaped like the router's documented GET /v1/models answer: prices in USD per million, per provider.
BODY: dict[str, object] = {
    "object": "list",
    "data": [
        {
            "id": "deepseek-ai/DeepSeek-V4-Pro",
            "object": "model",
            "created": 1776837885,
            "owned_by": "deepseek-ai",
            "architecture": {"input_modalities": ["text"], "output_modalities": ["text"]},
            "providers": [
                {
                    "provider": "novita",
                    "status": "live",
                    "context_length": 1048576,
                    "pricing": {"input": 1.69, "output": 3.38},
                    "supports_tools": True,
                    "supports_structured_output": False,
                    "first_token_latency_ms": 1490,
                    "throughput": 24.69,
                    "is_model_author": False,
                },
                {
                    "provider": "together",
                    "status": "live",
                    "context_length": 512000,
                    "pricing": {"input": 2.1, "output": 4.4},
                    "supports_tools": True,
                    "is_model_author": False,
                },
                {
                    "provider": "fireworks-ai",
                    "status": "live",
                    "context_length": 1048576,
                    "supports_tools": True,
                    "is_model_author": False,
                },
                {"provider": "featherless-ai", "status": "live", "is_model_author": False},
                {
                    "provider": "deepinfra",
                    "status": "live",
                    "context_length": 65536,
                    "pricing": {"input": 1.74, "output": 3.48},
                    "supports_tools": True,
                    "is_model_author": False,
                },
            ],
        },
        {
            "id": "Qwen/Qwen3-VL-235B-A22B-Instruct",
            "object": "model",
            "owned_by": "Qwen",
            "architecture": {"input_modalities": ["text", "image"], "output_modalities": ["text"]},
            "providers": [
                {
                    "provider": "novita",
                    "status": "live",
                    "context_length": "131072",
                    "pricing": {"input": "0.3", "output": "1.5"},
                    "supports_tools": True,
                },
                {
                    # Not serving: its tighter window, missing tools and dearer price do not count.
                    "provider": "hyperbolic",
                    "status": "error",
                    "context_length": 32768,
                    "pricing": {"input": 9.0, "output": 9.0},
                    "supports_tools": False,
                },
            ],
        },
        {
            "id": "openai/gpt-oss-20b",
            "architecture": {"input_modalities": ["text"], "output_modalities": ["text"]},
            "providers": [
                {
                    "provider": "groq",
                    "status": "live",
                    "context_length": 131072,
                    "pricing": {"input": 0, "output": 0},
                },
                {"provider": "cheap", "status": "live", "pricing": {"input": -1, "output": 0.2}},
                {"provider": "half", "status": "live", "pricing": {"input": 0.1}},
            ],
        },
        {"id": "no/providers", "architecture": {"output_modalities": ["text"]}},
        {"id": "odd/providers", "providers": {"novita": {"status": "live"}}},
        {"id": "image/model", "architecture": {"output_modalities": ["image"]}, "providers": []},
        {"object": "model"},
        "junk",
    ],
}


def by_id(models: list[ListedModel]) -> dict[str, ListedModel]:
    return {m.id: m for m in models}


def test_reads_what_holds_for_whichever_live_provider_serves() -> None:
    models, cursor = huggingface.parse(BODY)
    assert cursor is None
    assert [m.id for m in models] == [
        "deepseek-ai/DeepSeek-V4-Pro",
        "Qwen/Qwen3-VL-235B-A22B-Instruct",
        "openai/gpt-oss-20b",
        "no/providers",
        "odd/providers",
    ]
    # Smallest window (deepinfra), the dearest price (together), and no tools: featherless does not say.
    assert by_id(models)["deepseek-ai/DeepSeek-V4-Pro"] == ListedModel(
        id="deepseek-ai/DeepSeek-V4-Pro",
        context_window=65536,
        capabilities=frozenset(),
        price=Price(input=2.1, output=4.4),
    )


def test_providers_in_error_are_ignored_and_string_numbers_are_read() -> None:
    assert by_id(huggingface.parse(BODY)[0])["Qwen/Qwen3-VL-235B-A22B-Instruct"] == ListedModel(
        id="Qwen/Qwen3-VL-235B-A22B-Instruct",
        context_window=131072,
        capabilities=frozenset({Capability.TOOLS, Capability.VISION}),
        price=Price(input=0.3, output=1.5),
    )


def test_free_provider_is_priced_zero_and_negative_or_half_prices_are_skipped() -> None:
    assert by_id(huggingface.parse(BODY)[0])["openai/gpt-oss-20b"] == ListedModel(
        id="openai/gpt-oss-20b", context_window=131072, price=Price(input=0.0, output=0.0)
    )


def test_models_without_usable_providers_say_nothing() -> None:
    models = by_id(huggingface.parse(BODY)[0])
    assert models["no/providers"] == ListedModel(id="no/providers")
    assert models["odd/providers"] == ListedModel(id="odd/providers")


@pytest.mark.parametrize("body", [None, [], [{"id": "x"}], {"object": "list"}, {"data": "x"}])
def test_a_body_of_the_wrong_shape_lists_nothing(body: object) -> None:
    assert huggingface.parse(body) == ([], None)
