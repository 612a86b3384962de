from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import make_url

from app.core.errors import StoreError
from app.store.db import Database, sqlite_url
from app.store.models import Base
from tests.unit.store.conftest import HEAD


def test_sqlite_url_is_absolute(tmp_path: Path) -> None:
    url = sqlite_url(tmp_path / "a b" / "x.db")
    assert url.startswith("sqlite+pysqlite:///")
    assert url.endswith("/a b/x.db")
    assert (tmp_path / "a b").as_posix() in url


def test_open_creates_the_parent_directory(tmp_path: Path) -> None:
    target = tmp_path / "deep" / "er" / "vansroute.db"
    db = Database.open(sqlite_url(target))
    try:
        assert target.parent.is_dir()
        assert db.dialect == "sqlite"
    finally:
        db.close()


def test_sqlite_pragmas_are_set_on_every_connection(tmp_path: Path) -> None:
    db = Database.open(sqlite_url(tmp_path / "v.db"))
    try:
        db.migrate()
        with db.connect("check pragmas") as connection:
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 5000
        # WAL is a property of the file: the -wal side file exists while connections are open.
        assert (tmp_path / "v.db-wal").exists()
    finally:
        db.close()


def test_dialect_and_safe_url(empty_db: Database, db_url: str) -> None:
    assert empty_db.dialect == make_url(db_url).get_backend_name()
    url = make_url(db_url)
    if url.password:
        assert empty_db.safe_url == url.render_as_string(hide_password=True)
        assert f"{url.username}:***@" in empty_db.safe_url
    else:
        assert empty_db.safe_url == db_url


def test_safe_url_masks_the_password(tmp_path: Path) -> None:
    # Building the engine does not need a server, but open() checks the connection: use a dead port.
    with pytest.raises(StoreError) as caught:
        Database.open("postgresql+psycopg://alice:s3cretpw@127.0.0.1:1/db")
    message = str(caught.value)
    assert "s3cretpw" not in message
    assert "alice:***@127.0.0.1:1/db" in message
    assert "cannot connect" in message


@pytest.mark.postgres
def test_postgres_url_without_driver_uses_psycopg_3(postgres_database: str) -> None:
    url = make_url(postgres_database)
    for scheme in ("postgresql", "postgres"):
        db = Database.open(url.set(drivername=scheme).render_as_string(hide_password=False))
        try:
            assert db.engine.url.drivername == "postgresql+psycopg"
            assert db.dialect == "postgresql"
        finally:
            db.close()


def test_invalid_url_does_not_echo_the_password() -> None:
    with pytest.raises(StoreError) as caught:
        Database.open("not a url s3cretpw")
    assert "s3cretpw" not in str(caught.value)
    assert "invalid database URL" in str(caught.value)


def test_unknown_driver_is_a_store_error() -> None:
    with pytest.raises(StoreError) as caught:
        Database.open("nosuchdb://u:s3cretpw@h/db")
    assert "s3cretpw" not in str(caught.value)


def test_unwritable_sqlite_location_is_a_store_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(StoreError, match="cannot create the directory"):
        Database.open(sqlite_url(blocker / "sub" / "v.db"))


def test_migrate_to_head_is_idempotent(empty_db: Database) -> None:
    assert empty_db.current_revision() is None
    empty_db.migrate()
    assert empty_db.current_revision() == HEAD
    empty_db.migrate()
    assert empty_db.current_revision() == HEAD
    tables = set(inspect(empty_db.engine).get_table_names())
    assert {"providers", "accounts", "api_keys", "combos", "settings", "config_version", "usage"} <= tables


def test_migrate_to_unknown_revision_is_a_store_error(empty_db: Database) -> None:
    with pytest.raises(StoreError, match="cannot migrate"):
        empty_db.migrate("9999")


def test_migrations_match_the_models(db: Database) -> None:
    """The hand-written migrations and models.py describe the same schema."""
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    assert differences == []


def test_head_revision_names_the_newest_migration() -> None:
    from alembic.config import Config as AlembicConfig
    from alembic.script import ScriptDirectory

    from app.store import db as db_module

    config = AlembicConfig()
    config.set_main_option("script_location", str(db_module._MIGRATIONS))
    assert ScriptDirectory.from_config(config).get_current_head() == db_module.HEAD_REVISION
