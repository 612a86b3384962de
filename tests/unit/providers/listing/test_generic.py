from __future__ import annotations

import pytest

from app.core.records import WireFormat
from app.providers.catalog import Capability
from app.providers.listing import ListedModel, listing_url, parse_listing
from app.providers.model_list import page_query


def ids(page: tuple[list[ListedModel], str | None]) -> tuple[list[str], str | None]:
    return [m.id for m in page[0]], page[1]


def test_openai_style_lists_ids_in_one_page() -> None:
    body = {"object": "list", "data": [{"id": "gpt-5", "object": "model"}, {"id": "qwen3:8b"}, {"bad": 1}]}
    assert ids(parse_listing(None, WireFormat.OPENAI, body)) == (["gpt-5", "qwen3:8b"], None)
    assert page_query(WireFormat.OPENAI, None) == ""
    assert listing_url(None, "http://h/v1/") == "http://h/v1/models"


def test_openai_style_picks_up_common_size_fields() -> None:
    # vLLM states max_model_len; Groq context_window and max_completion_tokens; Mistral max_context_length.
    body = {
        "data": [
            {"id": "served", "max_model_len": 32768},
            {"id": "groq", "context_window": "131072", "max_completion_tokens": 32768},
            {"id": "mistral", "max_context_length": 128000},
            {"id": "odd", "context_length": -1, "max_completion_tokens": True},
        ]
    }
    models, _ = parse_listing(None, WireFormat.OPENAI, body)
    assert [(m.id, m.context_window, m.max_output) for m in models] == [
        ("served", 32768, None),
        ("groq", 131072, 32768),
        ("mistral", 128000, None),
        ("odd", None, None),
    ]
    assert all(m.price is None and not m.capabilities for m in models)


def test_anthropic_pages_with_after_id_and_states_limits_and_capabilities() -> None:
    body = {
        "data": [
            {
                "id": "claude-a",
                "type": "model",
                "max_input_tokens": 200000,
                "max_tokens": 64000,
                "capabilities": {
                    "image_input": {"supported": True},
                    "pdf_input": {"supported": True},
                    "thinking": {"supported": False},
                },
            }
        ],
        "has_more": True,
        "last_id": "claude-a",
    }
    models, cursor = parse_listing(None, WireFormat.ANTHROPIC, body)
    assert cursor == "claude-a"
    assert models == [
        ListedModel("claude-a", 200000, 64000, frozenset({Capability.VISION, Capability.PDF}), price=None)
    ]
    assert ids(parse_listing(None, WireFormat.ANTHROPIC, {**body, "has_more": False})) == (["claude-a"], None)
    assert page_query(WireFormat.ANTHROPIC, "claude-a") == "?limit=1000&after_id=claude-a"


def test_gemini_keeps_generating_models_and_pages_by_token() -> None:
    body = {
        "models": [
            {
                "name": "models/gemini-2.5-pro",
                "supportedGenerationMethods": ["generateContent", "countTokens"],
                "inputTokenLimit": 1048576,
                "outputTokenLimit": 65536,
                "thinking": True,
            },
            {"name": "models/text-embedding-004", "supportedGenerationMethods": ["embedContent"]},
        ],
        "nextPageToken": "tok",
    }
    models, cursor = parse_listing(None, WireFormat.GEMINI, body)
    assert cursor == "tok"
    assert models == [ListedModel("gemini-2.5-pro", 1048576, 65536, frozenset({Capability.REASONING}))]
    assert page_query(WireFormat.GEMINI, "tok") == "?pageSize=1000&pageToken=tok"


@pytest.mark.parametrize("fmt", list(WireFormat))
@pytest.mark.parametrize("body", [{}, [], [{"id": "x"}], "text", None, {"data": "nope"}])
def test_an_empty_or_odd_body_lists_nothing(fmt: WireFormat, body: object) -> None:
    assert parse_listing(None, fmt, body) == ([], None)


def test_an_unknown_dialect_falls_back_to_the_wire_format() -> None:
    body = {"data": [{"id": "m", "context_length": 8192}]}
    assert parse_listing("no-such-dialect", WireFormat.OPENAI, body) == ([ListedModel("m", 8192)], None)


def test_dialects_name_where_their_list_lives() -> None:
    assert listing_url("xai", "https://api.x.ai/v1") == "https://api.x.ai/v1/language-models"
    assert listing_url("novita", "https://api.novita.ai/openai") == "https://api.novita.ai/openai/v1/models"
    assert (
        listing_url("github-models", "https://models.github.ai/inference")
        == "https://models.github.ai/catalog/models"
    )
    assert listing_url("openrouter", "https://openrouter.ai/api/v1/") == "https://openrouter.ai/api/v1/models"
