"""The store on SQLite and PostgreSQL: migrations, constraints, leases."""
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import inspect, select, update
from sqlalchemy.exc import IntegrityError

from store.db import acquire_lease, engine_for, release_lease, session
from store.models import Lease, Resource, ResourceVersion, Result, Source

TABLES = {"sources", "resources", "resource_versions", "sweeps", "results", "users",
          "api_tokens", "reviews", "leases", "sweep_items", "alembic_version"}


def test_migrations_create_every_table(db_url):
    assert TABLES <= set(inspect(engine_for(db_url)).get_table_names())


def _resource(s):
    src = Source(name="repo", kind="oai", base_url="http://127.0.0.1/oai")
    s.add(src)
    s.flush()
    res = Resource(source_id=src.id, identifier="oai:x:1", record={"title": "T"})
    s.add(res)
    s.flush()
    ver = ResourceVersion(resource_id=res.id, sha256="a" * 64, metadata_sha256="b" * 64)
    s.add(ver)
    s.flush()
    return res, ver


def test_one_result_per_version_and_ruleset(db_url):
    with session(db_url) as s:
        res, ver = _resource(s)
        s.add(Result(resource_id=res.id, version_id=ver.id, ruleset_version="1-abc", findings=[{"rule": "x"}]))
    with pytest.raises(IntegrityError):
        with session(db_url) as s:
            s.add(Result(resource_id=res.id, version_id=ver.id, ruleset_version="1-abc"))
    with session(db_url) as s:
        s.add(Result(resource_id=res.id, version_id=ver.id, ruleset_version="1-def"))
    with session(db_url) as s:
        assert len(s.scalars(select(Result)).all()) == 2
        assert s.scalars(select(Result)).first().findings == [{"rule": "x"}]


def test_resource_identifier_unique_per_source(db_url):
    with session(db_url) as s:
        res, _ = _resource(s)
        src_id = res.source_id
    with pytest.raises(IntegrityError):
        with session(db_url) as s:
            s.add(Resource(source_id=src_id, identifier="oai:x:1"))


def test_lease_is_exclusive_until_it_expires(db_url):
    with session(db_url) as s:
        assert acquire_lease(s, "sweep:repo", "beat-1", 60)
        assert not acquire_lease(s, "sweep:repo", "beat-2", 60)
        assert acquire_lease(s, "sweep:repo", "beat-1", 60)  # the holder renews
        s.execute(update(Lease).values(expires_at=datetime.now(timezone.utc) - timedelta(seconds=1)))
        s.commit()
        assert acquire_lease(s, "sweep:repo", "beat-2", 60)  # expired: taken over
        release_lease(s, "sweep:repo", "beat-1")             # not the holder: no effect
        assert not acquire_lease(s, "sweep:repo", "beat-1", 60)
        release_lease(s, "sweep:repo", "beat-2")
        assert acquire_lease(s, "sweep:repo", "beat-1", 60)


def test_datetimes_come_back_timezone_aware(db_url):
    with session(db_url) as s:
        res, _ = _resource(s)
    with session(db_url) as s:
        assert s.get(Resource, res.id).first_seen.tzinfo is not None


def test_models_and_migrations_agree(db_url):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from store.models import Base
    with engine_for(db_url).connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    # SQLite cannot hold the two pointer foreign keys of `resources` (see migration 0001).
    diff = [d for d in diff if not (d[0] == "add_fk" and d[1].parent.name == "resources")]
    assert diff == []
