"""Data written under an older schema survives the upgrade to head."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import inspect, text

from app.core.records import KeyLimits, ProviderRecord, WireFormat
from app.store.db import Database
from app.store.repos import Store
from tests.unit.store.conftest import HEAD

CREATED = datetime(2025, 12, 24, 18, 30, 15, 123456, tzinfo=UTC)


def _timestamp_literal(db: Database) -> str:
    # What each backend itself would hold: SQLite keeps naive UTC text, PostgreSQL a timestamptz.
    if db.dialect == "sqlite":
        return "'2025-12-24 18:30:15.123456'"
    return "'2025-12-24 20:30:15.123456+02'"


def test_upgrade_from_0001_keeps_the_data(empty_db: Database) -> None:
    empty_db.migrate("0001")
    assert empty_db.current_revision() == "0001"
    assert "usage" not in inspect(empty_db.engine).get_table_names()
    ts = _timestamp_literal(empty_db)
    with empty_db.engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO providers (id, wire_format, base_url, models, display_name, enabled, created_at) "
                f"VALUES ('openai', 'openai', 'https://api.example/v1', '[\"gpt-a\",\"gpt-b\"]', 'OpenAI', TRUE, {ts})"
            )
        )
        connection.execute(
            text(
                "INSERT INTO accounts (provider_id, label, secret_ref, priority, enabled, proxy_url, "
                "max_concurrency, created_at) "
                f"VALUES ('openai', 'work', 'keyring:0001', 3, FALSE, NULL, 4, {ts})"
            )
        )
        connection.execute(
            text(
                "INSERT INTO api_keys (name, key_hash, prefix, revoked, created_at, last_used_at) "
                f"VALUES ('laptop', 'abc123', 'vr-ab', FALSE, {ts}, {ts})"
            )
        )
        connection.execute(text("UPDATE config_version SET version = 41 WHERE id = 1"))

    empty_db.migrate()

    assert empty_db.current_revision() == HEAD
    store = Store(empty_db)
    assert store.providers.list() == (
        ProviderRecord(
            id="openai",
            wire_format=WireFormat.OPENAI,
            base_url="https://api.example/v1",
            models=("gpt-a", "gpt-b"),
            display_name="OpenAI",
            enabled=True,
            created_at=CREATED,
        ),
    )
    (account,) = store.accounts.list()
    assert (account.provider_id, account.label, account.secret_ref) == ("openai", "work", "keyring:0001")
    assert (account.priority, account.enabled, account.max_concurrency) == (3, False, 4)
    assert account.created_at == CREATED
    # 0003: accounts that existed before parking was known are neither parked nor disabled by us.
    assert (account.parked_until, account.parked_reason, account.disabled_reason) == (None, None, None)
    (key,) = store.keys.list()
    assert (key.name, key.key_hash, key.prefix, key.revoked) == ("laptop", "abc123", "vr-ab", False)
    assert key.created_at == CREATED
    assert key.last_used_at == CREATED
    assert store.config_version() == 41
    # The new table works right away.
    assert store.usage.recent() == ()
    # 0004: a key from before access lists allows everything, without limits.
    assert key.limits == KeyLimits()


def test_upgrade_from_0003_keeps_usage_rows(empty_db: Database) -> None:
    empty_db.migrate("0003")
    ts = _timestamp_literal(empty_db)
    with empty_db.engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO usage (request_id, started_at, api_key_name, client_format, provider_id, "
                "account_id, model, status, latency_ms, stream, input_tokens, output_tokens, error) "
                f"VALUES ('r1', {ts}, 'laptop', 'openai', 'openai', 1, 'gpt-a', 200, 12.5, TRUE, 10, 5, NULL)"
            )
        )
    empty_db.migrate()
    store = Store(empty_db)
    (row,) = store.usage.recent()
    assert (row.request_id, row.api_key_name, row.input_tokens, row.output_tokens) == ("r1", "laptop", 10, 5)
    assert row.started_at == CREATED
    assert (row.attempts, row.cost_usd, row.client_app, row.cached_tokens) == (0, None, None, None)
    assert store.usage.spend_by_key(CREATED) == {"laptop": 0.0}
