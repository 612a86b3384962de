"""Opening, migrating and closing the database; the one place engines are created.

SQLite is the default (one file in the data dir); PostgreSQL is for several gateways sharing state.
Every SQLAlchemy/Alembic exception that escapes this package is turned into StoreError here or in
`Database.session()`, with the password masked.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.util.exc import CommandError
from sqlalchemy import create_engine, event
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from sqlalchemy.orm import Session

from app.core.errors import StoreError, VansRouteError

_log = logging.getLogger(__name__)

_MIGRATIONS = Path(__file__).resolve().parent / "migrations"
# The newest migration's revision. A database already there needs no Alembic script loading at
# start-up (~30 ms of the ≤ 1 s budget); tests/unit/store/test_db.py checks it against the scripts.
HEAD_REVISION = "0006"
_SQLITE_BUSY_TIMEOUT_MS = 5000
_POSTGRES_WITHOUT_DRIVER = frozenset({"postgresql", "postgres"})


def sqlite_url(path: Path) -> str:
    """The SQLAlchemy URL of a SQLite file (absolute, so the working directory does not matter)."""
    absolute = path.expanduser().resolve()
    return URL.create("sqlite+pysqlite", database=absolute.as_posix()).render_as_string()


class Database:
    """An engine plus the rules for using it; build with `Database.open()`."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    @classmethod
    def open(cls, url: str) -> Database:
        """Create the engine and check that the database answers (fails fast with StoreError)."""
        parsed = _parse(url)
        safe = _mask(parsed)
        if parsed.get_backend_name() == "sqlite":
            _create_parent_dir(parsed, safe)
        try:
            engine = _create_engine(parsed)
        except (SQLAlchemyError, ImportError) as exc:
            raise StoreError(f"cannot use database {safe}: {_describe(exc, parsed)}") from None
        db = cls(engine)
        try:
            with engine.connect():
                pass
        except SQLAlchemyError as exc:
            engine.dispose()
            raise StoreError(f"cannot connect to database {safe}: {_describe(exc, parsed)}") from None
        return db

    @property
    def engine(self) -> Engine:
        return self._engine

    @property
    def dialect(self) -> str:
        """The backend's name: "sqlite" or "postgresql"."""
        return self._engine.dialect.name

    @property
    def safe_url(self) -> str:
        """The URL with its password masked, fit for logs and error messages."""
        return _mask(self._engine.url)

    def migrate(self, revision: str = "head") -> None:
        """Upgrade the schema to `revision` (default: the newest) in one transaction."""
        if revision == "head" and self.current_revision() == HEAD_REVISION:
            return
        config = Config()
        # Config values go through ConfigParser interpolation: a '%' in the install path must be doubled.
        config.set_main_option("script_location", str(_MIGRATIONS).replace("%", "%%"))
        try:
            with self._engine.begin() as connection:
                config.attributes["connection"] = connection
                command.upgrade(config, revision)
        except (SQLAlchemyError, CommandError) as exc:
            raise StoreError(
                f"cannot migrate database {self.safe_url} to {revision}: {_describe(exc, self._engine.url)}"
            ) from None
        _log.info("database %s is at schema revision %s", self.safe_url, revision)

    def current_revision(self) -> str | None:
        """The Alembic revision the database is at (None before the first migration)."""
        with self.connect("read the schema revision") as connection:
            return MigrationContext.configure(connection).get_current_revision()

    @contextmanager
    def session(self, action: str) -> Iterator[Session]:
        """One transaction: committed on success, rolled back on any exception.

        `action` completes "could not ..." in the StoreError message. Errors of our own (NotFound,
        AlreadyExists) pass through unchanged.
        """
        try:
            with Session(self._engine, expire_on_commit=False) as session, session.begin():
                yield session
        except VansRouteError:
            raise
        except SQLAlchemyError as exc:
            raise StoreError(f"could not {action}: {_describe(exc, self._engine.url)}") from exc

    @contextmanager
    def connect(self, action: str) -> Iterator[Connection]:
        """A Core connection inside one transaction (for bulk statements), with the same error mapping."""
        try:
            with self._engine.begin() as connection:
                yield connection
        except VansRouteError:
            raise
        except SQLAlchemyError as exc:
            raise StoreError(f"could not {action}: {_describe(exc, self._engine.url)}") from exc

    def close(self) -> None:
        self._engine.dispose()


def _parse(url: str) -> URL:
    try:
        parsed = make_url(url)
    except ArgumentError:
        # The raw string may hold a password: do not echo it.
        raise StoreError(
            "invalid database URL (expected e.g. sqlite:///path or postgresql+psycopg://...)"
        ) from None
    if parsed.drivername in _POSTGRES_WITHOUT_DRIVER:
        # Plain postgresql:// would make SQLAlchemy pick psycopg2, which VansRoute does not ship;
        # postgres:// is what many hosting providers hand out.
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def _mask(url: URL) -> str:
    return url.render_as_string(hide_password=True)


def _create_parent_dir(url: URL, safe: str) -> None:
    database = url.database
    if not database or database == ":memory:" or url.query.get("mode") == "memory":
        return
    try:
        Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(f"cannot create the directory for database {safe}: {exc.strerror}") from None


def _create_engine(url: URL) -> Engine:
    if url.get_backend_name() == "sqlite":
        engine = create_engine(url)
        event.listen(engine, "connect", _sqlite_on_connect)
        event.listen(engine, "begin", _sqlite_on_begin)
        return engine
    # pre_ping: a shared PostgreSQL may restart under a long-running gateway.
    return create_engine(url, pool_pre_ping=True)


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    # Python's sqlite3 only opens a transaction before INSERT/UPDATE/DELETE, so a SELECT followed by a
    # write would not be atomic. Take over: no implicit BEGIN here, an explicit one in _sqlite_on_begin.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        # WAL lets the gateway read while the CLI or the usage writer writes.
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        # Wait for a competing writer instead of failing at once with "database is locked".
        cursor.execute(f"PRAGMA busy_timeout={_SQLITE_BUSY_TIMEOUT_MS}")
    finally:
        cursor.close()


def _sqlite_on_begin(connection: Connection) -> None:
    connection.exec_driver_sql("BEGIN")


def _describe(exc: BaseException, url: URL) -> str:
    """A one-line cause without SQL parameters, and never the password."""
    cause: BaseException = getattr(exc, "orig", None) or exc
    text = str(cause).strip().splitlines()[0] if str(cause).strip() else type(cause).__name__
    password = url.password
    if password:
        text = text.replace(str(password), "***")
    return text
