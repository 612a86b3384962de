"""Tool call arguments: the canonical form keeps them as the JSON text the model produced; Anthropic
(`input`) and Gemini (`args`) want an object. Text that is no JSON object is sent as `{}` and the loss
recorded as a Drop."""

from __future__ import annotations

from typing import Any

import orjson

from app.formats import ir


def arguments_object(text: str, path: str, drops: list[ir.Drop]) -> dict[str, Any]:
    if not text.strip():
        return {}
    try:
        value = orjson.loads(text)
    except orjson.JSONDecodeError:
        drops.append(ir.Drop(path, "tool call arguments are not valid JSON; sent as {}"))
        return {}
    if not isinstance(value, dict):
        drops.append(ir.Drop(path, "tool call arguments are not a JSON object; sent as {}"))
        return {}
    return value
