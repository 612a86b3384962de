"""Codex: ~/.codex/config.toml, edited with tomlkit so the user's comments and layout survive.

We own `[model_providers.vansroute]` (the id `openai`, `ollama`, `lmstudio` are reserved by Codex)
and the top-level `model_provider` (and `model`, when the user picks one). The key goes in the
provider's `experimental_bearer_token`: `env_key` would need a variable in the user's shell, which a
one-click setup cannot set.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.clients.document import Assignments, KeyPath
from app.clients.spec import ClientSpec, GatewayTarget, ManagedFile
from app.clients.toml_document import TomlDocument

PROVIDER_ID = "vansroute"
MODEL: KeyPath = ("model",)
MODEL_PROVIDER: KeyPath = ("model_provider",)
PROVIDER: KeyPath = ("model_providers", PROVIDER_ID)
TOKEN: KeyPath = ("model_providers", PROVIDER_ID, "experimental_bearer_token")
KEYS: tuple[KeyPath, ...] = (MODEL, MODEL_PROVIDER, PROVIDER)


def assign(target: GatewayTarget) -> Assignments:
    values: dict[KeyPath, Any] = {
        MODEL_PROVIDER: PROVIDER_ID,
        PROVIDER: {
            "name": "VansRoute",
            "base_url": target.v1,
            "experimental_bearer_token": target.key,
            "wire_api": "responses",
        },
    }
    if target.models.default:
        values[MODEL] = target.models.default
    return values


def route(values: Mapping[KeyPath, Any]) -> str | None:
    if values.get(MODEL_PROVIDER) != PROVIDER_ID:
        return None
    provider = values.get(PROVIDER)
    url = provider.get("base_url") if isinstance(provider, dict) else None
    return url if isinstance(url, str) else None


SPEC = ClientSpec(
    id="codex",
    name="Codex",
    executables=("codex",),
    config_dirs=(".codex",),
    files=(
        ManagedFile(
            relative=".codex/config.toml",
            document=TomlDocument(),
            keys=KEYS,
            assign=assign,
            route=route,
            secret_keys=(TOKEN,),
        ),
    ),
)
