"""Short client-app names from real User-Agent strings."""

from __future__ import annotations

import pytest

from app.gateway.client_app import client_app


@pytest.mark.parametrize(
    ("headers", "name"),
    [
        ({"User-Agent": "claude-cli/2.0.14 (external, cli)"}, "claude-cli"),
        ({"User-Agent": "codex_cli_rs/0.46.0 (Ubuntu 24.4.0; x86_64) xterm-256color"}, "codex"),
        ({"User-Agent": "codex_exec/0.46.0 (Mac OS 15.0; arm64)"}, "codex"),
        ({"User-Agent": "GeminiCLI/0.9.0 (linux; x64)"}, "gemini-cli"),
        ({"User-Agent": "opencode/0.15.2 ai-sdk/provider-utils/3.0.9"}, "opencode"),
        ({"User-Agent": "Cursor/1.7.44"}, "cursor"),
        ({"User-Agent": "OpenAI/JS 4.104.0", "X-Title": "Cline"}, "cline"),
        ({"User-Agent": "OpenAI/JS 5.10.0", "X-Title": "Roo Code"}, "roo-code"),
        ({"User-Agent": "OpenAI/Python 1.109.1"}, "openai-python"),
        ({"User-Agent": "AsyncOpenAI/Python 1.109.1"}, "openai-python"),
        ({"User-Agent": "OpenAI/JS 4.104.0"}, "openai-node"),
        ({"User-Agent": "Anthropic/Python 0.69.0"}, "anthropic-python"),
        ({"User-Agent": "AsyncAnthropic/Python 0.69.0"}, "anthropic-python"),
        ({"User-Agent": "Anthropic/JS 0.65.0"}, "anthropic-node"),
        ({"User-Agent": "google-genai-sdk/1.38.0 gl-python/3.12.3"}, "google-genai-python"),
        ({"User-Agent": "curl/8.5.0"}, "curl"),
        ({"User-Agent": "python-requests/2.32.3"}, "python-requests"),
        ({"User-Agent": "Python/3.12 aiohttp/3.14.5"}, "python"),
        ({"User-Agent": "   "}, None),
        ({}, None),
    ],
)
def test_client_app(headers: dict[str, str], name: str | None) -> None:
    assert client_app(headers) == name


def test_unknown_agent_never_passes_free_text() -> None:
    name = client_app({"User-Agent": "My Secret Tool with sk-abcdef token/1.0"})
    assert name == "my"
    assert client_app({"User-Agent": "x" * 100 + "/1.0"}) == "x" * 32
