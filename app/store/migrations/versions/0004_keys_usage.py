"""Per-key access lists, limits and budgets; richer usage rows (client app, tokens, cost, timings).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25

Written by hand with plain SQLAlchemy types (not app.store.types), so this migration keeps meaning the
same thing when the models change later. Every new column is nullable (or has a server default), so
existing keys keep allowing everything and existing usage rows stay valid.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_KEY_COLUMNS = (
    ("allowed_providers", sa.Text()),
    ("allowed_combos", sa.Text()),
    ("allowed_kinds", sa.Text()),
    ("requests_per_minute", sa.Integer()),
    ("max_concurrent", sa.Integer()),
    ("monthly_budget_usd", sa.Float()),
)
_USAGE_COLUMNS = (
    ("client_app", sa.String(64)),
    ("upstream_model", sa.Text()),
    ("cached_tokens", sa.Integer()),
    ("cache_write_tokens", sa.Integer()),
    ("reasoning_tokens", sa.Integer()),
    ("cost_usd", sa.Float()),
    ("ttft_ms", sa.Float()),
)


def upgrade() -> None:
    with op.batch_alter_table("api_keys") as batch:
        for name, type_ in _KEY_COLUMNS:
            batch.add_column(sa.Column(name, type_, nullable=True))
    with op.batch_alter_table("usage") as batch:
        for name, type_ in _USAGE_COLUMNS:
            batch.add_column(sa.Column(name, type_, nullable=True))
        batch.add_column(sa.Column("attempts", sa.Integer(), server_default=sa.text("0"), nullable=False))
    op.create_index("ix_usage_api_key_name", "usage", ["api_key_name"])


def downgrade() -> None:
    op.drop_index("ix_usage_api_key_name", table_name="usage")
    with op.batch_alter_table("usage") as batch:
        batch.drop_column("attempts")
        for name, _ in reversed(_USAGE_COLUMNS):
            batch.drop_column(name)
    with op.batch_alter_table("api_keys") as batch:
        for name, _ in reversed(_KEY_COLUMNS):
            batch.drop_column(name)
