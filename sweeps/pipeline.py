"""A sweep: harvest a source → upsert resources → fetch what changed → check → score → store.

The steps are plain functions on a `Sweeper` so that both executors run the same code: the
in-process executor (sweeps.inprocess) calls them from a thread pool, the Celery tasks
(sweeps.tasks) call them from workers. Every step is idempotent: processing a resource twice
(a redelivered task after a worker died) leaves one result per version × ruleset version and one
current result per resource.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterable

from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError

from checkers.engine import check_bytes, run_format_checker
from harvester.record import FileRef, ResourceRecord
from harvester.retry import RetryPolicy
from rules.catalogue import catalogue
from store.db import acquire_lease, data_dir, database_url, release_lease, session
from store.models import Resource, ResourceVersion, Result, Source, Sweep, SweepItem
from sweeps import alerts, reconcile, siblings, writes
from sweeps.blobs import BlobStore
from sweeps.siblings import CAPTION_EXTENSIONS
from sweeps.units import expand, file_unit_identifier, metadata_hash, stored_record
from sweeps.writes import Done

log = logging.getLogger(__name__)

SIBLING_MAX_BYTES = 5 * 2**20
NO_CONTENT = "-"
CACHED = object()   # _content's data after a 304: the blob store's copy, not read yet


@dataclass
class SweepSettings:
    db_url: str | None = None
    blob_dir: Path | None = None
    lease_seconds: float = 2 * 3600        # an overrunning sweep keeps its source this long
    harvest_attempts: int = 3
    harvest_retry: RetryPolicy = field(default_factory=lambda: RetryPolicy(attempts=3, base_delay=2.0))
    http_retry: RetryPolicy | None = None  # per request (OAI pages, downloads); None: their default
    # a full harvest with fewer than (1 - drop_share) of the live records of the last good full
    # harvest is suspicious; OERLINT_COUNT_DROP_SHARE overrides the default 0.5
    drop_share: float = field(default_factory=lambda: float(os.environ.get("OERLINT_COUNT_DROP_SHARE", "0.5")))
    batch: int = 100                       # harvested records stored per transaction
    policy: str | None = None              # licence policy (else the source's, else "platform")


def now() -> datetime:
    return datetime.now(timezone.utc)


def token_free(text: str, secrets: Iterable[str]) -> str:
    for secret in secrets:
        if secret:
            text = text.replace(secret, "[redacted]")
    return text


class Sweeper:
    """The steps of a sweep for one configured source (a harvester.sources.Source)."""

    def __init__(self, source: Any, settings: SweepSettings | None = None, *, fetcher: Any = None,
                 runner: Callable | None = None):
        self.source = source
        self.settings = settings or SweepSettings()
        self.db_url = self.settings.db_url or database_url()
        self.blobs = BlobStore(self.settings.blob_dir or data_dir() / "blobs")
        self.fetcher = fetcher
        self.runner = runner or _run_checker_locked
        self.ruleset = catalogue().version
        self.policy = self.settings.policy or source.options.get("policy") or "platform"
        self.secrets = self._secrets()
        self._revalidate: dict[int, bool] = {}

    # -- secrets ---------------------------------------------------------------------------
    def _secrets(self) -> dict[str, str]:
        """Query parameters a download needs (the Moodle token); never stored or shown."""
        env = self.source.options.get("token_env")
        if self.source.kind == "moodle" and env and os.environ.get(env):
            return {"token": os.environ[env]}
        return {}

    def _secrets_for(self, url: str) -> dict[str, str] | None:
        """The token goes only to this Moodle site's web-service file URLs."""
        if not self.secrets:
            return None
        from harvester.moodle_api import PLUGINFILE_PATH
        site = self.source.base_url.rstrip("/")
        return self.secrets if url.startswith(site + PLUGINFILE_PATH) else None

    def _clean(self, text: str) -> str:
        return token_free(text, self.secrets.values())[:2000]

    # -- start -----------------------------------------------------------------------------
    def source_row(self, s) -> Source:
        row = s.scalars(select(Source).where(Source.name == self.source.name)).first()
        config = {k: v for k, v in self.source.options.items() if "token" not in k or k == "token_env"}
        if row is None:
            row = Source(name=self.source.name, kind=self.source.kind, base_url=self.source.base_url,
                         institution=getattr(self.source, "institution", None),
                         schedule=getattr(self.source, "schedule", None), config=config, checkpoint={})
            s.add(row)
            s.flush()
        else:
            row.kind, row.base_url, row.config = self.source.kind, self.source.base_url, config
            row.institution = getattr(self.source, "institution", None)
            row.schedule = getattr(self.source, "schedule", None)
        return row

    def lease_name(self) -> str:
        return f"sweep:{self.source.name}"

    def start(self, *, trigger: str = "manual", executor: str = "inprocess",
              holder: str | None = None, full: bool = False) -> int | None:
        """Create the sweep row under the source's lease; None when a sweep already runs.

        `full` asks for a whole harvest whose unchanged files are revalidated with conditional
        GETs; a first harvest (no checkpoint yet) is whole too, which the count-drop alert uses.
        """
        holder = holder or f"pid{os.getpid()}-{time.time_ns()}"
        for attempt in range(2):
            try:
                with session(self.db_url) as s:
                    src = self.source_row(s)
                    s.commit()
                    if not acquire_lease(s, self.lease_name(), holder, self.settings.lease_seconds):
                        return None
                    whole = full or not (src.checkpoint or {})
                    sweep = Sweep(source_id=src.id, trigger=trigger, executor=executor, status="running",
                                  ruleset_version=self.ruleset, checkpoint=dict(src.checkpoint or {}),
                                  counts={"lease_holder": holder, "full": whole, "revalidate": full})
                    s.add(sweep)
                    s.flush()
                    self._queue_leftovers(s, src.id, sweep.id)
                    return sweep.id
            except IntegrityError:  # another process created the source row at the same moment
                if attempt:
                    raise
        return None

    def _queue_leftovers(self, s, source_id: int, sweep_id: int) -> None:
        """Resources still stale, never checked, or checked with another ruleset version."""
        current = select(Result.id).where(Result.id == Resource.current_result_id,
                                          Result.ruleset_version == self.ruleset)
        ids = s.scalars(select(Resource.id).where(
            Resource.source_id == source_id, Resource.deleted.is_(False),
            or_(Resource.stale.is_(True), Resource.current_result_id.is_(None), ~current.exists()))).all()
        if ids:
            s.connection().execute(writes.NEW_ITEMS, [{"sweep_id": sweep_id, "resource_id": rid} for rid in ids])

    # -- harvest ---------------------------------------------------------------------------
    def harvest(self, sweep_id: int, *, full: bool = False, limit: int | None = None,
                since: str | None = None, on_queued: Callable[[int], None] | None = None,
                on_record: Callable[[], None] | None = None,
                on_stored: Callable[[], None] | None = None) -> dict[str, Any]:
        """Harvest with retries; upsert resources and queue sweep items as records arrive.

        A harvest that fails (an exception, or a harvester that stopped on errors before the end
        of its listing) is retried with backoff from the last checkpoint; what was harvested
        before a failure is kept, and the last error is recorded on the sweep. Records are
        stored in batches, each batch before the checkpoint that follows it. A sweep due a
        deletion reconciliation (sweeps.reconcile) lists the whole source after the records.
        """
        from harvester import open_harvester
        counts = {"harvested": 0, "live": 0, "new": 0, "updated": 0, "deleted": 0}
        stats_total: dict[str, Any] = {}
        error = None
        with session(self.db_url) as s:
            src = self.source_row(s)
            source_id = src.id
            checkpoint = {} if full else dict(src.checkpoint or {})
            revalidate = bool((s.get(Sweep, sweep_id).counts or {}).get("revalidate"))
            reconciling = limit is None and since is None and reconcile.due(self.source, src, full=full)
        batch: list[ResourceRecord] = []
        saved: list[dict] = []   # the checkpoints of the current attempt

        def store_batch() -> None:
            if batch:
                queued = self.upsert_batch(source_id, sweep_id, batch, counts, revalidate=revalidate)
                batch.clear()
                for rid in queued if on_queued else ():
                    on_queued(rid)
                if on_stored:   # the batch's resources are all queued: time to send them
                    on_stored()

        def save_checkpoint(cp: dict) -> None:
            store_batch()  # the records before a checkpoint are stored before the checkpoint is
            with session(self.db_url) as s2:
                s2.execute(update(Source).where(Source.id == source_id).values(checkpoint=cp))
                s2.execute(update(Sweep).where(Sweep.id == sweep_id).values(checkpoint=cp))
                acquire_lease(s2, self.lease_name(), self._holder(s2, sweep_id), self.settings.lease_seconds)
            saved.append(cp)

        attempt = 0
        for attempt in range(1, self.settings.harvest_attempts + 1):
            harvester = None
            saved.clear()
            try:
                harvester = open_harvester(self.source, checkpoint=checkpoint, since=since, limit=limit,
                                           on_checkpoint=save_checkpoint, fetcher=self.fetcher,
                                           **self._harvester_options())
                for record in harvester:
                    batch.append(record)
                    counts["harvested"] += 1
                    counts["live"] += not record.deleted
                    if on_record:
                        on_record()
                    if len(batch) >= self.settings.batch:
                        store_batch()
                store_batch()
                error = _stopped_early(harvester, saved)
            except Exception as exc:  # a failing source is retried; what was harvested is kept
                error = self._clean(f"{type(exc).__name__}: {exc}")
                try:
                    store_batch()
                except Exception:
                    log.exception("records harvested from %s before the failure not stored", self.source.name)
                    batch.clear()
            if harvester is not None:
                _merge_stats(stats_total, harvester.stats.to_dict())
            if error is None:
                break
            log.warning("harvest of %s failed (attempt %d): %s", self.source.name, attempt, error)
            if attempt < self.settings.harvest_attempts:
                self.settings.harvest_retry.sleep(attempt)
                checkpoint = saved[-1] if saved else checkpoint  # go on from where it stopped
        counts.update({k: stats_total.get(k, 0) for k in ("skipped", "lost_pages", "lost_records", "errors")})
        counts["harvest_errors"] = counts.pop("errors")
        counts["harvest_attempts"] = attempt
        if stats_total.get("messages"):
            counts["harvest_messages"] = [self._clean(m) for m in stats_total["messages"]][:20]
        if error:
            counts["harvest_failed"] = error
        elif reconciling and harvester is not None:
            counts.update(self._reconcile(harvester, source_id, sweep_id))
        with session(self.db_url) as s:
            sweep = s.get(Sweep, sweep_id)
            sweep.counts = {**(sweep.counts or {}), **counts, "harvest_done": True}
            if error:
                sweep.error = error
        return counts

    def _reconcile(self, harvester: Any, source_id: int, sweep_id: int) -> dict[str, Any]:
        """Mark what a whole listing of the source lacks as deleted; a reconciliation that fails
        changes nothing and says why."""
        try:
            return reconcile.reconcile(self, harvester, source_id, sweep_id)
        except Exception as exc:
            log.exception("deletion reconciliation of %s failed", self.source.name)
            problem = self._clean(f"reconciliation failed, nothing marked deleted: {type(exc).__name__}: {exc}")
            return {"reconciliation": {"problem": problem}, "deleted_by_reconciliation": 0}

    def _harvester_options(self) -> dict[str, Any]:
        options: dict[str, Any] = {}
        if self.settings.http_retry is not None:
            options["retry"] = self.settings.http_retry
        if self.source.kind == "oai":
            options["raw_dir"] = data_dir() / "raw"   # malformed pages kept beside the database
        return options

    def _holder(self, s, sweep_id: int) -> str:
        return (s.get(Sweep, sweep_id).counts or {}).get("lease_holder", f"sweep{sweep_id}")

    def upsert(self, source_id: int, sweep_id: int, record: ResourceRecord, counts: dict) -> list[int]:
        """Store one harvested record's units; return the resource ids queued for checking."""
        return self.upsert_batch(source_id, sweep_id, [record], counts)

    def upsert_batch(self, source_id: int, sweep_id: int, records: list[ResourceRecord], counts: dict,
                     *, revalidate: bool = False) -> list[int]:
        """Store harvested records' units in one transaction; return the resource ids to process.

        New and changed units are marked stale and queued; with `revalidate` (a full sweep)
        unchanged files are queued too, for a conditional GET. A stored caption module or page
        with a <track> also queues the media files of its course it concerns (sweeps.siblings).
        """
        with session(self.db_url) as s:
            conn = s.connection()
            by_record = writes.units_of(conn, source_id, {r.identifier for r in records})
            rows: dict[str, writes.UnitRow] = {}
            wanted: list[writes.UnitRow] = []
            for record in records:
                units = by_record.setdefault(record.identifier, {})
                rows.update(units)
                if record.deleted:
                    for row in units.values():
                        if not row.deleted:
                            row.deleted, row.stale, row.changed = True, False, True
                            counts["deleted"] += 1
                    continue
                seen = set()
                for unit in expand(record):
                    seen.add(unit.identifier)
                    row = self._upsert_unit(source_id, record, unit, units.get(unit.identifier), counts)
                    units[unit.identifier] = rows[unit.identifier] = row
                    if row.stale or (revalidate and unit.kind == "file"):
                        wanted.append(row)
                for ident, row in units.items():  # a file that left the record
                    if ident not in seen and not row.deleted:
                        row.deleted, row.stale, row.changed = True, False, True
                        counts["deleted"] += 1
            changed = [r for r in rows.values() if (r.id is None or r.changed) and (r.stale or r.deleted)]
            queued = writes.save_units(conn, source_id, sweep_id, list(rows.values()), wanted)
            return list(dict.fromkeys(queued + siblings.wake(conn, source_id, sweep_id, changed)))

    def _upsert_unit(self, source_id: int, record: ResourceRecord, unit, row: writes.UnitRow | None,
                     counts: dict) -> writes.UnitRow:
        data = stored_record(record, unit)
        if row is None:
            counts["new"] += 1
            return writes.UnitRow(None, unit.identifier, record.identifier, record.title, data, _owner(record),
                                  deleted=False, stale=True, seen=True)
        same = row.record == data   # the usual case of a full harvest: nothing to hash
        if row.deleted or not same and (metadata_hash(row.record) != metadata_hash(data)
                                        or row.record.get("unit") != data["unit"]):
            row.record, row.title, row.deleted, row.stale = data, record.title, False, True
            row.owner = _owner(record) or row.owner
            row.changed = True
            counts["updated"] += 1
        elif not same:
            row.record, row.changed = data, True  # datestamp and the like
        row.seen = True
        return row

    def pending(self, sweep_id: int) -> list[int]:
        with session(self.db_url) as s:
            return list(s.connection().execute(writes.PENDING_OF, {"sweep_id": sweep_id}).scalars())

    # -- process resources -----------------------------------------------------------------
    def process(self, sweep_id: int, resource_id: int) -> str:
        """Fetch (if needed), check and store one resource. Never raises for bad content."""
        return self.process_many(sweep_id, [resource_id]).get(resource_id, "skipped")

    def process_many(self, sweep_id: int, resource_ids: list[int]) -> dict[int, str]:
        """Process a batch of resources: one query reads them, each is fetched and checked on its
        own (a failure is that resource's error), one transaction stores them all.

        Resources whose item in this sweep is already done (a redelivered chunk) are skipped.
        Returns resource id -> outcome.
        """
        ids = list(dict.fromkeys(resource_ids))
        with session(self.db_url) as s:
            rows = writes.load(s.connection(), sweep_id, ids)
            revalidate = self._revalidating(s, sweep_id)
        items: list[tuple[int, Done]] = []
        for rid in ids:
            row = rows.get(rid)
            if row is not None and row.item_state not in (None, "pending"):
                continue
            try:
                done = self._decide(row, revalidate)
            except Exception as exc:  # one resource never stops a sweep
                log.exception("processing resource %s failed", rid)
                done = Done("error", message=self._clean(f"{type(exc).__name__}: {exc}"))
            items.append((rid, done))
        self._write(sweep_id, items)
        return {rid: done.outcome for rid, done in items}

    def _revalidating(self, s, sweep_id: int) -> bool:
        if sweep_id not in self._revalidate:
            sweep = s.get(Sweep, sweep_id)
            self._revalidate[sweep_id] = bool(sweep and (sweep.counts or {}).get("revalidate"))
        return self._revalidate[sweep_id]

    def _decide(self, row: Any, revalidate: bool) -> Done:
        """What one resource (a row of writes.LOAD) comes to: unchanged, or checked."""
        if row is None or row.deleted:
            return Done("unchanged", message="deleted")
        record_data, prev = dict(row.record or {}), writes.prev_of(row)
        unit = record_data.get("unit") or {"kind": "metadata", "file": None}
        current_id = row.current_result_id if row.ruleset_version is not None else None
        up_to_date = current_id is not None and row.ruleset_version == self.ruleset
        if not row.stale and up_to_date and not (revalidate and unit["kind"] == "file"):
            return Done("unchanged")
        record = ResourceRecord.from_dict(record_data)
        outside = self._outside(record, unit, row.source_id)
        meta_sha = siblings.keyed(metadata_hash(record_data), outside)

        fetched = self._content(unit, record, prev, ask_server=row.stale or revalidate)
        if isinstance(fetched, str):
            return Done("error", message=fetched)
        data, sha, fetch_info, downloaded = fetched
        same_content = prev is not None and prev.sha256 == sha and prev.metadata_sha256 == meta_sha
        if data is CACHED:   # the cached copy is read only when it is checked again
            data = None if same_content and up_to_date else self.blobs.get(sha)
        if same_content and up_to_date:
            # Still current: write only what differs (nothing at all, after a 304 that sent the
            # validators already kept).
            tags = (fetch_info.get("etag") or prev.etag, fetch_info.get("last_modified") or prev.last_modified)
            return Done("unchanged", downloaded, current=(prev.id, current_id) if row.stale else None,
                        tags=(prev.id, *tags) if tags != (prev.etag, prev.last_modified) else None)

        name, base_url = self._name_and_base(unit, record)
        names, sibling_data, tracks = self._siblings(record, unit, data, row.source_id, outside)
        options = {"browser": True} if self.source.options.get("browser") else {}
        if tracks:
            options["caption_tracks"] = tracks
        result = check_bytes(data, resource=row.identifier, name=name,
                             media_type=fetch_info.get("media_type"), metadata=record.to_dict(),
                             base_url=base_url, policy=self.policy, siblings=names,
                             sibling_data=sibling_data, runner=self.runner, options=options)
        return Done("rechecked" if same_content else "checked", downloaded,
                    result=(sha, meta_sha, fetch_info, result))

    def _write(self, sweep_id: int, items: list[tuple[int, Done]]) -> None:
        """Store a batch in one transaction; a batch that cannot be stored is stored one by one,
        and a resource that cannot be stored gets its error recorded instead."""
        if not items:
            return
        try:
            self._write_batch(sweep_id, items)
            return
        except Exception as exc:
            if len(items) > 1:
                log.warning("storing a batch of %d failed (%s); storing one by one", len(items),
                            type(exc).__name__)
                for item in items:
                    self._write(sweep_id, [item])
                return
            rid, _done = items[0]
            log.exception("storing the result of resource %s failed", rid)
            message = self._clean(f"storing failed: {type(exc).__name__}: {exc}")
        self._write_batch(sweep_id, [(rid, Done("error", message=message))])

    def _write_batch(self, sweep_id: int, items: list[tuple[int, Done]]) -> None:
        for attempt in range(3):
            try:
                with session(self.db_url) as s:
                    writes.write(s.connection(), sweep_id, self.ruleset, items, self._blob_path)
                return
            except IntegrityError:
                # A redelivered task stored the same version or result at the same moment: the
                # next attempt finds that row and points at it.
                if attempt == 2:
                    raise

    def _blob_path(self, sha: str) -> str | None:
        return str(self.blobs.path(sha)) if sha != NO_CONTENT else None

    def _content(self, unit: dict, record: ResourceRecord, prev: writes.Prev | None, *,
                 ask_server: bool):
        """(data, sha, fetch info, downloaded) or an error message; data is CACHED when the
        server answered 304 (the copy in the blob store is current).

        A file already cached is only asked for again (conditionally) when `ask_server`: the
        record changed, or a full sweep revalidates; otherwise the cached copy is re-checked.
        """
        if unit["kind"] == "metadata":
            return None, NO_CONTENT, {}, False
        if unit["kind"] == "content":
            data = (record.content_html or "").encode("utf-8")
            sha = hashlib.sha256(data).hexdigest()
            return data, sha, {"media_type": "text/html"}, False
        file = FileRef(**unit["file"])
        cached = prev is not None and prev.sha256 != NO_CONTENT and prev.url == file.url \
            and self.blobs.has(prev.sha256)
        info_prev = {"url": file.url, "media_type": prev.media_type if prev else None,
                     "etag": prev.etag if prev else None,
                     "last_modified": prev.last_modified if prev else None,
                     "size": prev.size if prev else None}
        if cached and not ask_server:  # only the ruleset changed: re-check the cached copy
            return self.blobs.get(prev.sha256), prev.sha256, info_prev, False
        if self.fetcher is None:
            return "no fetcher configured for file downloads"
        try:
            got = self.fetcher.fetch(file.url, etag=info_prev["etag"] if cached else None,
                                     last_modified=info_prev["last_modified"] if cached else None,
                                     secret_params=self._secrets_for(file.url))
        except Exception as exc:
            return self._clean(f"download failed: {type(exc).__name__}: {exc}")
        if got.status == 304:
            info = {**info_prev, "etag": got.etag or info_prev["etag"],
                    "last_modified": got.last_modified or info_prev["last_modified"]}
            return CACHED, prev.sha256, info, False
        moodle_error = self._moodle_error(got, file)
        if moodle_error:
            if got.path:
                Path(got.path).unlink(missing_ok=True)
            return moodle_error
        self.blobs.put_file(Path(got.path), got.sha256)
        info = {"url": file.url, "media_type": got.media_type, "etag": got.etag,
                "last_modified": got.last_modified, "size": got.size}
        return self.blobs.get(got.sha256), got.sha256, info, True

    def _moodle_error(self, got: Any, file: FileRef) -> str | None:
        """Moodle answers a refused download with HTTP 200 and a JSON error."""
        if self.source.kind != "moodle" or (got.media_type or "") != "application/json" \
                or (file.media_type or "").endswith("json"):
            return None
        try:
            err = json.loads(Path(got.path).read_bytes()[:65536])
        except (ValueError, OSError):
            return None
        if isinstance(err, dict) and ("exception" in err or "errorcode" in err or "error" in err):
            return self._clean(f"Moodle refused the download: {err.get('errorcode') or err.get('error')}")
        return None

    def _name_and_base(self, unit: dict, record: ResourceRecord) -> tuple[str, str | None]:
        if unit["kind"] == "file":
            f = unit["file"]
            return f.get("name") or f["url"], f["url"]
        return (record.title or record.identifier), record.landing_page

    def _outside(self, record: ResourceRecord, unit: dict, source_id: int) -> siblings.Context | None:
        """For a media file of a Moodle course: the caption files of its section and those its
        course's pages give it (sweeps.siblings), read from the store."""
        f = unit.get("file") or {}
        if unit["kind"] != "file" or not siblings.course_of(record.identifier) \
                or not siblings.is_media_name(f.get("name") or f["url"]):
            return None
        with session(self.db_url) as s:
            return siblings.context(s.connection(), source_id, record, f)

    def _siblings(self, record: ResourceRecord, unit: dict, data: bytes | None, source_id: int,
                  outside: siblings.Context | None):
        """Names of the files beside this one; for a media file, the bytes of its caption and
        transcript files (its record's own, its Moodle section's, those a page's <track> gives
        it) and the names of the files given by a <track>. Copies already stored and current
        are read from the blob store, the others downloaded (at most 10, 5 MiB each)."""
        if unit["kind"] != "file":
            return (), {}, ()
        me = unit["file"]
        names = tuple(f.name for f in record.files if f.name and f.url != me["url"])
        outside = outside or siblings.Context()
        own = [siblings.Sibling(f, file_unit_identifier(record.identifier, f)) for f in record.files
               if f.url != me["url"] and f.name]
        pages = [p for p in own if siblings.file_name(p.file.name).endswith(siblings.PAGE_EXTENSIONS)
                 and (p.file.size or 0) <= siblings.PAGE_MAX_BYTES][:siblings.MAX_RECORD_PAGES]
        wanted = [p for p in own if p.file.name.lower().endswith(CAPTION_EXTENSIONS)] + outside.extra
        wanted = [w for w in wanted if (w.file.size or 0) <= SIBLING_MAX_BYTES][:10]
        if not (wanted or pages) or data is None or not _is_media(data):
            return names, {}, ()
        stored = self._stored_copies(source_id, [p.identifier for p in own])
        for page in pages:   # an HTML file of the record (an OAI landing page) with <track>s
            siblings.add_tracks(outside, record, me.get("name") or me["url"],
                                siblings.page_tracks(self._sibling_bytes(page, stored, siblings.PAGE_MAX_BYTES)))
        names += tuple(dict.fromkeys(w.file.name for w in outside.extra if w.file.name not in names))
        sibling_data: dict[str, bytes] = {}
        for w in wanted:
            blob = self._sibling_bytes(w, stored, SIBLING_MAX_BYTES)
            if blob is not None:
                sibling_data[w.file.name] = blob
        return names, sibling_data, tuple(sorted(outside.tracks))

    def _stored_copies(self, source_id: int, identifiers: list[str]) -> dict[str, str]:
        """identifier -> sha256 of the current stored copy, for resources not stale."""
        if not identifiers:
            return {}
        with session(self.db_url) as s:
            return dict(s.execute(select(Resource.identifier, ResourceVersion.sha256).join(
                ResourceVersion, ResourceVersion.id == Resource.current_version_id).where(
                Resource.source_id == source_id, Resource.stale.is_(False),
                Resource.identifier.in_(identifiers))).all())

    def _sibling_bytes(self, sib: siblings.Sibling, stored: dict[str, str], cap: int) -> bytes | None:
        blob = self.blobs.get(sib.sha or stored.get(sib.identifier or "", NO_CONTENT))
        if blob is not None and len(blob) <= cap:
            return blob
        if self.fetcher is None:
            return None
        try:
            got = self.fetcher.fetch(sib.file.url, secret_params=self._secrets_for(sib.file.url))
        except Exception as exc:
            log.info("file %s beside a media file not fetched: %s", sib.file.name, type(exc).__name__)
            return None
        data = got.read_bytes() if got.path and got.size <= cap and not self._moodle_error(got, sib.file) else None
        got.discard()
        return data

    # -- finish ----------------------------------------------------------------------------
    def finish(self, sweep_id: int) -> dict[str, Any]:
        """Record the counts, judge whether the harvest looks suspicious, release the lease."""
        with session(self.db_url) as s:
            sweep = s.get(Sweep, sweep_id)
            outcomes = dict(s.execute(select(SweepItem.outcome, func.count()).where(
                SweepItem.sweep_id == sweep_id).group_by(SweepItem.outcome)).all())
            downloads = s.scalar(select(func.count()).where(SweepItem.sweep_id == sweep_id,
                                                            SweepItem.downloaded.is_(True)))
            pending = s.scalar(select(func.count()).where(SweepItem.sweep_id == sweep_id,
                                                          SweepItem.state == "pending"))
            counts = dict(sweep.counts or {})
            holder = counts.pop("lease_holder", None)
            counts.update({"checked": outcomes.get("checked", 0), "rechecked": outcomes.get("rechecked", 0),
                           "unchanged": outcomes.get("unchanged", 0), "errors": outcomes.get("error", 0),
                           "downloads": downloads or 0, "pending": pending or 0})
            counts.setdefault("harvested", 0)
            suspicious = self._suspicion(s, sweep, counts)
            sweep.counts = counts
            sweep.suspicious, sweep.suspicious_reason = bool(suspicious), suspicious
            sweep.status = "failed" if counts.get("harvest_failed") else "succeeded"
            sweep.finished_at = now()
            if holder:
                release_lease(s, self.lease_name(), holder)
            return {"sweep": sweep_id, "status": sweep.status, "suspicious": suspicious, **counts}

    def _suspicion(self, s, sweep: Sweep, counts: dict) -> str | None:
        """Why the sweep looks suspicious (a count drop), or None.

        Whole harvests (the first one, and `--full`) are judged by their size. The baseline is
        the last whole harvest of the source that succeeded and was not itself suspicious, so a
        source that stays broken stays flagged sweep after sweep. An incremental harvest rightly
        brings only what changed, often nothing: it is judged by its reconciliation listing and
        by how long the source has been quiet (sweeps.alerts).
        """
        if counts.get("harvest_failed"):
            return None
        if (counts.get("reconciliation") or {}).get("suspicious"):
            return counts["reconciliation"]["suspicious"]
        if not counts.get("full"):
            return alerts.quiet_source(s, sweep, counts, self.source.options.get("quiet_days"))
        live = counts.get("live", counts.get("harvested", 0))
        if live == 0:
            if counts.get("harvested", 0):
                return f"the full harvest returned only deleted records ({counts['harvested']})"
            return "the full harvest returned no records at all"
        earlier = s.scalars(select(Sweep).where(Sweep.source_id == sweep.source_id, Sweep.id < sweep.id,
                                                Sweep.status == "succeeded", Sweep.suspicious.is_(False))
                            .order_by(Sweep.id.desc())).all()
        baseline = next((x for x in earlier if (x.counts or {}).get("full")
                         and (x.counts or {}).get("live", x.counts.get("harvested", 0)) > 0), None)
        if baseline is None:
            return None
        before = baseline.counts.get("live", baseline.counts.get("harvested", 0))
        if live < (1 - self.settings.drop_share) * before:
            return (f"harvested {live} live records, far fewer than the {before} of sweep {baseline.id} "
                    f"(alert below {1 - self.settings.drop_share:.0%} of it)")
        return None


_checker_lock = threading.Lock()


def _run_checker_locked(fmt: str, data: bytes, ctx: Any):
    """Format checkers run in this process (no isolated pool) one at a time: the sweep's threads
    would otherwise run C libraries that are not thread-safe (PDFium) side by side."""
    with _checker_lock:
        return run_format_checker(fmt, data, ctx)


def _stopped_early(harvester: Any, checkpoints: list[dict]) -> str | None:
    """The error of an OAI harvest that gave up before the end of its listing, else None.

    The OAI harvester logs a source that stays down and stops rather than raising; its last
    checkpoint of this attempt then does not say `complete`. (The Moodle harvester raises for a
    site that fails; an error on one course skips that course only.)
    """
    if not harvester.stats.errors or getattr(harvester, "kind", None) != "oai":
        return None
    if checkpoints and checkpoints[-1].get("complete"):
        return None
    messages = harvester.stats.messages
    return messages[-1] if messages else "the harvest stopped on an error"


def _owner(record: ResourceRecord) -> str | None:
    moodle = record.moodle or {}
    return moodle.get("author") or (record.creators[0] if record.creators else None)


def _is_media(data: bytes) -> bool:
    from checkers.formats import detect
    return detect(data[:4096]).format == "media"


def _merge_stats(total: dict[str, Any], stats: dict[str, Any]) -> None:
    for key, value in stats.items():
        if isinstance(value, int):
            total[key] = total.get(key, 0) + value
        elif isinstance(value, list):
            total.setdefault(key, []).extend(value)
