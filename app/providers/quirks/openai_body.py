"""The request-side quirks for OpenAI-compatible upstreams, applied to the body about to be sent.

Reasoning is spelled differently by each vendor behind the same Chat API (GLM's `thinking`, Qwen's
`enable_thinking`/`thinking_budget`, DeepSeek's and Kimi's levels; nothing at all for models that do
not reason), and Kimchi wants its bodies as the Kimchi CLI sends them.
"""

from __future__ import annotations

from typing import Any

from app.formats.ir import Reasoning
from app.providers.quirks import kimchi, reasoning_dialects


def reasoning_of(body: dict[str, Any]) -> Reasoning | None:
    """What an OpenAI-chat body asks for (a passthrough body is not decoded)."""
    effort = body.get("reasoning_effort")
    return Reasoning(effort=effort) if isinstance(effort, str) else None


def adjust(provider_id: str, model: str, reasoning: Reasoning | None, body: dict[str, Any]) -> dict[str, Any]:
    if reasoning_dialects.rule_for(provider_id, model) is not None:
        body = reasoning_dialects.apply(provider_id, model, reasoning, body)
    if provider_id == "kimchi":
        body = kimchi.align(model, body)
    return body
