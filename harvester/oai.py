"""OAI-PMH harvester: sickle for the protocol, with the guards sickle lacks.

    harvester = OAIHarvester(source, checkpoint=saved, on_checkpoint=save)
    for record in harvester:          # ResourceRecord, deleted ones included (deleted=True)
        ...
    harvester.stats                   # HarvestStats: counts, retries, lost pages, messages

What it does, in order: `Identify` (granularity, deletedRecord, earliestDatestamp) and
`ListMetadataFormats`; picks the richest format offered (or the source's own preference list);
then one ListRecords pass per configured set (or one for the whole repository), page by page.

Incremental harvests start from the largest datestamp received last time (never the local clock)
minus one granularity unit; records already received with the same datestamp in that overlap are
skipped. After every page the checkpoint is handed to `on_checkpoint`: the token to ask for next,
the largest datestamp received, the identifiers in the overlap window. A killed harvest resumes
from it with no gap and no duplicate. Memory holds one page and the overlap window, never all records.

When the server misbehaves: 5xx/429/timeouts/dropped connections are retried with backoff
(Retry-After in seconds or as an HTTP date, see oai_http); an expired token (`badResumptionToken`)
or a page cut short restarts the listing from the last datestamp window; a repeated token stops the
harvest with a message; a malformed page is kept raw on disk and the records it lost are counted.
"""
from __future__ import annotations

import copy
import logging
import os
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from dataclasses import dataclass
from typing import Any, Callable, Iterator

from sickle import oaiexceptions

from .base import Checkpoint, CheckpointSink, HarvestStats
from .oai_http import (DEFAULT_MAX_PAGE_BYTES, DEFAULT_TOTAL_TIMEOUT, HarvestRequestError, OAIHttp, PoliteSickle,
                       oai_fetcher)
from .oai_mappers import header_values, to_record
from .oai_page import Page, parse_page
from .record import ResourceRecord
from .retry import RetryPolicy

log = logging.getLogger(__name__)

# Richest first: METS (MODS + fileSec) and DIDL (DC + bitstreams) carry licences and file URLs
# (DSpace); DCAT carries both for InvenioRDM/Zenodo; DataCite carries licence URIs; qdc and ORE
# carry one or the other; oai_dc, which every repository must offer, comes last.
DEFAULT_PREFERENCE = ("lom", "mets", "didl", "dcat", "oai_datacite", "datacite", "qdc", "ore", "oai_dc")
SECONDS = "YYYY-MM-DDThh:mm:ssZ"
DEFAULT_RAW_DIR = Path("oerlint-data") / "raw"
OVERLAP_CAP = 20_000     # identifiers kept for overlap dedupe; beyond this restarts may repeat records
MAX_RESTARTS = 5         # listing restarts in a row without a new record before giving up
CHECKPOINT_VERSION = 1


OAI_EXCEPTIONS = tuple(c for c in vars(oaiexceptions).values()
                       if isinstance(c, type) and issubclass(c, Exception))


class _Stop(Exception):
    """The harvest cannot go on; the message is already in the stats."""


@dataclass
class Listing:
    """What a ListIdentifiers listing came to (OAIHarvester.list_identifiers)."""
    complete: bool = False
    listed: int = 0                 # live identifiers handed on (a record in two sets counts twice)
    deleted: int = 0                # headers with status="deleted"
    problem: str | None = None      # why the listing cannot be trusted to be whole


def choose_prefix(offered: list[str], preference: list[str] | None) -> str | None:
    by_lower = {p.lower(): p for p in offered}
    for wanted in preference or DEFAULT_PREFERENCE:
        if wanted.lower() in by_lower:
            return by_lower[wanted.lower()]
    if preference:
        return None
    return by_lower.get("oai_dc")


def parse_datestamp(value: str | None) -> datetime | None:
    """A datestamp as an aware UTC datetime (day or seconds granularity, fractions tolerated)."""
    if not value:
        return None
    try:
        when = datetime.fromisoformat(value.strip().replace("z", "Z"))
    except ValueError:
        return None
    return when.replace(tzinfo=timezone.utc) if when.tzinfo is None else when.astimezone(timezone.utc)


def format_datestamp(when: datetime, granularity: str) -> str:
    if granularity == SECONDS:
        return when.strftime("%Y-%m-%dT%H:%M:%SZ")
    return when.strftime("%Y-%m-%d")


class OAIHarvester:
    kind = "oai"

    def __init__(self, source, *, checkpoint: Checkpoint | None = None, since: str | None = None,
                 limit: int | None = None, on_checkpoint: CheckpointSink | None = None, fetcher=None,
                 retry: RetryPolicy | None = None, timeout: float | tuple[float, float] | None = None,
                 raw_dir: str | Path | None = None, max_page_bytes: int | None = None,
                 total_timeout: float | None = None):
        self.source = source
        self.stats = HarvestStats()
        self.limit = limit
        self.since = since
        self.on_checkpoint = on_checkpoint
        self.fetcher = fetcher        # for file downloads by the sweep; protocol requests have their own
        self.raw_dir = Path(raw_dir) if raw_dir else DEFAULT_RAW_DIR
        options = source.options or {}
        # explicit arguments, else the source's options, else the defaults
        if max_page_bytes is None:
            max_page_bytes = int(float(options.get("max_page_mb", DEFAULT_MAX_PAGE_BYTES / 2**20)) * 2**20)
        if total_timeout is None:
            total_timeout = float(options.get("total_timeout", DEFAULT_TOTAL_TIMEOUT))
        # protocol requests go through the safe fetcher, guarded and polite as the source says
        self.http = OAIHttp(stats=self.stats, retry=retry, max_page_bytes=max_page_bytes,
                            fetcher=oai_fetcher(options, timeout, total_timeout))
        self.sickle = PoliteSickle(source.base_url, self.http)
        self.identify: dict[str, str] = {}
        self.prefix: str | None = None
        self.checkpoint: Checkpoint | None = copy.deepcopy(checkpoint) if checkpoint else None
        self._state: dict[str, Any] = {}
        self._yielded = 0
        self._malformed_requests: set[str] = set()
        self._said: set[str] = set()
        self._raw_count = 0

    def __iter__(self) -> Iterator[ResourceRecord]:
        return self._harvest()

    @property
    def reports_deletions(self) -> bool:
        """Identify says deletedRecord `persistent`: every deletion comes as a deleted header."""
        return self.identify.get("deletedRecord") == "persistent"

    # -- the run -------------------------------------------------------------------------------

    def _harvest(self) -> Iterator[ResourceRecord]:
        try:
            self._begin()
            sets = self._state["sets"]
            while self._state["set_index"] < len(sets):
                finished = yield from self._pass(sets[self._state["set_index"]])
                if not finished:
                    return
        except _Stop:
            return
        except HarvestRequestError as exc:
            self.stats.errors += 1
            self._say(f"request failed: {exc}; the next run resumes from the last checkpoint")

    def _begin(self) -> None:
        try:
            identify = self.sickle.Identify()
        except (*OAI_EXCEPTIONS, AttributeError, ValueError) as exc:
            self._fail(f"Identify failed: {exc or type(exc).__name__}")
        self.identify = {key: str(getattr(identify, key, "") or "") for key in
                         ("repositoryName", "granularity", "deletedRecord", "earliestDatestamp")}
        granularity = self.identify["granularity"] if self.identify["granularity"] == SECONDS else "YYYY-MM-DD"
        self.identify["granularity"] = granularity
        if self.identify["deletedRecord"] in ("no", "transient"):
            self._say(f"repository keeps deletions '{self.identify['deletedRecord']}': deleted records may "
                      f"not be reported; sweeps reconcile them with a periodic full ListIdentifiers")
        try:
            offered = [f.metadataPrefix for f in self.sickle.ListMetadataFormats()]
        except (*OAI_EXCEPTIONS, AttributeError) as exc:
            self._fail(f"ListMetadataFormats failed: {exc or type(exc).__name__}")
        preference = (self.source.options or {}).get("metadata_prefix")
        prefix = choose_prefix(offered, preference)
        if prefix is None:
            self._fail(f"none of the metadata formats {preference} is offered "
                       f"(the repository offers {', '.join(offered) or 'none'})")

        saved = self.checkpoint if (self.checkpoint or {}).get("version") == CHECKPOINT_VERSION else None
        windows = (saved or {}).get("windows", {})
        resuming = (saved and not saved.get("complete") and self.since is None
                    and saved.get("prefix") in offered)
        if resuming:
            self._state = saved
        else:
            sets = (self.source.options or {}).get("sets") or [None]
            self._state = {"version": CHECKPOINT_VERSION, "prefix": prefix, "sets": list(sets),
                           "set_index": 0, "windows": windows, "pass": None, "complete": False}
        self._state["granularity"] = granularity
        self.prefix = self._state["prefix"]

    def _pass(self, set_spec: str | None):
        """One ListRecords listing (for one set); returns True when it reached the end."""
        p = self._state["pass"]
        if p is None:
            p = self._state["pass"] = self._new_pass(set_spec)
        granularity = self._state["granularity"]
        unit = timedelta(seconds=1) if granularity == SECONDS else timedelta(days=1)
        earlier_sets = self._state["sets"][: self._state["set_index"]]
        tokens_seen: set[str] = set()
        delivered = p["page_ids"]       # records of the page being re-asked already delivered
        p["page_ids"] = {}
        overlap: dict[str, str] = p["overlap"]
        max_dt = parse_datestamp(p["max"])
        last_dt = parse_datestamp(p["last"])
        pruned_at = None

        while True:
            if self.limit is not None and self._yielded >= self.limit:
                p["page_ids"] = delivered
                self._emit()
                return False
            params = self._request_params(p, set_spec)
            page, content = self._fetch(params)
            if page.error_code or page.token_lost:
                why = self._listing_problem(page, p, params, content)
                if why == "end":
                    break
                self._restart(p, why, max_dt, unit)
                delivered, last_dt, tokens_seen = {}, None, set()
                continue
            if page.malformed:
                self._report_malformed(page, params, content)
            self._check_cursor(p, page)

            for header, metadata in page.records:
                identifier, datestamp, sets, deleted = header_values(header)
                if delivered and delivered.get(identifier, 0) == datestamp:
                    p["page_ids"][identifier] = datestamp      # delivered before a stop; still this page
                    continue
                if self.limit is not None and self._yielded >= self.limit:
                    self._emit()
                    return False
                if overlap.get(identifier, 0) == datestamp:
                    self.stats.skip("already received (overlap window)")
                    continue
                if earlier_sets and any(_in_set(s, e) for s in sets for e in earlier_sets):
                    self.stats.skip("listed in an earlier set")
                    continue
                when = parse_datestamp(datestamp)
                if when is not None:
                    if last_dt is not None and when < last_dt:
                        p["ordered"] = False
                    last_dt = when
                    if max_dt is None or when > max_dt:
                        max_dt = when
                        p["max"] = datestamp
                    if when >= max_dt - unit and not p["overflow"]:
                        overlap[identifier] = datestamp
                        if len(overlap) > OVERLAP_CAP:
                            p["overflow"] = True
                record = to_record(self.source.name, header, metadata, self.prefix,
                                   (identifier, datestamp, sets, deleted))
                if page.malformed:
                    record.extra["from_malformed_page"] = True
                p["page_ids"][identifier] = datestamp
                p["restarts"] = 0
                self.stats.records += 1
                if deleted:
                    self.stats.deleted += 1
                self._yielded += 1
                yield record

            p["last"] = format_datestamp(last_dt, SECONDS) if last_dt else None
            if max_dt is not None and max_dt != pruned_at:   # the window moved: forget what fell out
                pruned_at, floor = max_dt, max_dt - unit
                for key in [k for k, ds in overlap.items() if (parse_datestamp(ds) or floor) < floor]:
                    del overlap[key]
            delivered = {}
            if page.token and (page.token in tokens_seen or page.token == p["token"]):
                self._fail(f"the server repeated resumption token {page.token[:60]!r}: stopped "
                           f"to avoid an endless loop (set {set_spec or '(all)'}, {self.stats.records} "
                           f"records so far)")
            if page.token:
                tokens_seen.add(page.token)
            p["token"] = page.token
            p["page_ids"] = {}
            if not page.token:
                break
            self._emit()

        self._end_pass(p, set_spec)
        return True

    # -- deletion reconciliation ---------------------------------------------------------------

    def list_identifiers(self, on_page: Callable[[list[str]], None]) -> Listing:
        """List every identifier again (ListIdentifiers, the harvest's prefix and sets), handing
        each page's live identifiers to `on_page`. Call it after iterating the harvest, which
        read Identify and chose the prefix.

        Repositories whose deletedRecord is `no` or `transient` do not (reliably) report
        deletions: what the store holds and a whole listing lacks was deleted. `complete` stays
        False, with the reason in `problem`, whenever one identifier may be missing: a request
        that failed after its retries, an OAI error, a refused (expired) or repeated token, a
        malformed page, or fewer headers than the token's cursor/completeListSize announced.
        The listing is not restarted: the next reconciliation lists again.
        """
        listing = Listing()
        lost_before = self.stats.lost_records
        try:
            for set_spec in (self.source.options or {}).get("sets") or [None]:
                problem = self._list_set(set_spec, listing, on_page, lost_before)
                if problem:
                    listing.problem = problem
                    self._say(f"deletion reconciliation stopped: {problem}")
                    return listing
        except HarvestRequestError as exc:
            self.stats.errors += 1
            listing.problem = f"request failed: {exc}"
            self._say(f"deletion reconciliation stopped: {listing.problem}")
            return listing
        listing.complete = True
        return listing

    def _list_set(self, set_spec: str | None, listing: Listing, on_page, lost_before: int) -> str | None:
        """One ListIdentifiers listing to its end; the reason it stopped early, else None."""
        params = {"verb": "ListIdentifiers", "metadataPrefix": self.prefix}
        if set_spec:
            params["set"] = set_spec
        tokens: set[str] = set()
        p: dict[str, Any] = {"cursor": None}
        while True:
            page, content = self._fetch(params)
            if page.error_code == "noRecordsMatch":
                return None
            if page.error_code:
                return f"OAI error {page.error_code}: {page.error_text} ({_short(params)})"
            if page.malformed or page.token_lost:
                self._report_malformed(page, params, content)
                return f"a page could not be read ({_short(params)}); raw page kept"
            self._check_cursor(p, page)
            if self.stats.lost_records > lost_before:
                return "the server announced more identifiers than it listed"
            live = []
            for header, _ in page.records:
                identifier, _datestamp, _sets, deleted = header_values(header)
                if deleted:
                    listing.deleted += 1
                else:
                    live.append(identifier)
            on_page(live)
            listing.listed += len(live)
            if not page.token:
                return None
            if page.token in tokens:
                return f"the server repeated resumption token {page.token[:60]!r}"
            tokens.add(page.token)
            params = {"verb": "ListIdentifiers", "resumptionToken": page.token}

    # -- listing state -------------------------------------------------------------------------

    def _new_pass(self, set_spec: str | None) -> dict[str, Any]:
        window = self._state["windows"].get(set_spec or "", {})
        overlap: dict[str, str] = {}
        if self.since:
            start = self._normalise_since(self.since)
        elif window.get("max"):
            unit = timedelta(seconds=1) if self._state["granularity"] == SECONDS else timedelta(days=1)
            start = format_datestamp(parse_datestamp(window["max"]) - unit, self._state["granularity"])
            overlap = dict(window.get("overlap") or {})
        else:
            start = None
        return {"set": set_spec, "from": start, "token": None, "page_ids": {}, "max": None, "last": None,
                "ordered": True, "overflow": False, "overlap": overlap, "restarts": 0, "cursor": None}

    def _normalise_since(self, since: str) -> str:
        when = parse_datestamp(since)
        if when is None:
            self._fail(f"--since {since!r} is not a date (YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ)")
        if self._state["granularity"] == SECONDS and "T" in since:
            return format_datestamp(when, SECONDS)
        return format_datestamp(when, "YYYY-MM-DD")

    def _request_params(self, p: dict, set_spec: str | None) -> dict[str, str]:
        if p["token"]:
            return {"verb": "ListRecords", "resumptionToken": p["token"]}
        params = {"verb": "ListRecords", "metadataPrefix": self.prefix}
        if set_spec:
            params["set"] = set_spec
        if p["from"]:
            params["from"] = p["from"]
        return params

    def _end_pass(self, p: dict, set_spec: str | None) -> None:
        key = set_spec or ""
        old = self._state["windows"].get(key, {})
        new_max, old_max = parse_datestamp(p["max"]), parse_datestamp(old.get("max"))
        if new_max is None or (old_max is not None and old_max > new_max):
            self._state["windows"][key] = {"max": old.get("max"), "overlap": {**old.get("overlap", {}),
                                                                             **p["overlap"]}}
        else:
            self._state["windows"][key] = {"max": p["max"], "overlap": p["overlap"]}
        self._state["pass"] = None
        self._state["set_index"] += 1
        if self._state["set_index"] >= len(self._state["sets"]):
            self._state["complete"] = True
        self._emit()

    def _restart(self, p: dict, why: str, max_dt: datetime | None, unit: timedelta) -> None:
        """Ask for the listing again from the last datestamp window, so nothing is lost."""
        p["restarts"] += 1
        if p["restarts"] > MAX_RESTARTS:
            if why.startswith("a page could not be read"):
                self.stats.lost_pages += 1
            self._fail(f"{why}; gave up after {MAX_RESTARTS} restarts without a new record")
        if p["ordered"] and not p["overflow"] and max_dt is not None:
            start = max_dt - unit
            if p["from"] and parse_datestamp(p["from"]) and parse_datestamp(p["from"]) > start:
                start = parse_datestamp(p["from"])
            p["from"] = format_datestamp(start, self._state["granularity"])
            self._say(f"{why}: listing restarted from {p['from']}")
        else:
            self._say(f"{why}: listing restarted from {p['from'] or 'the beginning'}; the server does not "
                      f"list records in datestamp order, so records received before may come again")
        p["token"] = None
        p["last"] = None
        p["page_ids"] = {}
        p["cursor"] = None
        self._emit()

    def _listing_problem(self, page: Page, p: dict, params: dict, content: bytes) -> str:
        code = page.error_code
        if code == "noRecordsMatch":
            return "end"
        if code == "badResumptionToken":
            return "the resumption token was refused (expired?)"
        if page.token_lost:
            path = self._keep_raw(content, params)
            self.stats.raw_pages.append(str(path))
            return f"a page could not be read to its end (kept at {path})"
        self._fail(f"OAI error {code}: {page.error_text} ({_short(params)})")
        return ""

    # -- checks on pages -----------------------------------------------------------------------

    def _fetch(self, params: dict) -> tuple[Page, bytes]:
        response = self.sickle.harvest(**params)
        content = response.http_response.content
        return parse_page(content, params["verb"]), content

    def _report_malformed(self, page: Page, params: dict, content: bytes) -> None:
        key = _short(params)
        if key in self._malformed_requests:
            return
        self._malformed_requests.add(key)
        path = self._keep_raw(content, params)
        read = len(page.records)
        expected = max(page.expected or 0, read)
        lost = expected - read
        self.stats.lost_pages += 1
        self.stats.lost_records += lost
        self.stats.raw_pages.append(str(path))
        self._say(f"malformed page ({page.malformed[:120]}): read {read} of {expected} records, "
                  f"{lost} lost; raw page kept at {path}")
        page.expected = expected

    def _check_cursor(self, p: dict, page: Page) -> None:
        """Compare records received with what the token's cursor/completeListSize announced."""
        prev = p.get("cursor")
        if prev and page.cursor is not None and page.cursor > prev["at"]:
            self._compare_count(prev["at"], page.cursor - prev["at"], prev["got"], prev["counted"])
        if page.cursor is not None:
            got, counted = len(page.records), (page.expected or len(page.records)) - len(page.records)
            p["cursor"] = {"at": page.cursor, "got": got, "counted": counted}
            if not page.token and page.complete_size is not None and page.complete_size > page.cursor:
                self._compare_count(page.cursor, page.complete_size - page.cursor, got, counted)
        else:
            p["cursor"] = None

    def _compare_count(self, at: int, announced: int, got: int, counted: int) -> None:
        missing = announced - got - counted
        if missing > 0:
            self.stats.lost_records += missing
            self._say(f"page at cursor {at}: the server announced {announced} records, {got} arrived "
                      f"({missing} lost)")

    # -- helpers -------------------------------------------------------------------------------

    def _keep_raw(self, content: bytes, params: dict) -> Path:
        self.raw_dir.mkdir(parents=True, exist_ok=True)
        self._raw_count += 1
        stamp = time.strftime("%Y%m%dT%H%M%S")
        path = self.raw_dir / f"{self.source.name}-{stamp}-{os.getpid()}-{self._raw_count}.xml"
        path.write_bytes(content)
        log.warning("kept raw page of %s at %s", _short(params), path)
        return path

    def _emit(self) -> None:
        self.checkpoint = copy.deepcopy(self._state)
        if self.on_checkpoint is not None:
            self.on_checkpoint(self.checkpoint)

    def _say(self, message: str) -> None:
        if message not in self._said:
            self._said.add(message)
            self.stats.messages.append(message)
            log.warning("%s: %s", self.source.name, message)

    def _fail(self, message: str) -> None:
        self.stats.errors += 1
        self._say(message)
        raise _Stop(message)


def _in_set(spec: str, wanted: str) -> bool:
    return spec == wanted or spec.startswith(wanted + ":")


def _short(params: dict) -> str:
    return " ".join(f"{k}={str(v)[:40]}" for k, v in sorted(params.items()))
