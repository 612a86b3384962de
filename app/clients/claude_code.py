"""Claude Code: the `env` block of ~/.claude/settings.json (plain JSON, read with JSON.parse).

ANTHROPIC_BASE_URL is the root URL (Claude Code appends /v1/messages); the key goes in
ANTHROPIC_AUTH_TOKEN, sent as a Bearer token. While we are configured, what would override or
compete with that key is set aside (and put back on restore): ANTHROPIC_API_KEY (with both set
Claude Code asks which one to use) and an `apiKeyHelper` script (its output would replace our key).
Every other key is the user's.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.clients.document import MISSING, Assignments, KeyPath
from app.clients.json_document import JsonDocument
from app.clients.spec import ClientSpec, GatewayTarget, ManagedFile

BASE_URL: KeyPath = ("env", "ANTHROPIC_BASE_URL")
TOKEN: KeyPath = ("env", "ANTHROPIC_AUTH_TOKEN")
API_KEY: KeyPath = ("env", "ANTHROPIC_API_KEY")
KEY_HELPER: KeyPath = ("apiKeyHelper",)
# Deprecated name of the haiku-tier model; another router's value would shadow the user's choice.
SMALL_FAST: KeyPath = ("env", "ANTHROPIC_SMALL_FAST_MODEL")
MODEL_VARS = {
    "default": "ANTHROPIC_MODEL",
    "opus": "ANTHROPIC_DEFAULT_OPUS_MODEL",
    "sonnet": "ANTHROPIC_DEFAULT_SONNET_MODEL",
    "haiku": "ANTHROPIC_DEFAULT_HAIKU_MODEL",
    "subagent": "CLAUDE_CODE_SUBAGENT_MODEL",
}
KEYS: tuple[KeyPath, ...] = (
    BASE_URL,
    TOKEN,
    API_KEY,
    KEY_HELPER,
    SMALL_FAST,
    *(("env", v) for v in MODEL_VARS.values()),
)


def assign(target: GatewayTarget) -> Assignments:
    values: dict[KeyPath, Any] = {
        BASE_URL: target.base_url.rstrip("/"),
        TOKEN: target.key,
        API_KEY: MISSING,
        KEY_HELPER: MISSING,
    }
    if target.models.haiku:
        values[SMALL_FAST] = MISSING
    for role, var in MODEL_VARS.items():
        model = target.models.get(role)
        if model:  # a role the user did not pick keeps whatever the file says
            values[("env", var)] = model
    return values


def route(values: Mapping[KeyPath, Any]) -> str | None:
    url = values.get(BASE_URL)
    return url if isinstance(url, str) else None


SPEC = ClientSpec(
    id="claude-code",
    name="Claude Code",
    executables=("claude",),
    config_dirs=(".claude",),
    files=(
        ManagedFile(
            relative=".claude/settings.json",
            document=JsonDocument(),
            keys=KEYS,
            assign=assign,
            route=route,
            secret_keys=(TOKEN, API_KEY),
        ),
    ),
    roles=tuple(MODEL_VARS),
)
