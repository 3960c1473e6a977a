"""An OAI-PMH repository on 127.0.0.1: what the demo serves and the tests and the bench harvest.

The protocol is answered by a third-party implementation, `oaipmh.server.BatchingServer` (PyPI
`oaipmh` 4.x, datetimes timezone-naive), over an in-memory record store. `OAIRepository` is the
small HTTP server around it: it adds DSpace-style `cursor`/`completeListSize` attributes to
resumption tokens, says in Identify how it keeps deletions (`deleted_record`), and can change
what it holds between harvests (`load`). The demo adds files to download (demo/server.py), the
tests add faults (tests/oai_server.py).

    with OAIRepository(records, metadata=lambda rec, base_url: common.Metadata(None, {...})) as repo:
        repo.url          # http://127.0.0.1:PORT/oai
        repo.load(fewer)  # the repository now holds other records
"""
from __future__ import annotations

import bisect
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable, Sequence
from urllib.parse import parse_qsl, urlsplit

from oaipmh import common, error
from oaipmh.metadata import MetadataRegistry
from oaipmh.server import BatchingServer, decodeResumptionToken, oai_dc_writer

SECONDS = "YYYY-MM-DDThh:mm:ssZ"
EARLIEST = datetime(2024, 1, 1, 8, 0, 0)   # Identify's earliestDatestamp
XML = {"Content-Type": "text/xml; charset=utf-8"}


@dataclass
class StoredRecord:
    identifier: str
    datestamp: datetime
    sets: list[str]
    deleted: bool = False
    number: int = 0


@dataclass(frozen=True)
class MetadataFormat:
    prefix: str
    schema: str
    namespace: str
    writer: Callable      # oaipmh metadata writer: (element, common.Metadata) -> None


OAI_DC = MetadataFormat("oai_dc", "http://www.openarchives.org/OAI/2.0/oai_dc.xsd",
                        "http://www.openarchives.org/OAI/2.0/oai_dc/", oai_dc_writer)

# what a live record says: (record, the repository's base URL) -> its metadata
MetadataOf = Callable[[StoredRecord, str], common.Metadata]


class RecordStore:
    """In-memory IBatchingOAI implementation, sorted by datestamp (as most servers list)."""

    def __init__(self, records: list[StoredRecord], metadata: MetadataOf, base_url: str,
                 formats: Sequence[MetadataFormat] = (OAI_DC,), *, ordered: bool = True,
                 granularity: str = SECONDS, deleted_record: str = "persistent"):
        # ordered: listed by datestamp; otherwise by identifier, newest first (no datestamp order)
        self.ordered = ordered
        self.records = (sorted(records, key=lambda r: r.datestamp) if ordered
                        else sorted(records, key=lambda r: r.identifier, reverse=True))
        self.stamps = [r.datestamp for r in self.records]
        self.metadata = metadata
        self.granularity, self.deleted_record = granularity, deleted_record
        self.base_url = base_url
        self.formats = {f.prefix: f for f in formats}

    def select(self, set=None, from_=None, until=None) -> list[int] | range:
        if not self.ordered:
            return [i for i, r in enumerate(self.records)
                    if (not from_ or r.datestamp >= from_) and (not until or r.datestamp <= until)
                    and (not set or _in_set(r, set))]
        lo = bisect.bisect_left(self.stamps, from_) if from_ else 0
        hi = bisect.bisect_right(self.stamps, until) if until else len(self.records)
        if not set:
            return range(lo, hi)
        return [i for i in range(lo, hi) if _in_set(self.records[i], set)]

    def identify(self):
        return common.Identify("oerlint repository on 127.0.0.1", self.base_url, "2.0",
                               ["admin@test.example.org"], EARLIEST, self.deleted_record, self.granularity,
                               ["identity"])

    def listMetadataFormats(self, identifier=None):
        return [(f.prefix, f.schema, f.namespace) for f in self.formats.values()]

    def listSets(self, cursor=0, batch_size=10):
        names = sorted({s for r in self.records[:1000] for s in r.sets})
        return [(s, s.title(), None) for s in names][cursor:cursor + batch_size]

    def _page(self, metadataPrefix, set, from_, until, cursor, batch_size):
        if metadataPrefix not in self.formats:
            raise error.CannotDisseminateFormatError(metadataPrefix)
        chosen = self.select(set, from_, until)
        return [self.records[i] for i in chosen[cursor:cursor + batch_size]]

    def listRecords(self, metadataPrefix, set=None, from_=None, until=None, cursor=0, batch_size=10):
        return [(self._header(r), self._metadata(r), None)
                for r in self._page(metadataPrefix, set, from_, until, cursor, batch_size)]

    def listIdentifiers(self, metadataPrefix, set=None, from_=None, until=None, cursor=0, batch_size=10):
        return [self._header(r) for r in self._page(metadataPrefix, set, from_, until, cursor, batch_size)]

    def getRecord(self, metadataPrefix, identifier):
        for r in self.records:
            if r.identifier == identifier:
                return self._header(r), self._metadata(r), None
        raise error.IdDoesNotExistError(identifier)

    def _metadata(self, r: StoredRecord):
        return None if r.deleted else self.metadata(r, self.base_url)

    @staticmethod
    def _header(r: StoredRecord):
        return common.Header(None, r.identifier, r.datestamp, r.sets, r.deleted)


def _in_set(r: StoredRecord, wanted: str) -> bool:
    return any(s == wanted or s.startswith(wanted + ":") for s in r.sets)


class RepositoryHandler(BaseHTTPRequestHandler):
    owner: "OAIRepository"
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        params = dict(parse_qsl(urlsplit(self.path).query, keep_blank_values=True))
        status, headers, body = self.owner.respond(params)
        if body is None:
            self.close_connection = True
            return
        self.send(status, headers, body)

    def send(self, status: int, headers: dict[str, str], body: bytes, *, write_body: bool = True) -> None:
        try:
            self.send_response(status)
            for key, value in headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if write_body:
                self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def log_message(self, *args):
        pass


class OAIRepository:
    handler: type[RepositoryHandler] = RepositoryHandler

    def __init__(self, records: list[StoredRecord], *, metadata: MetadataOf,
                 formats: Sequence[MetadataFormat] = (OAI_DC,), batch_size: int = 50, ordered: bool = True,
                 granularity: str = SECONDS, deleted_record: str = "persistent"):
        self.records = records
        self.metadata = metadata
        self.formats = tuple(formats)
        self.batch_size = batch_size
        self.ordered = ordered
        self.granularity = granularity          # what Identify says; headers keep seconds, as oaipmh writes
        self.deleted_record = deleted_record    # persistent | transient | no
        self._lock = threading.Lock()
        self._httpd: ThreadingHTTPServer | None = None
        self.store: RecordStore | None = None
        self.oai: BatchingServer | None = None

    # -- lifecycle -----------------------------------------------------------------------------
    def start(self):
        handler = type("Handler", (self.handler,), {"owner": self})
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._httpd.daemon_threads = True
        self._httpd.request_queue_size = 128
        self.load(self.records)
        registry = MetadataRegistry()
        for f in self.formats:
            registry.registerWriter(f.prefix, f.writer)
        self.oai = BatchingServer(_CurrentStore(self), metadata_registry=registry,
                                  resumption_batch_size=self.batch_size)
        threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def load(self, records: list[StoredRecord]) -> None:
        """Replace what the repository holds (new records, changed datestamps, deletions)."""
        self.records = records
        self.store = RecordStore(records, self.metadata, self.url, self.formats, ordered=self.ordered,
                                 granularity=self.granularity, deleted_record=self.deleted_record)

    def stop(self) -> None:
        if self._httpd:
            self._httpd.shutdown()
            self._httpd.server_close()

    def serve_until_interrupted(self) -> None:
        """For the command-line entry points: start, print the URL, serve until Ctrl-C."""
        self.start()
        print(self.url, flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            self.stop()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}/oai"

    # -- one request ---------------------------------------------------------------------------
    def respond(self, params: dict[str, str]) -> tuple[int, dict[str, str], bytes | None]:
        """(status, headers, body); body None means: drop the connection."""
        return 200, XML, self.render(params, *listing_of(params))

    def render(self, params: dict[str, str], listing: dict, cursor: int) -> bytes:
        body = self.oai.handleRequest(dict(params))
        if params.get("verb") in ("ListRecords", "ListIdentifiers") and b"<error" not in body[:2000]:
            body = self._annotate_token(body, listing, cursor)
        return body

    def _annotate_token(self, body: bytes, listing: dict, cursor: int) -> bytes:
        """DSpace-style cursor and completeListSize; an empty token closes a multi-page list."""
        total = len(self.store.select(listing.get("set"), listing.get("from_"), listing.get("until")))
        attrs = f' cursor="{cursor}" completeListSize="{total}"'.encode()
        if b"<resumptionToken>" in body:
            return body.replace(b"<resumptionToken>", b"<resumptionToken" + attrs + b">", 1)
        if cursor > 0:
            for end in (b"</ListRecords>", b"</ListIdentifiers>"):
                body = body.replace(end, b"<resumptionToken" + attrs + b"/>" + end, 1)
        return body


def listing_of(params: dict[str, str]) -> tuple[dict, int]:
    """The listing arguments and cursor a request stands for (read back from its token)."""
    if "resumptionToken" not in params:
        return params, 0
    try:
        return decodeResumptionToken(params["resumptionToken"])
    except Exception:  # a token the server cannot read: oaipmh answers badResumptionToken
        return {}, -1


class _CurrentStore:
    """Hands oaipmh whatever store the repository holds now, so `load()` can change it."""

    def __init__(self, repository: OAIRepository):
        self._repository = repository

    def __getattr__(self, name):
        return getattr(self._repository.store, name)
