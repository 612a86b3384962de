"""Qwen Code (a Gemini CLI fork speaking OpenAI Chat Completions): ~/.qwen/.env (OPENAI_API_KEY,
OPENAI_BASE_URL with /v1, OPENAI_MODEL when picked) and the `openai` auth type in
~/.qwen/settings.json, so it does not ask for a Qwen login."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.clients.document import Assignments, KeyPath
from app.clients.dotenv_document import DotenvDocument
from app.clients.json_document import JsonDocument
from app.clients.spec import ClientSpec, GatewayTarget, ManagedFile

KEY: KeyPath = ("OPENAI_API_KEY",)
BASE_URL: KeyPath = ("OPENAI_BASE_URL",)
MODEL: KeyPath = ("OPENAI_MODEL",)
AUTH: KeyPath = ("security", "auth", "selectedType")
MODEL_SETTING: KeyPath = ("model", "name")


def assign_env(target: GatewayTarget) -> Assignments:
    values: dict[KeyPath, Any] = {KEY: target.key, BASE_URL: target.v1}
    if target.models.default:
        values[MODEL] = target.models.default
    return values


def route_env(values: Mapping[KeyPath, Any]) -> str | None:
    url = values.get(BASE_URL)
    return url if isinstance(url, str) else None


def assign_settings(target: GatewayTarget) -> Assignments:
    values: dict[KeyPath, Any] = {AUTH: "openai"}
    if target.models.default:
        # The settings file's model wins over the environment's: keep the two in step.
        values[MODEL_SETTING] = target.models.default
    return values


SPEC = ClientSpec(
    id="qwen-code",
    name="Qwen Code",
    executables=("qwen",),
    config_dirs=(".qwen",),
    files=(
        ManagedFile(
            relative=".qwen/.env",
            document=DotenvDocument(),
            keys=(KEY, BASE_URL, MODEL),
            assign=assign_env,
            route=route_env,
            secret_keys=(KEY,),
        ),
        ManagedFile(
            relative=".qwen/settings.json",
            document=JsonDocument(comments=True),
            keys=(AUTH, MODEL_SETTING),
            assign=assign_settings,
            route=None,
        ),
    ),
)
