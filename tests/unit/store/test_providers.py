from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from app.core.errors import AlreadyExists, NotFound
from app.core.records import AccountRecord, ProviderRecord, WireFormat
from app.store.repos import Store
from tests.unit.store.conftest import CLOCK_START


def _provider(provider_id: str = "openai", **overrides: object) -> ProviderRecord:
    fields: dict[str, object] = {
        "id": provider_id,
        "wire_format": WireFormat.OPENAI,
        "base_url": f"https://{provider_id}.example/v1",
        "models": ("gpt-a", "gpt-b"),
        "display_name": provider_id.title(),
    }
    fields.update(overrides)
    return ProviderRecord(**fields)  # type: ignore[arg-type]


def test_add_and_get_provider(store: Store) -> None:
    added = store.providers.add(_provider())
    assert added == ProviderRecord(
        id="openai",
        wire_format=WireFormat.OPENAI,
        base_url="https://openai.example/v1",
        models=("gpt-a", "gpt-b"),
        display_name="Openai",
        enabled=True,
        created_at=CLOCK_START,
    )
    assert store.providers.get("openai") == added
    assert store.providers.get("missing") is None


def test_provider_keeps_given_created_at_and_fields(store: Store) -> None:
    when = datetime(2025, 6, 1, 12, 0, tzinfo=timezone(timedelta(hours=2)))
    store.providers.add(
        _provider("claude", wire_format=WireFormat.ANTHROPIC, models=(), enabled=False, created_at=when)
    )
    got = store.providers.get("claude")
    assert got is not None
    assert got.wire_format is WireFormat.ANTHROPIC
    assert got.models == ()
    assert got.enabled is False
    assert got.created_at == when
    assert got.created_at is not None and got.created_at.tzinfo == UTC


def test_add_provider_twice_is_already_exists(store: Store) -> None:
    store.providers.add(_provider())
    with pytest.raises(AlreadyExists, match="provider 'openai' already exists"):
        store.providers.add(_provider())


def test_list_providers_is_ordered_by_id(store: Store) -> None:
    for provider_id in ("zai", "anthropic", "openai"):
        store.providers.add(_provider(provider_id))
    assert [p.id for p in store.providers.list()] == ["anthropic", "openai", "zai"]
    assert isinstance(store.providers.list(), tuple)


def test_remove_provider_returns_and_deletes_its_accounts(store: Store) -> None:
    store.providers.add(_provider("openai"))
    store.providers.add(_provider("other"))
    first = store.accounts.add("openai", "work", "keyring:1")
    second = store.accounts.add("openai", "home", "env:HOME_KEY")
    kept = store.accounts.add("other", "work", "keyring:2")

    removed = store.providers.remove("openai")

    assert removed == (first, second)
    assert store.providers.get("openai") is None
    assert store.accounts.list() == (kept,)


def test_remove_missing_provider_is_not_found(store: Store) -> None:
    with pytest.raises(NotFound, match="provider 'nope' not found"):
        store.providers.remove("nope")


def test_add_account(store: Store) -> None:
    store.providers.add(_provider())
    account = store.accounts.add(
        "openai", "work", "keyring:abc", priority=5, proxy_url="socks5://127.0.0.1:1080", max_concurrency=3
    )
    assert account == AccountRecord(
        id=account.id,
        provider_id="openai",
        label="work",
        secret_ref="keyring:abc",
        priority=5,
        enabled=True,
        proxy_url="socks5://127.0.0.1:1080",
        max_concurrency=3,
        created_at=CLOCK_START,
    )
    assert store.accounts.get(account.id) == account
    assert store.accounts.get(account.id + 1000) is None


def test_add_account_to_missing_provider_is_not_found(store: Store) -> None:
    with pytest.raises(NotFound, match="provider 'ghost' not found"):
        store.accounts.add("ghost", "work", "keyring:x")


def test_account_label_is_unique_per_provider(store: Store) -> None:
    store.providers.add(_provider("openai"))
    store.providers.add(_provider("other"))
    store.accounts.add("openai", "work", "keyring:1")
    with pytest.raises(AlreadyExists, match="account 'work' already exists for provider 'openai'"):
        store.accounts.add("openai", "work", "keyring:2")
    # The same label under another provider is fine.
    store.accounts.add("other", "work", "keyring:3")


def test_list_accounts_orders_by_provider_then_priority_desc_then_id(store: Store) -> None:
    store.providers.add(_provider("b"))
    store.providers.add(_provider("a"))
    b_low = store.accounts.add("b", "low", "env:X", priority=0)
    a_first = store.accounts.add("a", "first", "env:X", priority=1)
    b_high = store.accounts.add("b", "high", "env:X", priority=9)
    a_second = store.accounts.add("a", "second", "env:X", priority=1)
    assert store.accounts.list() == (a_first, a_second, b_high, b_low)
    assert store.accounts.list("b") == (b_high, b_low)
    assert store.accounts.list("nobody") == ()


def test_remove_account(store: Store) -> None:
    store.providers.add(_provider())
    account = store.accounts.add("openai", "work", "keyring:1")
    assert store.accounts.remove(account.id) == account
    assert store.accounts.get(account.id) is None
    with pytest.raises(NotFound, match=f"account {account.id} not found"):
        store.accounts.remove(account.id)
