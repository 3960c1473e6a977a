"""Deletion reconciliation: resources a whole listing of their source lacks are marked deleted.

OAI-PMH repositories whose Identify says deletedRecord `no` or `transient` need not report a
deletion in an incremental harvest, so a deleted record would stay live in the store for ever.
Every `reconcile_days` (per source, default 7; 0 = every sweep) and on every `--full` sweep the
sweep lists every identifier again (OAIHarvester.list_identifiers) and marks what the listing
lacks as deleted. Listed resources get the listing's start time as `last_seen`, page by page, so
memory holds one page; the absent ones are those with another `last_seen`.

A Moodle harvest reads every course's whole contents anyway: on every sweep, each course read to
its end is the listing for that course's resources (a `--full` harvest has no checkpoint to tell
it what disappeared); courses whose contents failed are left alone. A course the course list
(core_course_get_courses_by_field, answered whole) no longer returns for the configured scope
(deleted, hidden, out of its categories, or dropped from `courses`) is reconciled as empty.

Nothing is marked when the listing may be partial (the reason is kept), nor when it lacks more
than the count-drop share of the live resources (the sweep is flagged suspicious instead).
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import func, or_, select, update

from store.db import acquire_lease, session
from store.models import Resource, Source

DEFAULT_DAYS = 7
IN_CHUNK = 500          # identifiers per UPDATE ... IN (...)


def due(source: Any, row: Source, *, full: bool) -> bool:
    """Whether this sweep reconciles: always for Moodle and `--full`, else after reconcile_days
    since the last reconciliation (or since the source was first swept)."""
    if source.kind == "moodle" or full:
        return True
    days = source.options.get("reconcile_days", DEFAULT_DAYS)
    last = row.reconciled_at or row.created_at
    return last is None or datetime.now(timezone.utc) - last >= timedelta(days=days)


def reconcile(sweeper: Any, harvester: Any, source_id: int, sweep_id: int) -> dict[str, Any]:
    """Reconcile after a successful harvest; the counts to add to the sweep's."""
    stamp = datetime.now(timezone.utc)
    if sweeper.source.kind == "moodle":
        absent, vanished = _moodle_absent(sweeper.db_url, source_id, harvester)
        report: dict[str, Any] = {"kind": "moodle listing", "courses": len(harvester.listings),
                                  "vanished_courses": vanished}
        if harvester.listed_courses is None:
            report["courses_problem"] = sweeper._clean(
                f"course list incomplete, no vanished course marked deleted: {harvester.listing_problem}")
    else:
        if harvester.reports_deletions:
            return {}
        listing = harvester.list_identifiers(_stamper(sweeper, source_id, sweep_id, stamp))
        report = {"kind": "ListIdentifiers", "listed": listing.listed}
        if not listing.complete:
            report["problem"] = sweeper._clean(f"listing incomplete, nothing marked deleted: {listing.problem}")
            return {"reconciliation": report, "deleted_by_reconciliation": 0}
        absent = _oai_absent(sweeper.db_url, source_id, stamp)
    with session(sweeper.db_url) as s:
        live = s.scalar(select(func.count()).select_from(Resource).where(
            Resource.source_id == source_id, Resource.deleted.is_(False)))
        kept = live - len(absent)
        report.update(live=live, absent=len(absent))
        share = sweeper.settings.drop_share
        if absent and kept < (1 - share) * live:
            report["suspicious"] = (f"the reconciliation listing holds {kept} of the {live} live resources "
                                    f"in the store (alert below {1 - share:.0%}); nothing was marked deleted")
            return {"reconciliation": report, "deleted_by_reconciliation": 0}
        for i in range(0, len(absent), IN_CHUNK):
            s.execute(update(Resource).where(Resource.id.in_(absent[i:i + IN_CHUNK]))
                      .values(deleted=True, stale=False))
        s.execute(update(Source).where(Source.id == source_id).values(reconciled_at=stamp))
    return {"reconciliation": report, "deleted_by_reconciliation": len(absent)}


def _stamper(sweeper: Any, source_id: int, sweep_id: int, stamp: datetime):
    """on_page for the listing: listed resources get `stamp` as last_seen; the sweep's lease is
    renewed, since a listing of a large repository takes a while."""
    holder = None

    def on_page(identifiers: list[str]) -> None:
        nonlocal holder
        with session(sweeper.db_url) as s:
            for i in range(0, len(identifiers), IN_CHUNK):
                s.execute(update(Resource).where(
                    Resource.source_id == source_id,
                    Resource.record_identifier.in_(identifiers[i:i + IN_CHUNK])).values(last_seen=stamp))
            s.commit()
            holder = holder or sweeper._holder(s, sweep_id)
            acquire_lease(s, sweeper.lease_name(), holder, sweeper.settings.lease_seconds)
    return on_page


def _oai_absent(db_url: str, source_id: int, stamp: datetime) -> list[int]:
    with session(db_url) as s:
        return list(s.scalars(select(Resource.id).where(
            Resource.source_id == source_id, Resource.deleted.is_(False),
            or_(Resource.last_seen.is_(None), Resource.last_seen != stamp))))


def _moodle_absent(db_url: str, source_id: int, harvester: Any) -> tuple[list[int], int]:
    """Live resources of the courses read whole whose record is no longer in the course, and of
    the courses a whole course list no longer returns; with the number of such courses."""
    prefix = f"moodle:{harvester.site}:course"
    listed = harvester.listed_courses
    read = {course: set(identifiers) for course, identifiers in harvester.listings.items()}
    absent: list[int] = []
    vanished: set[str] = set()
    with session(db_url) as s:
        rows = s.execute(select(Resource.id, Resource.record_identifier).where(
            Resource.source_id == source_id, Resource.deleted.is_(False),
            Resource.record_identifier.startswith(prefix, autoescape=True)))
        for rid, record in rows:
            # `moodle:<site>:course<id>` is the course record; its parts add `:section…`, `:cm…`
            course = prefix + record[len(prefix):].split(":", 1)[0]
            if course in read:
                if record not in read[course]:
                    absent.append(rid)
            elif listed is not None and course not in listed:
                absent.append(rid)
                vanished.add(course)
    return absent, len(vanished)
