"""Caption and transcript files of a media file that sit outside its own record (issue 3, item 5).

A video is captioned by a caption file with its base name beside it "in the same source". Beside
it means, besides its own record's files (sweeps.pipeline):
- in a Moodle course section: a `.vtt`/`.srt`/`.txt` uploaded as a module of its own (a resource
  module is a record of its own) in the same course and section;
- named by a page: a `<track kind=captions|subtitles src=…>` of a `<video>`/`<audio>` whose source
  is the media file, on a Moodle page, label or summary of the same course, or in an HTML file of
  the media's own record (an OAI record's landing page). The track's file must be a file of that
  record or of the course; its name need not match the video's.

Everything is read from the store when the media file is checked (pull): the pages' HTML is in
the harvested records, so it does not matter whether the pages are checked before or after the
video. What the store says about these files goes into the media's version key (`digest`), so a
caption module added, changed or removed later makes the video be checked again; and storing
such a module or page marks the media files it concerns stale and queues them (`wake`). A
video already processed earlier in the same sweep is then checked again by the next sweep.
Names are compared by file name: two videos of one course with the same file name share a page's
tracks.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass, field
from typing import Any, Iterable
from urllib.parse import unquote, urlsplit

from lxml import etree
from sqlalchemy import bindparam, or_, select, update
from sqlalchemy.engine import Connection

from checkers.media import MEDIA_EXTS as MEDIA_EXTENSIONS
from harvester.record import FileRef, ResourceRecord
from sweeps import writes

CAPTION_EXTENSIONS = (".vtt", ".srt", ".txt")
PAGE_EXTENSIONS = (".html", ".htm", ".xhtml")
MAX_SCOPE = 5000          # resources of one course read for one media file
MAX_PAGES = 50            # pages read for <track>s per media file
PAGE_MAX_BYTES = 1_000_000
MAX_RECORD_PAGES = 3      # HTML files of the media's own record read for <track>s
MAX_TRACKS = 200          # <track> pairs taken from one page
_CAPTION_KINDS = ("captions", "subtitles", "")   # a <track> without kind is subtitles
_COURSE = re.compile(r"^(moodle:.+?:course\d+)(?::|$)")
_PARSER = etree.HTMLParser(no_network=True, recover=True)

R, V = writes.R, writes.V


def file_name(url_or_name: str) -> str:
    """The file name of a URL or path, unquoted and case-folded."""
    path = urlsplit(url_or_name.strip()).path if "://" in url_or_name else url_or_name.split("?", 1)[0]
    return unquote(path.replace("\\", "/").rsplit("/", 1)[-1]).casefold()


def same_base(candidate: str, media: str) -> bool:
    """lecture.vtt, lecture.en.srt, lecture_transcript.txt for lecture.mp4 (the media checker
    then judges the suffix precisely)."""
    c, m = os.path.splitext(file_name(candidate))[0], os.path.splitext(file_name(media))[0]
    return bool(m) and (c == m or c.startswith(m) and c[len(m):len(m) + 1] in (".", "-", "_", " "))


def is_media_name(name: str) -> bool:
    return file_name(name).endswith(MEDIA_EXTENSIONS)


def course_of(identifier: str) -> str | None:
    match = _COURSE.match(identifier)
    return match.group(1) if match else None


def page_tracks(markup: str | bytes | None) -> list[tuple[str, str]]:
    """(media file name, track file name) for every captions/subtitles <track> of a <video> or
    <audio> with a src (its own or a <source>'s). Bounded: pages over PAGE_MAX_BYTES are skipped."""
    if not markup or len(markup) > PAGE_MAX_BYTES:
        return []
    raw = markup.encode("utf-8", "replace") if isinstance(markup, str) else markup
    if b"<track" not in raw.lower():
        return []
    try:
        root = etree.fromstring(raw, _PARSER)
    except (etree.ParserError, ValueError):
        return []
    pairs: list[tuple[str, str]] = []
    for el in root.iter("video", "audio") if root is not None else ():
        sources = [el.get("src")] + [s.get("src") for s in el.iter("source")]
        tracks = [t.get("src") for t in el.iter("track")
                  if (t.get("kind") or "").strip().lower() in _CAPTION_KINDS and t.get("src")]
        pairs += [(file_name(m), file_name(t)) for m in sources if m for t in tracks]
        if len(pairs) >= MAX_TRACKS:
            break
    return pairs[:MAX_TRACKS]


@dataclass
class Row:
    """A resource of the media's course, as read from the store."""
    id: int
    identifier: str
    record_identifier: str
    record: dict
    sha: str | None        # its current copy in the blob store
    stale: bool

    @property
    def file(self) -> FileRef | None:
        unit = self.record.get("unit") or {}
        return FileRef(**unit["file"]) if unit.get("kind") == "file" and unit.get("file") else None

    @property
    def section(self) -> Any:
        return (self.record.get("moodle") or {}).get("section_id")

    def sibling(self) -> "Sibling":
        return Sibling(self.file, self.identifier, None if self.stale else self.sha)


@dataclass
class Sibling:
    file: FileRef
    identifier: str | None = None   # its own resource, when stored
    sha: str | None = None          # its stored copy, when current


@dataclass
class Context:
    """What lies beside one media file outside its record."""
    extra: list[Sibling] = field(default_factory=list)   # caption/transcript files of other records
    tracks: set[str] = field(default_factory=set)        # file names a page's <track> gives it
    digest: str = ""                                     # of all that; "" when there is none
    rows: list[Row] = field(default_factory=list)


def scope_rows(conn: Connection, source_id: int, record_identifier: str) -> list[Row]:
    """The live resources of the Moodle course of `record_identifier` (none outside Moodle)."""
    course = course_of(record_identifier)
    if course is None:
        return []
    query = (select(R.c.id, R.c.identifier, R.c.record_identifier, R.c.record, R.c.stale, V.c.sha256)
             .select_from(R.outerjoin(V, V.c.id == R.c.current_version_id))
             .where(R.c.source_id == source_id, R.c.deleted.is_(False),
                    or_(R.c.identifier == course, R.c.identifier.startswith(course + ":", autoescape=True)))
             .order_by(R.c.id).limit(MAX_SCOPE))
    return [Row(r.id, r.identifier, r.record_identifier, r.record or {}, r.sha256, r.stale)
            for r in conn.execute(query)]


def context(conn: Connection, source_id: int, record: ResourceRecord, me: dict) -> Context:
    """The caption files of media file `me` in other records of its course section, and the
    caption files the course's pages give it by <track>."""
    rows = scope_rows(conn, source_id, record.identifier)
    ctx = Context(rows=rows)
    if not rows:
        return ctx
    name = me.get("name") or me["url"]
    section = (record.moodle or {}).get("section_id")
    for row in rows:
        f = row.file
        if f and row.record_identifier != record.identifier and section is not None \
                and row.section == section and f.name and f.name.lower().endswith(CAPTION_EXTENSIONS) \
                and same_base(f.name, name):
            ctx.extra.append(row.sibling())
    pages = [row.record.get("content_html") for row in rows
             if (row.record.get("unit") or {}).get("kind") == "content"
             and "<track" in (row.record.get("content_html") or "").lower()]
    for markup in pages[:MAX_PAGES]:
        add_tracks(ctx, record, name, page_tracks(markup))
    ctx.digest = _digest(ctx)
    return ctx


def add_tracks(ctx: Context, record: ResourceRecord, media_name: str, pairs: Iterable[tuple[str, str]]) -> None:
    """The caption files the <track> pairs give media `media_name`: files of the media's own record
    first, else of its course."""
    mine = file_name(media_name)
    for media, track in pairs:
        if media != mine or not track.endswith(CAPTION_EXTENSIONS) or track in ctx.tracks:
            continue
        own = next((f for f in record.files if file_name(f.name or f.url) == track), None)
        if own is not None:
            ctx.tracks.add(own.name or track)
            continue
        row = next((r for r in ctx.rows if r.file and file_name(r.file.name or r.file.url) == track), None)
        if row is not None:
            ctx.tracks.add(row.file.name)
            if all(s.identifier != row.identifier for s in ctx.extra):
                ctx.extra.append(row.sibling())


def _digest(ctx: Context) -> str:
    if not (ctx.extra or ctx.tracks):
        return ""
    what = sorted([s.identifier or s.file.url, s.file.url, s.file.size, s.file.modified] for s in ctx.extra)
    text = json.dumps([what, sorted(ctx.tracks)], default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def keyed(metadata_sha: str, ctx: Context | None) -> str:
    """The media's metadata hash with its outside siblings in it: a change there is a change of
    the media's version, so the media is checked again."""
    if ctx is None or not ctx.digest:
        return metadata_sha
    return hashlib.sha256(f"{metadata_sha}:{ctx.digest}".encode()).hexdigest()


# -- storing a caption module or a page wakes the media files it concerns ----------------------
def wake(conn: Connection, source_id: int, sweep_id: int, changed: list[writes.UnitRow]) -> list[int]:
    """Mark stale and queue (in this sweep) the media files of the course that a changed caption
    file or page concerns; returns the queued resource ids."""
    triggers = [r for r in changed if course_of(r.record_identifier) and _concerns_media(r.record)]
    ids: set[int] = set()
    for course in {course_of(r.record_identifier) for r in triggers}:
        rows = scope_rows(conn, source_id, course)
        media = [row for row in rows if row.file and is_media_name(row.file.name or row.file.url)]
        for trig in (t for t in triggers if course_of(t.record_identifier) == course):
            ids.update(row.id for row in media if _woken(trig.record, row))
    if not ids:
        return []
    queue = sorted(ids)
    conn.execute(update(R).where(R.c.id.in_(bindparam("ids", expanding=True))).values(stale=True), {"ids": queue})
    have = set(conn.execute(writes.ITEMS_OF, {"sweep_id": sweep_id, "ids": queue}).scalars())
    missing = [{"sweep_id": sweep_id, "resource_id": rid} for rid in queue if rid not in have]
    if missing:
        conn.execute(writes.NEW_ITEMS, missing)
    return queue


def _concerns_media(record: dict) -> bool:
    unit = record.get("unit") or {}
    if unit.get("kind") == "file":
        return (unit["file"].get("name") or "").lower().endswith(CAPTION_EXTENSIONS)
    return "<track" in (record.get("content_html") or "").lower()


def _woken(trigger: dict, media: Row) -> bool:
    name = media.file.name or media.file.url
    unit = trigger.get("unit") or {}
    if unit.get("kind") == "file":
        section = (trigger.get("moodle") or {}).get("section_id")
        return section is not None and section == media.section and same_base(unit["file"]["name"], name)
    return any(m == file_name(name) for m, _t in page_tracks(trigger.get("content_html")))
