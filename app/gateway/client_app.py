"""Which program sent a request, as a short name for the usage log ("claude-cli", "codex", …).

Read from the User-Agent (and X-Title, which OpenRouter-style clients such as Cline set). Known
programs get a stable short name; an unknown one is named by its first product token, so a usage
table still tells "python-requests" from "curl" without a rule for each.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from typing import Final

# Checked in order, case-insensitively; the first match names the client. Editors and agents come
# before the SDKs they are built on (Cline sends an OpenAI/JS User-Agent with X-Title: Cline).
_RULES: Final[tuple[tuple[re.Pattern[str], str], ...]] = tuple(
    (re.compile(pattern, re.IGNORECASE), name)
    for pattern, name in (
        (r"\bclaude-cli/|\bclaude-code\b", "claude-cli"),
        (r"\bcodex(_cli_rs|_exec|-cli)?/|\bcodex\b", "codex"),
        (r"\bgeminicli/|\bgemini-cli\b", "gemini-cli"),
        (r"\bopencode\b", "opencode"),
        (r"\bcursor\b", "cursor"),
        (r"\bcline\b", "cline"),
        (r"\broo[- ]?code\b", "roo-code"),
        (r"\bkilo[- ]?code\b", "kilo-code"),
        (r"\bcontinue\b", "continue"),
        (r"\baider\b", "aider"),
        (r"\bzed\b", "zed"),
        (r"\bkimchi\b", "kimchi"),
        (r"^(async)?openai/python\b", "openai-python"),
        (r"^openai/js\b", "openai-node"),
        (r"^(async)?anthropic/python\b", "anthropic-python"),
        (r"^anthropic/js\b", "anthropic-node"),
        (r"\bgoogle-genai-sdk/|\bgl-python/", "google-genai-python"),
        (r"\bgoogle-genai-js|\bgl-node/", "google-genai-node"),
        (r"\blitellm\b", "litellm"),
        (r"\blangchain\b", "langchain"),
        (r"^curl/", "curl"),
    )
)
_TOKEN: Final = re.compile(r"[a-z0-9][a-z0-9._-]*")
_MAX_LEN: Final = 32


def client_app(headers: Mapping[str, str]) -> str | None:
    """A short name for the client program, or None when it sent no User-Agent at all."""
    return _name(headers.get("User-Agent", "").strip(), headers.get("X-Title", "").strip())


# A client sends the same User-Agent on every request: 21 regex searches once, not per request.
@functools.lru_cache(maxsize=256)
def _name(agent: str, title: str) -> str | None:
    for text in (title, agent):
        if not text:
            continue
        for pattern, name in _RULES:
            if pattern.search(text):
                return name
    if not agent:
        return None
    # Unknown: its first product token ("python-requests/2.32" → "python-requests"), never free text.
    first = _TOKEN.match(re.split(r"[\s/;(]", agent, maxsplit=1)[0].lower())
    return first.group(0)[:_MAX_LEN] if first else "other"
