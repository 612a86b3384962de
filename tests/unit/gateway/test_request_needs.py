from __future__ import annotations

import orjson
import pytest

from app.formats.ir import Reasoning
from app.gateway.request_needs import request_needs


def needs(body: dict[str, object], reasoning: Reasoning | None = None):  # type: ignore[no-untyped-def]
    return request_needs(orjson.dumps(body), body, reasoning)


@pytest.mark.parametrize(
    "part",
    [
        {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA"}},
        {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "AAAA"}},
        {"type": "input_image", "image_url": "data:image/png;base64,AAAA"},
        {"inlineData": {"mimeType": "image/png", "data": "AAAA"}},
    ],
)
def test_images_in_every_format(part: dict[str, object]) -> None:
    assert needs({"messages": [{"role": "user", "content": [part]}]}).vision


def test_tools_pdf_reasoning_and_sizes() -> None:
    body = {
        "messages": [
            {"role": "user", "content": [{"type": "document", "source": {"media_type": "application/pdf"}}]}
        ],
        "tools": [{"name": "x"}],
        "max_tokens": 512,
        "thinking": {"type": "enabled", "budget_tokens": 1024},
    }
    got = needs(body)
    assert got.tools and got.pdf and got.reasoning and not got.vision
    assert got.output_tokens == 512 and got.input_tokens == len(orjson.dumps(body)) // 4
    gemini = needs(
        {"contents": [], "generationConfig": {"maxOutputTokens": 77, "thinkingConfig": {"thinkingBudget": 1}}}
    )
    assert gemini.output_tokens == 77 and gemini.reasoning
    assert needs({"messages": []}, Reasoning(effort="high")).reasoning
    assert not needs({"messages": [{"role": "user", "content": "hi"}]}).reasoning
