from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from app.core.errors import AlreadyExists, ConfigError, NotFound, SecretStoreUnavailable
from app.core.records import UsageRecord, WireFormat
from app.credentials.memory_store import MemorySecretStore
from app.gateway.auth import hash_key
from app.services.admin import AdminService, KeySource
from app.services.key_limits import LimitChanges
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


# --- key access lists, limits and budgets ----------------------------------------------------------


def test_create_key_with_limits(admin: AdminService) -> None:
    record, _ = admin.create_key(
        "ci",
        LimitChanges(
            providers="openai", kinds="chat,models", requests_per_minute="30", monthly_budget_usd="5"
        ),
    )
    assert record.limits.providers.names == frozenset({"openai"})
    assert record.limits.kinds.names == frozenset({"chat", "models"})
    assert (record.limits.requests_per_minute, record.limits.monthly_budget_usd) == (30, 5.0)
    assert admin.get_key("ci") == record


def test_bad_limits_create_no_key(admin: AdminService, store: Store) -> None:
    with pytest.raises(ConfigError, match="--concurrency"):
        admin.create_key("ci", LimitChanges(max_concurrent="0"))
    assert store.keys.list() == ()


def test_update_key_changes_only_what_is_given(admin: AdminService) -> None:
    admin.create_key("ci", LimitChanges(requests_per_minute="30"))
    changed = admin.update_key("ci", LimitChanges(combos="none", monthly_budget_usd="2.5"))
    assert changed.limits.requests_per_minute == 30
    assert changed.limits.combos.names == frozenset()
    assert changed.limits.monthly_budget_usd == 2.5
    with pytest.raises(ConfigError, match="nothing to change"):
        admin.update_key("ci", LimitChanges())
    with pytest.raises(NotFound):
        admin.update_key("nobody", LimitChanges(combos="all"))


def test_key_spend_is_this_month(admin: AdminService, store: Store) -> None:
    admin.create_key("ci")
    base = dict(
        api_key_name="ci",
        client_format=WireFormat.OPENAI,
        provider_id="openai",
        account_id=1,
        model="m",
        status=200,
        latency_ms=1.0,
        stream=False,
    )
    store.usage.add_many(
        [
            UsageRecord(request_id="a", started_at=datetime(2026, 10, 31, tzinfo=UTC), cost_usd=9.0, **base),  # type: ignore[arg-type]
            UsageRecord(request_id="b", started_at=datetime(2026, 11, 2, tzinfo=UTC), cost_usd=1.5, **base),  # type: ignore[arg-type]
        ]
    )
    assert admin.key_spend("ci", datetime(2026, 11, 25, tzinfo=UTC)) == pytest.approx(1.5)
    assert admin.key_spend("other", datetime(2026, 11, 25, tzinfo=UTC)) == 0.0
