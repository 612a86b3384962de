"""Which client session a request belongs to, so its turns stay on one provider and account.

Claude Code sends `X-Claude-Code-Session-Id`; Codex sends `session_id`. Other clients get a hash of
the conversation's opening (system prompt and first message), which every later turn repeats
unchanged; the caller's key name is mixed in so two users never share a session.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

import orjson

from app.core.records import WireFormat

_SESSION_HEADERS = ("x-claude-code-session-id", "session_id", "session-id", "x-session-id")

# The fields that open a conversation, per format: (instructions field, turns field).
_OPENING: Mapping[WireFormat, tuple[str, str]] = {
    WireFormat.ANTHROPIC: ("system", "messages"),
    WireFormat.OPENAI: ("", "messages"),
    WireFormat.RESPONSES: ("instructions", "input"),
    WireFormat.GEMINI: ("systemInstruction", "contents"),
}


def session_key(
    headers: Mapping[str, str], body: Mapping[str, Any], client_format: WireFormat, key_name: str
) -> str | None:
    for name in _SESSION_HEADERS:
        value = headers.get(name)
        if value:
            return f"{key_name}\x00h\x00{value}"
    instructions_field, turns_field = _OPENING[client_format]
    turns = body.get(turns_field)
    if isinstance(turns, str):  # a Responses `input` given as one string: the whole conversation
        opening: object = turns
    elif isinstance(turns, list) and turns:
        # OpenAI chat puts the system prompt in the list: keep up to the first non-system turn.
        first = next((i for i, t in enumerate(turns) if not _is_system(t)), len(turns) - 1)
        opening = turns[: first + 1]
    else:
        return None
    instructions = body.get(instructions_field) if instructions_field else None
    try:
        blob = orjson.dumps([instructions, opening], option=orjson.OPT_SORT_KEYS)
    except TypeError:
        return None
    digest = hashlib.blake2b(blob, digest_size=16).hexdigest()
    return f"{key_name}\x00c\x00{digest}"


def _is_system(turn: object) -> bool:
    return isinstance(turn, dict) and turn.get("role") in ("system", "developer")
