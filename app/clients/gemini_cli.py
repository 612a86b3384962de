"""Gemini CLI: ~/.gemini/.env (GEMINI_API_KEY, GOOGLE_GEMINI_BASE_URL — the root URL, the SDK
appends /v1beta — and GEMINI_MODEL when picked) and, in ~/.gemini/settings.json, the API-key auth
type, so a cached Google login does not bypass the gateway.

Gemini CLI reads these variables only from the environment or a .env file (its settings.json has no
env block); a .env in the project directory is found first and would shadow this one."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.clients.document import Assignments, KeyPath
from app.clients.dotenv_document import DotenvDocument
from app.clients.json_document import JsonDocument
from app.clients.spec import ClientSpec, GatewayTarget, ManagedFile

KEY: KeyPath = ("GEMINI_API_KEY",)
BASE_URL: KeyPath = ("GOOGLE_GEMINI_BASE_URL",)
MODEL: KeyPath = ("GEMINI_MODEL",)
AUTH: KeyPath = ("security", "auth", "selectedType")
MODEL_SETTING: KeyPath = ("model", "name")


def assign_env(target: GatewayTarget) -> Assignments:
    values: dict[KeyPath, Any] = {KEY: target.key, BASE_URL: target.base_url.rstrip("/")}
    if target.models.default:
        values[MODEL] = target.models.default
    return values


def route_env(values: Mapping[KeyPath, Any]) -> str | None:
    url = values.get(BASE_URL)
    return url if isinstance(url, str) else None


def assign_settings(target: GatewayTarget) -> Assignments:
    values: dict[KeyPath, Any] = {AUTH: "gemini-api-key"}
    if target.models.default:
        # The settings file's model wins over the environment's: keep the two in step.
        values[MODEL_SETTING] = target.models.default
    return values


SPEC = ClientSpec(
    id="gemini-cli",
    name="Gemini CLI",
    executables=("gemini",),
    config_dirs=(".gemini",),
    files=(
        ManagedFile(
            relative=".gemini/.env",
            document=DotenvDocument(),
            keys=(KEY, BASE_URL, MODEL),
            assign=assign_env,
            route=route_env,
            secret_keys=(KEY,),
        ),
        ManagedFile(
            relative=".gemini/settings.json",
            document=JsonDocument(comments=True),
            keys=(AUTH, MODEL_SETTING),
            assign=assign_settings,
            route=None,
        ),
    ),
)
