"""How an upstream key is presented: the provider's scheme from the catalogue, else its format's."""

from __future__ import annotations

from app.core.records import WireFormat
from app.providers.catalog import AuthScheme

ANTHROPIC_VERSION = "2023-06-01"

_FORMAT_SCHEME = {
    WireFormat.ANTHROPIC: AuthScheme.X_API_KEY,
    WireFormat.GEMINI: AuthScheme.X_GOOG_API_KEY,
    WireFormat.OPENAI: AuthScheme.BEARER,
    WireFormat.RESPONSES: AuthScheme.BEARER,
}


def auth_headers(wire_format: WireFormat, api_key: str, scheme: AuthScheme | None = None) -> dict[str, str]:
    scheme = scheme or _FORMAT_SCHEME[wire_format]
    headers: dict[str, str] = {}
    if wire_format is WireFormat.ANTHROPIC:
        headers["anthropic-version"] = ANTHROPIC_VERSION
    if not api_key:
        return headers  # a local server without a key: send none rather than an empty one
    if scheme is AuthScheme.NONE:
        # A local server started with a key (vLLM --api-key, llama.cpp --api-key) takes it as Bearer.
        scheme = AuthScheme.BEARER
    if scheme is AuthScheme.X_API_KEY:
        headers["x-api-key"] = api_key
    elif scheme is AuthScheme.X_GOOG_API_KEY:
        headers["x-goog-api-key"] = api_key
    elif scheme is AuthScheme.API_KEY:
        headers["api-key"] = api_key
    else:
        headers["Authorization"] = f"Bearer {api_key}"
    return headers
