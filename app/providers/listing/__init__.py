"""Reading a provider's own model list: the model ids, and, where the provider publishes them, each
model's context window, output cap, capabilities and price.

Each provider answers `GET /models` in a dialect: the catalogue names it (`"model_list": "…"`), and a
provider without one is read by its wire format (OpenAI `data[]`, Anthropic pages, Gemini `models[]`)
with the common non-price fields picked up. Prices are read only where a dialect knows their unit.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from app.core.records import WireFormat
from app.providers.listing import generic
from app.providers.listing.model import ListedModel

# (models on this page, cursor of the next page or None)
Page = tuple[list[ListedModel], str | None]
Parser = Callable[[object], Page]


@dataclass(frozen=True, slots=True)
class Dialect:
    parse: Parser
    # Relative to the provider's base URL: a few providers publish their richer list elsewhere.
    path: str = "/models"


DIALECTS: Mapping[str, Dialect] = MappingProxyType({})


def listing_path(dialect: str | None) -> str:
    found = DIALECTS.get(dialect) if dialect else None
    return found.path if found is not None else "/models"


def parse_listing(dialect: str | None, wire_format: WireFormat, body: object) -> Page:
    found = DIALECTS.get(dialect) if dialect else None
    if found is not None:
        return found.parse(body)
    return generic.parse(wire_format, body)


__all__ = ["DIALECTS", "Dialect", "ListedModel", "Page", "Parser", "listing_path", "parse_listing"]
