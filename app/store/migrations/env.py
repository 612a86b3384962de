"""Alembic environment: runs only through Database.migrate(), which hands over an open connection.

There is no alembic.ini and no URL here on purpose: the caller already holds the engine (with its
SQLite pragmas) and the password never has to be written into a config file.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from app.store.models import Base


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        # SQLite cannot ALTER most things; batch mode rebuilds the table instead.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def _main() -> None:
    if context.is_offline_mode():
        raise RuntimeError("offline (SQL script) migrations are not supported; use Database.migrate()")
    connection = context.config.attributes.get("connection")
    if not isinstance(connection, Connection):
        raise RuntimeError("migrations must be run through app.store.db.Database.migrate()")
    _run(connection)


_main()
