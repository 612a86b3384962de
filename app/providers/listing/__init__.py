"""Reading a provider's own model list: the model ids, and, where the provider publishes them, each
model's context window, output cap, capabilities and price.

Each provider answers `GET /models` in a dialect: the catalogue names it (`"model_list": "…"`), and a
provider without one is read by its wire format (OpenAI `data[]`, Anthropic pages, Gemini `models[]`)
with the common non-price fields picked up. Prices are read only where a dialect knows their unit.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType

from app.core.records import WireFormat
from app.providers.listing import generic
from app.providers.listing.model import ListedModel

# (models on this page, cursor of the next page or None)
Page = tuple[list[ListedModel], str | None]
Parser = Callable[[object], Page]

DIALECTS: Mapping[str, Parser] = MappingProxyType({})


def parse_listing(dialect: str | None, wire_format: WireFormat, body: object) -> Page:
    parser = DIALECTS.get(dialect) if dialect else None
    if parser is not None:
        return parser(body)
    return generic.parse(wire_format, body)


__all__ = ["DIALECTS", "ListedModel", "Page", "Parser", "parse_listing"]
