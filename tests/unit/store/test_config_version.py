"""Every configuration write bumps the version in its own transaction; usage writes do not."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from app.core.errors import AlreadyExists, NotFound
from app.core.records import ComboRecord, ProviderRecord, UsageRecord, WireFormat
from app.store.repos import Store


def _provider(provider_id: str) -> ProviderRecord:
    return ProviderRecord(provider_id, WireFormat.OPENAI, "https://example.invalid")


def _usage() -> UsageRecord:
    return UsageRecord(
        request_id="r",
        started_at=datetime(2026, 1, 1, tzinfo=UTC),
        api_key_name=None,
        client_format=WireFormat.OPENAI,
        provider_id=None,
        account_id=None,
        model="m",
        status=200,
        latency_ms=1.0,
        stream=False,
    )


def _seed(store: Store) -> int:
    store.providers.add(_provider("p"))
    account = store.accounts.add("p", "a", "env:X")
    store.keys.add("k", "h" * 64, "vr-")
    store.combos.add(ComboRecord("c", "fallback", ("p/m",)))
    return account.id


MUTATIONS: dict[str, Callable[[Store, int], object]] = {
    "providers.add": lambda s, _: s.providers.add(_provider("q")),
    "providers.remove": lambda s, _: s.providers.remove("p"),
    "accounts.add": lambda s, _: s.accounts.add("p", "b", "env:Y"),
    "accounts.remove": lambda s, account_id: s.accounts.remove(account_id),
    "keys.add": lambda s, _: s.keys.add("k2", "i" * 64, "vr-"),
    "keys.revoke": lambda s, _: s.keys.revoke("k"),
    "combos.add": lambda s, _: s.combos.add(ComboRecord("d", "fallback", ())),
    "combos.remove": lambda s, _: s.combos.remove("c"),
    "settings.set": lambda s, _: s.settings.set("x", "1"),
}


def test_fresh_database_starts_at_zero(store: Store) -> None:
    assert store.config_version() == 0


@pytest.mark.parametrize("name", sorted(MUTATIONS))
def test_mutation_bumps_the_version_once(store: Store, name: str) -> None:
    account_id = _seed(store)
    before = store.config_version()
    MUTATIONS[name](store, account_id)
    assert store.config_version() == before + 1


FAILURES: dict[str, Callable[[Store], object]] = {
    "providers.add": lambda s: s.providers.add(_provider("p")),
    "providers.remove": lambda s: s.providers.remove("ghost"),
    "accounts.add": lambda s: s.accounts.add("p", "a", "env:X"),
    "accounts.add missing provider": lambda s: s.accounts.add("ghost", "a", "env:X"),
    "accounts.remove": lambda s: s.accounts.remove(999_999),
    "keys.add": lambda s: s.keys.add("k", "j" * 64, "vr-"),
    "keys.revoke": lambda s: s.keys.revoke("ghost"),
    "combos.add": lambda s: s.combos.add(ComboRecord("c", "fallback", ())),
    "combos.remove": lambda s: s.combos.remove("ghost"),
}


@pytest.mark.parametrize("name", sorted(FAILURES))
def test_failed_mutation_leaves_the_version_alone(store: Store, name: str) -> None:
    _seed(store)
    before = store.config_version()
    with pytest.raises((AlreadyExists, NotFound)):
        FAILURES[name](store)
    assert store.config_version() == before


def test_usage_and_key_touch_do_not_bump(store: Store) -> None:
    _seed(store)
    before = store.config_version()
    store.usage.add_many([_usage(), _usage()])
    store.keys.touch_last_used({"h" * 64: datetime(2026, 1, 2, tzinfo=UTC)})
    assert store.config_version() == before


def test_reads_do_not_bump(store: Store) -> None:
    _seed(store)
    before = store.config_version()
    store.providers.list()
    store.providers.get("p")
    store.accounts.list()
    store.keys.list()
    store.combos.list()
    store.settings.all()
    store.usage.recent()
    store.usage.summary()
    assert store.config_version() == before


def test_remove_provider_bumps_once_even_with_accounts(store: Store) -> None:
    _seed(store)
    store.accounts.add("p", "second", "env:Z")
    before = store.config_version()
    store.providers.remove("p")
    assert store.config_version() == before + 1
