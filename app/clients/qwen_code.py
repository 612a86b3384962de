"""Qwen Code (a Gemini CLI fork speaking OpenAI Chat Completions): ~/.qwen/.env (OPENAI_API_KEY,
OPENAI_BASE_URL with /v1, OPENAI_MODEL when picked) and the `openai` auth type in
~/.qwen/settings.json, so it does not ask for a Qwen login (see gemini_family.py)."""

from __future__ import annotations

from app.clients.gemini_family import env_file_spec

SPEC = env_file_spec(
    id="qwen-code",
    name="Qwen Code",
    executable="qwen",
    folder=".qwen",
    key_var="OPENAI_API_KEY",
    base_url_var="OPENAI_BASE_URL",
    model_var="OPENAI_MODEL",
    base_url=lambda target: target.v1,
    auth_type="openai",
)
