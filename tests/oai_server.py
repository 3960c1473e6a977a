"""A real OAI-PMH server on 127.0.0.1 for tests and the bench, and a way to make it misbehave.

The protocol is served by a third-party implementation, `oaipmh.server.BatchingServer` (PyPI
`oaipmh` 4.x), over an in-memory store. Around it, `OAITestServer` is the small HTTP wrapper we
control: it adds DSpace-style `cursor`/`completeListSize` attributes to resumption tokens, can slow
every page down, and fires faults on chosen pages: 503 with Retry-After in seconds or as an HTTP
date, 500, a dropped connection, a response slower than the client's timeout, an expired token
(badResumptionToken), a repeated token, a malformed page, a page cut short.

    python tests/oai_server.py --records 100000 --batch 100   # prints the base URL, serves until killed
"""
from __future__ import annotations

import argparse
import bisect
import email.utils
import re
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

from lxml.etree import SubElement
from oaipmh import common, error
from oaipmh.metadata import MetadataRegistry
from oaipmh.server import BatchingServer, decodeResumptionToken, oai_dc_writer

SECONDS = "YYYY-MM-DDThh:mm:ssZ"
DATACITE_OAI = "http://schema.datacite.org/oai/oai-1.1/"
DATACITE = "http://datacite.org/schema/kernel-4"
EPOCH = datetime(2024, 1, 1, 8, 0, 0)          # timezone-naive, as oaipmh wants
LICENCES = [
    ("Creative Commons Attribution 4.0 International", "https://creativecommons.org/licenses/by/4.0/legalcode"),
    ("Creative Commons Attribution Share Alike 4.0 International",
     "https://creativecommons.org/licenses/by-sa/4.0/legalcode"),
    ("Creative Commons Attribution Non Commercial Share Alike 4.0 International",
     "https://creativecommons.org/licenses/by-nc-sa/4.0/legalcode"),
]


@dataclass
class StoredRecord:
    identifier: str
    datestamp: datetime
    sets: list[str]
    deleted: bool = False
    number: int = 0


def make_records(n: int, *, deleted_every: int = 0, step_seconds: int = 60,
                 sets: tuple[str, ...] = ("oer", "oer:slides", "data")) -> list[StoredRecord]:
    """n records, one a `step_seconds` apart, spread over sets; every k-th one deleted."""
    records = []
    for i in range(n):
        member = [sets[i % len(sets)]] if sets else []
        if sets and i % 7 == 0 and len(sets) > 1:
            member.append(sets[(i + 1) % len(sets)])       # some records sit in two sets
        deleted = bool(deleted_every) and i % deleted_every == deleted_every - 1
        records.append(StoredRecord(f"oai:test.example.org:rec-{i:06d}", EPOCH + timedelta(seconds=i * step_seconds),
                                    member, deleted, i))
    return records


def record_metadata(rec: StoredRecord, base_url: str) -> common.Metadata:
    """What a record says, built on demand so a 100,000-record store stays small."""
    i = rec.number
    licence, licence_url = LICENCES[i % len(LICENCES)]
    fields = {
        "title": [f"Open course unit {i}"],
        "creator": [f"Author{i % 11}, Ada", f"Writer{i % 5}, Bo"],
        "subject": ["accessibility", f"topic {i % 13}"],
        "description": [f"Learning material number {i}."],
        "date": [f"2023-{1 + i % 12:02d}-{1 + i % 28:02d}"],
        "type": ["Lecture notes"],
        "format": ["application/pdf"],
        "identifier": [f"{base_url.rsplit('/', 1)[0]}/records/{i}",
                       f"{base_url.rsplit('/', 1)[0]}/records/{i}/files/unit-{i}.pdf"],
        "language": ["en" if i % 2 else "de"],
        "relation": [f"course-{i % 4}"],
        "rights": ["info:eu-repo/semantics/openAccess", licence, licence_url],
    }
    return common.Metadata(None, fields)


def oai_datacite_writer(element, metadata) -> None:
    """A DataCite 4 record inside the oai_datacite envelope, from the same fields."""
    fields = metadata.getMap()
    envelope = SubElement(element, f"{{{DATACITE_OAI}}}oai_datacite", nsmap={None: DATACITE_OAI})
    resource = SubElement(SubElement(envelope, f"{{{DATACITE_OAI}}}payload"), f"{{{DATACITE}}}resource",
                          nsmap={None: DATACITE})
    d = lambda tag: f"{{{DATACITE}}}{tag}"  # noqa: E731
    ident = SubElement(resource, d("identifier"), identifierType="URL")
    ident.text = fields["identifier"][0]
    creators = SubElement(resource, d("creators"))
    for name in fields["creator"]:
        SubElement(SubElement(creators, d("creator")), d("creatorName")).text = name
    SubElement(SubElement(resource, d("titles")), d("title")).text = fields["title"][0]
    subjects = SubElement(resource, d("subjects"))
    for s in fields["subject"]:
        SubElement(subjects, d("subject")).text = s
    SubElement(SubElement(resource, d("dates")), d("date"), dateType="Created").text = fields["date"][0]
    SubElement(resource, d("language")).text = fields["language"][0]
    SubElement(resource, d("resourceType"), resourceTypeGeneral="Text").text = fields["type"][0]
    rights = SubElement(resource, d("rightsList"))
    SubElement(rights, d("rights"), rightsURI=fields["rights"][2]).text = fields["rights"][1]
    SubElement(rights, d("rights"), rightsURI=fields["rights"][0]).text = "Open Access"
    SubElement(SubElement(resource, d("descriptions")), d("description"),
               descriptionType="Abstract").text = fields["description"][0]


METS = "http://www.loc.gov/METS/"
MODS = "http://www.loc.gov/mods/v3"
XLINK = "http://www.w3.org/1999/xlink"


def mets_writer(element, metadata) -> None:
    """DSpace-style METS: MODS descriptive metadata and an ORIGINAL file group with bitstream URLs."""
    fields = metadata.getMap()
    m = lambda tag: f"{{{METS}}}{tag}"  # noqa: E731
    o = lambda tag: f"{{{MODS}}}{tag}"  # noqa: E731
    mets = SubElement(element, m("mets"), nsmap={"mets": METS, "mods": MODS, "xlink": XLINK})
    mods = SubElement(SubElement(SubElement(SubElement(mets, m("dmdSec"), ID="dmd_1"), m("mdWrap"), MDTYPE="MODS"),
                                 m("xmlData")), o("mods"))
    for name in fields["creator"]:
        SubElement(SubElement(mods, o("name")), o("namePart")).text = name
    SubElement(SubElement(mods, o("titleInfo")), o("title")).text = fields["title"][0]
    SubElement(mods, o("abstract")).text = fields["description"][0]
    SubElement(SubElement(mods, o("language")), o("languageTerm")).text = fields["language"][0]
    for subject in fields["subject"]:
        SubElement(SubElement(mods, o("subject")), o("topic")).text = subject
    SubElement(mods, o("identifier"), type="uri").text = fields["identifier"][0]
    for rights in fields["rights"]:
        SubElement(mods, o("accessCondition"), type="useAndReproduction").text = rights
    file_sec = SubElement(mets, m("fileSec"))
    for use, url, mime in (("ORIGINAL", fields["identifier"][1], "application/pdf"),
                           ("THUMBNAIL", fields["identifier"][1] + ".jpg", "image/jpeg")):
        group = SubElement(file_sec, m("fileGrp"), USE=use)
        file_el = SubElement(group, m("file"), ID=f"file_{use}", MIMETYPE=mime, SIZE="12345")
        SubElement(file_el, m("FLocat"), LOCTYPE="URL", **{f"{{{XLINK}}}href": url})


class RecordStore:
    """In-memory IBatchingOAI implementation, sorted by datestamp (as most servers list)."""

    def __init__(self, records: list[StoredRecord], base_url: str = "http://127.0.0.1/oai",
                 formats: tuple[str, ...] = ("oai_dc", "oai_datacite", "mets"), ordered: bool = True):
        # ordered: listed by datestamp; otherwise by identifier, newest first (no datestamp order)
        self.ordered = ordered
        self.records = (sorted(records, key=lambda r: r.datestamp) if ordered
                        else sorted(records, key=lambda r: r.identifier, reverse=True))
        self.stamps = [r.datestamp for r in self.records]
        self.granularity, self.deleted_record = SECONDS, "persistent"
        self.base_url = base_url
        self.formats = formats

    def select(self, set=None, from_=None, until=None) -> list[int] | range:
        if not self.ordered:
            return [i for i, r in enumerate(self.records)
                    if (not from_ or r.datestamp >= from_) and (not until or r.datestamp <= until)
                    and (not set or any(s == set or s.startswith(set + ":") for s in r.sets))]
        lo = bisect.bisect_left(self.stamps, from_) if from_ else 0
        hi = bisect.bisect_right(self.stamps, until) if until else len(self.records)
        if not set:
            return range(lo, hi)
        return [i for i in range(lo, hi)
                if any(s == set or s.startswith(set + ":") for s in self.records[i].sets)]

    def identify(self):
        return common.Identify("oerlint test repository", self.base_url, "2.0", ["admin@test.example.org"],
                               EPOCH, self.deleted_record, self.granularity, ["identity"])

    def listMetadataFormats(self, identifier=None):
        known = {"oai_dc": ("http://www.openarchives.org/OAI/2.0/oai_dc.xsd",
                            "http://www.openarchives.org/OAI/2.0/oai_dc/"),
                 "oai_datacite": ("http://schema.datacite.org/oai/oai-1.1/oai.xsd", DATACITE_OAI),
                 "mets": ("http://www.loc.gov/standards/mets/mets.xsd", METS)}
        return [(p, *known[p]) for p in self.formats]

    def listSets(self, cursor=0, batch_size=10):
        names = sorted({s for r in self.records[:1000] for s in r.sets})
        return [(s, s.title(), None) for s in names][cursor:cursor + batch_size]

    def _page(self, metadataPrefix, set, from_, until, cursor, batch_size):
        if metadataPrefix not in self.formats:
            raise error.CannotDisseminateFormatError(metadataPrefix)
        chosen = self.select(set, from_, until)
        return [self.records[i] for i in chosen[cursor:cursor + batch_size]]

    def listRecords(self, metadataPrefix, set=None, from_=None, until=None, cursor=0, batch_size=10):
        return [(self._header(r), None if r.deleted else record_metadata(r, self.base_url), None)
                for r in self._page(metadataPrefix, set, from_, until, cursor, batch_size)]

    def listIdentifiers(self, metadataPrefix, set=None, from_=None, until=None, cursor=0, batch_size=10):
        return [self._header(r) for r in self._page(metadataPrefix, set, from_, until, cursor, batch_size)]

    def getRecord(self, metadataPrefix, identifier):
        for r in self.records:
            if r.identifier == identifier:
                return self._header(r), None if r.deleted else record_metadata(r, self.base_url), None
        raise error.IdDoesNotExistError(identifier)

    @staticmethod
    def _header(r: StoredRecord):
        return common.Header(None, r.identifier, r.datestamp, r.sets, r.deleted)


@dataclass
class Fault:
    kind: str            # 503 | 500 | drop | slow | expire | repeat | malformed | garbled | truncate
    cursor: int = 0      # fires on the ListRecords page starting at this cursor
    times: int = 1       # how many times (a large number = always)
    retry_after: str | None = None    # "seconds" | "date" | None (for 503)
    seconds: float = 0.0              # Retry-After value, or the delay of "slow"
    fired: int = 0


@dataclass
class ServerLog:
    requests: list[dict] = field(default_factory=list)
    faults: list[str] = field(default_factory=list)


class OAITestServer:
    def __init__(self, records: list[StoredRecord], *, batch_size: int = 50, page_delay: float = 0.0,
                 formats: tuple[str, ...] = ("oai_dc", "oai_datacite", "mets"), ordered: bool = True,
                 granularity: str = SECONDS, deleted_record: str = "persistent"):
        self.records = records
        self.ordered = ordered
        self.granularity = granularity          # what Identify says; headers keep seconds, as oaipmh writes
        self.deleted_record = deleted_record
        self.batch_size = batch_size
        self.page_delay = page_delay
        self.formats = formats
        self.cache: dict | None = None     # rendered pages by request, for the bench (set to {})
        self.faults: list[Fault] = []
        self.log = ServerLog()
        self._lock = threading.Lock()
        self._httpd: ThreadingHTTPServer | None = None
        self.store: RecordStore | None = None
        self.oai: BatchingServer | None = None

    # -- lifecycle -----------------------------------------------------------------------------
    def start(self) -> "OAITestServer":
        server = self

        class Handler(_Handler):
            owner = server

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self.load(self.records)
        registry = MetadataRegistry()
        registry.registerWriter("oai_dc", oai_dc_writer)
        registry.registerWriter("oai_datacite", oai_datacite_writer)
        registry.registerWriter("mets", mets_writer)
        self.oai = BatchingServer(_CurrentStore(self), metadata_registry=registry, resumption_batch_size=self.batch_size)
        threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def load(self, records: list[StoredRecord]) -> None:
        """Replace what the repository holds (new records, changed datestamps, deletions)."""
        self.records = records
        self.store = RecordStore(records, self.url, self.formats, self.ordered)
        self.store.granularity, self.store.deleted_record = self.granularity, self.deleted_record

    def stop(self) -> None:
        if self._httpd:
            self._httpd.shutdown()
            self._httpd.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}/oai"

    def add_fault(self, kind: str, cursor: int = 0, times: int = 1, **kw) -> Fault:
        fault = Fault(kind, cursor, times, **kw)
        self.faults.append(fault)
        return fault

    # -- one request ---------------------------------------------------------------------------
    def respond(self, params: dict[str, str]) -> tuple[int, dict[str, str], bytes | None]:
        """(status, headers, body); body None means: drop the connection."""
        verb = params.get("verb")
        cursor, listing = 0, params
        if "resumptionToken" in params:
            try:
                listing, cursor = decodeResumptionToken(params["resumptionToken"])
            except Exception:  # a token the server cannot read: let oaipmh answer badResumptionToken
                listing, cursor = {}, -1
        with self._lock:
            self.log.requests.append({**params, "_cursor": cursor})
            fault = self._due_fault(verb, cursor)
        if fault is None or fault.kind in ("repeat", "malformed", "garbled", "truncate"):
            if verb == "ListRecords" and self.page_delay:
                time.sleep(self.page_delay)
        if fault is not None:
            early = self._early_fault(fault)
            if early is not None:
                return early
        key = tuple(sorted(params.items()))
        if self.cache is not None and fault is None and key in self.cache:
            return 200, {"Content-Type": "text/xml; charset=utf-8"}, self.cache[key]
        body = self.oai.handleRequest(dict(params))
        if verb in ("ListRecords", "ListIdentifiers") and b"<error" not in body[:2000]:
            body = self._annotate_token(body, listing, cursor)
            if self.cache is not None and fault is None:
                self.cache[key] = body
        if fault is not None:
            body = self._late_fault(fault, body, params)
        return 200, {"Content-Type": "text/xml; charset=utf-8"}, body

    def _due_fault(self, verb, cursor) -> Fault | None:
        if verb != "ListRecords":
            return None
        for fault in self.faults:
            if fault.cursor == cursor and fault.fired < fault.times:
                fault.fired += 1
                self.log.faults.append(f"{fault.kind}@{cursor}")
                return fault
        return None

    def _early_fault(self, fault: Fault):
        if fault.kind == "503":
            headers = {}
            if fault.retry_after == "seconds":
                headers["Retry-After"] = str(int(fault.seconds))
            elif fault.retry_after == "date":
                headers["Retry-After"] = email.utils.formatdate(time.time() + fault.seconds, usegmt=True)
            return 503, headers, b"Service temporarily unavailable"
        if fault.kind == "500":
            return 500, {}, b"Internal error"
        if fault.kind == "drop":
            return 0, {}, None
        if fault.kind == "slow":
            time.sleep(fault.seconds)
            return None
        if fault.kind == "expire":
            return 200, {"Content-Type": "text/xml"}, self.oai.handleRequest(
                {"verb": "ListRecords", "resumptionToken": "expired"})
        return None

    def _late_fault(self, fault: Fault, body: bytes, params: dict) -> bytes:
        if fault.kind == "repeat" and "resumptionToken" in params:
            return re.sub(rb"(<resumptionToken[^>]*>)[^<]+(</resumptionToken>)",
                          lambda m: m.group(1) + params["resumptionToken"].encode() + m.group(2), body)
        if fault.kind == "malformed":
            # the third record's header loses its closing '>': lxml's recovery drops that record
            starts = [m.start() for m in re.finditer(rb"<record>", body)]
            at = starts[min(2, len(starts) - 1)]
            return body[:at] + body[at:].replace(b"<header>", b"<header ", 1)
        if fault.kind == "garbled":
            # the third record's header tag is mangled beyond recognition: only the cursor tells
            starts = [m.start() for m in re.finditer(rb"<record>", body)]
            at = starts[min(2, len(starts) - 1)]
            return body[:at] + body[at:].replace(b"<header>", b"<hea der>", 1)
        if fault.kind == "truncate":
            return body[: len(body) * 6 // 10]
        return body

    def _annotate_token(self, body: bytes, listing: dict, cursor: int) -> bytes:
        """DSpace-style cursor and completeListSize; an empty token closes a multi-page list."""
        total = len(self.store.select(listing.get("set"), listing.get("from_"), listing.get("until")))
        attrs = f' cursor="{cursor}" completeListSize="{total}"'.encode()
        if b"<resumptionToken>" in body:
            return body.replace(b"<resumptionToken>", b"<resumptionToken" + attrs + b">", 1)
        if cursor > 0:
            return body.replace(b"</ListRecords>", b"<resumptionToken" + attrs + b"/></ListRecords>", 1)
        return body


class _CurrentStore:
    """Hands oaipmh whatever store the server holds now, so `load()` can change the repository."""

    def __init__(self, server: OAITestServer):
        self._server = server

    def __getattr__(self, name):
        return getattr(self._server.store, name)


class _Handler(BaseHTTPRequestHandler):
    owner: OAITestServer
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        params = dict(parse_qsl(urlsplit(self.path).query, keep_blank_values=True))
        status, headers, body = self.owner.respond(params)
        if body is None:
            self.close_connection = True
            return
        try:
            self.send_response(status)
            for key, value in headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def log_message(self, *args):
        pass


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=1000)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--deleted-every", type=int, default=0)
    parser.add_argument("--cache", action="store_true", help="keep rendered pages: the second harvest "
                        "measures the client, not oaipmh's rendering")
    args = parser.parse_args(argv)
    server = OAITestServer(make_records(args.records, deleted_every=args.deleted_every, sets=()),
                           batch_size=args.batch)
    if args.cache:
        server.cache = {}
    server.start()
    print(server.url, flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        server.stop()


if __name__ == "__main__":
    main(sys.argv[1:])
