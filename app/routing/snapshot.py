"""The immutable view of configuration that the request path reads.

`services` builds a new snapshot when configuration changes and swaps the reference; a request keeps
the snapshot it started with, so no lock is needed and nothing on the request path touches the
database or the keyring.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from app.core.records import ApiKeyRecord, WireFormat
from app.providers.catalog import CatalogModel
from app.providers.profile import DEFAULT_PROFILE, UpstreamProfile
from app.savers import HeadroomSettings, SaverOptions


@dataclass(frozen=True, slots=True)
class Target:
    """One account of one provider, ready to be called."""

    provider_id: str
    wire_format: WireFormat
    base_url: str
    account_id: int
    account_label: str
    priority: int
    # The upstream key: kept out of repr so it never lands in a log or traceback.
    api_key: str = field(repr=False)
    proxy_url: str | None = field(default=None, repr=False)
    # Concurrent requests this account may have in flight (None: the limiter's default).
    max_concurrency: int | None = None
    # Auth scheme, extra headers, query, category and quota kind (shared by a provider's accounts).
    profile: UpstreamProfile = DEFAULT_PROFILE


@dataclass(frozen=True, slots=True)
class ProviderView:
    id: str
    wire_format: WireFormat
    base_url: str
    # The user's restriction: when non-empty, only these models may be asked for.
    models: tuple[str, ...]
    # Usable accounts in the order they are tried: priority high to low, then oldest first.
    targets: tuple[Target, ...]
    # What the provider offers, for model lists and bare names: the user's list, else the models its
    # own /models returned merged with the catalogue's.
    listed: tuple[str, ...] = ()
    # Short names from the catalogue (e.g. "kimi" for moonshot), usable as `alias/model`.
    aliases: tuple[str, ...] = ()
    # fill-first | round-robin | sticky-round-robin | least-used, and N for sticky-round-robin.
    account_strategy: str = "fill-first"
    sticky_requests: int = 3
    # Context window, capabilities and prices by model id (catalogue), for combo strategies and cost.
    model_info: Mapping[str, CatalogModel] = field(default_factory=lambda: MappingProxyType({}))

    def offers(self) -> tuple[str, ...]:
        return self.models or self.listed


@dataclass(frozen=True, slots=True)
class ComboView:
    name: str
    strategy: str
    # Model strings as the user wrote them: provider/model, combo/NAME or bare names.
    members: tuple[str, ...]
    options: Mapping[str, object] = field(default_factory=lambda: MappingProxyType({}))


@dataclass(frozen=True, slots=True)
class Candidate:
    target: Target
    upstream_model: str


_EMPTY: Mapping[str, object] = MappingProxyType({})


@dataclass(frozen=True, slots=True)
class RoutingSnapshot:
    version: int
    providers: Mapping[str, ProviderView]
    keys_by_hash: Mapping[str, ApiKeyRecord]
    accounts_total: int = 0
    combos: Mapping[str, ComboView] = field(default_factory=lambda: MappingProxyType({}))
    # The global token-saver setting (a key's own setting and a request header may turn it off).
    savers: SaverOptions = field(default_factory=SaverOptions)
    headroom: HeadroomSettings = field(default_factory=HeadroomSettings)

    @staticmethod
    def empty() -> RoutingSnapshot:
        return RoutingSnapshot(version=0, providers=MappingProxyType({}), keys_by_hash=MappingProxyType({}))


class SnapshotHolder:
    """The one mutable cell: the current snapshot. Readers take `.current` once per request."""

    __slots__ = ("current",)

    def __init__(self, snapshot: RoutingSnapshot | None = None) -> None:
        self.current = snapshot or RoutingSnapshot.empty()
