"""How OpenAI-compatible upstreams want to be told to think.

The canonical `ir.Reasoning` becomes, per vendor dialect, fields of the OpenAI-chat body:

- ``glm_thinking``  Z.AI (GLM): ``thinking: {"type": "enabled" | "disabled"}``
- ``enable_thinking``  GLM hosted elsewhere (SiliconFlow…): ``enable_thinking: bool``
- ``qwen``  DashScope (Qwen): ``enable_thinking: bool`` + ``thinking_budget: int`` when a budget is known
- ``effort``  DeepSeek, Kimi: ``reasoning_effort`` clamped to the levels the vendor accepts
- ``none``  models that do not reason: every reasoning field stripped
- ``openai``  everything else: the body is left as the OpenAI-chat encoder wrote it

`DIALECT_RULES` is the table, first match wins (fnmatch patterns, lower case).
"""

from __future__ import annotations

from dataclasses import dataclass
from fnmatch import fnmatchcase
from functools import lru_cache
from typing import Any, Final

from app.formats import ir

# Every field any dialect writes; a dialect removes the ones it does not use.
REASONING_FIELDS: Final = ("reasoning_effort", "reasoning", "thinking", "enable_thinking", "thinking_budget")

_ALL_LEVELS: Final = tuple(ir.EFFORT_BUDGETS)


@dataclass(frozen=True, slots=True)
class DialectRule:
    provider: str  # fnmatch pattern on the provider id
    model: str  # fnmatch pattern on the upstream model id
    dialect: str
    levels: tuple[str, ...] = ()  # for "effort": the reasoning_effort values the vendor accepts


DIALECT_RULES: Final[tuple[DialectRule, ...]] = (
    # Models that do not reason, wherever they are hosted.
    DialectRule("*", "*kimi-k2-instruct*", "none"),
    DialectRule("*", "*kimi-k2-0711*", "none"),
    DialectRule("*", "*kimi-k2-0905*", "none"),
    DialectRule("*", "*moonshot-v1*", "none"),
    DialectRule("deepseek", "deepseek-chat", "none"),
    DialectRule("*", "*qwen2*", "none"),
    DialectRule("*", "*qwen3*-instruct*", "none"),
    DialectRule("*", "*qwen-max*", "none"),
    DialectRule("*", "*qwen3-coder*", "none"),
    DialectRule("*", "*glm-4-*", "none"),
    DialectRule("*", "*glm-4v*", "none"),
    DialectRule("*", "*llama*", "none"),
    DialectRule("*", "*mistral*", "none"),
    DialectRule("*", "*mixtral*", "none"),
    DialectRule("*", "*gemma*", "none"),
    DialectRule("*", "gpt-4o*", "none"),
    DialectRule("*", "gpt-4.1*", "none"),
    # GLM: Z.AI's own switch, and enable_thinking where others host it.
    DialectRule("zai", "*glm*", "glm_thinking"),
    DialectRule("zhipu", "*glm*", "glm_thinking"),
    DialectRule("*", "*glm*", "enable_thinking"),
    # Qwen on DashScope and elsewhere.
    DialectRule("*", "*qwen*", "qwen"),
    DialectRule("*", "*qwq*", "qwen"),
    # Levels.
    DialectRule("*", "*deepseek*", "effort", ("low", "medium", "high")),
    DialectRule("*", "*kimi*", "effort", ("none", "low", "medium", "high")),
    DialectRule("moonshot", "*", "effort", ("none", "low", "medium", "high")),
)


# Asked on every request to an OpenAI-compatible upstream: remember the answer per (provider, model).
@lru_cache(maxsize=1024)
def rule_for(provider_id: str, model: str) -> DialectRule | None:
    provider, name = provider_id.lower(), model.lower()
    for rule in DIALECT_RULES:
        if fnmatchcase(provider, rule.provider) and (
            fnmatchcase(name, rule.model) or fnmatchcase(name.rsplit("/", 1)[-1], rule.model)
        ):
            return rule
    return None


def dialect_for(provider_id: str, model: str) -> str:
    rule = rule_for(provider_id, model)
    return rule.dialect if rule else "openai"


def _enabled(reasoning: ir.Reasoning) -> bool | None:
    """True/False when the request says, None when it leaves it to the vendor."""
    if reasoning.effort == "none" or reasoning.budget_tokens == 0:
        return False
    if reasoning.effort is not None or reasoning.budget_tokens is not None:
        return True
    return None


def _clamp(effort: str, levels: tuple[str, ...]) -> str | None:
    """The accepted level nearest to `effort` (ties go up); None when no level fits ("none" unsupported)."""
    if effort in levels:
        return effort
    if effort == "none":
        return None
    order = [lvl for lvl in _ALL_LEVELS if lvl != "none"]
    want = order.index(effort) if effort in order else order.index("medium")
    candidates = [lvl for lvl in levels if lvl in order]
    if not candidates:
        return None
    return min(candidates, key=lambda lvl: (abs(order.index(lvl) - want), -order.index(lvl)))


def _strip(body: dict[str, Any], keep: tuple[str, ...] = ()) -> dict[str, Any]:
    return {k: v for k, v in body.items() if k not in REASONING_FIELDS or k in keep}


def apply(
    provider_id: str, model: str, reasoning: ir.Reasoning | None, body: dict[str, Any]
) -> dict[str, Any]:
    """The OpenAI-chat `body` adjusted to the upstream's reasoning dialect (a new dict; `body` is
    left untouched). With `reasoning` None, the vendor's default applies (fields of other dialects
    are still removed)."""
    rule = rule_for(provider_id, model)
    if rule is None:
        return dict(body)
    if rule.dialect == "none":
        return _strip(body)
    out = _strip(body)
    enabled = _enabled(reasoning) if reasoning else None
    if rule.dialect == "glm_thinking":
        if enabled is not None:
            out["thinking"] = {"type": "enabled" if enabled else "disabled"}
    elif rule.dialect == "enable_thinking":
        if enabled is not None:
            out["enable_thinking"] = enabled
    elif rule.dialect == "qwen":
        if enabled is not None:
            out["enable_thinking"] = enabled
        if enabled and reasoning is not None:
            budget = reasoning.effective_budget()
            if budget:
                out["thinking_budget"] = budget
    elif rule.dialect == "effort":
        effort = reasoning.effective_effort() if reasoning else None
        level = _clamp(effort, rule.levels) if effort else None
        if level is not None:
            out["reasoning_effort"] = level
    return out
