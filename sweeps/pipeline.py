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
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterable

from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError

from checkers.engine import check_bytes
from harvester.record import FileRef, ResourceRecord
from harvester.retry import RetryPolicy
from rules.catalogue import catalogue
from store.db import acquire_lease, data_dir, database_url, release_lease, session
from store.models import Resource, ResourceVersion, Result, Source, Sweep, SweepItem
from sweeps.blobs import BlobStore
from sweeps.units import expand, metadata_hash, stored_record

log = logging.getLogger(__name__)

CAPTION_EXTENSIONS = (".vtt", ".srt", ".txt")
SIBLING_MAX_BYTES = 5 * 2**20
NO_CONTENT = "-"


@dataclass
class SweepSettings:
    db_url: str | None = None
    blob_dir: Path | None = None
    lease_seconds: float = 2 * 3600        # an overrunning sweep keeps its source this long
    harvest_attempts: int = 3
    harvest_retry: RetryPolicy = field(default_factory=lambda: RetryPolicy(attempts=3, base_delay=2.0))
    drop_share: float = 0.5                # a full harvest with < 50 % of the last one is suspicious
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
        self.runner = runner
        self.ruleset = catalogue().version
        self.policy = self.settings.policy or source.options.get("policy") or "platform"
        self.secrets = self._secrets()

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
              holder: str | None = None) -> int | None:
        """Create the sweep row under the source's lease; None when a sweep already runs."""
        holder = holder or f"pid{os.getpid()}-{time.time_ns()}"
        with session(self.db_url) as s:
            src = self.source_row(s)
            s.commit()
            if not acquire_lease(s, self.lease_name(), holder, self.settings.lease_seconds):
                return None
            sweep = Sweep(source_id=src.id, trigger=trigger, executor=executor, status="running",
                          ruleset_version=self.ruleset, counts={}, checkpoint=dict(src.checkpoint or {}))
            s.add(sweep)
            s.flush()
            sweep.counts = {"lease_holder": holder}
            self._queue_leftovers(s, src.id, sweep.id)
            return sweep.id

    def _queue_leftovers(self, s, source_id: int, sweep_id: int) -> None:
        """Resources still stale, never checked, or checked with another ruleset version."""
        current = select(Result.id).where(Result.id == Resource.current_result_id,
                                          Result.ruleset_version == self.ruleset)
        ids = s.scalars(select(Resource.id).where(
            Resource.source_id == source_id, Resource.deleted.is_(False),
            or_(Resource.stale.is_(True), Resource.current_result_id.is_(None), ~current.exists()))).all()
        for rid in ids:
            s.add(SweepItem(sweep_id=sweep_id, resource_id=rid))

    # -- harvest ---------------------------------------------------------------------------
    def harvest(self, sweep_id: int, *, full: bool = False, limit: int | None = None,
                since: str | None = None, on_queued: Callable[[int], None] | None = None,
                on_record: Callable[[], None] | None = None) -> dict[str, Any]:
        """Harvest with retries; upsert resources and queue sweep items as records arrive.

        What was harvested before a failure is kept; the checkpoint is saved after each page so
        a retry (or the next sweep) goes on from there.
        """
        from harvester import open_harvester
        counts = {"harvested": 0, "new": 0, "updated": 0, "deleted": 0}
        stats_total: dict[str, Any] = {}
        error = None
        with session(self.db_url) as s:
            src = self.source_row(s)
            source_id = src.id
            checkpoint = {} if full else dict(src.checkpoint or {})

        def save_checkpoint(cp: dict) -> None:
            with session(self.db_url) as s2:
                s2.execute(update(Source).where(Source.id == source_id).values(checkpoint=cp))
                s2.execute(update(Sweep).where(Sweep.id == sweep_id).values(checkpoint=cp))
                acquire_lease(s2, self.lease_name(), self._holder(s2, sweep_id), self.settings.lease_seconds)

        for attempt in range(1, self.settings.harvest_attempts + 1):
            harvester = None
            try:
                harvester = open_harvester(self.source, checkpoint=checkpoint, since=since,
                                           limit=limit, on_checkpoint=save_checkpoint,
                                           fetcher=self.fetcher)
                for record in harvester:
                    queued = self.upsert(source_id, sweep_id, record, counts)
                    counts["harvested"] += 1
                    if on_record:
                        on_record()
                    if on_queued:
                        for rid in queued:
                            on_queued(rid)
                error = None
                _merge_stats(stats_total, harvester.stats.to_dict())
                break
            except Exception as exc:  # a failing source is retried; what was harvested is kept
                error = self._clean(f"{type(exc).__name__}: {exc}")
                log.warning("harvest of %s failed (attempt %d): %s", self.source.name, attempt, error)
                if harvester is not None:
                    _merge_stats(stats_total, harvester.stats.to_dict())
                with session(self.db_url) as s:
                    checkpoint = dict(s.get(Source, source_id).checkpoint or {})
                if attempt < self.settings.harvest_attempts:
                    self.settings.harvest_retry.sleep(attempt)
        counts.update({k: stats_total.get(k, 0) for k in ("skipped", "lost_pages", "lost_records", "errors")})
        counts["harvest_errors"] = counts.pop("errors")
        if stats_total.get("messages"):
            counts["harvest_messages"] = [self._clean(m) for m in stats_total["messages"]][:20]
        if error:
            counts["harvest_failed"] = error
        with session(self.db_url) as s:
            sweep = s.get(Sweep, sweep_id)
            sweep.counts = {**(sweep.counts or {}), **counts, "full": full}
            if error:
                sweep.error = error
        return counts

    def _holder(self, s, sweep_id: int) -> str:
        return (s.get(Sweep, sweep_id).counts or {}).get("lease_holder", f"sweep{sweep_id}")

    def upsert(self, source_id: int, sweep_id: int, record: ResourceRecord, counts: dict) -> list[int]:
        """Store one harvested record's units; return the resource ids queued for checking."""
        queued: list[int] = []
        with session(self.db_url) as s:
            existing = {r.identifier: r for r in s.scalars(select(Resource).where(
                Resource.source_id == source_id,
                or_(Resource.identifier == record.identifier,
                    Resource.identifier.startswith(record.identifier + "#", autoescape=True))))}
            if record.deleted:
                for res in existing.values():
                    if not res.deleted:
                        res.deleted, res.stale = True, False
                        counts["deleted"] += 1
                return queued
            seen = set()
            for unit in expand(record):
                data = stored_record(record, unit)
                seen.add(unit.identifier)
                res = existing.get(unit.identifier)
                if res is None:
                    res = Resource(source_id=source_id, identifier=unit.identifier, title=record.title,
                                   record=data, owner=_owner(record), stale=True)
                    s.add(res)
                    counts["new"] += 1
                elif res.deleted or metadata_hash(res.record or {}) != metadata_hash(data) \
                        or (res.record or {}).get("unit") != data["unit"]:
                    res.record, res.title, res.deleted, res.stale = data, record.title, False, True
                    res.owner = _owner(record) or res.owner
                    counts["updated"] += 1
                else:
                    res.record = data  # datestamp and the like
                res.last_seen = now()
                s.flush()
                if res.stale:
                    if s.scalars(select(SweepItem.id).where(SweepItem.sweep_id == sweep_id,
                                                            SweepItem.resource_id == res.id)).first() is None:
                        s.add(SweepItem(sweep_id=sweep_id, resource_id=res.id))
                    queued.append(res.id)
            for ident, res in existing.items():  # a file that left the record
                if ident not in seen and not res.deleted:
                    res.deleted, res.stale = True, False
                    counts["deleted"] += 1
        return queued

    def pending(self, sweep_id: int) -> list[int]:
        with session(self.db_url) as s:
            return list(s.scalars(select(SweepItem.resource_id).where(
                SweepItem.sweep_id == sweep_id, SweepItem.state == "pending")))

    # -- process one resource --------------------------------------------------------------
    def process(self, sweep_id: int, resource_id: int) -> str:
        """Fetch (if needed), check and store one resource. Never raises for bad content."""
        try:
            outcome, downloaded, message = self._process(sweep_id, resource_id)
            state = "error" if outcome == "error" else "done"
        except Exception as exc:  # one resource never stops a sweep
            log.exception("processing resource %s failed", resource_id)
            outcome, downloaded, state = "error", False, "error"
            message = self._clean(f"{type(exc).__name__}: {exc}")
        with session(self.db_url) as s:
            item = s.scalars(select(SweepItem).where(SweepItem.sweep_id == sweep_id,
                                                     SweepItem.resource_id == resource_id)).first()
            if item is not None:
                item.state, item.outcome, item.downloaded = state, outcome, downloaded
                item.message, item.attempts = message, (item.attempts or 0) + 1
        return outcome

    def _process(self, sweep_id: int, resource_id: int) -> tuple[str, bool, str | None]:
        with session(self.db_url) as s:
            res = s.get(Resource, resource_id)
            if res is None or res.deleted:
                return "unchanged", False, "deleted"
            prev = s.get(ResourceVersion, res.current_version_id) if res.current_version_id else None
            current = s.get(Result, res.current_result_id) if res.current_result_id else None
            record_data = dict(res.record or {})
            stale, identifier = res.stale, res.identifier
        unit = record_data.get("unit") or {"kind": "metadata", "file": None}
        record = ResourceRecord.from_dict(record_data)
        meta_sha = metadata_hash(record_data)

        if not stale and current is not None and current.ruleset_version == self.ruleset:
            return "unchanged", False, None

        fetched = self._content(unit, record, prev, stale)
        if isinstance(fetched, str):
            return "error", False, fetched
        data, sha, fetch_info, downloaded = fetched

        if prev is not None and current is not None and prev.sha256 == sha \
                and prev.metadata_sha256 == meta_sha and current.ruleset_version == self.ruleset:
            self._mark_current(resource_id, prev.id, current.id, fetch_info)
            return "unchanged", downloaded, None

        name, base_url = self._name_and_base(unit, record)
        siblings, sibling_data = self._siblings(record, unit, data)
        result = check_bytes(data, resource=identifier, name=name,
                             media_type=fetch_info.get("media_type"), metadata=record.to_dict(),
                             base_url=base_url, policy=self.policy, siblings=siblings,
                             sibling_data=sibling_data, runner=self.runner)
        same_content = prev is not None and prev.sha256 == sha and prev.metadata_sha256 == meta_sha
        self._store(sweep_id, resource_id, sha, meta_sha, fetch_info, result)
        return ("rechecked" if same_content else "checked"), downloaded, None

    def _content(self, unit: dict, record: ResourceRecord, prev: ResourceVersion | None, stale: bool):
        """(data, sha, fetch info, downloaded) or an error message."""
        if unit["kind"] == "metadata":
            return None, NO_CONTENT, {}, False
        if unit["kind"] == "content":
            data = (record.content_html or "").encode("utf-8")
            sha = hashlib.sha256(data).hexdigest()
            return data, sha, {"media_type": "text/html"}, False
        file = FileRef(**unit["file"])
        cached = prev is not None and prev.sha256 != NO_CONTENT and self.blobs.has(prev.sha256) \
            and prev.url == file.url
        info_prev = {"url": file.url, "media_type": prev.media_type if prev else None,
                     "etag": prev.etag if prev else None,
                     "last_modified": prev.last_modified if prev else None,
                     "size": prev.size if prev else None}
        if cached and not stale:  # only the ruleset changed: re-check the cached copy
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
            return self.blobs.get(prev.sha256), prev.sha256, info_prev, False
        moodle_error = self._moodle_error(got, file)
        if moodle_error:
            if got.path:
                Path(got.path).unlink(missing_ok=True)
            return moodle_error
        self.blobs.put_file(Path(got.path), got.sha256)
        info = {"url": got.url, "media_type": got.media_type, "etag": got.etag,
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

    def _siblings(self, record: ResourceRecord, unit: dict, data: bytes | None):
        """Names of the files beside this one, and the bytes of its caption/transcript files."""
        if unit["kind"] != "file":
            return (), {}
        me = unit["file"]
        names = tuple(f.name for f in record.files if f.name and f.url != me["url"])
        wanted = [f for f in record.files if f.url != me["url"] and f.name
                  and f.name.lower().endswith(CAPTION_EXTENSIONS)
                  and (f.size or 0) <= SIBLING_MAX_BYTES]
        sibling_data: dict[str, bytes] = {}
        if wanted and self.fetcher is not None and data is not None and _is_media(data):
            for f in wanted[:10]:
                try:
                    got = self.fetcher.fetch(f.url, secret_params=self._secrets_for(f.url))
                    if got.path and got.size <= SIBLING_MAX_BYTES:
                        sibling_data[f.name] = got.read_bytes()
                        Path(got.path).unlink(missing_ok=True)
                except Exception as exc:
                    log.info("caption file %s not fetched: %s", f.name, type(exc).__name__)
        return names, sibling_data

    def _mark_current(self, resource_id: int, version_id: int, result_id: int, info: dict) -> None:
        with session(self.db_url) as s:
            res = s.get(Resource, resource_id)
            res.current_version_id, res.current_result_id, res.stale = version_id, result_id, False
            ver = s.get(ResourceVersion, version_id)
            for key in ("etag", "last_modified"):
                if info.get(key):
                    setattr(ver, key, info[key])

    def _store(self, sweep_id: int, resource_id: int, sha: str, meta_sha: str, info: dict, result) -> None:
        payload = result.to_dict()
        failed = sum(1 for f in payload["findings"] if f["outcome"] == "failed")
        with session(self.db_url) as s:
            ver = self._version(s, resource_id, sha, meta_sha, info)
            row = s.scalars(select(Result).where(Result.version_id == ver.id,
                                                 Result.ruleset_version == self.ruleset)).first()
            if row is None:
                row = Result(resource_id=resource_id, version_id=ver.id, sweep_id=sweep_id,
                             ruleset_version=self.ruleset, media_type=payload["media_type"],
                             accessibility=payload["scores"]["accessibility"],
                             overall=payload["scores"]["overall"], failed=failed,
                             scores=payload["scores"], findings=payload["findings"])
                s.add(row)
                try:
                    s.flush()
                except IntegrityError:  # a redelivered task stored it first: keep that one
                    s.rollback()
                    ver = self._version(s, resource_id, sha, meta_sha, info)
                    row = s.scalars(select(Result).where(Result.version_id == ver.id,
                                                         Result.ruleset_version == self.ruleset)).one()
            res = s.get(Resource, resource_id)
            res.current_version_id, res.current_result_id, res.stale = ver.id, row.id, False

    def _version(self, s, resource_id: int, sha: str, meta_sha: str, info: dict) -> ResourceVersion:
        ver = s.scalars(select(ResourceVersion).where(ResourceVersion.resource_id == resource_id,
                                                      ResourceVersion.sha256 == sha,
                                                      ResourceVersion.metadata_sha256 == meta_sha)).first()
        if ver is None:
            ver = ResourceVersion(resource_id=resource_id, sha256=sha, metadata_sha256=meta_sha,
                                  url=info.get("url"), media_type=info.get("media_type"),
                                  size=info.get("size"), etag=info.get("etag"),
                                  last_modified=info.get("last_modified"),
                                  blob_path=str(self.blobs.path(sha)) if sha != NO_CONTENT else None)
            s.add(ver)
            try:
                s.flush()
            except IntegrityError:
                s.rollback()
                return self._version(s, resource_id, sha, meta_sha, info)
        else:
            ver.etag = info.get("etag") or ver.etag
            ver.last_modified = info.get("last_modified") or ver.last_modified
        return ver

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
        """A sweep that harvests nothing, or far fewer records than the last comparable one."""
        harvested = counts.get("harvested", 0)
        full = counts.get("full") or not (sweep.checkpoint or {})
        if counts.get("harvest_failed"):
            return None  # already a failure, reported as such
        last = s.scalars(select(Sweep).where(Sweep.source_id == sweep.source_id, Sweep.id != sweep.id,
                                             Sweep.status == "succeeded")
                         .order_by(Sweep.id.desc())).all()
        last_full = next((x for x in last if (x.counts or {}).get("full") or not (x.checkpoint or {})
                          if (x.counts or {}).get("harvested", 0) > 0), None)
        if full and harvested == 0:
            return "the harvest returned no records at all"
        if full and last_full is not None:
            before = last_full.counts.get("harvested", 0)
            if harvested < (1 - self.settings.drop_share) * before:
                return (f"harvested {harvested} records, far fewer than the {before} of sweep "
                        f"{last_full.id}")
        return None


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
