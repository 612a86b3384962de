"""Fixtures that run every store test on SQLite and on PostgreSQL.

PostgreSQL comes from VANSROUTE_TEST_POSTGRES_URL, a server URL such as
postgresql+psycopg://vansroute:vansroute@127.0.0.1:5432/postgres. Each test gets a fresh database
created on that server and dropped afterwards. Without the variable the PostgreSQL cases are skipped,
unless VANSROUTE_TEST_REQUIRE_ALL=1 (CI), where a skip would hide a broken setup: then they fail.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

from app.core.clock import FakeClock
from app.store.db import Database, sqlite_url
from app.store.repos import Store
from tests.environment import unavailable

POSTGRES_ENV = "VANSROUTE_TEST_POSTGRES_URL"
SKIP_REASON = "set VANSROUTE_TEST_POSTGRES_URL (.ci/run does)"
BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]

# The newest schema revision (other migrations land on top of each other; tests must not pin one).
HEAD = ScriptDirectory(
    str(Path(__file__).resolve().parents[3] / "app" / "store" / "migrations")
).get_current_head()

# The store clock starts here (FakeClock.now() is wall + monotonic, and monotonic starts at 0).
CLOCK_START = datetime(2026, 1, 1, tzinfo=UTC)


def postgres_server_url() -> str:
    url = os.environ.get(POSTGRES_ENV, "").strip()
    if url:
        return url
    unavailable(SKIP_REASON)


@pytest.fixture
def postgres_database() -> Iterator[str]:
    """The URL of a new, empty PostgreSQL database, dropped after the test."""
    server = postgres_server_url()
    name = f"vansroute_test_{uuid.uuid4().hex[:12]}"
    # CREATE/DROP DATABASE cannot run inside a transaction.
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
        yield make_url(server).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            # FORCE: a connection a failing test left open must not keep the database alive.
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    if request.param == "sqlite":
        # A directory that does not exist yet: Database.open() must create it.
        return sqlite_url(tmp_path_factory.mktemp("data") / "nested" / "vansroute.db")
    url: str = request.getfixturevalue("postgres_database")
    return url


@pytest.fixture
def empty_db(db_url: str) -> Iterator[Database]:
    """An open database with no schema yet."""
    db = Database.open(db_url)
    try:
        yield db
    finally:
        db.close()


@pytest.fixture
def db(empty_db: Database) -> Database:
    empty_db.migrate()
    return empty_db


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(start=0.0, wall=CLOCK_START)


@pytest.fixture
def store(db: Database, clock: FakeClock) -> Store:
    return Store(db, clock=clock)
