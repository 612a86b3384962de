from __future__ import annotations

import pytest

from app.core.records import WireFormat
from app.providers.model_list import page_query, parse_page


def test_openai_style_lists_ids_in_one_page() -> None:
    body = {"object": "list", "data": [{"id": "gpt-5", "object": "model"}, {"id": "qwen3:8b"}, {"bad": 1}]}
    assert parse_page(WireFormat.OPENAI, body) == (["gpt-5", "qwen3:8b"], None)
    assert page_query(WireFormat.OPENAI, None) == ""


def test_anthropic_pages_with_after_id() -> None:
    body = {"data": [{"id": "claude-a", "type": "model"}], "has_more": True, "last_id": "claude-a"}
    assert parse_page(WireFormat.ANTHROPIC, body) == (["claude-a"], "claude-a")
    assert parse_page(WireFormat.ANTHROPIC, {**body, "has_more": False}) == (["claude-a"], None)
    assert page_query(WireFormat.ANTHROPIC, "claude-a") == "?limit=1000&after_id=claude-a"


def test_gemini_keeps_generating_models_and_pages_by_token() -> None:
    body = {
        "models": [
            {
                "name": "models/gemini-2.5-pro",
                "supportedGenerationMethods": ["generateContent", "countTokens"],
            },
            {"name": "models/text-embedding-004", "supportedGenerationMethods": ["embedContent"]},
        ],
        "nextPageToken": "tok",
    }
    assert parse_page(WireFormat.GEMINI, body) == (["gemini-2.5-pro"], "tok")
    assert page_query(WireFormat.GEMINI, "tok") == "?pageSize=1000&pageToken=tok"


@pytest.mark.parametrize("fmt", list(WireFormat))
def test_an_empty_or_odd_body_lists_nothing(fmt: WireFormat) -> None:
    assert parse_page(fmt, {}) == ([], None)
