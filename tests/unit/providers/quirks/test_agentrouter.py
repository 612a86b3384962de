from __future__ import annotations

from app.providers.quirks import agentrouter


def test_accepts_any_model() -> None:
    assert agentrouter.accepts_any_model("agentrouter")
    assert agentrouter.accepts_any_model("AgentRouter")
    assert not agentrouter.accepts_any_model("openrouter")


def test_upstream_model_passthrough() -> None:
    assert agentrouter.upstream_model("agentrouter", "agentrouter/claude-sonnet-4-5") == "claude-sonnet-4-5"
    assert agentrouter.upstream_model("agentrouter", "deepseek/deepseek-v3.2") == "deepseek/deepseek-v3.2"
    assert agentrouter.upstream_model("openrouter", "openrouter/x") == "openrouter/x"
