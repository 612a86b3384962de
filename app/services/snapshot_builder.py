"""Builds the immutable routing snapshot from the database and the secret store (off the request path)."""

from __future__ import annotations

import logging
from types import MappingProxyType

from app.core.errors import SecretMissing, SecretStoreUnavailable
from app.core.records import ModelOverrideRecord
from app.credentials.resolver import SecretResolver
from app.providers.catalog import builtin_catalog
from app.providers.model_facts import merge_all
from app.providers.profile import profile_for
from app.routing.snapshot import ComboView, ProviderView, RoutingSnapshot, Target
from app.services import saver_settings
from app.store.repos import Store

_log = logging.getLogger(__name__)


class SnapshotBuilder:
    def __init__(self, store: Store, resolver: SecretResolver) -> None:
        self._store = store
        self._resolver = resolver
        # A reference names one immutable secret (a new key gets a new reference), so a resolved value
        # can be kept: a rebuild then costs no keyring round trips (~20 ms each on Secret Service).
        self._resolved: dict[str, str] = {}
        self.unresolved = 0

    def version(self) -> int:
        return self._store.config_version()

    def build(self) -> RoutingSnapshot:
        # Read the version first: a change that lands while we build bumps it again and is picked up
        # by the next poll, never lost.
        version = self._store.config_version()
        accounts = self._store.accounts.list()
        keys = self._store.keys.list(include_revoked=False)
        discovered = self._store.discovered.facts()
        overrides: dict[str, list[ModelOverrideRecord]] = {}
        for override in self._store.model_overrides.list():
            overrides.setdefault(override.provider_id, []).append(override)
        savers = saver_settings.read(self._store)
        catalog = builtin_catalog()
        providers: dict[str, ProviderView] = {}
        usable = 0
        unresolved = 0
        live_refs: set[str] = set()
        for provider in self._store.providers.list():
            if not provider.enabled:
                continue
            targets = []
            profile = profile_for(catalog, provider.id, provider.wire_format, provider.base_url)
            entry = catalog.get(profile.catalog_id) if profile.catalog_id else None
            for account in accounts:
                # Disabled (by the user, or for a rejected key) and quota-parked accounts sit out; the
                # quota keeper unparks them at their reset time, which rebuilds the snapshot.
                if account.provider_id != provider.id or not account.enabled or account.parked_until:
                    continue
                live_refs.add(account.secret_ref)
                secret = self._secret(account.secret_ref, provider.id, account.label)
                if secret is None:
                    unresolved += 1
                    continue
                targets.append(
                    Target(
                        provider_id=provider.id,
                        wire_format=provider.wire_format,
                        base_url=provider.base_url,
                        account_id=account.id,
                        account_label=account.label,
                        priority=account.priority,
                        api_key=secret,
                        proxy_url=account.proxy_url,
                        max_concurrency=account.max_concurrency,
                        profile=profile,
                    )
                )
            targets.sort(key=lambda t: (-t.priority, t.account_id))
            usable += len(targets)
            known = tuple(m.id for m in entry.models) if entry else ()
            providers[provider.id] = ProviderView(
                id=provider.id,
                wire_format=provider.wire_format,
                base_url=provider.base_url,
                models=provider.models,
                targets=tuple(targets),
                # The provider's own list first (it is current), then catalogue models it did not name.
                listed=provider.models or tuple(dict.fromkeys((*discovered.get(provider.id, {}), *known))),
                aliases=entry.aliases if entry else (),
                account_strategy=provider.account_strategy,
                sticky_requests=provider.sticky_requests or 3,
                # Context window, capabilities and price: the user's, else the provider's list, else the
                # catalogue's (app/providers/model_facts.py).
                model_info=merge_all(
                    entry.models if entry else (),
                    discovered.get(provider.id, {}),
                    overrides.get(provider.id, ()),
                ),
            )
        for stale in set(self._resolved) - live_refs:
            del self._resolved[stale]
        self.unresolved = unresolved
        return RoutingSnapshot(
            version=version,
            providers=MappingProxyType(providers),
            keys_by_hash=MappingProxyType({k.key_hash: k for k in keys}),
            accounts_total=usable,
            savers=savers.options,
            headroom=savers.headroom,
            combos=MappingProxyType(
                {
                    c.name: ComboView(c.name, c.strategy, c.targets, MappingProxyType(dict(c.options)))
                    for c in self._store.combos.list()
                    if c.enabled
                }
            ),
        )

    def _secret(self, ref: str, provider_id: str, label: str) -> str | None:
        cached = self._resolved.get(ref)
        if cached is not None:
            return cached
        try:
            value = self._resolver.resolve(ref)
        except (SecretMissing, SecretStoreUnavailable) as exc:
            _log.warning("account '%s' of provider '%s' is unusable: %s", label, provider_id, exc)
            return None
        self._resolved[ref] = value
        return value
