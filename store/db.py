"""Database connection, migrations and leases.

SQLite by default (a file in the data directory, `OERLINT_DATA_DIR`, default ./oerlint-data);
PostgreSQL (or any SQLAlchemy URL) through `OERLINT_DATABASE_URL`. The schema is created and
upgraded by Alembic migrations only (store/migrations), never by `create_all`, so an existing
database always follows the code.
"""
from __future__ import annotations

import functools
import json
import os
import threading
from contextlib import contextmanager, nullcontext
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Iterator

import orjson
from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, delete, event, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from store.models import Lease

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def data_dir() -> Path:
    path = Path(os.environ.get("OERLINT_DATA_DIR", "oerlint-data"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def database_url() -> str:
    return os.environ.get("OERLINT_DATABASE_URL") or f"sqlite:///{data_dir() / 'oerlint.sqlite3'}"


def redact_url(url: str) -> str:
    """A database URL fit for messages: the password is never shown."""
    from sqlalchemy.engine import make_url
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "<database url>"


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")      # readers do not block the writer
    cur.execute("PRAGMA busy_timeout=30000")    # threads wait for the write lock
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def _json_text(value) -> str:
    """JSON columns (a result's findings are tens of kilobytes) written with orjson: the
    standard encoder cost a sweep a third of its storing time. What orjson refuses (an integer
    beyond 64 bits) goes to the standard encoder."""
    try:
        return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode("utf-8")
    except orjson.JSONEncodeError:
        return json.dumps(value, ensure_ascii=False)


@functools.cache
def engine_for(url: str) -> Engine:
    json_codec = {"json_serializer": _json_text, "json_deserializer": orjson.loads}
    if url.startswith("sqlite"):
        eng = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, **json_codec)
        event.listen(eng, "connect", _sqlite_pragmas)
    else:
        eng = create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=10, **json_codec)
    return eng


def migrate(url: str | None = None) -> Engine:
    """Bring the database at `url` to the newest schema; returns its engine."""
    url = url or database_url()
    eng = engine_for(url)
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with eng.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
    return eng


_first_use = threading.Lock()


@functools.cache
def _sessions(url: str) -> sessionmaker[Session]:
    # Alembic's command API keeps module-global state: two threads migrating at once break it.
    with _first_use:
        return sessionmaker(bind=migrate(url), expire_on_commit=False)


@functools.cache
def _sqlite_turn(url: str) -> threading.RLock:
    return threading.RLock()


@contextmanager
def session(url: str | None = None) -> Iterator[Session]:
    """A session that commits on success and rolls back on error.

    On SQLite the threads of one process take turns, one session at a time: SQLite has a single
    writer, and its busy handler waits for the write lock by sleeping in steps of up to 100 ms,
    which cost a threaded sweep most of its time. Other processes still meet busy_timeout.
    Sessions are short (no network or parsing inside one), so the turns are short too.
    """
    url = url or database_url()
    with _sqlite_turn(url) if url.startswith("sqlite") else nullcontext():
        s = _sessions(url)()
        try:
            yield s
            s.commit()
        except BaseException:
            s.rollback()
            raise
        finally:
            s.close()


def acquire_lease(s: Session, name: str, holder: str, seconds: float) -> bool:
    """Take the lease `name` for `seconds` unless someone else holds an unexpired one.

    Atomic on SQLite and PostgreSQL: an expired lease is taken over with a conditional UPDATE,
    a missing one is created with an INSERT that the primary key makes exclusive.
    """
    now = datetime.now(timezone.utc)
    until = now + timedelta(seconds=seconds)
    taken = s.execute(update(Lease).where(Lease.name == name)
                      .where((Lease.expires_at < now) | (Lease.holder == holder))
                      .values(holder=holder, expires_at=until)).rowcount
    if taken:
        s.commit()
        return True
    if s.execute(select(Lease.name).where(Lease.name == name)).first():
        s.rollback()
        return False
    try:
        s.add(Lease(name=name, holder=holder, expires_at=until))
        s.commit()
        return True
    except IntegrityError:
        s.rollback()
        return False


def release_lease(s: Session, name: str, holder: str) -> None:
    s.execute(delete(Lease).where(Lease.name == name, Lease.holder == holder))
    s.commit()
