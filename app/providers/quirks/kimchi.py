"""Kimchi, aligned with the official Kimchi CLI: exactly its five models, with the CLI's context
windows, output caps, reasoning and vision support, and its temperature rule (the CLI sends no
temperature for kimi-k2.7, so none is forwarded).

Source: the reference README's "Kimchi CLI Alignment" and "Available Models" tables.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from app.core.errors import NotFoundError

PROVIDER_ID: Final = "kimchi"

# Reasoning modes: "toggle" (thinking can be switched on and off), "toggle_off" (a reasoning model
# whose CLI toggle is off by default), "openai" (OpenAI-style reasoning_effort), None (no reasoning).
_REASONING_FIELDS: Final = ("reasoning_effort", "reasoning", "thinking", "enable_thinking", "thinking_budget")
_OUTPUT_FIELDS: Final = ("max_tokens", "max_completion_tokens")


@dataclass(frozen=True, slots=True)
class KimchiModel:
    id: str
    family: str
    context_window: int
    max_output: int
    reasoning: str | None
    vision: bool
    video: bool
    temperature: bool  # False: the CLI sends none, so it is stripped


MODELS: Final[tuple[KimchiModel, ...]] = (
    KimchiModel("kimi-k2.7", "kimi-k2", 262_144, 262_144, "toggle_off", True, True, False),
    KimchiModel("kimi-k2.6", "kimi-k2", 262_144, 262_144, "toggle", True, True, True),
    KimchiModel("minimax-m3", "minimax", 1_048_576, 524_288, None, False, False, True),
    KimchiModel("nemotron-3-ultra-fp4", "nemotron", 131_072, 8_192, None, False, False, True),
    KimchiModel("glm-5.2-fp8", "glm", 131_072, 131_072, "openai", False, False, True),
)
_BY_ID: Final = {m.id: m for m in MODELS}


def model_info(model: str) -> KimchiModel | None:
    """The model, by bare id or `kimchi/`-prefixed id; None when the CLI has no such model."""
    return _BY_ID.get(model.removeprefix(PROVIDER_ID + "/"))


def align(model: str, body: dict[str, Any]) -> dict[str, Any]:
    """The OpenAI-chat `body` as the Kimchi CLI would send it for `model` (a new dict): bare model id,
    output limit capped to the model's cap, temperature stripped where the CLI sends none, reasoning
    fields stripped for models that do not reason. Raises NotFoundError for a model the CLI lacks."""
    info = model_info(model)
    if info is None:
        raise NotFoundError(
            f"Kimchi has no model {model!r}; it offers exactly: {', '.join(m.id for m in MODELS)}"
        )
    out = dict(body)
    out["model"] = info.id
    for name in _OUTPUT_FIELDS:
        value = out.get(name)
        if isinstance(value, int) and not isinstance(value, bool) and value > info.max_output:
            out[name] = info.max_output
    if not info.temperature:
        out.pop("temperature", None)
    if info.reasoning is None:
        for name in _REASONING_FIELDS:
            out.pop(name, None)
    else:
        # The CLI speaks OpenAI's reasoning_effort only; vendor dialects of other routes are dropped.
        for name in _REASONING_FIELDS:
            if name != "reasoning_effort":
                out.pop(name, None)
    return out
