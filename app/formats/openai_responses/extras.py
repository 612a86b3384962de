"""Where this format keeps what the canonical form has no field for: the `extras["responses"]` /
`config["responses"]` entry (key FORMAT, read with `_ours`), and `stateful_fields()`, which lists
the kept request fields that name OpenAI server-side state (previous_response_id, conversation,
stored prompts, item_reference items) so the gateway can refuse or warn when the target is not a
Responses upstream.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from app.formats import ir

FORMAT: Final = "responses"

_STATEFUL: Final = ("previous_response_id", "conversation", "prompt")


def _ours(extras: Mapping[str, Any]) -> Mapping[str, Any]:
    """The `extras["responses"]` entry of a part, or an empty mapping."""
    value = extras.get(FORMAT)
    return value if isinstance(value, Mapping) else {}


def stateful_fields(request: ir.Request) -> list[str]:
    """Fields of a Responses request that name server-side state (previous_response_id,
    conversation, stored prompts, item_reference items): only a Responses upstream honours them."""
    ours = request.extras.get(FORMAT) or {}
    fields = ours.get("fields") or {}
    found = [name for name in _STATEFUL if fields.get(name) is not None]
    for _, index, item in ours.get("items") or ():
        if isinstance(item, Mapping) and item.get("type") == "item_reference":
            found.append(f"input[{index}]")
    return found
