from __future__ import annotations

from app.providers.listing.deepinfra import parse
from app.providers.listing.model import ListedModel

# The shape of https://api.deepinfra.com/v1/openai/models: OpenAI's list plus a metadata object.
BODY = {
    "object": "list",
    "data": [
        {
            "id": "deepseek-ai/DeepSeek-V3",
            "object": "model",
            "created": 1735689600,
            "owned_by": "deepinfra",
            "root": "deepseek-ai/DeepSeek-V3",
            "parent": None,
            "metadata": {
                "description": "A strong Mixture-of-Experts language model.",
                "context_length": 163840,
                "max_tokens": 16384,
                "pricing": {"input_tokens": 0.38, "output_tokens": 0.89, "cache_read_tokens": 0.3},
                "tags": ["prompt_cache"],
            },
        },
        {
            "id": "meta-llama/Llama-3.2-11B-Vision-Instruct",
            "metadata": {"context_length": "131072", "max_tokens": None, "pricing": {}, "tags": ["vision"]},
        },
        {"id": "BAAI/bge-m3", "object": "model", "metadata": None},
        {"id": "no-metadata"},
        {"metadata": {"context_length": 8192}},
        [],
    ],
}


def test_reads_context_and_output_cap_from_metadata_but_no_price() -> None:
    models, cursor = parse(BODY)
    assert cursor is None
    # The pricing map's unit is not documented, so no price is produced from it.
    assert models == [
        ListedModel(id="deepseek-ai/DeepSeek-V3", context_window=163840, max_output=16384),
        ListedModel(id="meta-llama/Llama-3.2-11B-Vision-Instruct", context_window=131072),
        ListedModel(id="BAAI/bge-m3"),
        ListedModel(id="no-metadata"),
    ]


def test_a_body_of_the_wrong_shape_lists_nothing() -> None:
    assert parse([{"id": "x"}]) == ([], None)
    assert parse({"data": "x"}) == ([], None)
    assert parse(None) == ([], None)
