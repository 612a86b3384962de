from __future__ import annotations

from app.providers.listing.model import ListedModel
from app.providers.listing.siliconflow import parse


def test_reads_the_ids_of_the_plain_openai_list() -> None:
    # The shape of https://api.siliconflow.com/v1/models?sub_type=chat.
    body = {
        "object": "list",
        "data": [
            {"id": "deepseek-ai/DeepSeek-V3", "object": "model", "created": 0, "owned_by": ""},
            {"id": "Qwen/Qwen3-235B-A22B-Instruct-2507", "object": "model", "created": 0, "owned_by": ""},
            {"id": "", "object": "model"},
            {"object": "model"},
            "Pro/zai-org/GLM-4.7",
        ],
    }
    assert parse(body) == (
        [ListedModel(id="deepseek-ai/DeepSeek-V3"), ListedModel(id="Qwen/Qwen3-235B-A22B-Instruct-2507")],
        None,
    )


def test_a_body_of_the_wrong_shape_lists_nothing() -> None:
    # SiliconFlow's error bodies carry a string under "data".
    assert parse({"code": 20012, "message": "Invalid token", "data": "string"}) == ([], None)
    assert parse([{"id": "x"}]) == ([], None)
    assert parse(None) == ([], None)
