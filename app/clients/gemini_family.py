"""Gemini CLI and its fork Qwen Code configure the same way: a `.env` file in their own folder
(key, base URL, model — they read these only from the environment or a .env, their settings.json has
no env block; a .env in the project directory is found first and would shadow this one) and the
auth type in settings.json, so a cached login does not bypass the gateway. Only the names differ."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from app.clients.document import Assignments, KeyPath
from app.clients.dotenv_document import DotenvDocument
from app.clients.json_document import JsonDocument
from app.clients.spec import ClientSpec, GatewayTarget, ManagedFile

AUTH: KeyPath = ("security", "auth", "selectedType")
MODEL_SETTING: KeyPath = ("model", "name")


def env_file_spec(
    *,
    id: str,
    name: str,
    executable: str,
    folder: str,
    key_var: str,
    base_url_var: str,
    model_var: str,
    base_url: Callable[[GatewayTarget], str],
    auth_type: str,
) -> ClientSpec:
    key, url, model = (key_var,), (base_url_var,), (model_var,)

    def assign_env(target: GatewayTarget) -> Assignments:
        values: dict[KeyPath, Any] = {key: target.key, url: base_url(target)}
        if target.models.default:
            values[model] = target.models.default
        return values

    def route_env(values: Mapping[KeyPath, Any]) -> str | None:
        found = values.get(url)
        return found if isinstance(found, str) else None

    def assign_settings(target: GatewayTarget) -> Assignments:
        values: dict[KeyPath, Any] = {AUTH: auth_type}
        if target.models.default:
            # The settings file's model wins over the environment's: keep the two in step.
            values[MODEL_SETTING] = target.models.default
        return values

    return ClientSpec(
        id=id,
        name=name,
        executables=(executable,),
        config_dirs=(folder,),
        files=(
            ManagedFile(
                relative=f"{folder}/.env",
                document=DotenvDocument(),
                keys=(key, url, model),
                assign=assign_env,
                route=route_env,
                secret_keys=(key,),
            ),
            ManagedFile(
                relative=f"{folder}/settings.json",
                document=JsonDocument(comments=True),
                keys=(AUTH, MODEL_SETTING),
                assign=assign_settings,
                route=None,
            ),
        ),
    )
