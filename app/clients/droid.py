"""Factory's Droid: entries in the `customModels` list of ~/.factory/settings.json, one per model
the user picks, through the OpenAI-compatible chat API. The list is shared with the user's own
custom models: ours are the entries whose displayName starts with "VansRoute", and only those are
ever added, replaced or removed."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.clients.document import Assignments, Items, KeyPath
from app.clients.json_document import JsonDocument
from app.clients.spec import ClientSpec, GatewayTarget, ManagedFile

LABEL = "VansRoute"
MODELS: KeyPath = ("customModels", Items("displayName", LABEL))


def assign(target: GatewayTarget) -> Assignments:
    picked = dict.fromkeys(target.models.get(r) for r in ("default", "opus", "sonnet", "haiku", "subagent"))
    return {
        MODELS: [
            {
                "model": model,
                "displayName": f"{LABEL}: {model}",
                "baseUrl": target.v1,
                "apiKey": target.key,
                "provider": "generic-chat-completion-api",
                "maxOutputTokens": 16384,
            }
            for model in picked
            if model
        ]
    }


def route(values: Mapping[KeyPath, Any]) -> str | None:
    ours = values.get(MODELS)
    if isinstance(ours, list) and ours and isinstance(ours[0].get("baseUrl"), str):
        return str(ours[0]["baseUrl"])
    return None


SPEC = ClientSpec(
    id="droid",
    name="Droid (Factory)",
    executables=("droid",),
    config_dirs=(".factory",),
    files=(
        ManagedFile(
            relative=".factory/settings.json",
            document=JsonDocument(comments=True),
            keys=(MODELS,),
            assign=assign,
            route=route,
            secret_keys=(MODELS,),
        ),
    ),
    requires_model=True,
)
