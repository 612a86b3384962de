"""Reasoning levels a vendor accepts by name, for encoders that map a canonical effort onto them."""

from __future__ import annotations

from typing import Final

# OpenAI's `reasoning_effort` (Chat Completions) and `reasoning.effort` (Responses): every canonical
# level (`ir.EFFORT_BUDGETS`) but "max".
OPENAI_EFFORTS: Final = frozenset({"none", "minimal", "low", "medium", "high", "xhigh"})
