"""Cline's CLI: its state in ~/.cline/data/globalState.json (the OpenAI-compatible provider for both
plan and act mode, the base URL with /v1, the model) and the key in ~/.cline/data/secrets.json.

The Cline editor extension keeps the same settings in the editor's own storage, which no other
program should write: there the values are entered by hand (API provider "OpenAI Compatible")."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.clients.document import Assignments, KeyPath
from app.clients.json_document import JsonDocument
from app.clients.spec import ClientSpec, GatewayTarget, ManagedFile

STATE_KEYS: tuple[KeyPath, ...] = (
    ("actModeApiProvider",),
    ("planModeApiProvider",),
    ("openAiBaseUrl",),
    ("actModeOpenAiModelId",),
    ("planModeOpenAiModelId",),
)
API_KEY: KeyPath = ("openAiApiKey",)


def assign_state(target: GatewayTarget) -> Assignments:
    values: dict[KeyPath, Any] = {
        ("actModeApiProvider",): "openai",
        ("planModeApiProvider",): "openai",
        ("openAiBaseUrl",): target.v1,
    }
    if target.models.default:
        values[("actModeOpenAiModelId",)] = target.models.default
        values[("planModeOpenAiModelId",)] = target.models.default
    return values


def route_state(values: Mapping[KeyPath, Any]) -> str | None:
    url = values.get(("openAiBaseUrl",))
    if values.get(("actModeApiProvider",)) == "openai" and isinstance(url, str):
        return url
    return None


def assign_secrets(target: GatewayTarget) -> Assignments:
    return {API_KEY: target.key}


SPEC = ClientSpec(
    id="cline",
    name="Cline CLI",
    executables=("cline",),
    config_dirs=(".cline",),
    files=(
        ManagedFile(
            relative=".cline/data/globalState.json",
            document=JsonDocument(),
            keys=STATE_KEYS,
            assign=assign_state,
            route=route_state,
        ),
        ManagedFile(
            relative=".cline/data/secrets.json",
            document=JsonDocument(),
            keys=(API_KEY,),
            assign=assign_secrets,
            route=None,
            secret_keys=(API_KEY,),
        ),
    ),
    requires_model=True,
)
