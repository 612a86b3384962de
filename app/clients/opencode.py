"""OpenCode: a `vansroute` provider in ~/.config/opencode/opencode.json (JSONC; opencode.jsonc is
edited instead when that is the file the user has), through the AI SDK's OpenAI-compatible package,
and the top-level `model` set to it. Kilo's CLI is built on OpenCode and reads the same shape."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.clients.document import Assignments, KeyPath
from app.clients.json_document import JsonDocument
from app.clients.spec import ClientSpec, GatewayTarget, ManagedFile

PROVIDER_ID = "vansroute"
PROVIDER: KeyPath = ("provider", PROVIDER_ID)
MODEL: KeyPath = ("model",)
TOKEN: KeyPath = ("provider", PROVIDER_ID, "options", "apiKey")
KEYS: tuple[KeyPath, ...] = (PROVIDER, MODEL)


def assign(target: GatewayTarget) -> Assignments:
    models = [
        m for m in dict.fromkeys(target.models.get(r) for r in ("default", "opus", "sonnet", "haiku")) if m
    ]
    values: dict[KeyPath, Any] = {
        PROVIDER: {
            "npm": "@ai-sdk/openai-compatible",
            "name": "VansRoute",
            "options": {"baseURL": target.v1, "apiKey": target.key},
            "models": {m: {"name": m} for m in models},
        }
    }
    if target.models.default:
        values[MODEL] = f"{PROVIDER_ID}/{target.models.default}"
    return values


def route(values: Mapping[KeyPath, Any]) -> str | None:
    model = values.get(MODEL)
    provider = values.get(PROVIDER)
    if not (isinstance(model, str) and model.startswith(PROVIDER_ID + "/") and isinstance(provider, dict)):
        return None
    url = (provider.get("options") or {}).get("baseURL")
    return url if isinstance(url, str) else None


def managed_file(folder: str, name: str, *alternatives: str) -> ManagedFile:
    return ManagedFile(
        relative=f"{folder}/{name}",
        alternatives=tuple(f"{folder}/{a}" for a in alternatives),
        document=JsonDocument(comments=True),
        keys=KEYS,
        assign=assign,
        route=route,
        secret_keys=(TOKEN,),
    )


SPEC = ClientSpec(
    id="opencode",
    name="OpenCode",
    executables=("opencode",),
    config_dirs=(".config/opencode",),
    files=(managed_file(".config/opencode", "opencode.json", "opencode.jsonc", "config.json"),),
    requires_model=True,
)
