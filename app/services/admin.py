"""The administration API shared by the CLI and the desktop UI: keys, providers, accounts.

Changes land in the database and bump its config version; a running gateway notices within its
poll interval and swaps in a new routing snapshot, so no restart is needed.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from app.core.errors import AlreadyExists, ConfigError, NotFound
from app.core.records import AccountRecord, ApiKeyRecord, KeyLimits, ProviderRecord
from app.credentials.keyring_store import KeyringSecretStore
from app.credentials.resolver import NO_KEY_REF, SecretResolver, env_ref
from app.credentials.secret_store import SecretStore
from app.gateway.access import month_start
from app.gateway.auth import hash_key, new_key
from app.providers.catalog import AuthScheme, Catalog, CatalogProvider, builtin_catalog
from app.routing.accounts import ACCOUNT_STRATEGIES
from app.services import validation
from app.services.key_limits import LimitChanges
from app.services.model_discovery import DiscoveryResult, refresh_provider
from app.services.tuning import TUNABLES, Tunable, effective, parse, tunable
from app.services.usage import UsageService
from app.store.db import Database
from app.store.repos import Store

_log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class KeySource:
    """Where a new account's upstream key comes from: the value itself, or an environment variable."""

    value: str | None = None
    env_var: str | None = None
    # No key at all: a local server (Ollama, LM Studio, llama.cpp) that does not check one.
    none: bool = False


@dataclass(frozen=True, slots=True)
class ProviderSummary:
    provider: ProviderRecord
    accounts: tuple[AccountRecord, ...]


class AdminService:
    def __init__(self, store: Store, secrets: SecretStore, environ: Mapping[str, str]) -> None:
        self._store = store
        self._secrets = secrets
        self._environ = environ

    # --- local API keys -------------------------------------------------------------------------

    def create_key(self, name: str, changes: LimitChanges | None = None) -> tuple[ApiKeyRecord, str]:
        """Returns the record and the key itself, which exists nowhere else after this call."""
        validation.name(name, "key name")
        limits = (changes or LimitChanges()).apply(KeyLimits())  # bad options fail before a key exists
        key = new_key()
        record = self._store.keys.add(name, hash_key(key), key[:8], limits)
        return record, key

    def get_key(self, name: str) -> ApiKeyRecord:
        return self._store.keys.get(name)

    def update_key(self, name: str, changes: LimitChanges) -> ApiKeyRecord:
        """Changes the named parts of a key's access lists, limits and budget; the rest stay."""
        if changes.empty:
            raise ConfigError(
                "nothing to change: give --providers, --combos, --kinds, --rpm, --concurrency, --budget or --savers"
            )
        current = self._store.keys.get(name)
        return self._store.keys.set_limits(name, changes.apply(current.limits))

    def key_spend(self, name: str, now: datetime) -> float:
        """USD spent by the key this calendar month (UTC), as written to the usage table so far."""
        return self._store.usage.spend_by_key(month_start(now)).get(name, 0.0)

    def usage(self) -> UsageService:
        """Usage queries (`vansroute usage`, the desktop's charts)."""
        return UsageService(self._store)

    def list_keys(self, *, include_revoked: bool = True) -> tuple[ApiKeyRecord, ...]:
        return self._store.keys.list(include_revoked=include_revoked)

    def revoke_key(self, name: str) -> ApiKeyRecord:
        return self._store.keys.revoke(name)

    # --- providers and accounts -----------------------------------------------------------------

    def add_provider(
        self,
        provider_id: str,
        *,
        wire_format: str,
        base_url: str,
        models: str | None,
        key: KeySource,
        label: str = "default",
        proxy_url: str | None = None,
        display_name: str = "",
    ) -> tuple[ProviderRecord, AccountRecord]:
        record = ProviderRecord(
            id=validation.provider_id(provider_id),
            wire_format=validation.wire_format(wire_format),
            base_url=validation.base_url(base_url),
            models=validation.models(models),
            display_name=display_name,
        )
        validation.name(label, "account label")
        proxy = validation.proxy_url(proxy_url)
        if self._store.providers.get(record.id) is not None:
            raise AlreadyExists(f"provider '{record.id}' already exists (remove it first, or add an account)")
        ref = self._store_secret(key)
        try:
            provider = self._store.providers.add(record)
            account = self._store.accounts.add(provider.id, label, ref, proxy_url=proxy)
        except Exception:
            self._forget_secret(ref)
            self._remove_quietly(record.id)
            raise
        return provider, account

    @property
    def store(self) -> Store:
        """For the services that manage one table group each (combos, discovered models)."""
        return self._store

    # --- the built-in catalogue -------------------------------------------------------------------

    def catalog(self) -> Catalog:
        return builtin_catalog()

    def catalog_entry(self, provider_id: str) -> CatalogProvider:
        entry = builtin_catalog().get(provider_id)
        if entry is None:
            raise NotFound(f"'{provider_id}' is not a catalogue provider (see `vansroute providers catalog`)")
        return entry

    def needs_no_key(self, provider_id: str) -> bool:
        """A local catalogue provider (Ollama, LM Studio, vLLM, llama.cpp) works without a key."""
        entry = builtin_catalog().get(provider_id)
        if entry is None:
            stored = self._store.providers.get(provider_id)
            entry = builtin_catalog().get(stored.id) if stored is not None else None
        return entry is not None and entry.auth is AuthScheme.NONE

    def catalog_defaults(
        self, provider_id: str, *, wire_format: str | None = None, base_url: str | None = None
    ) -> tuple[str, str, str, str]:
        """(id, format, base URL, display name) for adding `provider_id`: the catalogue's values
        where the user gave none. Raises before anything is stored (or a key asked for)."""
        entry = builtin_catalog().get(provider_id)
        if entry is None:
            if wire_format is None or base_url is None:
                raise ConfigError(
                    f"'{provider_id}' is not a catalogue provider: give --type and --base-url "
                    "(see `vansroute providers catalog`)"
                )
            return provider_id, wire_format, base_url, ""
        if base_url is None and entry.is_template:
            raise ConfigError(
                f"provider '{entry.id}' has a URL template ({entry.base_url}): give --base-url with "
                f"{', '.join('{' + v + '}' for v in entry.url_variables)} filled in"
            )
        return (
            entry.id,
            wire_format if wire_format is not None else entry.wire_format.value,
            base_url if base_url is not None else entry.base_url,
            entry.name,
        )

    def add_known_provider(
        self,
        provider_id: str,
        *,
        key: KeySource,
        wire_format: str | None = None,
        base_url: str | None = None,
        models: str | None = None,
        label: str = "default",
        proxy_url: str | None = None,
    ) -> tuple[ProviderRecord, AccountRecord]:
        """`add_provider` with the catalogue filling in what the user left out (an alias such as
        `kimi` is stored under its catalogue id, `moonshot`); --type/--base-url still override."""
        pid, fmt, url, name = self.catalog_defaults(provider_id, wire_format=wire_format, base_url=base_url)
        return self.add_provider(
            pid,
            wire_format=fmt,
            base_url=url,
            models=models,
            key=key,
            label=label,
            proxy_url=proxy_url,
            display_name=name,
        )

    def list_providers(self) -> tuple[ProviderSummary, ...]:
        accounts = self._store.accounts.list()
        return tuple(
            ProviderSummary(p, tuple(a for a in accounts if a.provider_id == p.id))
            for p in self._store.providers.list()
        )

    def get_provider(self, provider_id: str) -> ProviderRecord:
        provider = self._store.providers.get(provider_id)
        if provider is None:
            raise NotFound(f"no provider '{provider_id}' (see `vansroute providers list`)")
        return provider

    async def refresh_models(self, provider_id: str) -> DiscoveryResult:
        """Fetches the provider's model list with its first enabled account's key, and stores it."""
        accounts = [a for a in self.list_accounts(provider_id) if a.enabled]
        if not accounts:
            raise ConfigError(f"provider '{provider_id}' has no enabled account to ask with")
        key = self.secret_resolver().resolve(accounts[0].secret_ref)
        return await refresh_provider(self._store, provider_id, key, accounts[0].proxy_url)

    def set_account_strategy(
        self, provider_id: str, strategy: str, sticky_requests: int | None
    ) -> ProviderRecord:
        if strategy not in ACCOUNT_STRATEGIES:
            raise ConfigError(
                f"unknown account strategy {strategy!r}: choose one of {', '.join(ACCOUNT_STRATEGIES)}"
            )
        if sticky_requests is not None and sticky_requests < 1:
            raise ConfigError("--sticky must be at least 1")
        if self._store.providers.get(provider_id) is None:
            raise NotFound(f"no provider '{provider_id}' (see `vansroute providers list`)")
        return self._store.providers.set_account_strategy(provider_id, strategy, sticky_requests)

    def remove_provider(self, provider_id: str) -> ProviderRecord:
        provider = self._store.providers.get(provider_id)
        if provider is None:
            raise NotFound(f"no provider '{provider_id}' (see `vansroute providers list`)")
        for account in self._store.providers.remove(provider_id):
            self._forget_secret(account.secret_ref)
        return provider

    def add_account(
        self,
        provider_id: str,
        *,
        key: KeySource,
        label: str | None = None,
        priority: int = 0,
        proxy_url: str | None = None,
        max_concurrency: int | None = None,
    ) -> AccountRecord:
        if self._store.providers.get(provider_id) is None:
            raise NotFound(f"no provider '{provider_id}' (see `vansroute providers list`)")
        existing = {a.label for a in self._store.accounts.list(provider_id)}
        if label is None:
            label = next(
                f"account-{n}"
                for n in range(len(existing) + 1, len(existing) + 1000)
                if f"account-{n}" not in existing
            )
        validation.name(label, "account label")
        if label in existing:
            raise AlreadyExists(f"provider '{provider_id}' already has an account labelled '{label}'")
        if max_concurrency is not None and max_concurrency < 1:
            raise ConfigError("--max-concurrency must be at least 1")
        proxy = validation.proxy_url(proxy_url)
        ref = self._store_secret(key)
        try:
            return self._store.accounts.add(
                provider_id, label, ref, priority=priority, proxy_url=proxy, max_concurrency=max_concurrency
            )
        except Exception:
            self._forget_secret(ref)
            raise

    def update_account(
        self,
        account_id: int,
        *,
        label: str | None = None,
        priority: int | None = None,
        max_concurrency: int | None = None,
        proxy_url: str | None = None,
        enabled: bool | None = None,
    ) -> AccountRecord:
        """Changes what was given; `proxy_url=""` removes the proxy. Enabling clears a disable reason."""
        current = self._store.accounts.get(account_id)
        if current is None:
            raise NotFound(f"no account {account_id} (see `vansroute accounts list`)")
        values: dict[str, object] = {}
        if label is not None and label != current.label:
            taken = {a.label for a in self._store.accounts.list(current.provider_id)}
            if label in taken:
                raise AlreadyExists(f"another account of '{current.provider_id}' is labelled {label!r}")
            values["label"] = validation.name(label, "account label")
        if priority is not None:
            values["priority"] = priority
        if max_concurrency is not None:
            if max_concurrency < 1:
                raise ConfigError("--max-concurrency must be at least 1")
            values["max_concurrency"] = max_concurrency
        if proxy_url is not None:
            values["proxy_url"] = validation.proxy_url(proxy_url)
        if not values and enabled is None:
            raise ConfigError(
                "nothing to change: give --label, --priority, --max-concurrency, --proxy, --enable or --disable"
            )
        record = (
            self._store.accounts.edit(account_id, **values)
            if values
            else self._store.accounts.get(account_id)
        )
        if enabled is True:
            record = self._store.accounts.enable(account_id)
        elif enabled is False:
            record = self._store.accounts.disable(account_id, "disabled by the user")
        assert record is not None
        return record

    def list_accounts(self, provider_id: str | None = None) -> tuple[AccountRecord, ...]:
        if provider_id is not None and self._store.providers.get(provider_id) is None:
            raise NotFound(f"no provider '{provider_id}' (see `vansroute providers list`)")
        return self._store.accounts.list(provider_id)

    # --- tuning ---------------------------------------------------------------------------------------

    def settings(self) -> tuple[tuple[Tunable, float, str], ...]:
        """Every tunable with its effective value and where that comes from (env, database, default)."""
        stored = self._store.settings.all()
        values = effective(stored, self._environ)
        rows = []
        for spec in TUNABLES:
            source = "env" if self._environ.get(spec.env) else "set" if stored.get(spec.name) else "default"
            rows.append((spec, values[spec.name], source))
        return tuple(rows)

    def set_setting(self, name: str, raw: str) -> float:
        value = parse(name, raw)
        self._store.settings.set(name, raw.strip())
        return value

    def unset_setting(self, name: str) -> None:
        tunable(name)
        self._store.settings.set(name, "")

    def secret_resolver(self) -> SecretResolver:
        """Reads account keys from the keyring or the environment, as the gateway would."""
        return SecretResolver(self._secrets, self._environ)

    def reactivate_account(self, account_id: int) -> AccountRecord:
        """Back into routing: unparked, enabled, its disable reason cleared (the user fixed the key)."""
        if self._store.accounts.get(account_id) is None:
            raise NotFound(f"no account {account_id} (see `vansroute accounts list`)")
        self._store.accounts.unpark(account_id)
        return self._store.accounts.enable(account_id)

    def accounts_needing_attention(self) -> tuple[AccountRecord, ...]:
        """Parked or disabled accounts, for `vansroute status`."""
        return tuple(a for a in self._store.accounts.list() if a.parked_until or not a.enabled)

    def remove_account(self, account_id: int) -> AccountRecord:
        account = self._store.accounts.remove(account_id)
        self._forget_secret(account.secret_ref)
        return account

    # --- secrets ----------------------------------------------------------------------------------

    def _store_secret(self, key: KeySource) -> str:
        if key.none:
            return NO_KEY_REF
        if key.env_var is not None:
            return env_ref(key.env_var)
        if key.value is None:
            raise ConfigError("no API key given")
        return self._secrets.put(validation.secret(key.value))

    def _forget_secret(self, ref: str) -> None:
        if ref.startswith("keyring:"):
            try:
                self._secrets.delete(ref)
            except Exception as exc:
                # The account is gone either way; an orphaned keyring entry is only clutter.
                _log.warning("could not delete keyring entry for a removed account: %s", type(exc).__name__)

    def _remove_quietly(self, provider_id: str) -> None:
        try:
            self._store.providers.remove(provider_id)
        except NotFound:
            pass


@contextmanager
def open_admin(
    database_url: str, environ: Mapping[str, str], secrets: SecretStore | None = None
) -> Iterator[AdminService]:
    """An AdminService on a migrated database, closed on exit: what each CLI command runs against."""
    db = Database.open(database_url)
    try:
        db.migrate()
        yield AdminService(Store(db), KeyringSecretStore() if secrets is None else secrets, environ)
    finally:
        db.close()
