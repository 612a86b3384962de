"""Model facts: what a provider's own model list says about each model (context window, output cap,
capabilities, price), and the user's overrides of those facts.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25

Plain SQLAlchemy types, so the migration keeps its meaning when the models change later.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_FACTS = ("price_input", "price_output", "price_cached")


def upgrade() -> None:
    with op.batch_alter_table("discovered_models") as batch:
        batch.add_column(sa.Column("context_window", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("max_output", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("capabilities", sa.String(100), nullable=True))
        for name in _FACTS:
            batch.add_column(sa.Column(name, sa.Float(), nullable=True))
    op.create_table(
        "model_overrides",
        sa.Column(
            "provider_id",
            sa.String(64),
            sa.ForeignKey(
                "providers.id", ondelete="CASCADE", name="fk_model_overrides_provider_id_providers"
            ),
            nullable=False,
        ),
        sa.Column("model_id", sa.String(300), nullable=False),
        sa.Column("context_window", sa.Integer(), nullable=True),
        sa.Column("max_output", sa.Integer(), nullable=True),
        *(sa.Column(name, sa.Float(), nullable=True) for name in _FACTS),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("provider_id", "model_id", name="pk_model_overrides"),
    )


def downgrade() -> None:
    op.drop_table("model_overrides")
    with op.batch_alter_table("discovered_models") as batch:
        for name in reversed(_FACTS):
            batch.drop_column(name)
        batch.drop_column("capabilities")
        batch.drop_column("max_output")
        batch.drop_column("context_window")
