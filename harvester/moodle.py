"""Harvest a Moodle site through its REST web services.

    for record in MoodleHarvester(source, checkpoint=state, on_checkpoint=save):
        ...

Order of calls: `core_webservice_get_site_info` (are the functions and file downloads there?),
`core_course_get_courses_by_field` (by `ids` and/or per `category`; never `core_course_get_courses`,
which fails entirely when one course is not viewable), then per course `core_course_get_contents`
and, when the course has pages, `mod_page_get_pages_by_courses` for their HTML.

Incremental harvests: the checkpoint holds, per course, the newest `timemodified` seen and a short
fingerprint of every record. The next run yields only records whose fingerprint changed (this
catches edits Moodle gives no timestamp for: labels, section summaries, module intros) and yields
`deleted=True` records for those that disappeared (or became hidden). Without a checkpoint (a first
or `--full` harvest) nothing is known to have disappeared: `listings` then gives, per course read
to its end, every record identifier it holds, and the sweep marks the rest of that course deleted
(sweeps.reconcile); `listed_courses` gives every course the course list returned whole (None when
an answer was malformed or warned of something other than a course), and the sweep marks the
courses it lacks deleted. Without a checkpoint, `since`
keeps records whose `timemodified` is at or after it (records without one are kept). The
checkpoint is handed to `on_checkpoint` after each course; a course interrupted half-way is
harvested again from its start, with the same identifiers.

The token is read from the environment variable named by the source's `token_env`; it travels in
request bodies and, for file downloads, in the query of this site's pluginfile URLs only. Records,
messages and logs never contain it.
"""
from __future__ import annotations

import copy
import logging
import os
from datetime import date, datetime, timezone
from typing import Any, Iterator

from harvester.base import Checkpoint, CheckpointSink, HarvestStats
from harvester.fetch import Fetcher, FetchError, FetchResult, fetcher_for, redact, register_secret
from harvester.moodle_api import (MoodleAuthError, MoodleClient, MoodleConfigError, MoodleError,
                                  MoodleSetupError, missing_setup)
from harvester.moodle_records import (CourseContext, course_record, deleted_record, fingerprint,
                                      module_record, section_record, site_key)
from harvester.record import FileRef, ResourceRecord
from harvester.retry import RetryPolicy

log = logging.getLogger(__name__)

NEEDED_FUNCTIONS = ("core_webservice_get_site_info", "core_course_get_courses_by_field",
                    "core_course_get_contents", "mod_page_get_pages_by_courses")
CHECKPOINT_VERSION = 1

__all__ = ["MoodleHarvester", "MoodleError", "MoodleAuthError", "MoodleSetupError", "MoodleConfigError",
           "NEEDED_FUNCTIONS", "fetcher_for"]


def to_epoch(value: Any) -> float | None:
    """`since` as epoch seconds: datetime, date, ISO 8601 text, or a number."""
    if value is None or value == "":
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str):
        value = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value.timestamp()
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=timezone.utc).timestamp()
    raise ValueError(f"cannot read {value!r} as a date")


class MoodleHarvester:
    def __init__(self, source, *, checkpoint: Checkpoint | None = None, since: Any = None,
                 limit: int | None = None, on_checkpoint: CheckpointSink | None = None,
                 fetcher: Fetcher | None = None, retry: RetryPolicy | None = None, **_other: Any):
        # `retry` configures the fetcher made here; other keywords open_harvester passes along for
        # OAI (raw_dir, timeout…) have no meaning for Moodle.
        self.source = source
        self.options = dict(getattr(source, "options", {}) or {})
        self.base_url = source.base_url.rstrip("/")
        self.site = site_key(self.base_url)
        self.since = to_epoch(since)
        self.limit = limit
        self.on_checkpoint = on_checkpoint
        self.stats = HarvestStats()
        self.site_info: dict[str, Any] | None = None
        self._fetcher = fetcher
        self._retry = retry
        self._own_fetcher = fetcher is None
        self._client: MoodleClient | None = None
        self._state = self._initial_state(checkpoint)
        # course identifier -> every record identifier its contents hold now, for each course read
        # to its end in this run: the listing a sweep reconciles the store with
        self.listings: dict[str, list[str]] = {}
        # every course identifier core_course_get_courses_by_field listed for the configured scope,
        # or None while no listing has answered whole: a sweep reconciles courses missing from it
        self.listed_courses: set[str] | None = None
        self.listing_problem: str | None = None

    def __repr__(self) -> str:
        return f"MoodleHarvester({self.source.name!r}, {self.base_url!r})"

    def _initial_state(self, checkpoint: Checkpoint | None) -> dict[str, Any]:
        if checkpoint and checkpoint.get("version") == CHECKPOINT_VERSION and isinstance(
                checkpoint.get("courses"), dict):
            return copy.deepcopy(dict(checkpoint))
        return {"version": CHECKPOINT_VERSION, "site": self.site, "courses": {}}

    @property
    def checkpoint(self) -> Checkpoint:
        return copy.deepcopy(self._state)

    # --- token, client, downloads ---

    def _token(self) -> str:
        name = self.options.get("token_env")
        if not name:
            raise MoodleConfigError(f"source {self.source.name!r}: option token_env (the NAME of the "
                                    f"environment variable holding the web-service token) is not set")
        token = os.environ.get(name, "").strip()
        if not token:
            raise MoodleConfigError(f"source {self.source.name!r}: environment variable {name} is not set "
                                    f"or empty; export it with the Moodle web-service token")
        register_secret(token)
        return token

    @property
    def client(self) -> MoodleClient:
        if self._client is None:
            token = self._token()
            if self._fetcher is None:
                self._fetcher = fetcher_for(self.options, retry=self._retry)
            self._client = MoodleClient(self.base_url, token, self._fetcher)
        return self._client

    def download(self, file: FileRef | str, *, etag: str | None = None,
                 last_modified: str | None = None) -> FetchResult:
        """Fetch a record's file, with the token added only for this site's pluginfile URLs and
        Moodle's JSON error answers (HTTP 200) turned into MoodleError."""
        url = file.url if isinstance(file, FileRef) else file
        expected = file.media_type if isinstance(file, FileRef) else None
        return self.client.download(url, expected_media_type=expected, etag=etag, last_modified=last_modified)

    def close(self) -> None:
        if self._own_fetcher and self._fetcher is not None:
            self._fetcher.close()
            self._fetcher = None
            self._client = None

    # --- the harvest ---

    def __iter__(self) -> Iterator[ResourceRecord]:
        return self._run()

    def _run(self) -> Iterator[ResourceRecord]:
        client = self.client
        retries_before = client.fetcher.retries
        try:
            self.site_info = client.call("core_webservice_get_site_info")
            missing = missing_setup(self.site_info, NEEDED_FUNCTIONS)
            if missing:
                raise MoodleSetupError(
                    f"the web service of token {self.options.get('token_env')} on {self.base_url} lacks: "
                    + "; ".join(missing)
                    + ". Add them in Site administration > Server > Web services > External services.")
            for course in self._courses(client):
                for record in self._course(client, course):
                    yield record
                    self.stats.records += 1
                    self.stats.deleted += record.deleted
                    if self.limit is not None and self.stats.records >= self.limit:
                        return
                self._hand_off()
        finally:
            self.stats.retries += client.fetcher.retries - retries_before
            self.close()

    def _hand_off(self) -> None:
        if self.on_checkpoint is not None:
            self.on_checkpoint(self.checkpoint)

    def _note(self, text: str) -> None:
        text = redact(text)
        self.stats.messages.append(text)
        log.warning("%s", text)

    def _courses(self, client: MoodleClient) -> list[dict[str, Any]]:
        ids = [int(i) for i in self.options.get("courses") or []]
        categories = [int(c) for c in self.options.get("categories") or []]
        queries = ([("ids", ",".join(map(str, ids)))] if ids else []) + [("category", str(c)) for c in categories]
        if not queries:
            queries = [("", "")]   # every course the token can see
        found: dict[int, dict[str, Any]] = {}
        problems: list[str] = []
        for field, value in queries:
            answer = client.call("core_course_get_courses_by_field", field=field, value=value)
            if not isinstance(answer.get("courses"), list):
                problems.append(f"course list ({field or 'all'} {value}): the answer holds no course list")
            for course in answer.get("courses") or []:
                found[int(course["id"])] = course
            for warning in answer.get("warnings") or []:
                text = (f"course list ({field or 'all'} {value}): {warning.get('item', 'item')} "
                        f"{warning.get('itemid', '?')}: {warning.get('message') or warning}")
                self._note(text)
                # Moodle's validate_courses warns item `course` for a course that is gone or closed
                # to the token: that course is not listed. Any other warning may hide courses.
                if warning.get("item") != "course":
                    problems.append(text)
        site_id = int((self.site_info or {}).get("siteid") or 1)
        if site_id not in ids:
            found.pop(site_id, None)   # the front page is not a course
        for missing in sorted(set(ids) - set(found)):
            self.stats.skip("course not found or not visible")
            self._note(f"course {missing}: not returned by Moodle (deleted, hidden or not visible to the token)")
        if problems:
            self.listing_problem = redact("; ".join(problems))
        else:
            self.listed_courses = {f"moodle:{self.site}:course{i}" for i in found}
            # a course gone from the list is marked deleted by the sweep: should it come back, its
            # records must be harvested again, not compared with what they were
            for key in [k for k in self._state["courses"] if not k.isdigit() or int(k) not in found]:
                del self._state["courses"][key]
        return [found[i] for i in sorted(found)]

    def _course(self, client: MoodleClient, course: dict[str, Any]) -> Iterator[ResourceRecord]:
        ctx = CourseContext(site=self.site, site_url=self.base_url, source=self.source.name, course=course)
        try:
            sections = client.call("core_course_get_contents", courseid=ctx.id)
            pages = {}
            if any(m.get("modname") == "page" for s in sections for m in s.get("modules") or []):
                answer = client.call("mod_page_get_pages_by_courses", courseids=[ctx.id])
                pages = {int(p["coursemodule"]): p for p in answer.get("pages") or []}
        except MoodleAuthError:
            raise
        except MoodleError as exc:
            if exc.is_course_access:
                self.stats.skip("no access to course")
                self._note(f"course {ctx.id} ({course.get('shortname')}): skipped, no access: {exc}")
            else:
                self.stats.errors += 1
                self._note(f"course {ctx.id} ({course.get('shortname')}): skipped after an error: {exc}")
            return
        except FetchError as exc:
            self.stats.errors += 1
            self._note(f"course {ctx.id} ({course.get('shortname')}): skipped, request failed: {exc}")
            return

        key = str(ctx.id)
        previous = self._state["courses"].get(key)
        seen: dict[str, str] = {}
        newest = 0
        for record, stamp in self._course_records(ctx, sections, pages):
            fp = fingerprint(record)
            seen[record.identifier] = fp
            newest = max(newest, stamp or 0)
            if self._changed(record.identifier, fp, stamp, previous):
                yield record
            else:
                self.stats.skip("unchanged")
        for gone in sorted(set((previous or {}).get("seen", {})) - set(seen)):
            yield deleted_record(self.source.name, gone)
        self._state["courses"][key] = {"timemodified": newest, "seen": seen}
        self.listings[ctx.identifier] = list(seen)

    def _changed(self, identifier: str, fp: str, stamp: int | None, previous: dict | None) -> bool:
        if previous is not None:
            return previous.get("seen", {}).get(identifier) != fp
        if self.since is not None and stamp is not None:
            return stamp >= self.since
        return True

    def _course_records(self, ctx: CourseContext, sections: list[dict], pages: dict[int, dict]
                        ) -> Iterator[tuple[ResourceRecord, int | None]]:
        yield course_record(ctx)
        for section in sections:
            if section.get("visible") == 0 or section.get("uservisible") is False:
                self.stats.skip("hidden section")
                continue
            record = section_record(ctx, section)
            if record is not None:
                yield record, None
            for module in section.get("modules") or []:
                if module.get("visible") == 0 or module.get("uservisible") is False:
                    self.stats.skip("hidden module")
                    continue
                record, stamp = module_record(ctx, section, module, pages.get(int(module["id"])))
                if record is None:
                    self.stats.skip("module without content")
                    continue
                yield record, stamp


def harvest(source, **kwargs: Any) -> tuple[list[ResourceRecord], HarvestStats]:
    """Convenience for scripts and tests: the whole harvest as a list."""
    harvester = MoodleHarvester(source, **kwargs)
    return list(harvester), harvester.stats
