"""The configuration version: one number that changes with every configuration write.

Running gateways poll it (a cheap one-row read) and reload their snapshot when it moves, so a change
made by the CLI or another gateway shows up within the polling interval.
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.core.errors import StoreError
from app.store.models import ConfigVersion

_ROW_ID = 1


def bump(session: Session) -> None:
    """Increment the version inside the caller's transaction.

    Call it FIRST in every configuration write. The UPDATE takes the write lock up front: on SQLite the
    transaction never has to upgrade a read snapshot (which fails with "database is locked" instead of
    waiting), and on PostgreSQL concurrent writers queue on this row, so "check, then insert" inside the
    same transaction cannot race.
    """
    result = session.execute(
        update(ConfigVersion).where(ConfigVersion.id == _ROW_ID).values(version=ConfigVersion.version + 1)
    )
    if getattr(result, "rowcount", 1) != 1:
        raise StoreError("the config_version row is missing; the database was not migrated by VansRoute")


def read(session: Session) -> int:
    version = session.scalar(select(ConfigVersion.version).where(ConfigVersion.id == _ROW_ID))
    if version is None:
        raise StoreError("the config_version row is missing; the database was not migrated by VansRoute")
    return version
