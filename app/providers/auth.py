"""How each wire format presents an upstream key."""

from __future__ import annotations

from app.core.records import WireFormat

ANTHROPIC_VERSION = "2023-06-01"


def auth_headers(wire_format: WireFormat, api_key: str) -> dict[str, str]:
    if wire_format is WireFormat.ANTHROPIC:
        return {"x-api-key": api_key, "anthropic-version": ANTHROPIC_VERSION}
    if wire_format is WireFormat.GEMINI:
        return {"x-goog-api-key": api_key}
    return {"Authorization": f"Bearer {api_key}"}
