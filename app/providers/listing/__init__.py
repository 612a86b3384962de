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
from urllib.parse import urlsplit

from app.core.records import WireFormat
from app.providers.listing import (
    deepinfra,
    generic,
    github_models,
    huggingface,
    mistral,
    novita,
    openrouter,
    requesty,
    sambanova,
    siliconflow,
    together,
    vercel,
    xai,
)
from app.providers.listing.model import ListedModel

# (models on this page, cursor of the next page or None)
Page = tuple[list[ListedModel], str | None]
Parser = Callable[[object], Page]


@dataclass(frozen=True, slots=True)
class Dialect:
    parse: Parser
    # Relative to the provider's base URL: a few providers publish their richer list elsewhere
    # (xAI /language-models, Novita /v1/models under its /openai base).
    path: str = "/models"
    # The path starts at the host's root instead (GitHub Models' catalogue is beside its inference URL).
    from_root: bool = False
    # The list carries prices in a documented unit (they then win over the catalogue's).
    prices: bool = False


DIALECTS: Mapping[str, Dialect] = MappingProxyType(
    {
        "openrouter": Dialect(openrouter.parse, prices=True),  # also Kilo's OpenRouter proxy
        "requesty": Dialect(requesty.parse, prices=True),
        "vercel": Dialect(vercel.parse, prices=True),
        "huggingface": Dialect(huggingface.parse, prices=True),
        "github-models": Dialect(github_models.parse, path="/catalog/models", from_root=True),
        "together": Dialect(together.parse, prices=True),
        "xai": Dialect(xai.parse, path=xai.PATH, prices=True),
        "sambanova": Dialect(sambanova.parse, prices=True),
        "novita": Dialect(novita.parse, path=novita.PATH, prices=True),
        "mistral": Dialect(mistral.parse),
        "deepinfra": Dialect(deepinfra.parse),
        "siliconflow": Dialect(siliconflow.parse, path=siliconflow.PATH),
    }
)


def lists_prices(dialect: str | None) -> bool:
    found = DIALECTS.get(dialect) if dialect else None
    return found is not None and found.prices


def listing_url(dialect: str | None, base_url: str) -> str:
    """Where the provider's model list is (before any paging query)."""
    found = DIALECTS.get(dialect) if dialect else None
    if found is None:
        return base_url.rstrip("/") + "/models"
    if found.from_root:
        parts = urlsplit(base_url)
        return f"{parts.scheme}://{parts.netloc}{found.path}"
    return base_url.rstrip("/") + found.path


def parse_listing(dialect: str | None, wire_format: WireFormat, body: object) -> Page:
    found = DIALECTS.get(dialect) if dialect else None
    if found is not None:
        return found.parse(body)
    return generic.parse(wire_format, body)


__all__ = [
    "DIALECTS",
    "Dialect",
    "ListedModel",
    "Page",
    "Parser",
    "listing_url",
    "lists_prices",
    "parse_listing",
]
