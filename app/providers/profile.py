"""How one provider is called, taken from the catalogue when the provider is a catalogue one: the
auth scheme, extra headers, query parameters (Azure's api-version), its category (local servers get
the local breaker profile) and whether its quota is a monthly allowance. Custom providers get what
their wire format implies. Built once per snapshot, never per request."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from urllib.parse import urlencode, urlsplit

from app.core.records import WireFormat
from app.providers.catalog import AuthScheme, Catalog, Category

_LOOPBACK = frozenset({"localhost", "127.0.0.1", "::1", "0.0.0.0"})


def _no_headers() -> Mapping[str, str]:
    return MappingProxyType({})


@dataclass(frozen=True, slots=True)
class UpstreamProfile:
    # None: the wire format's own scheme (Bearer, x-api-key, x-goog-api-key).
    auth: AuthScheme | None = None
    headers: Mapping[str, str] = field(default_factory=_no_headers)
    # Already URL-encoded, without the leading '?': appended to every upstream URL.
    query: str = ""
    category: Category = Category.API_KEY
    monthly_quota: bool = False
    # The catalogue entry this profile came from (None for a custom provider).
    catalog_id: str | None = None
    # The dialect of its model list (app/providers/listing); None: read by wire format.
    model_list: str | None = None
    # Where "test connection" checks the key when the model list is public (None: the model list).
    key_check: str | None = None

    @property
    def local(self) -> bool:
        return self.category is Category.LOCAL


DEFAULT_PROFILE = UpstreamProfile()


def is_loopback(base_url: str) -> bool:
    host = (urlsplit(base_url).hostname or "").lower()
    return host in _LOOPBACK or host.startswith("127.")


def profile_for(
    catalog: Catalog, provider_id: str, wire_format: WireFormat, base_url: str
) -> UpstreamProfile:
    entry = catalog.get(provider_id)
    # A custom provider on this machine is a local model server whatever it is called.
    local = is_loopback(base_url)
    if entry is None or entry.wire_format is not wire_format:
        # Not a catalogue provider, or one the user re-typed to another format: only the format's
        # own conventions are safe to assume.
        return UpstreamProfile(category=Category.LOCAL if local else Category.API_KEY)
    return UpstreamProfile(
        auth=entry.auth,
        headers=entry.headers,
        query=urlencode(sorted(entry.query.items())) if entry.query else "",
        category=Category.LOCAL if local else entry.category,
        monthly_quota=entry.monthly_quota,
        catalog_id=entry.id,
        model_list=entry.model_list,
        key_check=entry.key_check,
    )


def upstream_url(base_url: str, path: str, profile: UpstreamProfile) -> str:
    url = base_url + path
    if not profile.query:
        return url
    return url + ("&" if "?" in url else "?") + profile.query
