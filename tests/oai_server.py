"""A real OAI-PMH server on 127.0.0.1 for tests and the bench, and a way to make it misbehave.

The repository itself (oaipmh's BatchingServer over an in-memory store, tokens with
cursor/completeListSize) is demo/oai_repository.py. Here: generated records in three metadata
formats (oai_dc, oai_datacite, METS), and `Faults`, which can slow every page down and fires
faults on chosen pages of a listing: 503 with Retry-After in seconds or as an HTTP date, 500, a
dropped connection, a response slower than the client's timeout, an expired token
(badResumptionToken), a repeated token, a malformed page, a page cut short, a well-formed page
one record short. `OAITestServer` is
the repository with faults; tests/sweep_fixtures.py puts the same faults on the demo repository.

    python -m tests.oai_server --records 100000 --batch 100   # prints the base URL, serves until killed
"""
from __future__ import annotations

import argparse
import email.utils
import re
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from lxml.etree import SubElement
from oaipmh import common

from demo.oai_repository import OAI_DC, XML, MetadataFormat, OAIRepository, StoredRecord, listing_of

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


FORMATS = {f.prefix: f for f in (
    OAI_DC,
    MetadataFormat("oai_datacite", "http://schema.datacite.org/oai/oai-1.1/oai.xsd", DATACITE_OAI,
                   oai_datacite_writer),
    MetadataFormat("mets", "http://www.loc.gov/standards/mets/mets.xsd", METS, mets_writer))}
LISTINGS = ("ListRecords", "ListIdentifiers")


@dataclass
class Fault:
    kind: str            # 503 | 500 | drop | slow | expire | repeat | malformed | garbled | truncate | short
    cursor: int = 0      # fires on the page of the listing starting at this cursor
    times: int = 1       # how many times (a large number = always)
    retry_after: str | None = None    # "seconds" | "date" | None (for 503)
    seconds: float = 0.0              # Retry-After value, or the delay of "slow"
    verb: str = "ListRecords"         # the listing whose page it fires on (or ListIdentifiers)
    fired: int = 0


@dataclass
class ServerLog:
    requests: list[dict] = field(default_factory=list)
    faults: list[str] = field(default_factory=list)


class Faults:
    """For an OAIRepository (as a mixin, listed first): faults on chosen listing pages, a delay
    on every ListRecords page, a log of requests and faults, and for the bench a cache of
    rendered pages (set `cache = {}`)."""

    def __init__(self, *args, page_delay: float = 0.0, **kw):
        super().__init__(*args, **kw)
        self.page_delay = page_delay
        self.cache: dict | None = None
        self.faults: list[Fault] = []
        self.log = ServerLog()

    def add_fault(self, kind: str, cursor: int = 0, times: int = 1, **kw) -> Fault:
        fault = Fault(kind, cursor, times, **kw)
        self.faults.append(fault)
        return fault

    def respond(self, params: dict[str, str]) -> tuple[int, dict[str, str], bytes | None]:
        verb = params.get("verb")
        listing, cursor = listing_of(params)
        with self._lock:
            self.log.requests.append({**params, "_cursor": cursor})
            fault = self._due_fault(verb, cursor)
        if fault is None or fault.kind in ("repeat", "malformed", "garbled", "truncate", "short"):
            if verb == "ListRecords" and self.page_delay:
                time.sleep(self.page_delay)
        if fault is not None:
            early = self._early_fault(fault)
            if early is not None:
                return early
        key = tuple(sorted(params.items()))
        if self.cache is not None and fault is None and key in self.cache:
            return 200, XML, self.cache[key]
        body = self.render(params, listing, cursor)
        if self.cache is not None and fault is None and verb in LISTINGS and b"<error" not in body[:2000]:
            self.cache[key] = body
        if fault is not None:
            body = self._late_fault(fault, body, params)
        return 200, XML, body

    def _due_fault(self, verb, cursor) -> Fault | None:
        for fault in self.faults:
            if fault.verb == verb and fault.cursor == cursor and fault.fired < fault.times:
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
            return 200, XML, self.oai.handleRequest({"verb": fault.verb, "resumptionToken": "expired"})
        return None

    def _late_fault(self, fault: Fault, body: bytes, params: dict) -> bytes:
        if fault.kind == "repeat" and "resumptionToken" in params:
            return re.sub(rb"(<resumptionToken[^>]*>)[^<]+(</resumptionToken>)",
                          lambda m: m.group(1) + params["resumptionToken"].encode() + m.group(2), body)
        item = b"<record>" if fault.verb == "ListRecords" else b"<header>"
        if fault.kind == "malformed":
            # the third record's header loses its closing '>': lxml's recovery drops that record
            starts = [m.start() for m in re.finditer(item, body)]
            at = starts[min(2, len(starts) - 1)]
            return body[:at] + body[at:].replace(b"<header>", b"<header ", 1)
        if fault.kind == "garbled":
            # the third record's header tag is mangled beyond recognition: only the cursor tells
            starts = [m.start() for m in re.finditer(item, body)]
            at = starts[min(2, len(starts) - 1)]
            return body[:at] + body[at:].replace(b"<header>", b"<hea der>", 1)
        if fault.kind == "truncate":
            return body[: len(body) * 6 // 10]
        if fault.kind == "short":
            # the third record is left out of a well-formed page: only the cursor tells
            end = b"</record>" if fault.verb == "ListRecords" else b"</header>"
            blocks = list(re.finditer(re.escape(item) + rb".*?" + re.escape(end), body, re.S))
            gone = blocks[min(2, len(blocks) - 1)]
            return body[:gone.start()] + body[gone.end():]
        return body


class OAITestServer(Faults, OAIRepository):
    """The repository over generated records (`make_records`), with faults."""

    def __init__(self, records: list[StoredRecord], *,
                 formats: tuple[str, ...] = ("oai_dc", "oai_datacite", "mets"), **kw):
        super().__init__(records, metadata=record_metadata, formats=[FORMATS[p] for p in formats], **kw)


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
    server.serve_until_interrupted()


if __name__ == "__main__":
    main(sys.argv[1:])
