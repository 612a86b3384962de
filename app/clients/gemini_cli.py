"""Gemini CLI: ~/.gemini/.env (GEMINI_API_KEY, GOOGLE_GEMINI_BASE_URL — the root URL, the SDK
appends /v1beta — and GEMINI_MODEL when picked) and the API-key auth type in ~/.gemini/settings.json
(see gemini_family.py)."""

from __future__ import annotations

from app.clients.gemini_family import env_file_spec

SPEC = env_file_spec(
    id="gemini-cli",
    name="Gemini CLI",
    executable="gemini",
    folder=".gemini",
    key_var="GEMINI_API_KEY",
    base_url_var="GOOGLE_GEMINI_BASE_URL",
    model_var="GEMINI_MODEL",
    base_url=lambda target: target.base_url.rstrip("/"),
    auth_type="gemini-api-key",
)
