from __future__ import annotations

import pytest

from app.providers.catalog import Capability, Price
from app.providers.listing import requesty
from app.providers.listing.model import ListedModel

# Shaped like Requesty's documented GET /v1/models answer: prices are JSON numbers in USD per token.
BODY: dict[str, object] = {
    "object": "list",
    "data": [
        {
            "id": "anthropic/claude-sonnet-4-5",
            "object": "model",
            "created": 1759104000,
            "owned_by": "system",
            "input_price": 3e-06,
            "caching_price": 3.75e-06,
            "cached_price": 3e-07,
            "output_price": 1.5e-05,
            "max_output_tokens": 64000,
            "context_window": 200000,
            "supports_caching": True,
            "supports_vision": True,
            "supports_computer_use": True,
            "supports_reasoning": True,
            "description": "Claude Sonnet 4.5",
        },
        {
            "id": "coding/gemini-2.5-flash",
            "object": "model",
            "input_price": 3e-7,
            "caching_price": 5.5e-7,
            "cached_price": 7.5e-8,
            "output_price": 0.0000025,
            "max_output_tokens": 65535,
            "context_window": 1048576,
            "supports_caching": True,
            "supports_vision": True,
            "supports_reasoning": "yes",
        },
        {
            # Free, no caching: cached_price absent.
            "id": "deepseek/deepseek-chat:free",
            "input_price": 0,
            "output_price": 0,
            "context_window": "131072",
            "max_output_tokens": None,
            "supports_vision": False,
            "supports_reasoning": False,
        },
        {"id": "mystery/input-only", "input_price": 1e-6, "context_window": 8192},
        {"id": "mystery/negative", "input_price": -1, "output_price": 2e-6},
        {"object": "model"},
        ["not", "an", "object"],
    ],
}


def test_reads_limits_flags_and_per_token_prices_as_per_million() -> None:
    models, cursor = requesty.parse(BODY)
    assert cursor is None
    assert models == [
        ListedModel(
            id="anthropic/claude-sonnet-4-5",
            context_window=200000,
            max_output=64000,
            capabilities=frozenset({Capability.VISION, Capability.REASONING}),
            price=Price(input=3.0, output=15.0, cached_input=0.3),
        ),
        ListedModel(
            id="coding/gemini-2.5-flash",
            context_window=1048576,
            max_output=65535,
            # A flag that is not JSON true says nothing.
            capabilities=frozenset({Capability.VISION}),
            price=Price(input=0.3, output=2.5, cached_input=0.075),
        ),
        ListedModel(
            id="deepseek/deepseek-chat:free",
            context_window=131072,
            price=Price(input=0.0, output=0.0, cached_input=None),
        ),
        ListedModel(id="mystery/input-only", context_window=8192),
        ListedModel(id="mystery/negative"),
    ]


def test_tools_are_never_claimed_because_requesty_does_not_state_them() -> None:
    models, _ = requesty.parse(BODY)
    assert all(Capability.TOOLS not in m.capabilities for m in models)


@pytest.mark.parametrize("body", [None, [], [{"id": "x"}], {"object": "list"}, {"data": {"id": "x"}}])
def test_a_body_of_the_wrong_shape_lists_nothing(body: object) -> None:
    assert requesty.parse(body) == ([], None)
