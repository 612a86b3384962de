"""Tool names another vendor refuses, made acceptable: invalid characters become `_`, and a name
still too long is cut and given a hash of the original, so the renaming is deterministic (the same
name always gives the same result, and an answer's tool calls can be mapped back) and two long names
that share a prefix stay apart. A name that is already valid is returned unchanged.

Anthropic's reversible escapes of `.` and `:` (`anthropic.tools.escape_tool_name`) come first on
that side and fall back to this for what they cannot express."""

from __future__ import annotations

import hashlib
import re
from typing import Final

# What OpenAI accepts (Chat Completions and Responses alike): ^[a-zA-Z0-9_-]{1,64}$.
_OPENAI_INVALID: Final = re.compile(r"[^a-zA-Z0-9_-]")
_HASH_LENGTH: Final = 8


def safe_name(
    name: str,
    *,
    invalid: re.Pattern[str],
    max_length: int,
    letter_first: bool = False,
    empty: str = "tool",
) -> str:
    """`name` with every match of `invalid` replaced by `_`, `empty` when nothing is left, `_` put in
    front when `letter_first` and it does not start with a letter or `_`, and cut to `max_length`
    with a hash suffix when longer."""
    cleaned = invalid.sub("_", name) or empty
    if letter_first and not (cleaned[0] == "_" or (cleaned[0].isascii() and cleaned[0].isalpha())):
        cleaned = "_" + cleaned
    if len(cleaned) > max_length:
        digest = hashlib.sha1(name.encode(), usedforsecurity=False).hexdigest()[:_HASH_LENGTH]
        cleaned = f"{cleaned[: max_length - _HASH_LENGTH - 1]}_{digest}"
    return cleaned


def openai_tool_name(name: str) -> str:
    """A name OpenAI accepts for a function tool (Chat Completions and Responses)."""
    return safe_name(name, invalid=_OPENAI_INVALID, max_length=64)
