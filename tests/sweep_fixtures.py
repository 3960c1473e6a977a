"""Shared by the sweep tests: the demo repository on 127.0.0.1 (with the test server's faults), its
source, quick retry settings, and a look at what the store holds."""
from __future__ import annotations

from dataclasses import dataclass

import pytest
import yaml
from sqlalchemy import func, select

from demo.server import DemoServer, sources_yaml
from harvester.retry import RetryPolicy
from harvester.sources import parse_sources
from store.db import session
from store.models import Resource, ResourceVersion, Result, Sweep
from sweeps.pipeline import SweepSettings
from tests.oai_server import Faults

N = 40   # records: 6 kinds of resource, 42 units (two captioned videos carry a .vtt file)


class FaultyDemoServer(Faults, DemoServer):
    """The demo repository, whose listing pages can fail (tests.oai_server.Faults)."""


@pytest.fixture
def server():
    with FaultyDemoServer(N, batch_size=10) as srv:
        yield srv


def make_source(url: str, **options):
    return parse_sources(yaml.safe_load(sources_yaml(url, **options)))[0]


def quick_settings(db_url: str, tmp_path) -> SweepSettings:
    """Retries that wait milliseconds, so failure tests stay fast."""
    return SweepSettings(db_url=db_url, blob_dir=tmp_path / "blobs",
                         harvest_retry=RetryPolicy(attempts=3, base_delay=0.05, jitter=0),
                         http_retry=RetryPolicy(attempts=2, base_delay=0.05, jitter=0))


@dataclass
class Stored:
    live: int               # resources not deleted
    deleted: int
    current: int            # live resources whose current result exists
    results: int
    per_version_ruleset: int  # the most results for one version × ruleset version (1 = no duplicate)
    crossed: int            # live resources whose current result or version belongs elsewhere (0 = none)


def stored(db_url: str) -> Stored:
    with session(db_url) as s:
        live = s.scalar(select(func.count()).select_from(Resource).where(Resource.deleted.is_(False)))
        deleted = s.scalar(select(func.count()).select_from(Resource).where(Resource.deleted.is_(True)))
        current = s.scalar(select(func.count()).select_from(Resource).join(
            Result, Result.id == Resource.current_result_id).where(Resource.deleted.is_(False),
                                                                  Result.resource_id == Resource.id))
        results = s.scalar(select(func.count()).select_from(Result))
        groups = select(func.count().label("n")).select_from(Result).group_by(
            Result.version_id, Result.ruleset_version).subquery()
        dup = s.scalar(select(func.max(groups.c.n)))
        crossed = s.scalar(select(func.count()).select_from(Resource).join(
            Result, Result.id == Resource.current_result_id).join(
            ResourceVersion, ResourceVersion.id == Resource.current_version_id).where(
            Resource.deleted.is_(False),
            (Result.version_id != Resource.current_version_id) | (ResourceVersion.resource_id != Resource.id)))
    return Stored(live, deleted, current, results, dup or 0, crossed)


def file_units(server: DemoServer) -> int:
    return sum(len(r.files) for r in server.resources if not r.deleted)


def caption_siblings(server: DemoServer) -> int:
    """Videos whose caption file is fetched beside them for the media check."""
    return sum(1 for r in server.resources if not r.deleted and any(f.kind == "vtt" for f in r.files))


def units(server: DemoServer) -> int:
    return sum(max(1, len(r.files)) for r in server.resources if not r.deleted and r.number not in server.gone)


def last_sweep(db_url: str) -> Sweep:
    with session(db_url) as s:
        return s.scalars(select(Sweep).order_by(Sweep.id.desc())).first()
