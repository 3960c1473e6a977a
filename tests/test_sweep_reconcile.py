"""Deletion reconciliation and the count-drop signals of incremental sweeps, against the demo
repository on 127.0.0.1 (oaipmh's BatchingServer) and the Moodle simulator, on SQLite and
PostgreSQL."""
from __future__ import annotations

from datetime import timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import select, update

from harvester.sources import parse_sources
from store.db import session
from store.models import Resource, Source, Sweep
from sweeps.cli import main
from sweeps.cli_sweep import _summary_line
from sweeps.inprocess import run_sweep
from tests.moodle_sim import MoodleSim
from tests.sweep_fixtures import N, FaultyDemoServer, make_source, quick_settings, stored, units


@pytest.fixture(autouse=True)
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("OERLINT_DATA_DIR", str(tmp_path / "data"))


@pytest.fixture
def repo():
    """A repository that keeps no deletions: a removed record simply stops being listed."""
    with FaultyDemoServer(N, batch_size=10, deleted_record="no") as srv:
        yield srv


def sweep(srv, db_url, tmp_path, full=False, **options):
    return run_sweep(make_source(srv.url, **options), quick_settings(db_url, tmp_path), isolate=False, full=full)


def listings(srv) -> int:
    return sum(r["verb"] == "ListIdentifiers" for r in srv.log.requests)


def deleted_identifiers(db_url) -> set[str]:
    with session(db_url) as s:
        return set(s.scalars(select(Resource.identifier).where(Resource.deleted.is_(True))))


def test_a_removed_record_is_marked_deleted_by_a_reconciliation_not_by_an_incremental_sweep(
        repo, db_url, tmp_path):
    sweep(repo, db_url, tmp_path)
    repo.remove(4)                                   # a metadata-only record: one resource
    incremental = sweep(repo, db_url, tmp_path)      # reconcile_days (7) have not passed
    assert "reconciliation" not in incremental and listings(repo) == 0
    assert stored(db_url).deleted == 0

    due = sweep(repo, db_url, tmp_path, reconcile_days=0)
    assert due["status"] == "succeeded" and not due["suspicious"]
    assert due["deleted_by_reconciliation"] == 1 and due["deleted"] == 0
    assert due["reconciliation"]["live"] == units(repo) + 1 and due["reconciliation"]["absent"] == 1
    assert deleted_identifiers(db_url) == {repo.resources[4].identifier}
    assert stored(db_url).live == units(repo)
    assert "deletion reconciliation (ListIdentifiers): deleted_by_reconciliation 1 of" in _summary_line("demo", due)
    with session(db_url) as s:
        assert s.scalars(select(Source.reconciled_at)).one() is not None
    status = CliRunner().invoke(main, ["status"], env={"OERLINT_DATABASE_URL": db_url})
    assert f"sweep {due['sweep']} succeeded" in status.output and "deleted=1 " in status.output, status.output

    repo.log.requests.clear()                        # just reconciled: not due again for 7 days
    assert "reconciliation" not in sweep(repo, db_url, tmp_path) and listings(repo) == 0


def test_a_full_sweep_reconciles_whatever_reconcile_days_says(repo, db_url, tmp_path):
    sweep(repo, db_url, tmp_path)
    repo.remove(5)                                   # a DOCX: one file resource
    full = sweep(repo, db_url, tmp_path, full=True, reconcile_days=365)
    assert full["deleted_by_reconciliation"] == 1 and not full["suspicious"]
    assert {i.split("#")[0] for i in deleted_identifiers(db_url)} == {repo.resources[5].identifier}


def test_a_listing_interrupted_by_a_server_error_marks_nothing(repo, db_url, tmp_path):
    sweep(repo, db_url, tmp_path)
    with session(db_url) as s:                       # first swept 8 days ago: a reconciliation is due
        s.execute(update(Source).values(created_at=s.scalars(select(Source.created_at)).one() - timedelta(days=8)))
    repo.remove(4)
    repo.add_fault("503", cursor=20, times=1000, verb="ListIdentifiers")   # the third page never comes
    broken = sweep(repo, db_url, tmp_path)
    assert broken["status"] == "succeeded" and not broken["suspicious"]
    assert broken["deleted_by_reconciliation"] == 0 and stored(db_url).deleted == 0
    problem = broken["reconciliation"]["problem"]
    assert "listing incomplete, nothing marked deleted" in problem and "HTTP 503" in problem
    assert f"deletion reconciliation: {problem}" in _summary_line("demo", broken)
    with session(db_url) as s:
        assert s.scalars(select(Source.reconciled_at)).one() is None   # still due: the next sweep lists again

    repo.faults.clear()
    assert sweep(repo, db_url, tmp_path)["deleted_by_reconciliation"] == 1


def test_a_listing_far_smaller_than_the_store_marks_nothing_and_is_suspicious(repo, db_url, tmp_path):
    sweep(repo, db_url, tmp_path)
    for number in range(8, N):
        repo.remove(number)
    small = sweep(repo, db_url, tmp_path, reconcile_days=0)
    assert small["status"] == "succeeded" and small["deleted_by_reconciliation"] == 0
    assert "the reconciliation listing holds" in small["suspicious"]
    assert "nothing was marked deleted" in small["suspicious"]
    assert stored(db_url).deleted == 0


def test_a_repository_that_keeps_deletions_is_not_listed(server, db_url, tmp_path):
    sweep(server, db_url, tmp_path)
    again = sweep(server, db_url, tmp_path, full=True, reconcile_days=0)
    assert "reconciliation" not in again and listings(server) == 0


def _age(db_url, sweep_id: int, days: int) -> None:
    with session(db_url) as s:
        started = s.get(Sweep, sweep_id).started_at
        s.execute(update(Sweep).where(Sweep.id == sweep_id).values(started_at=started - timedelta(days=days)))


def test_a_source_that_used_to_change_and_went_quiet_is_flagged(server, db_url, tmp_path):
    sweep(server, db_url, tmp_path)
    server.change(1)
    changed = sweep(server, db_url, tmp_path)
    assert changed["harvested"] == 1
    assert not sweep(server, db_url, tmp_path)["suspicious"]       # quiet for a moment: normal
    _age(db_url, changed["sweep"], 31)
    flagged = sweep(server, db_url, tmp_path)
    assert flagged["status"] == "succeeded"
    assert flagged["suspicious"].startswith(f"no record harvested for 31 days (the last change came in sweep "
                                            f"{changed['sweep']}")
    assert not sweep(server, db_url, tmp_path, quiet_days=60)["suspicious"]
    assert not sweep(server, db_url, tmp_path, quiet_days=False)["suspicious"]
    server.change(2)
    assert not sweep(server, db_url, tmp_path)["suspicious"]       # it changes again


def test_a_source_that_never_changed_is_not_flagged_for_being_quiet(server, db_url, tmp_path):
    first = sweep(server, db_url, tmp_path)
    _age(db_url, first["sweep"], 400)
    assert not sweep(server, db_url, tmp_path)["suspicious"]


def test_a_moodle_full_sweep_marks_modules_gone_from_the_courses_it_read(db_url, tmp_path, monkeypatch):
    with MoodleSim() as sim:
        monkeypatch.setenv("SIM_MOODLE_TOKEN", sim.token)
        source = parse_sources([{"name": "campus", "institution": "Test University", "kind": "moodle",
                                 "base_url": sim.url, "token_env": "SIM_MOODLE_TOKEN", "courses": [2, 3],
                                 "allow_private": True}])[0]
        settings = quick_settings(db_url, tmp_path)
        first = run_sweep(source, settings, isolate=False)
        assert first["status"] == "succeeded" and first["reconciliation"]["absent"] == 0
        sim.delete_module(12)                        # course 2: the syllabus PDF
        sim.delete_module(42)                        # course 3, which then refuses the token
        sim.denied[3] = ("moodle_exception", "errorcoursecontextnotvalid", "Course or activity not accessible.")
        full = run_sweep(source, settings, isolate=False, full=True)
    assert full["status"] == "succeeded" and not full["suspicious"]
    assert full["deleted"] == 0                      # a full harvest has no checkpoint to compare with
    gone = deleted_identifiers(db_url)
    assert full["deleted_by_reconciliation"] == len(gone) > 0
    assert all(":course2:cm12" in i for i in gone)   # course 3 was not read: nothing of it marked
    with session(db_url) as s:
        assert s.scalars(select(Resource.deleted).where(Resource.identifier.contains(":course3:cm42"))).all() == [False]


def _campus(sim, monkeypatch, courses=(2, 3)):
    monkeypatch.setenv("SIM_MOODLE_TOKEN", sim.token)
    return parse_sources([{"name": "campus", "institution": "Test University", "kind": "moodle",
                           "base_url": sim.url, "token_env": "SIM_MOODLE_TOKEN", "courses": list(courses),
                           "allow_private": True}])[0]


def live_of_course(db_url, course: int) -> list[str]:
    with session(db_url) as s:
        return list(s.scalars(select(Resource.identifier).where(
            Resource.deleted.is_(False), Resource.record_identifier.contains(f":course{course}"))))


@pytest.mark.parametrize("vanish", ["delete_course", "hide_course"])
def test_a_moodle_course_gone_from_the_site_is_marked_deleted_and_back_when_it_returns(
        vanish, db_url, tmp_path, monkeypatch):
    with MoodleSim() as sim:
        source, settings = _campus(sim, monkeypatch), quick_settings(db_url, tmp_path)
        run_sweep(source, settings, isolate=False)
        course3 = live_of_course(db_url, 3)
        assert len(course3) >= 3
        course = sim.courses[3]
        getattr(sim, vanish)(3)
        gone = run_sweep(source, settings, isolate=False)   # incremental: the checkpoint still has course 3
        assert gone["status"] == "succeeded" and not gone["suspicious"] and gone["deleted"] == 0
        assert gone["deleted_by_reconciliation"] == len(course3)
        assert gone["reconciliation"]["vanished_courses"] == 1
        assert deleted_identifiers(db_url) == set(course3) and live_of_course(db_url, 2)
        if vanish == "delete_course":                  # restored from a backup
            sim.courses[3], sim.contents[3] = course, []
            sim._build()
        course["visible"] = 1
        back = run_sweep(source, settings, isolate=False)
    assert back["status"] == "succeeded" and back["deleted_by_reconciliation"] == 0
    assert sorted(live_of_course(db_url, 3)) == sorted(course3) and not deleted_identifiers(db_url)


def test_a_moodle_course_dropped_from_the_configuration_is_marked_deleted(db_url, tmp_path, monkeypatch):
    with MoodleSim() as sim:
        settings = quick_settings(db_url, tmp_path)
        run_sweep(_campus(sim, monkeypatch), settings, isolate=False)
        course3 = live_of_course(db_url, 3)
        narrowed = run_sweep(_campus(sim, monkeypatch, courses=[2]), settings, isolate=False)
    assert narrowed["deleted_by_reconciliation"] == len(course3) > 0
    assert deleted_identifiers(db_url) == set(course3)


def test_a_moodle_course_list_that_fails_marks_nothing(db_url, tmp_path, monkeypatch):
    with MoodleSim() as sim:
        source, settings = _campus(sim, monkeypatch), quick_settings(db_url, tmp_path)
        run_sweep(source, settings, isolate=False)
        sim.delete_course(3)
        sim.failing["core_course_get_courses_by_field"] = (
            "dml_read_exception", "dmlreadexception", "Error reading from database")
        broken = run_sweep(source, settings, isolate=False)
        assert "dmlreadexception" in broken["harvest_failed"] and "reconciliation" not in broken
        assert stored(db_url).deleted == 0

        sim.failing.clear()                          # a warning that is not about one course
        original = sim.ws_core_course_get_courses_by_field
        monkeypatch.setattr(sim, "ws_core_course_get_courses_by_field", lambda **form: {
            **original(**form), "warnings": [{"item": "category", "itemid": 9, "warningcode": "2",
                                              "message": "Category <b>9</b> is hidden"}]})
        partial = run_sweep(source, settings, isolate=False)
    assert partial["status"] == "succeeded" and partial["deleted_by_reconciliation"] == 0
    problem = partial["reconciliation"]["courses_problem"]
    assert problem.startswith("course list incomplete, no vanished course marked deleted: ")
    assert problem.endswith("course list (ids 2,3): category 9: Category <b>9</b> is hidden")
    assert f"deletion reconciliation: {problem}" in _summary_line("campus", partial)
    assert stored(db_url).deleted == 0


def test_a_moodle_course_whose_contents_fail_stays_live(db_url, tmp_path, monkeypatch):
    with MoodleSim() as sim:
        source, settings = _campus(sim, monkeypatch), quick_settings(db_url, tmp_path)
        run_sweep(source, settings, isolate=False)
        course3 = live_of_course(db_url, 3)
        sim.delete_module(42)
        sim.failing["core_course_get_contents"] = ("moodle_exception", "invalidrecord",
                                                   "Can't find data record in database table course_sections.")
        failed = run_sweep(source, settings, isolate=False)
    assert failed["status"] == "succeeded" and failed["reconciliation"]["vanished_courses"] == 0
    assert failed["deleted_by_reconciliation"] == 0 and sorted(live_of_course(db_url, 3)) == sorted(course3)
