"""AgentRouter routes to whatever upstream the model id names: any model id passes through."""

from __future__ import annotations

from typing import Final

PASSTHROUGH_PROVIDERS: Final = frozenset({"agentrouter"})


def accepts_any_model(provider_id: str) -> bool:
    """Whether the provider takes any model id as-is (no catalogue check, no discovery filter)."""
    return provider_id.lower() in PASSTHROUGH_PROVIDERS


def upstream_model(provider_id: str, model: str) -> str:
    """The model id to send upstream: for a passthrough provider, exactly what the client asked
    after the `provider/` prefix (which may itself contain slashes)."""
    prefix = provider_id + "/"
    if accepts_any_model(provider_id) and model.lower().startswith(prefix.lower()):
        return model[len(prefix) :]
    return model
