from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from app.credentials.memory_store import MemorySecretStore
from app.credentials.resolver import SecretResolver
from app.services.admin import AdminService, KeySource
from app.services.snapshot_builder import SnapshotBuilder
from app.store.db import Database, sqlite_url
from app.store.repos import Store


class CountingStore(MemorySecretStore):
    def __init__(self) -> None:
        super().__init__()
        self.reads = 0

    def get(self, ref: str) -> str:
        self.reads += 1
        return super().get(ref)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    db = Database.open(sqlite_url(tmp_path / "t.db"))
    db.migrate()
    yield Store(db)
    db.close()


def test_snapshot_orders_accounts_and_skips_unresolvable_ones(store: Store) -> None:
    secrets = CountingStore()
    admin = AdminService(store, secrets, {})
    admin.add_provider(
        "p", wire_format="openai", base_url="https://p/v1", models="m", key=KeySource(value="k-low")
    )
    admin.add_account("p", key=KeySource(value="k-high"), priority=9, label="high")
    admin.add_account("p", key=KeySource(env_var="UNSET_VAR"), label="env")
    admin.create_key("c")
    builder = SnapshotBuilder(store, SecretResolver(secrets, {}))
    snap = builder.build()
    view = snap.providers["p"]
    assert [t.account_label for t in view.targets] == ["high", "default"]
    assert [t.api_key for t in view.targets] == ["k-high", "k-low"]
    assert builder.unresolved == 1
    assert snap.accounts_total == 2
    assert snap.version == store.config_version()
    assert len(snap.keys_by_hash) == 1


def test_rebuilds_reuse_resolved_secrets(store: Store) -> None:
    secrets = CountingStore()
    admin = AdminService(store, secrets, {})
    admin.add_provider(
        "p", wire_format="openai", base_url="https://p/v1", models=None, key=KeySource(value="k")
    )
    builder = SnapshotBuilder(store, SecretResolver(secrets, {}))
    builder.build()
    builder.build()
    assert secrets.reads == 1


def test_env_secret_resolves_from_the_given_environment(store: Store) -> None:
    admin = AdminService(store, MemorySecretStore(), {})
    admin.add_provider(
        "p", wire_format="openai", base_url="https://p/v1", models=None, key=KeySource(env_var="P_KEY")
    )
    builder = SnapshotBuilder(store, SecretResolver(MemorySecretStore(), {"P_KEY": "from-env"}))
    assert builder.build().providers["p"].targets[0].api_key == "from-env"


def test_revoked_keys_are_not_in_the_snapshot(store: Store) -> None:
    admin = AdminService(store, MemorySecretStore(), {})
    admin.create_key("a")
    admin.revoke_key("a")
    assert SnapshotBuilder(store, SecretResolver(MemorySecretStore(), {})).build().keys_by_hash == {}
