"""The in-process sweep against the demo repository on 127.0.0.1, on SQLite and PostgreSQL."""
from __future__ import annotations

from types import SimpleNamespace

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from store.db import session
from store.models import Resource, Result, Sweep, SweepItem
from sweeps.cli import main
from sweeps.inprocess import run_sweep
from tests.sweep_fixtures import (N, caption_siblings, file_units, last_sweep, make_source, quick_settings, stored,
                                  units)


@pytest.fixture(autouse=True)
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("OERLINT_DATA_DIR", str(tmp_path / "data"))


def sweep(server, db_url, tmp_path, **kw):
    return run_sweep(make_source(server.url), quick_settings(db_url, tmp_path), isolate=False, **kw)


def test_second_sweep_downloads_and_checks_nothing(server, db_url, tmp_path):
    first = sweep(server, db_url, tmp_path)
    assert first["status"] == "succeeded" and first["harvested"] == N
    assert first["checked"] == units(server) and first["errors"] == 0
    assert first["downloads"] == file_units(server)
    assert server.stats["get"] == file_units(server) + caption_siblings(server)
    after = stored(db_url)
    assert after.live == after.current == units(server)  # every resource: exactly one current result
    assert after.per_version_ruleset == 1 and after.crossed == 0

    server.reset_stats()
    second = sweep(server, db_url, tmp_path)               # incremental: from the checkpoint
    assert (second["checked"], second["rechecked"], second["downloads"]) == (0, 0, 0)
    assert server.stats["get"] == 0

    server.reset_stats()
    full = sweep(server, db_url, tmp_path, full=True)      # every file asked for again, conditionally
    assert full["harvested"] == N
    assert (full["checked"], full["rechecked"], full["downloads"]) == (0, 0, 0)
    assert server.stats["get"] == 0
    assert server.stats["not_modified"] == file_units(server) == full["unchanged"]
    assert stored(db_url).results == after.results


def test_changed_resource_is_fetched_and_checked_again_deleted_one_marked(server, db_url, tmp_path):
    sweep(server, db_url, tmp_path)
    before = stored(db_url)
    server.reset_stats()
    server.change(3)     # a PPTX with a new body
    server.delete(4)     # a metadata-only record
    summary = sweep(server, db_url, tmp_path)
    assert summary["harvested"] == 2 and summary["deleted"] == 1
    assert summary["checked"] == 1 and summary["downloads"] == 1
    assert dict(server.served) == {f"/records/3/files/{server.resources[3].files[0].name}": 1}
    after = stored(db_url)
    assert after.deleted == 1 and after.live == before.live - 1 == after.current
    assert after.results == before.results + 1       # the old result stays as history
    with session(db_url) as s:
        res = s.scalars(select(Resource).where(Resource.identifier.startswith(server.resources[3].identifier))).one()
        results = s.scalars(select(Result).where(Result.resource_id == res.id).order_by(Result.id)).all()
        assert len(results) == 2 and res.current_result_id == results[-1].id
        gone = s.scalars(select(Resource).where(Resource.identifier == server.resources[4].identifier)).one()
        assert gone.deleted


def test_new_ruleset_rechecks_everything_without_downloading(server, db_url, tmp_path, monkeypatch):
    sweep(server, db_url, tmp_path)
    before = stored(db_url)
    server.reset_stats()
    monkeypatch.setattr("sweeps.pipeline.catalogue", lambda: SimpleNamespace(version="9.9-test"))
    summary = sweep(server, db_url, tmp_path)
    assert summary["rechecked"] == units(server) and summary["checked"] == 0
    assert summary["downloads"] == 0 and server.stats["get"] == server.stats["not_modified"] == 0
    after = stored(db_url)
    assert after.results == 2 * before.results and after.current == after.live
    with session(db_url) as s:
        current = s.scalars(select(Result).join(Resource, Resource.current_result_id == Result.id)).all()
        assert {r.ruleset_version for r in current} == {"9.9-test"}


def test_corrupt_file_is_unreadable_and_the_sweep_goes_on(server, db_url, tmp_path):
    server.corrupt(1)                       # resource 1 is a PDF; now a truncated one
    summary = run_sweep(make_source(server.url), quick_settings(db_url, tmp_path), isolate=True)
    assert summary["checked"] == units(server) and summary["errors"] == 0
    with session(db_url) as s:
        res = s.scalars(select(Resource).where(Resource.identifier.startswith(server.resources[1].identifier))).one()
        findings = s.get(Result, res.current_result_id).findings
    assert [f["outcome"] for f in findings if f["rule"] == "unreadable"] == ["failed"]
    assert stored(db_url).current == units(server)


def test_failing_source_is_retried_its_error_kept_and_the_harvest_kept(server, db_url, tmp_path):
    server.add_fault("503", cursor=20, times=1000)  # the third page never comes
    summary = sweep(server, db_url, tmp_path)
    assert summary["status"] == "failed" and summary["harvest_attempts"] == 3
    assert "503" in summary["harvest_failed"]
    assert server.log.faults.count("503@20") >= 3 * 2   # 3 harvest attempts × 2 tries per request
    sw = last_sweep(db_url)
    assert sw.status == "failed" and "503" in sw.error
    assert summary["harvested"] == 20 and stored(db_url).current == units_of(server, range(20))

    server.faults.clear()                               # the source is back: go on from there
    server.reset_stats()
    summary = sweep(server, db_url, tmp_path)
    assert summary["status"] == "succeeded" and summary["harvested"] == N - 20
    assert stored(db_url).current == units(server)


def test_source_down_is_a_failed_sweep_with_its_error(server, db_url, tmp_path):
    source = make_source(server.url)
    server.stop()
    summary = run_sweep(source, quick_settings(db_url, tmp_path), isolate=False)
    assert summary["status"] == "failed" and summary["harvest_attempts"] == 3
    assert "Connection" in summary["harvest_failed"] or "refused" in summary["harvest_failed"]
    assert not summary["suspicious"]          # a failure is reported as such, not as a drop
    result = CliRunner().invoke(main, ["status"], env={"OERLINT_DATABASE_URL": db_url})
    assert "failed" in result.output and "error:" in result.output


def test_count_drop_is_suspicious_and_status_shows_it(server, db_url, tmp_path):
    first = sweep(server, db_url, tmp_path)
    assert first["full"] and not first["suspicious"]
    server.resources = server.resources[:12]         # the repository "loses" most records
    server.load()
    incremental = sweep(server, db_url, tmp_path)
    assert not incremental["suspicious"]             # an incremental harvest may rightly be small
    dropped = sweep(server, db_url, tmp_path, full=True)
    assert dropped["status"] == "succeeded" and dropped["harvested"] == 12
    assert "far fewer" in dropped["suspicious"] and f"the {N} of sweep" in dropped["suspicious"]
    result = CliRunner().invoke(main, ["status"], env={"OERLINT_DATABASE_URL": db_url})
    assert result.exit_code == 0 and "SUSPICIOUS: harvested 12 live records" in result.output

    server.resources = []                            # and then everything
    server.load()
    empty = sweep(server, db_url, tmp_path, full=True)
    assert empty["harvested"] == 0 and empty["suspicious"] == "the full harvest returned no records at all"
    with session(db_url) as s:
        flags = [w.suspicious for w in s.scalars(select(Sweep).order_by(Sweep.id))]
    assert flags == [False, False, True, True]


def test_a_small_full_harvest_after_a_drop_stays_flagged(server, db_url, tmp_path):
    sweep(server, db_url, tmp_path)
    server.resources = server.resources[:12]
    server.load()
    assert sweep(server, db_url, tmp_path, full=True)["suspicious"]
    # compared with the last good full harvest (40), not with the suspicious one (12)
    assert sweep(server, db_url, tmp_path, full=True)["suspicious"]


def test_a_sweep_already_running_is_not_started_twice(server, db_url, tmp_path):
    from sweeps.pipeline import Sweeper
    sweeper = Sweeper(make_source(server.url), quick_settings(db_url, tmp_path))
    first = sweeper.start()
    assert first is not None
    assert run_sweep(make_source(server.url), quick_settings(db_url, tmp_path), isolate=False)["status"] == "skipped"
    sweeper.finish(first)                            # releases the source's lease
    assert run_sweep(make_source(server.url), quick_settings(db_url, tmp_path), isolate=False)["status"] == "succeeded"
    with session(db_url) as s:
        assert s.scalars(select(SweepItem).where(SweepItem.state == "pending")).all() == []


def units_of(server, numbers) -> int:
    return sum(max(1, len(server.resources[i].files)) for i in numbers)
