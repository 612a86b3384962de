"""Caveman and Ponytail: instructions appended to the system prompt.

They go at the end of the client's system prompt, the same text in the same place on every turn, so
they become part of the cached prefix instead of invalidating it: Anthropic `system` (string, or a
last text block after the client's blocks, so its `cache_control` marks stay where they were and
stay within the four-mark limit), the first OpenAI Chat system/developer message (or a new one in
front), Responses `instructions`, Gemini `systemInstruction`.
"""

from __future__ import annotations

from typing import Any

from app.core.records import WireFormat
from app.savers.options import Level, Saver, SaverOptions

# Both modes change how the model writes prose, never what code, commands or quoted output say:
# a shortened identifier or error message would cost more tokens to repair than it saved.
_EXACT = "Code, commands, file paths, identifiers, numbers and quoted errors stay exact and complete."

CAVEMAN: dict[Level, str] = {
    Level.LITE: (
        "Answer briefly. No greetings, filler, hedging or restating the question; no summary of what "
        f"you just did unless asked. Full sentences are fine. {_EXACT}"
    ),
    Level.FULL: (
        "Talk like caveman: short words, no articles, no filler, sentence fragments fine. Say what "
        f"changed and why, nothing else. {_EXACT}"
    ),
    Level.ULTRA: (
        "Caveman ultra: fewest words possible. Telegraphic fragments, abbreviations (fn, cfg, req, "
        f"err), arrows for cause (X -> Y). No prose around code. {_EXACT}"
    ),
}

PONYTAIL: dict[Level, str] = {
    Level.LITE: (
        f"Be concise and professional. Prefer the simplest solution that fully solves the task. {_EXACT}"
    ),
    Level.FULL: (
        "Be concise and professional. Write the least code that correctly solves the task: no "
        "speculative abstractions, options or layers; reuse the standard library and existing code; "
        f"edit before adding. Explain in a few sentences. {_EXACT}"
    ),
    Level.ULTRA: (
        "Smallest correct change only: no new files, dependencies, abstractions or comments unless "
        f"the task needs them. Reply with the change and at most three short lines. {_EXACT}"
    ),
}


def addition(options: SaverOptions) -> str:
    """The text to append for these options, or "" when neither mode is on."""
    parts = []
    if options.uses(Saver.CAVEMAN):
        parts.append(CAVEMAN[options.level])
    if options.uses(Saver.PONYTAIL):
        parts.append(PONYTAIL[options.level])
    return "\n".join(parts)


def _anthropic(body: dict[str, Any], text: str) -> dict[str, Any] | None:
    system = body.get("system")
    if system is None or system == "":
        return {**body, "system": text}
    if isinstance(system, str):
        return {**body, "system": f"{system}\n\n{text}"}
    if isinstance(system, list):
        return {**body, "system": [*system, {"type": "text", "text": text}]}
    return None


def _openai(body: dict[str, Any], text: str) -> dict[str, Any] | None:
    messages = body.get("messages")
    if not isinstance(messages, list):
        return None
    first = messages[0] if messages else None
    if isinstance(first, dict) and first.get("role") in ("system", "developer"):
        content = first.get("content")
        if isinstance(content, str):
            updated = {**first, "content": f"{content}\n\n{text}" if content else text}
        elif isinstance(content, list):
            updated = {**first, "content": [*content, {"type": "text", "text": text}]}
        else:
            return None
        return {**body, "messages": [updated, *messages[1:]]}
    return {**body, "messages": [{"role": "system", "content": text}, *messages]}


def _responses(body: dict[str, Any], text: str) -> dict[str, Any] | None:
    instructions = body.get("instructions")
    if instructions is None or instructions == "":
        return {**body, "instructions": text}
    if isinstance(instructions, str):
        return {**body, "instructions": f"{instructions}\n\n{text}"}
    return None


def _gemini(body: dict[str, Any], text: str) -> dict[str, Any] | None:
    key = "system_instruction" if "system_instruction" in body else "systemInstruction"
    instruction = body.get(key)
    if instruction is None:
        return {**body, key: {"parts": [{"text": text}]}}
    if isinstance(instruction, dict) and isinstance(instruction.get("parts"), list):
        return {**body, key: {**instruction, "parts": [*instruction["parts"], {"text": text}]}}
    return None


_INJECTORS = {
    WireFormat.ANTHROPIC: _anthropic,
    WireFormat.OPENAI: _openai,
    WireFormat.RESPONSES: _responses,
    WireFormat.GEMINI: _gemini,
}


def inject(body: dict[str, Any], fmt: WireFormat, text: str) -> dict[str, Any] | None:
    """`body` with `text` appended to its system prompt; None when the system prompt has a shape we
    do not know (then the request goes without the addition rather than with a guessed one)."""
    return _INJECTORS[fmt](body, text)
