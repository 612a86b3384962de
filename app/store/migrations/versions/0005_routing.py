"""Routing and savers: combo options, account selection per provider, the model lists fetched from
providers, token savers per key and the tokens they saved per request.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25

Plain SQLAlchemy types, so the migration keeps its meaning when the models change later.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("combos") as batch:
        # Strategy parameters (weights, judge model, timeouts) as a JSON object.
        batch.add_column(sa.Column("options", sa.Text(), nullable=False, server_default="{}"))
    with op.batch_alter_table("providers") as batch:
        batch.add_column(
            sa.Column("account_strategy", sa.String(32), nullable=False, server_default="fill-first")
        )
        batch.add_column(sa.Column("sticky_requests", sa.Integer(), nullable=True))
    with op.batch_alter_table("api_keys") as batch:
        # Token savers per key: NULL follows the global setting.
        batch.add_column(sa.Column("token_savers", sa.String(200), nullable=True))
    with op.batch_alter_table("usage") as batch:
        batch.add_column(sa.Column("saver_tokens_before", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("saver_tokens_after", sa.Integer(), nullable=True))
    op.create_table(
        "discovered_models",
        sa.Column(
            "provider_id",
            sa.String(64),
            sa.ForeignKey(
                "providers.id", ondelete="CASCADE", name="fk_discovered_models_provider_id_providers"
            ),
            nullable=False,
        ),
        sa.Column("model_id", sa.String(300), nullable=False),
        sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("provider_id", "model_id", name="pk_discovered_models"),
    )


def downgrade() -> None:
    op.drop_table("discovered_models")
    with op.batch_alter_table("usage") as batch:
        batch.drop_column("saver_tokens_after")
        batch.drop_column("saver_tokens_before")
    with op.batch_alter_table("api_keys") as batch:
        batch.drop_column("token_savers")
    with op.batch_alter_table("providers") as batch:
        batch.drop_column("sticky_requests")
        batch.drop_column("account_strategy")
    with op.batch_alter_table("combos") as batch:
        batch.drop_column("options")
