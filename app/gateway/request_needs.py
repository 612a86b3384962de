"""What a request needs from a model, read cheaply from the client's body (for combo strategies).

Only combos ask for it. The token count is the body's size over four: a rough figure that errs high
for images (their base64 counts too), which only makes the context-window strategy more careful.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from app.formats.ir import Reasoning
from app.routing.strategies import RequestNeeds

_IMAGE = re.compile(rb'"type"\s*:\s*"(?:image|image_url|input_image)"|"mime_?[tT]ype"\s*:\s*"image/')
_PDF = re.compile(rb'"type"\s*:\s*"(?:document|input_file|file)"|application/pdf')
_REASONING_FIELDS = ("thinking", "reasoning", "reasoning_effort")
_OUTPUT_FIELDS = ("max_tokens", "max_completion_tokens", "max_output_tokens")


def request_needs(raw: bytes, body: Mapping[str, Any], reasoning: Reasoning | None) -> RequestNeeds:
    config = body.get("generationConfig")
    output = next((body[f] for f in _OUTPUT_FIELDS if isinstance(body.get(f), int)), None)
    if output is None and isinstance(config, dict) and isinstance(config.get("maxOutputTokens"), int):
        output = config["maxOutputTokens"]
    thinking = reasoning is not None or any(body.get(f) for f in _REASONING_FIELDS)
    if not thinking and isinstance(config, dict):
        thinking = bool(config.get("thinkingConfig"))
    return RequestNeeds(
        tools=bool(body.get("tools")),
        vision=_IMAGE.search(raw) is not None,
        pdf=_PDF.search(raw) is not None,
        reasoning=thinking,
        input_tokens=len(raw) // 4,
        output_tokens=output,
    )
