"""Reasoning settings: `generationConfig.thinkingConfig` ↔ canonical Reasoning. Gemini 3 takes a
`thinkingLevel`, the 2.5 models a `thinkingBudget` within documented per-model ranges
(`-1` meaning dynamic, decoded as effort "medium"); values a model cannot take are adjusted and
reported as Drops."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.formats import ir
from app.formats.gemini.fields import _get, _JSONDict, _opt_bool, _opt_int, _opt_str
from app.formats.gemini.model_version import _is_gemini3

_LEVELS = ("minimal", "low", "medium", "high")


def _decode_thinking(tc: Mapping[str, Any], param: str) -> ir.Reasoning:
    budget = _opt_int(_get(tc, "thinkingBudget"), f"{param}.thinkingBudget")
    level = _opt_str(_get(tc, "thinkingLevel"), f"{param}.thinkingLevel")
    include = _opt_bool(_get(tc, "includeThoughts"), f"{param}.includeThoughts")
    effort: str | None = None
    if level is not None and level.lower() in _LEVELS:
        effort = level.lower()
    budget_tokens: int | None = None
    if budget is not None:
        if budget < 0:
            effort = effort or "medium"  # dynamic: the model decides
        else:
            budget_tokens = budget
    return ir.Reasoning(effort=effort, budget_tokens=budget_tokens, include_thoughts=include)


def _budget_range(model: str) -> tuple[int, int, bool] | None:
    """(min, max, can_disable) of thinkingBudget for the 2.5 models, whose ranges are documented."""
    name = model.lower()
    if "2.5-pro" in name:
        return 128, 32768, False
    if "2.5-flash-lite" in name:
        return 512, 24576, True
    if "2.5-flash" in name:
        return 0, 24576, True
    return None


def _encode_thinking(reasoning: ir.Reasoning, model: str, drops: list[ir.Drop]) -> _JSONDict | None:
    config: _JSONDict = {}
    effort = reasoning.effective_effort()
    if _is_gemini3(model):
        if effort is not None:
            level = {"none": "minimal", "xhigh": "high", "max": "high"}.get(effort, effort)
            if level not in _LEVELS:
                level = "high"
            if level == "minimal" and "pro" in model.lower():
                drops.append(ir.Drop("reasoning.effort", "Gemini 3 Pro cannot think less than LOW"))
                level = "low"
            elif effort in ("none", "xhigh", "max"):
                drops.append(
                    ir.Drop("reasoning.effort", f"Gemini 3 has no level {effort!r}; sent {level.upper()}")
                )
            config["thinkingLevel"] = level.upper()
    else:
        budget = reasoning.effective_budget()
        if budget is not None:
            limits = _budget_range(model)
            if limits is not None:
                low, high, can_disable = limits
                wanted = budget
                if budget == 0 and can_disable:
                    pass
                elif budget < low:
                    budget = low
                elif budget > high:
                    budget = high
                if budget != wanted:
                    drops.append(
                        ir.Drop(
                            "reasoning.budget_tokens",
                            f"{model} takes {low}..{high} thinking tokens; sent {budget}",
                        )
                    )
            config["thinkingBudget"] = budget
    include = reasoning.include_thoughts
    if include is None and config and effort not in (None, "none"):
        include = True  # other formats show their reasoning when they ask for it
    if include is not None:
        config["includeThoughts"] = include
    return config or None
