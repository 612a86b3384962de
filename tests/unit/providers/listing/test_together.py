from __future__ import annotations

from app.providers.catalog import Price
from app.providers.listing.model import ListedModel
from app.providers.listing.together import parse

# The shape of https://api.together.xyz/v1/models: a bare array, prices in USD per million tokens.
BODY: list[object] = [
    {
        "id": "meta-llama/Llama-3.3-70B-Instruct-Turbo",
        "object": "model",
        "created": 1733443200,
        "type": "chat",
        "display_name": "Meta Llama 3.3 70B Instruct Turbo",
        "organization": "Meta",
        "context_length": 131072,
        "pricing": {"hourly": 0, "input": 0.88, "output": 0.88, "base": 0, "finetune": 0},
    },
    {
        "id": "deepseek-ai/DeepSeek-V3",
        "object": "model",
        "type": "chat",
        "context_length": "163840",
        "pricing": {
            "hourly": 0,
            "input": 1.25,
            "output": 1.25,
            "cached_input": 0.5,
            "base": 0,
            "finetune": 0,
        },
    },
    {
        "id": "meta-llama/Llama-3.3-70B-Instruct-Turbo-Free",
        "type": "chat",
        "context_length": 131072,
        "pricing": {"hourly": 0, "input": 0, "output": 0, "base": 0, "finetune": 0},
    },
    {
        "id": "acme/dedicated-only",
        "type": "chat",
        "context_length": 32768,
        "pricing": {"hourly": 3.2, "input": 0, "output": 0, "base": 0, "finetune": 0},
    },
    {"id": "acme/half-priced", "type": "chat", "pricing": {"input": 0.2}},
    {"id": "acme/unpriced", "type": "chat"},
    {"id": "acme/odd-price", "type": "chat", "pricing": {"input": "-1", "output": "x"}},
    {"id": "meta-llama/Meta-Llama-3-70B", "type": "language", "context_length": 8192},
    {"id": "codellama/CodeLlama-34b", "type": "code"},
    {"id": "BAAI/bge-large-en-v1.5", "type": "embedding", "context_length": 512},
    {"id": "black-forest-labs/FLUX.1-schnell", "type": "image"},
    {"id": "Salesforce/Llama-Rank-V1", "type": "rerank"},
    {"id": "cartesia/sonic", "type": "audio"},
    {"id": "openai/whisper-large-v3", "type": "transcribe"},
    {"id": "meta-llama/Llama-Guard-3-8B", "type": "moderation"},
    {"id": "untyped/model"},
    {"type": "chat"},
    {"id": ""},
    "not a model",
]


def test_reads_chat_models_with_context_and_per_million_prices() -> None:
    models, cursor = parse(BODY)
    assert cursor is None
    assert models == [
        ListedModel(
            id="meta-llama/Llama-3.3-70B-Instruct-Turbo",
            context_window=131072,
            price=Price(input=0.88, output=0.88),
        ),
        ListedModel(
            id="deepseek-ai/DeepSeek-V3",
            context_window=163840,
            price=Price(input=1.25, output=1.25, cached_input=0.5),
        ),
        ListedModel(
            id="meta-llama/Llama-3.3-70B-Instruct-Turbo-Free",
            context_window=131072,
            price=Price(input=0.0, output=0.0),
        ),
        # Billed by the hour: zero token prices are not a free model.
        ListedModel(id="acme/dedicated-only", context_window=32768),
        ListedModel(id="acme/half-priced"),
        ListedModel(id="acme/unpriced"),
        ListedModel(id="acme/odd-price"),
        ListedModel(id="untyped/model"),
    ]


def test_base_embedding_image_and_other_non_chat_types_are_left_out() -> None:
    listed = {m.id for m in parse(BODY)[0]}
    for left_out in ("meta-llama/Meta-Llama-3-70B", "BAAI/bge-large-en-v1.5", "cartesia/sonic"):
        assert left_out not in listed


def test_a_body_of_the_wrong_shape_lists_nothing() -> None:
    # Together answers a bare array; an OpenAI-style envelope is not its answer.
    assert parse({"data": [{"id": "x", "type": "chat"}]}) == ([], None)
    assert parse(None) == ([], None)
    assert parse("[]") == ([], None)
    assert parse([]) == ([], None)
