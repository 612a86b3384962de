"""Free-form key/value settings (strings; callers parse their own values)."""

from __future__ import annotations

from sqlalchemy import select

from app.store import config_version
from app.store.db import Database
from app.store.models import Setting


class SettingsRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    def get(self, key: str) -> str | None:
        with self._db.session(f"read setting '{key}'") as session:
            row = session.get(Setting, key)
            return None if row is None else row.value

    def set(self, key: str, value: str) -> None:
        with self._db.session(f"save setting '{key}'") as session:
            # The bump comes first and serializes configuration writers, so this read-then-write
            # cannot race another writer inserting the same key.
            config_version.bump(session)
            row = session.get(Setting, key)
            if row is None:
                session.add(Setting(key=key, value=value))
            else:
                row.value = value

    def all(self) -> dict[str, str]:
        with self._db.session("read settings") as session:
            return {row.key: row.value for row in session.scalars(select(Setting).order_by(Setting.key))}
