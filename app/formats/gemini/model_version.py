"""Which Gemini generation a model name belongs to. Several rules depend on it (Gemini 3 wants
thought signatures and nested function-result media and takes `thinkingLevel`; models before 2.5
take `responseSchema` only), so the parsing of "gemini-2.5-flash" / "models/gemini-3-pro" is kept in
one place."""

from __future__ import annotations

import re


def _model_version(model: str) -> tuple[int, int] | None:
    """(major, minor) of a Gemini model name such as "gemini-2.5-flash" or "models/gemini-3-pro"."""
    match = re.match(r"^(?:models/)?gemini-(?:live-)?(\d+)(?:\.(\d+))?", model.lower())
    if match is None:
        return None
    return int(match.group(1)), int(match.group(2) or 0)


def _is_gemini3(model: str) -> bool:
    version = _model_version(model)
    return version is not None and version[0] >= 3
