"""A provider's own model list: `GET {base}/models` in its format, every page of it.

OpenAI-compatible servers (and Ollama, LM Studio, vLLM, llama.cpp) answer `{"data": [{"id"}]}`;
Anthropic pages with `has_more`/`last_id` (`after_id=`); Gemini answers `{"models": [{"name":
"models/…", "supportedGenerationMethods"}]}` paged by `nextPageToken`, and only models that can
generate content are kept.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

import orjson

from app.core.errors import UpstreamError
from app.core.records import WireFormat
from app.providers.auth import auth_headers
from app.providers.profile import UpstreamProfile, upstream_url
from app.providers.transport import Transport

# More pages than any provider has today; a server that pages forever must not hold us.
_MAX_PAGES = 20


def page_query(wire_format: WireFormat, cursor: str | None) -> str:
    if wire_format is WireFormat.ANTHROPIC:
        return "?" + urlencode({"limit": 1000, **({"after_id": cursor} if cursor else {})})
    if wire_format is WireFormat.GEMINI:
        return "?" + urlencode({"pageSize": 1000, **({"pageToken": cursor} if cursor else {})})
    return ""


def list_request(
    wire_format: WireFormat, base_url: str, api_key: str, profile: UpstreamProfile, cursor: str | None = None
) -> tuple[str, dict[str, str]]:
    """URL and headers of one page of the model list (also what `accounts test` sends)."""
    headers = {
        "Accept": "application/json",
        **auth_headers(wire_format, api_key, profile.auth),
        **profile.headers,
    }
    url = upstream_url(base_url.rstrip("/"), "/models" + page_query(wire_format, cursor), profile)
    return url, headers


def parse_page(wire_format: WireFormat, body: Mapping[str, Any]) -> tuple[list[str], str | None]:
    """(model ids, cursor of the next page or None)."""
    if wire_format is WireFormat.GEMINI:
        ids = []
        for model in body.get("models") or ():
            if not isinstance(model, dict) or not isinstance(model.get("name"), str):
                continue
            methods = model.get("supportedGenerationMethods")
            if isinstance(methods, list) and "generateContent" not in methods:
                continue  # embedding and other non-chat models
            ids.append(model["name"].removeprefix("models/"))
        token = body.get("nextPageToken")
        return ids, token if isinstance(token, str) and token else None
    ids = [m["id"] for m in body.get("data") or () if isinstance(m, dict) and isinstance(m.get("id"), str)]
    if wire_format is WireFormat.ANTHROPIC and body.get("has_more") and isinstance(body.get("last_id"), str):
        return ids, body["last_id"]
    return ids, None


async def fetch_models(
    transport: Transport,
    *,
    wire_format: WireFormat,
    base_url: str,
    api_key: str,
    profile: UpstreamProfile,
    proxy_url: str | None,
) -> tuple[str, ...]:
    """Every model id the provider lists; raises the mapped UpstreamError when it cannot be read."""
    found: dict[str, None] = {}
    cursor: str | None = None
    for _ in range(_MAX_PAGES):
        url, headers = list_request(wire_format, base_url, api_key, profile, cursor)
        response = await transport.send("GET", url, body=b"", headers=headers, proxy_url=proxy_url)
        data = await response.read()
        try:
            body = orjson.loads(data)
        except orjson.JSONDecodeError:
            raise UpstreamError("the model list is not JSON") from None
        if not isinstance(body, dict):
            raise UpstreamError("the model list is not a JSON object")
        ids, cursor = parse_page(wire_format, body)
        found.update(dict.fromkeys(ids))
        if cursor is None:
            break
    return tuple(found)
