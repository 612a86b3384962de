from __future__ import annotations

from typing import Any

import pytest

from app.formats import ir
from app.providers.quirks import reasoning_dialects as rd

# Recorded shape: what the OpenAI-chat encoder hands over (reasoning_effort already set).
BODY: dict[str, Any] = {
    "model": "x",
    "messages": [{"role": "user", "content": "hi"}],
    "reasoning_effort": "high",
    "stream": True,
}


@pytest.mark.parametrize(
    ("provider", "model", "dialect"),
    [
        ("zai", "glm-4.6", "glm_thinking"),
        ("siliconflow", "zai-org/GLM-4.6", "enable_thinking"),
        ("dashscope", "qwen3-235b-a22b", "qwen"),
        ("dashscope", "qwen3-coder-plus", "none"),
        ("deepseek", "deepseek-reasoner", "effort"),
        ("deepseek", "deepseek-chat", "none"),
        ("moonshot", "kimi-k2-thinking", "effort"),
        ("nvidia", "moonshotai/kimi-k2.6", "effort"),
        ("groq", "moonshotai/kimi-k2-instruct-0905", "none"),
        ("groq", "llama-3.3-70b-versatile", "none"),
        ("openai", "o3", "openai"),
    ],
)
def test_dialect_table(provider: str, model: str, dialect: str) -> None:
    assert rd.dialect_for(provider, model) == dialect


def test_glm_thinking() -> None:
    on = rd.apply("zai", "glm-4.6", ir.Reasoning(effort="medium"), BODY)
    assert on["thinking"] == {"type": "enabled"}
    assert "reasoning_effort" not in on
    off = rd.apply("zai", "glm-4.6", ir.Reasoning(effort="none"), BODY)
    assert off["thinking"] == {"type": "disabled"}
    assert "thinking" not in rd.apply("zai", "glm-4.6", None, BODY)
    assert BODY["reasoning_effort"] == "high"  # input untouched


def test_glm_elsewhere_enable_thinking() -> None:
    out = rd.apply("siliconflow", "zai-org/GLM-4.6", ir.Reasoning(budget_tokens=0), BODY)
    assert out["enable_thinking"] is False
    assert "reasoning_effort" not in out


def test_qwen() -> None:
    out = rd.apply("dashscope", "qwen3-235b-a22b", ir.Reasoning(effort="low"), BODY)
    assert out["enable_thinking"] is True
    assert out["thinking_budget"] == ir.EFFORT_BUDGETS["low"]
    out = rd.apply("dashscope", "qwen-plus", ir.Reasoning(budget_tokens=5000), BODY)
    assert out["thinking_budget"] == 5000
    off = rd.apply("dashscope", "qwen-plus", ir.Reasoning(effort="none"), BODY)
    assert off["enable_thinking"] is False
    assert "thinking_budget" not in off


def test_effort_clamped() -> None:
    assert (
        rd.apply("deepseek", "deepseek-reasoner", ir.Reasoning(effort="max"), BODY)["reasoning_effort"]
        == "high"
    )
    assert (
        rd.apply("deepseek", "deepseek-reasoner", ir.Reasoning(effort="minimal"), BODY)["reasoning_effort"]
        == "low"
    )
    assert "reasoning_effort" not in rd.apply(
        "deepseek", "deepseek-reasoner", ir.Reasoning(effort="none"), BODY
    )
    assert (
        rd.apply("nvidia", "moonshotai/kimi-k2.6", ir.Reasoning(effort="none"), BODY)["reasoning_effort"]
        == "none"
    )
    out = rd.apply("moonshot", "kimi-k2-thinking", ir.Reasoning(budget_tokens=2000), BODY)
    assert out["reasoning_effort"] == "medium"


def test_non_reasoning_stripped() -> None:
    body = {**BODY, "thinking": {"type": "enabled"}, "enable_thinking": True, "reasoning": {"effort": "low"}}
    out = rd.apply("groq", "llama-3.3-70b-versatile", ir.Reasoning(effort="high"), body)
    assert not set(rd.REASONING_FIELDS) & set(out)
    assert out["messages"] == BODY["messages"]


def test_openai_untouched() -> None:
    out = rd.apply("openai", "o3", ir.Reasoning(effort="high"), BODY)
    assert out == BODY
    assert out is not BODY
