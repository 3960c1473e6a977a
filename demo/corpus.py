"""A generated, deterministic mixed OER corpus for the demo, the sweep tests and the bench.

Resource `i` is one OAI-PMH record; its kind follows a fixed cycle (`KIND_CYCLE`): HTML pages with
and without accessibility problems, PDFs tagged and untagged, PPTX, DOCX, MP4/WebM videos with and
without captions (a captioned MP4 has a sibling .vtt file in the same record) and metadata-only
records. File bodies are built once per (kind, variant) and shared, so 10,000 resources cost a
handful of PDFs to make; every file still has its own URL and ETag. HTML pages are made per
resource (string formatting is cheap) so each has its own content hash.

A resource "changes" by moving to its next revision: another variant body, a new ETag and a newer
datestamp, so an incremental harvest sees it again.
"""
from __future__ import annotations

import functools
import hashlib
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta

EPOCH = datetime(2024, 1, 1, 8, 0, 0)    # timezone-naive, as oaipmh wants

# One cycle of 20 resources: 6 HTML, 4 PDF, 2 PPTX, 2 DOCX, 3 media, 3 metadata-only.
KIND_CYCLE = ("html", "pdf", "html", "pptx", "metadata", "docx", "html", "pdf", "media", "html",
              "pdf", "metadata", "html", "pptx", "media", "docx", "pdf", "html", "media", "metadata")
VARIANTS = {"html": 4, "pdf": 3, "pptx": 2, "docx": 2, "media": 3}
EXTENSIONS = {"html": "html", "pdf": "pdf", "pptx": "pptx", "docx": "docx"}
MEDIA_TYPES = {"html": "text/html; charset=utf-8", "pdf": "application/pdf",
               "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
               "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
               "mp4": "video/mp4", "webm": "video/webm", "vtt": "text/vtt; charset=utf-8"}
LICENCES = (("Creative Commons Attribution 4.0 International", "https://creativecommons.org/licenses/by/4.0/"),
            ("Creative Commons Attribution Share Alike 4.0 International",
             "https://creativecommons.org/licenses/by-sa/4.0/"),
            ("All rights reserved", None))
TOPICS = ("photosynthesis", "thermodynamics", "statistics", "European history", "machine learning",
          "organic chemistry", "academic writing", "linear algebra")


@dataclass
class DemoFile:
    name: str
    kind: str          # html | pdf | pptx | docx | mp4 | webm | vtt | corrupt
    variant: int


@dataclass
class DemoResource:
    number: int
    kind: str
    revision: int = 0
    deleted: bool = False
    datestamp: datetime = EPOCH
    corrupt: bool = False
    files: list[DemoFile] = field(default_factory=list)

    @property
    def identifier(self) -> str:
        return f"oai:demo.oerlint.test:res-{self.number:06d}"

    @property
    def topic(self) -> str:
        return TOPICS[self.number % len(TOPICS)]


def describe(number: int, revision: int = 0) -> DemoResource:
    """Resource `number` at `revision`: its kind, files and variants."""
    kind = KIND_CYCLE[number % len(KIND_CYCLE)]
    res = DemoResource(number, kind, revision, datestamp=EPOCH + timedelta(minutes=number))
    # a stable pseudo-random spread of variants, so that even small corpora hold each of them
    variant = (int(hashlib.md5(str(number).encode()).hexdigest()[:8], 16) + revision) % VARIANTS.get(kind, 1)
    if kind in EXTENSIONS:
        res.files.append(DemoFile(f"unit-{number}.{EXTENSIONS[kind]}", kind, variant))
    elif kind == "media":
        # variant 0: MP4 without captions; 1: MP4 with a sibling WebVTT file; 2: WebM with a
        # subtitle track
        if variant == 2:
            res.files.append(DemoFile(f"lecture-{number}.webm", "webm", variant))
        else:
            res.files.append(DemoFile(f"lecture-{number}.mp4", "mp4", variant))
            if variant == 1:
                res.files.append(DemoFile(f"lecture-{number}.vtt", "vtt", variant))
    return res


def make_corpus(n: int) -> list[DemoResource]:
    return [describe(i) for i in range(n)]


def record_fields(res: DemoResource, base: str) -> dict[str, list[str]]:
    """The oai_dc fields of a resource; `base` is the server root (http://127.0.0.1:PORT)."""
    i = res.number
    licence, licence_url = LICENCES[i % len(LICENCES)]
    rights = ["info:eu-repo/semantics/openAccess", licence] + ([licence_url] if licence_url else [])
    formats = sorted({MEDIA_TYPES[f.kind].split(";")[0] for f in res.files if f.kind in MEDIA_TYPES})
    return {
        "title": [f"{res.topic.capitalize()}: unit {i}" + (f" (revised {res.revision})" if res.revision else "")],
        "creator": [f"Teacher{i % 13}, Alex"] if i % 9 else [],
        "subject": [res.topic, "open educational resource"],
        "description": [f"Course material on {res.topic}, unit {i}, for first-year students."],
        "date": [f"2024-{1 + i % 12:02d}-{1 + i % 28:02d}"],
        "type": ["Lecture notes" if res.kind != "media" else "Video"],
        "format": formats,
        "identifier": [f"{base}/records/{i}"] + [file_url(base, res, f) for f in res.files],
        "language": ["en" if i % 3 else "de"],
        "rights": rights,
    }


def file_url(base: str, res: DemoResource, f: DemoFile) -> str:
    return f"{base}/records/{res.number}/files/{f.name}"


def etag(res: DemoResource, f: DemoFile, body: bytes) -> str:
    return f'"{res.number}-{res.revision}-{hashlib.sha1(body).hexdigest()[:12]}"'


def body_of(res: DemoResource, f: DemoFile) -> bytes:
    if res.corrupt:
        return corrupt_pdf()
    if f.kind == "html":
        return html_page(res.number, f.variant, res.revision)
    return _binary(f.kind, f.variant)


# -- bodies -------------------------------------------------------------------------------------

def html_page(number: int, variant: int, revision: int = 0) -> bytes:
    """Variant 0 is clean; 1 lacks image alt text and has vague links; 2 has no lang and skips
    heading levels; 3 has a data table without headers and low-contrast text."""
    topic = TOPICS[number % len(TOPICS)]
    lang = "" if variant == 2 else ' lang="en"'
    img = '<img src="diagram.png">' if variant == 1 else '<img src="diagram.png" alt="Diagram of the process">'
    link = ('<a href="notes.html">click here</a>' if variant == 1
            else '<a href="notes.html">Lecture notes on the process</a>')
    heading = "<h4>Details</h4>" if variant == 2 else "<h2>Details</h2>"
    table = ("<table><tr><td>Step</td><td>Result</td></tr><tr><td>1</td><td>Light absorbed</td></tr></table>"
             if variant == 3 else
             "<table><tr><th scope=\"col\">Step</th><th scope=\"col\">Result</th></tr>"
             "<tr><td>1</td><td>Light absorbed</td></tr></table>")
    style = ' style="color:#bbbbbb;background:#ffffff"' if variant == 3 else ""
    page = (f"<!DOCTYPE html><html{lang}><head><meta charset=\"utf-8\"><title>{topic.capitalize()}, "
            f"unit {number}</title></head><body><main><h1>{topic.capitalize()}: unit {number}</h1>"
            f"<p{style}>This unit introduces {topic} (revision {revision}). Read it before the seminar.</p>"
            f"{heading}<p>{img}</p><p>See also {link}.</p>{table}"
            f"<p>Licensed under <a rel=\"license\" href=\"https://creativecommons.org/licenses/by/4.0/\">"
            f"CC BY 4.0</a>.</p></main></body></html>")
    return page.encode("utf-8")


def corrupt_pdf() -> bytes:
    """A PDF cut short: the header and part of the first object, nothing a reader can open."""
    return b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n2 0 obj\n<< /Type /Pa"


_building = threading.Lock()


def _binary(kind: str, variant: int) -> bytes:
    """The body of a (kind, variant), built once: the Office builders stamp the time into their
    files, so two server threads building the same body at once would serve different bytes
    (and ETags) for one unchanged file."""
    with _building:
        return _build(kind, variant)


@functools.cache
def _build(kind: str, variant: int) -> bytes:
    # The factories live with the tests (they also make the checkers' fixtures); imported lazily
    # so that serving HTML-only corpora does not load pikepdf or python-pptx.
    if kind == "pdf":
        from tests.pdf_factory import E, make_pdf
        content = [E("H1", "Thermodynamics"), E("P", "Heat is energy in transit between systems."),
                   E("Figure", image=True, alt=None if variant == 2 else "A heat engine between two reservoirs")]
        return make_pdf([content], tagged=variant != 1, lang=None if variant == 1 else "en-GB")
    if kind == "pptx":
        from tests import office_factory as f
        prs = f.deck()
        s = f.slide(prs, "Photosynthesis", body="Light reactions and the Calvin cycle")
        f.picture(s, None if variant == 1 else "Chloroplast diagram")
        f.slide(prs, None if variant == 1 else "Summary", body=None if variant == 1 else "What we learnt")
        return f.save(prs)
    if kind == "docx":
        from tests import office_factory as f
        doc = f.document()
        doc.add_paragraph("Photosynthesis", style="Heading 1")
        f.body(doc, 60)
        f.doc_picture(doc, None if variant == 1 else "Leaf cross-section")
        return f.save(doc)
    if kind == "mp4":
        from tests.test_media_builders import mp4
        return mp4(60_000, title="Lecture")
    if kind == "webm":
        from tests.test_media_builders import webm
        return webm(60_000, subtitles="S_TEXT/WEBVTT", title="Lecture")
    if kind == "vtt":
        from tests.test_media_builders import cues_until, vtt
        return vtt(cues_until(60))
    raise ValueError(f"no body for kind {kind!r}")
