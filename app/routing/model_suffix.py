"""`model(high)`, `model(8192)`, `model(none)`: a reasoning level or budget written into the model name.

Pure. The suffix is split off before the model is resolved, and becomes the request's reasoning setting.
"""

from __future__ import annotations

import re

from app.core.errors import InvalidRequest
from app.formats.ir import EFFORT_BUDGETS, Reasoning

_SUFFIX = re.compile(r"^(?P<model>.+?)\((?P<arg>[^()]*)\)$")


def split_reasoning_suffix(model: str) -> tuple[str, Reasoning | None]:
    match = _SUFFIX.match(model)
    if match is None:
        return model, None
    arg = match.group("arg").strip().lower()
    base = match.group("model")
    if arg in EFFORT_BUDGETS:
        return base, Reasoning(effort=arg, budget_tokens=EFFORT_BUDGETS[arg])
    if arg.isdigit():
        budget = int(arg)
        return base, Reasoning(
            budget_tokens=budget, effort=Reasoning(budget_tokens=budget).effective_effort()
        )
    levels = ", ".join(EFFORT_BUDGETS)
    raise InvalidRequest(
        f"unknown reasoning suffix '({arg})' in model '{model}': use a level ({levels}) or a token budget",
        param="model",
    )
