from __future__ import annotations

import pytest

from app.core.errors import InvalidRequest
from app.routing.model_suffix import split_reasoning_suffix


@pytest.mark.parametrize(
    ("model", "base", "effort", "budget"),
    [
        ("openai/o3(high)", "openai/o3", "high", 24576),
        ("claude-sonnet(8192)", "claude-sonnet", "medium", 8192),
        ("x/y(none)", "x/y", "none", 0),
        ("x/y(minimal)", "x/y", "minimal", 512),
        ("x/y(xhigh)", "x/y", "xhigh", 32768),
        ("x/y(max)", "x/y", "max", 128000),
        ("x/y(2000)", "x/y", "medium", 2000),
        ("x/y(200000)", "x/y", "max", 200000),
        ("x/y(HIGH)", "x/y", "high", 24576),
    ],
)
def test_suffixes(model: str, base: str, effort: str, budget: int) -> None:
    got_base, reasoning = split_reasoning_suffix(model)
    assert got_base == base
    assert reasoning is not None
    assert (reasoning.effort, reasoning.budget_tokens) == (effort, budget)


def test_no_suffix() -> None:
    assert split_reasoning_suffix("openrouter/meta-llama/llama-3") == ("openrouter/meta-llama/llama-3", None)


def test_unknown_suffix_is_a_400_naming_the_model() -> None:
    with pytest.raises(InvalidRequest, match="unknown reasoning suffix") as info:
        split_reasoning_suffix("x/y(turbo)")
    assert info.value.param == "model"
