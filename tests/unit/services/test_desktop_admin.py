from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from app.core.errors import NotFound
from app.credentials.memory_store import MemorySecretStore
from app.gateway.auth import hash_key
from app.services.admin import KeySource
from app.services.desktop_admin import DESKTOP_KEY_REF_SETTING, DesktopAdmin
from app.store.db import Database, sqlite_url
from app.store.repos import Store


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    db = Database.open(sqlite_url(tmp_path / "t.db"))
    db.migrate()
    yield Store(db)
    db.close()


@pytest.fixture
def secrets() -> MemorySecretStore:
    return MemorySecretStore()


@pytest.fixture
def admin(store: Store, secrets: MemorySecretStore) -> DesktopAdmin:
    return DesktopAdmin(store, secrets, {})


def test_desktop_key_is_created_once_and_kept_in_the_secret_store(
    admin: DesktopAdmin, store: Store, secrets: MemorySecretStore
) -> None:
    key = admin.desktop_key()
    assert admin.desktop_key() == key
    keys = admin.list_keys()
    assert [k.name for k in keys] == ["desktop"]
    assert keys[0].key_hash == hash_key(key)
    ref = store.settings.get(DESKTOP_KEY_REF_SETTING)
    assert ref is not None and ref.startswith("keyring:")
    assert secrets.get(ref) == key
    # The database holds the hash and a reference, never the key.
    assert key not in str(store.settings.all())


def test_a_revoked_desktop_key_is_replaced(
    admin: DesktopAdmin, secrets: MemorySecretStore, store: Store
) -> None:
    first = admin.desktop_key()
    old_ref = store.settings.get(DESKTOP_KEY_REF_SETTING)
    admin.revoke_key("desktop")
    second = admin.desktop_key()
    assert second != first
    assert [k.name for k in admin.list_keys(include_revoked=False)] == ["desktop-2"]
    assert old_ref is not None
    with pytest.raises(Exception, match="not found"):
        secrets.get(old_ref)


def test_a_lost_keyring_entry_gives_a_new_key(
    admin: DesktopAdmin, secrets: MemorySecretStore, store: Store
) -> None:
    first = admin.desktop_key()
    ref = store.settings.get(DESKTOP_KEY_REF_SETTING)
    assert ref is not None
    secrets.delete(ref)
    assert admin.desktop_key() != first


def test_accounts_can_be_switched_off_and_on(admin: DesktopAdmin) -> None:
    _provider, account = admin.add_provider(
        "acme",
        wire_format="openai",
        base_url="https://api.acme.test/v1",
        models=None,
        key=KeySource("sk-acme-123456"),
    )
    off = admin.set_account_enabled(account.id, False)
    assert not off.enabled and off.disabled_reason == "disabled by the user"
    on = admin.set_account_enabled(account.id, True)
    assert on.enabled and on.disabled_reason is None
    with pytest.raises(NotFound):
        admin.set_account_enabled(999, True)
