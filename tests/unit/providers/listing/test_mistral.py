from __future__ import annotations

from app.providers.catalog import Capability
from app.providers.listing.mistral import parse
from app.providers.listing.model import ListedModel

# The shape of https://api.mistral.ai/v1/models: model cards with a capabilities object, no price.
BODY = {
    "object": "list",
    "data": [
        {
            "id": "mistral-large-2411",
            "object": "model",
            "created": 1732000000,
            "owned_by": "mistralai",
            "capabilities": {
                "completion_chat": True,
                "completion_fim": False,
                "function_calling": True,
                "fine_tuning": True,
                "vision": False,
            },
            "name": "mistral-large-2411",
            "max_context_length": 131072,
            "aliases": ["mistral-large-latest"],
            "deprecation": None,
            "default_model_temperature": 0.7,
            "type": "base",
        },
        {
            "id": "pixtral-large-2411",
            "capabilities": {"completion_chat": True, "function_calling": True, "vision": True},
            "max_context_length": "131072",
            "type": "base",
        },
        {
            "id": "codestral-2501",
            "capabilities": {"completion_chat": True, "completion_fim": True, "function_calling": False},
            "max_context_length": 262144,
        },
        {
            "id": "ft:open-mistral-7b:abc:20240531:1234",
            "capabilities": {"completion_chat": True, "function_calling": "yes"},
            "job": "1234",
            "root": "open-mistral-7b",
            "type": "fine-tuned",
        },
        {"id": "no-capabilities-stated", "capabilities": None},
        {"id": "mistral-embed", "capabilities": {"completion_chat": False, "function_calling": False}},
        {"id": "mistral-moderation-2411", "capabilities": {"completion_chat": False, "classification": True}},
        {"capabilities": {"completion_chat": True}},
        "mistral-tiny",
    ],
}


def test_reads_chat_cards_with_context_and_capabilities() -> None:
    models, cursor = parse(BODY)
    assert cursor is None
    assert models == [
        ListedModel(
            id="mistral-large-2411",
            context_window=131072,
            capabilities=frozenset({Capability.TOOLS}),
        ),
        ListedModel(
            id="pixtral-large-2411",
            context_window=131072,
            capabilities=frozenset({Capability.TOOLS, Capability.VISION}),
        ),
        ListedModel(id="codestral-2501", context_window=262144),
        ListedModel(id="ft:open-mistral-7b:abc:20240531:1234"),
        ListedModel(id="no-capabilities-stated"),
    ]
    assert all(m.price is None for m in models)


def test_a_body_of_the_wrong_shape_lists_nothing() -> None:
    assert parse([{"id": "mistral-large-2411"}]) == ([], None)
    assert parse({"data": None}) == ([], None)
    assert parse(b"") == ([], None)
