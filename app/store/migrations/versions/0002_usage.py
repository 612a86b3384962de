"""Usage log: one row per request through the gateway.

Revision ID: 0002
Revises: 0001
Create Date: 2026-01-01

Written by hand with plain SQLAlchemy types (not app.store.types), so this migration keeps meaning the
same thing when the models change later.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "usage",
        # BIGINT on PostgreSQL; SQLite needs exactly INTEGER PRIMARY KEY to alias the rowid.
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("request_id", sa.Text(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("api_key_name", sa.String(200), nullable=True),
        sa.Column("client_format", sa.String(16), nullable=False),
        sa.Column("provider_id", sa.String(64), nullable=True),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.Column("model", sa.Text(), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("latency_ms", sa.Float(), nullable=False),
        sa.Column("stream", sa.Boolean(), nullable=False),
        sa.Column("input_tokens", sa.Integer(), nullable=True),
        sa.Column("output_tokens", sa.Integer(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_usage"),
    )
    op.create_index("ix_usage_started_at", "usage", ["started_at"])
    op.create_index("ix_usage_provider_id", "usage", ["provider_id"])


def downgrade() -> None:
    op.drop_index("ix_usage_provider_id", table_name="usage")
    op.drop_index("ix_usage_started_at", table_name="usage")
    op.drop_table("usage")
