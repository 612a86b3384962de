"""The four adapters, as one literal table (no import-time discovery: PyInstaller sees every import)."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from app.core.records import WireFormat
from app.formats import anthropic, gemini, openai_chat, openai_responses
from app.formats.adapter import FormatAdapter

ADAPTERS: Mapping[WireFormat, FormatAdapter] = MappingProxyType(
    {
        WireFormat.OPENAI: openai_chat.ADAPTER,
        WireFormat.RESPONSES: openai_responses.ADAPTER,
        WireFormat.ANTHROPIC: anthropic.ADAPTER,
        WireFormat.GEMINI: gemini.ADAPTER,
    }
)


def adapter_for(wire_format: WireFormat) -> FormatAdapter:
    return ADAPTERS[wire_format]
