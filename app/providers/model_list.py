"""Fetching a provider's own model list, every page of it: Anthropic pages with `after_id=`, Gemini
with `pageToken=`; the answer is read by app/providers/listing (by the provider's dialect, else by
wire format)."""

from __future__ import annotations

from urllib.parse import urlencode

import orjson

from app.core.errors import UpstreamError
from app.core.records import WireFormat
from app.providers.auth import auth_headers
from app.providers.listing import ListedModel, listing_url, parse_listing
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


def _json_get_headers(wire_format: WireFormat, api_key: str, profile: UpstreamProfile) -> dict[str, str]:
    return {
        "Accept": "application/json",
        **auth_headers(wire_format, api_key, profile.auth),
        **profile.headers,
    }


def list_request(
    wire_format: WireFormat, base_url: str, api_key: str, profile: UpstreamProfile, cursor: str | None = None
) -> tuple[str, dict[str, str]]:
    """URL and headers of one page of the model list (also what `accounts test` sends)."""
    headers = _json_get_headers(wire_format, api_key, profile)
    url = listing_url(profile.model_list, base_url)
    paging = page_query(wire_format, cursor)
    if paging and "?" in url:
        paging = "&" + paging.removeprefix("?")
    return upstream_url(url, paging, profile), headers


def key_check_request(
    wire_format: WireFormat, base_url: str, api_key: str, profile: UpstreamProfile
) -> tuple[str, dict[str, str]]:
    """What `accounts test` sends: the first page of the model list, which every provider guards with
    the key, unless the provider's list is public; then its own key endpoint."""
    if profile.key_check is None:
        return list_request(wire_format, base_url, api_key, profile)
    return upstream_url(base_url.rstrip("/"), profile.key_check, profile), _json_get_headers(
        wire_format, api_key, profile
    )


async def fetch_models(
    transport: Transport,
    *,
    wire_format: WireFormat,
    base_url: str,
    api_key: str,
    profile: UpstreamProfile,
    proxy_url: str | None,
) -> tuple[ListedModel, ...]:
    """Every model the provider lists (the first mention of an id wins); raises the mapped
    UpstreamError when the list cannot be read."""
    found: dict[str, ListedModel] = {}
    cursor: str | None = None
    for _ in range(_MAX_PAGES):
        url, headers = list_request(wire_format, base_url, api_key, profile, cursor)
        response = await transport.send("GET", url, body=b"", headers=headers, proxy_url=proxy_url)
        data = await response.read()
        try:
            body = orjson.loads(data)
        except orjson.JSONDecodeError:
            raise UpstreamError("the model list is not JSON") from None
        if not isinstance(body, dict | list):  # Together answers a bare array
            raise UpstreamError("the model list is neither a JSON object nor an array")
        models, cursor = parse_listing(profile.model_list, wire_format, body)
        for model in models:
            found.setdefault(model.id, model)
        if cursor is None:
            break
    return tuple(found.values())
