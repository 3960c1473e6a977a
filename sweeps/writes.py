"""The per-resource reads and writes of a sweep, batched: several processed resources are read in
one query and stored in one transaction.

SQLAlchemy Core statements on the tables, built once at import with bound parameters, so that
each call reuses the compiled statement from SQLAlchemy's cache instead of building a new
expression tree (the ORM version of this cost more CPU than checking a small file). Multi-row
inserts and updates go out as executemany ("insertmanyvalues" with RETURNING).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, NamedTuple

from sqlalchemy import String, and_, bindparam, func, insert, select, update
from sqlalchemy.engine import Connection

from store.models import Resource, ResourceVersion, Result, SweepItem

R = Resource.__table__
V = ResourceVersion.__table__
RS = Result.__table__
SI = SweepItem.__table__


@dataclass
class Done:
    """What processing one resource came to, written in one transaction with its sweep item."""
    outcome: str                           # checked | rechecked | unchanged | error
    downloaded: bool = False
    message: str | None = None
    result: tuple | None = None            # (sha, metadata sha, fetch info, CheckResult) to store
    current: tuple | None = None           # (version id, result id) the resource must point at again
    tags: tuple | None = None              # (version id, etag, last_modified): new validators to keep


class Prev(NamedTuple):
    """The resource's current version, as read with it."""
    id: int
    sha256: str
    metadata_sha256: str
    url: str | None
    media_type: str | None
    size: int | None
    etag: str | None
    last_modified: str | None


# The resource, its current version, the ruleset of its current result (not the findings) and
# the state of its item in this sweep.
LOAD = (select(R.c.id, R.c.deleted, R.c.stale, R.c.identifier, R.c.record, R.c.source_id,
               R.c.current_result_id, V.c.id.label("v_id"), V.c.sha256, V.c.metadata_sha256, V.c.url,
               V.c.media_type, V.c.size, V.c.etag, V.c.last_modified, RS.c.ruleset_version,
               SI.c.state.label("item_state"))
        .select_from(R.outerjoin(V, V.c.id == R.c.current_version_id)
                     .outerjoin(RS, RS.c.id == R.c.current_result_id)
                     .outerjoin(SI, and_(SI.c.resource_id == R.c.id, SI.c.sweep_id == bindparam("sweep_id"))))
        .where(R.c.id.in_(bindparam("ids", expanding=True))))

VERSIONS = select(V.c.id, V.c.resource_id, V.c.sha256, V.c.metadata_sha256, V.c.etag, V.c.last_modified).where(
    V.c.resource_id.in_(bindparam("ids", expanding=True)))
# rows come back keyed by what identifies them, so their order does not matter
NEW_VERSIONS = insert(V).returning(V.c.id, V.c.resource_id, V.c.sha256, V.c.metadata_sha256)
RESULTS = select(RS.c.id, RS.c.version_id).where(
    RS.c.version_id.in_(bindparam("vids", expanding=True)), RS.c.ruleset_version == bindparam("ruleset"))
NEW_RESULTS = insert(RS).returning(RS.c.id, RS.c.version_id)
# executemany parameters may not share a column's name: they are prefixed with p_
SET_CURRENT = update(R).where(R.c.id == bindparam("p_id")).values(
    current_version_id=bindparam("p_version"), current_result_id=bindparam("p_result"), stale=False)
# a validator the server did not send again is kept
SET_TAGS = update(V).where(V.c.id == bindparam("p_id")).values(
    etag=func.coalesce(bindparam("p_etag", type_=String), V.c.etag),
    last_modified=func.coalesce(bindparam("p_last_modified", type_=String), V.c.last_modified))
# Only a pending item is updated: when a redelivered chunk processed a resource a second time,
# the first outcome ("checked") stands.
FINISH_ITEM = update(SI).where(SI.c.sweep_id == bindparam("p_sweep"), SI.c.resource_id == bindparam("p_resource"),
                               SI.c.state == "pending").values(
    state=bindparam("p_state"), outcome=bindparam("p_outcome"), downloaded=bindparam("p_downloaded"),
    message=bindparam("p_message"), attempts=SI.c.attempts + 1)
PENDING_OF = select(SI.c.resource_id).where(SI.c.sweep_id == bindparam("sweep_id"), SI.c.state == "pending")

# -- harvested records
UNITS_OF = select(R.c.id, R.c.identifier, R.c.record_identifier, R.c.title, R.c.record, R.c.owner, R.c.deleted,
                  R.c.stale).where(R.c.source_id == bindparam("source_id"),
                                   R.c.record_identifier.in_(bindparam("records", expanding=True)))
NEW_UNITS = insert(R).returning(R.c.id, R.c.identifier)
SET_UNIT = update(R).where(R.c.id == bindparam("p_id")).values(
    record=bindparam("p_record", type_=R.c.record.type), title=bindparam("p_title"),
    owner=bindparam("p_owner"), deleted=bindparam("p_deleted"), stale=bindparam("p_stale"),
    last_seen=func.coalesce(bindparam("p_seen", type_=R.c.last_seen.type), R.c.last_seen))
SEEN = update(R).where(R.c.id.in_(bindparam("ids", expanding=True))).values(
    last_seen=bindparam("p_seen", type_=R.c.last_seen.type))
NEW_ITEMS = insert(SI)
ITEMS_OF = select(SI.c.resource_id).where(SI.c.sweep_id == bindparam("sweep_id"),
                                          SI.c.resource_id.in_(bindparam("ids", expanding=True)))


def now() -> datetime:
    return datetime.now(timezone.utc)


@dataclass(eq=False)
class UnitRow:
    """A resource row as the upsert of harvested records sees and changes it."""
    id: int | None
    identifier: str
    record_identifier: str
    title: str | None
    record: dict
    owner: str | None
    deleted: bool
    stale: bool
    changed: bool = False     # to write back (beyond last_seen)
    seen: bool = False        # in this harvest: last_seen moves on


def units_of(conn: Connection, source_id: int, record_identifiers: set[str]) -> dict[str, dict[str, UnitRow]]:
    """record identifier -> unit identifier -> its stored row."""
    out: dict[str, dict[str, UnitRow]] = {}
    for r in conn.execute(UNITS_OF, {"source_id": source_id, "records": list(record_identifiers)}):
        out.setdefault(r.record_identifier, {})[r.identifier] = UnitRow(
            r.id, r.identifier, r.record_identifier, r.title, r.record or {}, r.owner, r.deleted, r.stale)
    return out


def save_units(conn: Connection, source_id: int, sweep_id: int, rows: list[UnitRow], wanted: list[UnitRow]) -> list[int]:
    """Insert the new rows, write back the changed ones, move last_seen of the rest on, and queue
    a sweep item for each of `wanted`; returns the queued resource ids."""
    at = now()
    new = [r for r in rows if r.id is None]
    changed = [r for r in rows if r.id is not None and r.changed]
    touched = [r.id for r in rows if r.id is not None and r.seen and not r.changed]
    if new:
        ids = {row.identifier: row.id for row in conn.execute(NEW_UNITS, [
            {"source_id": source_id, "identifier": r.identifier, "record_identifier": r.record_identifier,
             "title": r.title, "record": r.record, "owner": r.owner, "deleted": r.deleted, "stale": r.stale,
             "first_seen": at, "last_seen": at} for r in new])}
        for r in new:
            r.id = ids[r.identifier]
    if changed:
        conn.execute(SET_UNIT, [{"p_id": r.id, "p_record": r.record, "p_title": r.title, "p_owner": r.owner,
                                 "p_deleted": r.deleted, "p_stale": r.stale, "p_seen": at if r.seen else None}
                                for r in changed])
    if touched:
        conn.execute(SEEN, {"ids": touched, "p_seen": at})
    queue = list(dict.fromkeys(r.id for r in wanted))
    if queue:
        have = set(conn.execute(ITEMS_OF, {"sweep_id": sweep_id, "ids": queue}).scalars())
        missing = [{"sweep_id": sweep_id, "resource_id": rid} for rid in queue if rid not in have]
        if missing:
            conn.execute(NEW_ITEMS, missing)
    return queue


def load(conn: Connection, sweep_id: int, ids: list[int]) -> dict[int, Any]:
    return {row.id: row for row in conn.execute(LOAD, {"sweep_id": sweep_id, "ids": ids})}


def prev_of(row: Any) -> Prev | None:
    if row.v_id is None:
        return None
    return Prev(row.v_id, row.sha256, row.metadata_sha256, row.url, row.media_type, row.size, row.etag,
                row.last_modified)


def write(conn: Connection, sweep_id: int, ruleset: str, items: list[tuple[int, Done]],
          blob_path: Any) -> None:
    """Store the results, the resources' current pointers and the sweep items of `items`.

    Idempotent: a version or result that exists already (stored by a redelivered task) is found
    and pointed at; a concurrent insert of the same row raises IntegrityError, and the caller's
    next attempt finds it.
    """
    pointers = [{"p_id": rid, "p_version": d.current[0], "p_result": d.current[1]}
                for rid, d in items if d.current is not None]
    tags = [{"p_id": d.tags[0], "p_etag": d.tags[1], "p_last_modified": d.tags[2]}
            for _rid, d in items if d.tags is not None]
    stored = [(rid, d) for rid, d in items if d.result is not None]
    if stored:
        versions = _versions(conn, stored, tags, blob_path)
        results = _results(conn, sweep_id, ruleset, stored, versions)
        pointers += [{"p_id": rid, "p_version": versions[rid, d.result[0], d.result[1]],
                      "p_result": results[versions[rid, d.result[0], d.result[1]]]} for rid, d in stored]
    if pointers:
        conn.execute(SET_CURRENT, pointers)
    if tags:
        conn.execute(SET_TAGS, tags)
    conn.execute(FINISH_ITEM, [
        {"p_sweep": sweep_id, "p_resource": rid, "p_state": "error" if d.outcome == "error" else "done",
         "p_outcome": d.outcome, "p_downloaded": d.downloaded, "p_message": d.message} for rid, d in items])


def _versions(conn: Connection, stored: list[tuple[int, Done]], tags: list[dict], blob_path) -> dict:
    """(resource id, sha, metadata sha) -> version id, inserting the versions not stored yet;
    validators (ETag, Last-Modified) the server sent for a version already stored go to `tags`."""
    have, validators = {}, {}
    for r in conn.execute(VERSIONS, {"ids": [rid for rid, _ in stored]}):
        have[r.resource_id, r.sha256, r.metadata_sha256] = r.id
        validators[r.id] = (r.etag, r.last_modified)
    new: dict[tuple, dict] = {}
    for rid, d in stored:
        sha, meta_sha, info, _result = d.result
        key = (rid, sha, meta_sha)
        if key in have:
            old = validators[have[key]]
            sent = (info.get("etag") or old[0], info.get("last_modified") or old[1])
            if sent != old:
                tags.append({"p_id": have[key], "p_etag": sent[0], "p_last_modified": sent[1]})
        elif key not in new:
            new[key] = {"resource_id": rid, "sha256": sha, "metadata_sha256": meta_sha, "url": info.get("url"),
                        "media_type": info.get("media_type"), "size": info.get("size"),
                        "etag": info.get("etag"), "last_modified": info.get("last_modified"),
                        "fetched_at": now(), "blob_path": blob_path(sha)}
    if new:
        have.update(((r.resource_id, r.sha256, r.metadata_sha256), r.id)
                    for r in conn.execute(NEW_VERSIONS, list(new.values())))
    return have


def _results(conn: Connection, sweep_id: int, ruleset: str, stored: list[tuple[int, Done]],
             versions: dict) -> dict[int, int]:
    """version id -> id of its result under `ruleset`, inserting the results not stored yet."""
    vids = [versions[rid, d.result[0], d.result[1]] for rid, d in stored]
    have = {r.version_id: r.id for r in conn.execute(RESULTS, {"vids": vids, "ruleset": ruleset})}
    new: dict[int, dict] = {}
    for (rid, d), vid in zip(stored, vids):
        if vid in have or vid in new:
            continue
        payload = d.result[3].to_dict()
        scores = payload["scores"]
        new[vid] = {"resource_id": rid, "version_id": vid, "sweep_id": sweep_id, "ruleset_version": ruleset,
                    "media_type": payload["media_type"], "accessibility": scores["accessibility"],
                    "overall": scores["overall"], "scores": scores, "findings": payload["findings"],
                    "failed": sum(1 for f in payload["findings"] if f["outcome"] == "failed"),
                    "checked_at": now()}
    if new:
        have.update((r.version_id, r.id) for r in conn.execute(NEW_RESULTS, list(new.values())))
    return have
