"""What a provider's own model list says about one model, and the small readers every dialect shares.

A listing is more current than the catalogue: when a provider publishes a model's context window,
output cap, capabilities or price in its `/models` answer, those values win over the catalogue's
(and a user's own override wins over both; see services/model_facts.py).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from app.providers.catalog import Capability, Price

_PER_MILLION = 1_000_000.0


@dataclass(frozen=True, slots=True)
class ListedModel:
    id: str
    context_window: int | None = None
    max_output: int | None = None
    # Only what the listing states; an empty set means "not said", never "none".
    capabilities: frozenset[Capability] = frozenset()
    # USD per million tokens; None where the listing carries no usable price.
    price: Price | None = None


def count(value: object) -> int | None:
    """A positive token count from a number or a numeric string; None for anything else."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            return None
    if isinstance(value, int | float) and math.isfinite(value) and value > 0:
        return int(value)
    return None


def money(value: object, *, scale: float = 1.0) -> float | None:
    """A non-negative amount from a number or numeric string, times `scale`; None when absent,
    malformed or negative (OpenRouter marks a variable price "-1")."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            return None
    if not isinstance(value, int | float) or not math.isfinite(value) or value < 0:
        return None
    # Rounded so a per-token string like "0.0000003" becomes exactly 0.3 per million.
    return round(float(value) * scale, 9)


def per_token(value: object) -> float | None:
    """USD per token (OpenRouter-style strings) as USD per million tokens."""
    return money(value, scale=_PER_MILLION)


def price(input_usd: float | None, output_usd: float | None, cached_usd: float | None = None) -> Price | None:
    """A Price when both input and output are known (a half-known price would undercount)."""
    if input_usd is None or output_usd is None:
        return None
    return Price(input=input_usd, output=output_usd, cached_input=cached_usd)


def first_count(obj: Mapping[str, object], *keys: str) -> int | None:
    """The first of `keys` holding a usable count."""
    for key in keys:
        found = count(obj.get(key))
        if found is not None:
            return found
    return None


def caps(flags: Iterable[tuple[bool, Capability]]) -> frozenset[Capability]:
    return frozenset(cap for on, cap in flags if on)


# (the model's id, its object in the list) -> the model, or None to leave it out
Reader = Callable[[str, Mapping[str, object]], ListedModel | None]


def read_list(items: object, read: Reader, *, id_key: str = "id") -> list[ListedModel]:
    """Every model `read` makes of the objects of a JSON list that carry a non-empty string id;
    [] when `items` is not a list."""
    if not isinstance(items, list):
        return []
    models = []
    for item in items:
        if isinstance(item, Mapping) and (model_id := identifier(item, id_key)) is not None:
            model = read(model_id, item)
            if model is not None:
                models.append(model)
    return models


def field(body: object, key: str) -> object:
    """`body[key]` when body is a JSON object, else None."""
    return body.get(key) if isinstance(body, Mapping) else None


def mapping(value: object) -> Mapping[str, object]:
    return value if isinstance(value, Mapping) else {}


def strings(value: object) -> frozenset[str] | None:
    """The strings of a JSON list; None when the field is absent or not a list (nothing stated)."""
    if not isinstance(value, list):
        return None
    return frozenset(v for v in value if isinstance(v, str))


def identifier(item: Mapping[str, object], key: str = "id") -> str | None:
    """A non-empty string id, else None."""
    value = item.get(key)
    return value if isinstance(value, str) and value else None
