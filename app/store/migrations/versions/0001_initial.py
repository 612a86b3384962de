"""Configuration tables: providers, accounts, API keys, combos, settings, config version.

Revision ID: 0001
Revises:
Create Date: 2026-01-01

Written by hand with plain SQLAlchemy types (not app.store.types), so this migration keeps meaning the
same thing when the models change later.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _tz() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "providers",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("wire_format", sa.String(16), nullable=False),
        sa.Column("base_url", sa.Text(), nullable=False),
        sa.Column("models", sa.Text(), nullable=False),
        sa.Column("display_name", sa.String(200), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", _tz(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_providers"),
    )
    op.create_table(
        "accounts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("provider_id", sa.String(64), nullable=False),
        sa.Column("label", sa.String(200), nullable=False),
        sa.Column("secret_ref", sa.String(300), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("proxy_url", sa.Text(), nullable=True),
        sa.Column("max_concurrency", sa.Integer(), nullable=True),
        sa.Column("created_at", _tz(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_accounts"),
        sa.ForeignKeyConstraint(
            ["provider_id"],
            ["providers.id"],
            name="fk_accounts_provider_id_providers",
            ondelete="CASCADE",
        ),
        sa.UniqueConstraint("provider_id", "label", name="uq_accounts_provider_label"),
    )
    op.create_index("ix_accounts_provider_id", "accounts", ["provider_id"])
    op.create_table(
        "api_keys",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("key_hash", sa.String(128), nullable=False),
        sa.Column("prefix", sa.String(32), nullable=False),
        sa.Column("revoked", sa.Boolean(), nullable=False),
        sa.Column("created_at", _tz(), nullable=False),
        sa.Column("last_used_at", _tz(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_api_keys"),
        sa.UniqueConstraint("key_hash", name="uq_api_keys_key_hash"),
    )
    op.create_index("ix_api_keys_name", "api_keys", ["name"])
    # At most one active key per name; the repository checks first for a readable error.
    op.create_index(
        "uq_api_keys_active_name",
        "api_keys",
        ["name"],
        unique=True,
        sqlite_where=sa.text("NOT revoked"),
        postgresql_where=sa.text("NOT revoked"),
    )
    op.create_table(
        "combos",
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("strategy", sa.String(64), nullable=False),
        sa.Column("targets", sa.Text(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_combos"),
    )
    op.create_table(
        "settings",
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_settings"),
    )
    config_version = op.create_table(
        "config_version",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_config_version"),
    )
    # The single row every configuration write bumps; it must exist before the first write.
    op.bulk_insert(config_version, [{"id": 1, "version": 0}])


def downgrade() -> None:
    op.drop_table("config_version")
    op.drop_table("settings")
    op.drop_table("combos")
    op.drop_index("uq_api_keys_active_name", table_name="api_keys")
    op.drop_index("ix_api_keys_name", table_name="api_keys")
    op.drop_table("api_keys")
    op.drop_index("ix_accounts_provider_id", table_name="accounts")
    op.drop_table("accounts")
    op.drop_table("providers")
