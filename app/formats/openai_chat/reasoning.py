"""Reasoning in OpenRouter's `reasoning_details` dialect ⇄ thinking parts. Plain `reasoning_content`
holds text only; signed Anthropic thinking, redacted thinking and encrypted Responses reasoning need
`reasoning_details` entries to survive a round trip, tagged with the format they came from."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

from app.formats import ir

_RESPONSES_FORMAT: Final = "openai-responses-v1"
_ANTHROPIC_FORMAT: Final = "anthropic-claude-v1"


def _parts_from_reasoning_details(details: Sequence[Any], plain: str | None) -> list[ir.Part]:
    """`reasoning_details` entries → thinking parts. `plain` (the `reasoning_content` text of the same
    message) fills a signed entry whose text was left out."""
    parts: list[ir.Part] = []
    for entry in details:
        if not isinstance(entry, dict):
            continue
        kind = entry.get("type")
        if kind == "reasoning.text":
            text = entry.get("text") if isinstance(entry.get("text"), str) else ""
            signature = entry.get("signature") if isinstance(entry.get("signature"), str) else None
            parts.append(ir.ThinkingPart(text=text or "", signature=signature))
        elif kind == "reasoning.summary" and isinstance(entry.get("summary"), str):
            parts.append(ir.ThinkingPart(text=entry["summary"], kind="summary"))
        elif kind == "reasoning.encrypted" and isinstance(entry.get("data"), str):
            entry_id = entry.get("id") if isinstance(entry.get("id"), str) else None
            if entry.get("format") == _RESPONSES_FORMAT or (entry_id or "").startswith("rs_"):
                parts.append(
                    ir.ThinkingPart(text="", encrypted=entry["data"], reasoning_id=entry_id, kind="summary")
                )
            else:
                parts.append(ir.RedactedThinkingPart(data=entry["data"]))
    if plain and not any(isinstance(p, ir.ThinkingPart) and p.text for p in parts):
        for i, part in enumerate(parts):
            if isinstance(part, ir.ThinkingPart) and part.kind == "thinking":
                parts[i] = ir.ThinkingPart(text=plain, signature=part.signature)
                break
        else:
            parts.insert(0, ir.ThinkingPart(text=plain))
    return parts


def _reasoning_detail(part: ir.ThinkingPart | ir.RedactedThinkingPart, index: int) -> dict[str, Any] | None:
    """One `reasoning_details` entry for a part that carries something `reasoning_content` cannot."""
    if isinstance(part, ir.RedactedThinkingPart):
        return {"type": "reasoning.encrypted", "data": part.data, "format": _ANTHROPIC_FORMAT, "index": index}
    if part.encrypted is not None:
        entry: dict[str, Any] = {"type": "reasoning.encrypted", "data": part.encrypted}
        if part.reasoning_id is not None:
            entry["id"] = part.reasoning_id
        entry["format"] = _RESPONSES_FORMAT
        entry["index"] = index
        return entry
    if part.signature is not None:
        return {"type": "reasoning.text", "text": part.text, "signature": part.signature, "index": index}
    return None


def _thinking_fields(
    parts: Sequence[ir.Part], field: str
) -> tuple[dict[str, Any], list[ir.ThinkingPart | ir.RedactedThinkingPart]]:
    """`reasoning_content` (or `reasoning`) and `reasoning_details` for the thinking parts of a
    message, plus the parts that needed `reasoning_details`."""
    thinking = [p for p in parts if isinstance(p, ir.ThinkingPart | ir.RedactedThinkingPart)]
    out: dict[str, Any] = {}
    text = "".join(p.text for p in thinking if isinstance(p, ir.ThinkingPart))
    if text:
        out[field] = text
    details: list[dict[str, Any]] = []
    detailed: list[ir.ThinkingPart | ir.RedactedThinkingPart] = []
    for part in thinking:
        entry = _reasoning_detail(part, len(details))
        if entry is not None:
            details.append(entry)
            detailed.append(part)
    if details:
        out["reasoning_details"] = details
    return out, detailed


def _all_reasoning_details(
    parts: Sequence[ir.ThinkingPart | ir.RedactedThinkingPart],
) -> list[dict[str, Any]]:
    """Every thinking part as a `reasoning_details` entry (for a client that sent them itself)."""
    out: list[dict[str, Any]] = []
    for part in parts:
        entry = _reasoning_detail(part, len(out))
        if entry is None and isinstance(part, ir.ThinkingPart):
            if part.kind == "summary":
                entry = {"type": "reasoning.summary", "summary": part.text, "index": len(out)}
            else:
                entry = {"type": "reasoning.text", "text": part.text, "index": len(out)}
        if entry is not None:
            out.append(entry)
    return out
