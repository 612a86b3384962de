from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from app.core.errors import AlreadyExists, ConfigError, NotFound, SecretStoreUnavailable
from app.credentials.memory_store import MemorySecretStore
from app.gateway.auth import hash_key
from app.services.admin import AdminService, KeySource
from app.store.db import Database, sqlite_url
from app.store.repos import Store


class NoKeyring(MemorySecretStore):
    def put(self, value: str) -> str:
        raise SecretStoreUnavailable("no keyring here; use --key-env")


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
def admin(store: Store, secrets: MemorySecretStore) -> AdminService:
    return AdminService(store, secrets, {})


def test_created_key_is_stored_only_as_a_hash(admin: AdminService, store: Store) -> None:
    record, key = admin.create_key("laptop")
    assert key.startswith("vr-") and len(key) >= 40
    assert record.key_hash == hash_key(key) and key not in repr(record)
    assert record.prefix == key[:8]
    assert [k.name for k in store.keys.list()] == ["laptop"]


def test_provider_key_goes_to_the_secret_store_not_the_database(
    admin: AdminService, store: Store, secrets: MemorySecretStore
) -> None:
    provider, account = admin.add_provider(
        "acme",
        wire_format="openai",
        base_url="https://api.acme.ai/v1",
        models="m1,m2",
        key=KeySource(value="sk-acme-123"),
    )
    assert provider.models == ("m1", "m2")
    assert account.secret_ref.startswith("keyring:")
    assert secrets.get(account.secret_ref) == "sk-acme-123"
    assert "sk-acme-123" not in repr(store.accounts.list())


def test_env_key_reference(admin: AdminService, secrets: MemorySecretStore) -> None:
    _, account = admin.add_provider(
        "acme", wire_format="openai", base_url="https://a/v1", models=None, key=KeySource(env_var="ACME_KEY")
    )
    assert account.secret_ref == "env:ACME_KEY"
    assert len(secrets) == 0


def test_duplicate_provider_keeps_no_stray_secret(admin: AdminService, secrets: MemorySecretStore) -> None:
    admin.add_provider(
        "acme", wire_format="openai", base_url="https://a/v1", models=None, key=KeySource(value="k1")
    )
    with pytest.raises(AlreadyExists, match="provider 'acme' already exists"):
        admin.add_provider(
            "acme", wire_format="openai", base_url="https://a/v1", models=None, key=KeySource(value="k2")
        )
    assert len(secrets) == 1


def test_validation_runs_before_the_keyring_is_touched(store: Store) -> None:
    admin = AdminService(store, NoKeyring(), {})
    with pytest.raises(ConfigError, match="invalid base URL"):
        admin.add_provider(
            "acme", wire_format="openai", base_url="nope", models=None, key=KeySource(value="k")
        )
    with pytest.raises(SecretStoreUnavailable):
        admin.add_provider(
            "acme", wire_format="openai", base_url="https://a/v1", models=None, key=KeySource(value="k")
        )
    assert store.providers.list() == ()


def test_accounts_get_labels_and_removal_deletes_secrets(
    admin: AdminService, secrets: MemorySecretStore
) -> None:
    admin.add_provider(
        "acme", wire_format="openai", base_url="https://a/v1", models=None, key=KeySource(value="k1")
    )
    second = admin.add_account("acme", key=KeySource(value="k2"))
    third = admin.add_account("acme", key=KeySource(value="k3"), priority=3)
    assert (second.label, third.label) == ("account-2", "account-3")
    assert [a.label for a in admin.list_accounts("acme")] == ["account-3", "default", "account-2"]
    with pytest.raises(AlreadyExists):
        admin.add_account("acme", key=KeySource(value="k4"), label="default")
    with pytest.raises(NotFound):
        admin.add_account("ghost", key=KeySource(value="k"))
    admin.remove_account(second.id)
    assert len(secrets) == 2
    admin.remove_provider("acme")
    assert len(secrets) == 0
    assert admin.list_providers() == ()
