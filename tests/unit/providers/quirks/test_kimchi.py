from __future__ import annotations

from typing import Any

import pytest

from app.core.errors import NotFoundError
from app.providers.quirks import kimchi

# Recorded shape: an OpenAI-chat body as a client (Claude Code through the gateway) sends it.
BODY: dict[str, Any] = {
    "model": "kimchi/kimi-k2.7",
    "messages": [{"role": "user", "content": "hi"}],
    "temperature": 0.7,
    "max_tokens": 1_000_000,
    "reasoning_effort": "high",
    "thinking": {"type": "enabled"},
    "stream": True,
}


def test_exactly_the_five_cli_models() -> None:
    assert [m.id for m in kimchi.MODELS] == [
        "kimi-k2.7",
        "kimi-k2.6",
        "minimax-m3",
        "nemotron-3-ultra-fp4",
        "glm-5.2-fp8",
    ]
    info = kimchi.model_info("kimchi/nemotron-3-ultra-fp4")
    assert info is not None
    assert (info.context_window, info.max_output, info.reasoning, info.vision) == (
        131_072,
        8_192,
        None,
        False,
    )
    k27 = kimchi.model_info("kimi-k2.7")
    assert k27 is not None and k27.vision and k27.video and not k27.temperature


def test_kimi_k27_strips_temperature_and_caps_output() -> None:
    out = kimchi.align("kimchi/kimi-k2.7", BODY)
    assert out["model"] == "kimi-k2.7"
    assert "temperature" not in out
    assert out["max_tokens"] == 262_144
    assert out["reasoning_effort"] == "high"
    assert "thinking" not in out
    assert BODY["temperature"] == 0.7  # input untouched


def test_kimi_k26_keeps_temperature() -> None:
    out = kimchi.align("kimi-k2.6", {**BODY, "max_tokens": 100})
    assert out["temperature"] == 0.7
    assert out["max_tokens"] == 100


@pytest.mark.parametrize("model", ["minimax-m3", "nemotron-3-ultra-fp4"])
def test_non_reasoning_models_lose_reasoning_fields(model: str) -> None:
    out = kimchi.align(model, {**BODY, "max_completion_tokens": 10_000_000})
    assert "reasoning_effort" not in out and "thinking" not in out
    info = kimchi.model_info(model)
    assert info is not None
    assert out["max_completion_tokens"] == info.max_output


def test_glm_openai_reasoning() -> None:
    out = kimchi.align("glm-5.2-fp8", BODY)
    assert out["reasoning_effort"] == "high"
    assert out["max_tokens"] == 131_072


def test_unknown_model() -> None:
    with pytest.raises(NotFoundError):
        kimchi.align("kimi-k2-instruct", BODY)
