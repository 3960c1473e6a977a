"""Database fixtures: every store test runs on SQLite and on the machine's real PostgreSQL.

PostgreSQL gets a fresh database per test session (dropped afterwards). Outside CI a missing
server skips the PostgreSQL half with a reason; in CI (CI=true) it is an error.
"""
from __future__ import annotations

import os
import uuid

import pytest
from sqlalchemy import create_engine, text

from tests.services import services_required

PG_ADMIN_URL = os.environ.get("OERLINT_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


@pytest.fixture(scope="session")
def postgres_url():
    name = f"oerlint_test_{uuid.uuid4().hex[:10]}"
    try:
        admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:
        if services_required():
            raise
        pytest.skip(f"PostgreSQL not reachable at {PG_ADMIN_URL}: {type(exc).__name__}")
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    yield url
    from store.db import engine_for
    engine_for(url).dispose()
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path):
    """A migrated, empty database URL: SQLite in tmp_path, or a fresh PostgreSQL schema."""
    from store.db import engine_for, migrate
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'test.sqlite3'}"
        migrate(url)
        yield url
        engine_for(url).dispose()
        return
    base = request.getfixturevalue("postgres_url")
    eng = engine_for(base)
    # Each test gets clean tables: drop everything, then migrate again from nothing.
    with eng.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    migrate(base)
    yield base
