"""Moodle web-service answers → ResourceRecords.

Field names follow Moodle's own return structures: `core_course_get_courses_by_field` (course),
`core_course_get_contents` (sections, modules, contents items) and `mod_page_get_pages_by_courses`.

Identifiers are stable and readable:
    moodle:<host>:course<id>                    the course (its summary and metadata)
    moodle:<host>:course<id>:section<id>        a section summary
    moodle:<host>:course<id>:cm<cmid>           a module (page, label, book, resource, folder, url…)
    moodle:<host>:course<id>:cm<cmid>:<filepath><filename>   one file of a module (`file_identifier`)
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Iterable, Mapping
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from lxml import etree
from lxml import html as lxml_html

from harvester.record import FileRef, ResourceRecord

TOKEN_PARAMS = frozenset({"token", "wstoken"})


def site_key(base_url: str) -> str:
    """`host[:port][/path]` of a Moodle site, lower-cased host: the `<host>` of identifiers."""
    parts = urlsplit(base_url)
    return parts.netloc.lower() + parts.path.rstrip("/")


def file_identifier(record_identifier: str, file: FileRef) -> str:
    return f"{record_identifier}:{file.filepath or '/'}{file.name}"


def iso(timestamp: Any) -> str | None:
    if not isinstance(timestamp, (int, float)) or isinstance(timestamp, bool) or timestamp <= 0:
        return None
    return datetime.fromtimestamp(timestamp, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def html_text(markup: str | None) -> str | None:
    """Plain text of an HTML fragment, whitespace collapsed; None when empty."""
    if not markup or not markup.strip():
        return None
    try:
        text = lxml_html.fragment_fromstring(markup, create_parent="div").text_content()
    except (etree.ParserError, ValueError):
        text = markup
    text = " ".join(text.split())
    return text or None


def without_token(url: str | None) -> str | None:
    """A file URL with any token parameter removed (records never store a token)."""
    if not url:
        return url
    parts = urlsplit(url)
    if not parts.query:
        return url
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k.lower() not in TOKEN_PARAMS]
    return urlunsplit(parts._replace(query=urlencode(query)))


def fingerprint(record: ResourceRecord) -> str:
    """A short digest of everything a record says: equal digests = nothing changed."""
    data = json.dumps(record.to_dict(), sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(data.encode("utf-8")).hexdigest()[:20]


def _unique(values: Iterable[Any]) -> list:
    out: list = []
    for value in values:
        if value not in (None, "") and value not in out:
            out.append(value)
    return out


def _guess_type(name: str, mimetype: str | None) -> str | None:
    if mimetype:
        return mimetype
    if name.lower().endswith((".html", ".htm")):
        return "text/html"
    return None


def file_ref(item: Mapping[str, Any]) -> FileRef:
    """A FileRef from a contents item or an external_files entry (these have no licence/author)."""
    name = item.get("filename") or ""
    return FileRef(url=without_token(item.get("fileurl")) or "", name=name,
                   media_type=_guess_type(name, item.get("mimetype")), size=item.get("filesize"),
                   modified=iso(item.get("timemodified")), licence=item.get("license") or None,
                   author=item.get("author") or None, filepath=item.get("filepath") or None)


@dataclass
class CourseContext:
    site: str            # site_key
    site_url: str
    source: str
    course: Mapping[str, Any]

    @property
    def id(self) -> int:
        return int(self.course["id"])

    @property
    def identifier(self) -> str:
        return f"moodle:{self.site}:course{self.id}"

    @property
    def openness(self) -> str:
        # Guest access enabled = anyone may read without an account; otherwise (or unknown) login.
        return "open" if "guest" in (self.course.get("enrollmentmethods") or []) else "login"

    @property
    def relations(self) -> list[str]:
        return _unique([self.course.get("shortname"), self.course.get("idnumber")])

    @property
    def view_url(self) -> str:
        return f"{self.site_url}/course/view.php?id={self.id}"

    def moodle(self, **more: Any) -> dict[str, Any]:
        data = {"course_id": self.id, "course_shortname": self.course.get("shortname"),
                "course_fullname": self.course.get("fullname")}
        data.update({k: v for k, v in more.items() if v is not None})
        return data

    def base(self, identifier: str, **fields: Any) -> ResourceRecord:
        return ResourceRecord(identifier=identifier, source=self.source, openness=self.openness,
                              relations=self.relations, language=self.course.get("lang") or None, **fields)


def course_record(ctx: CourseContext) -> tuple[ResourceRecord, int | None]:
    course = ctx.course
    summary = course.get("summary") or None
    files = [file_ref(f) for f in (course.get("overviewfiles") or []) + (course.get("summaryfiles") or [])]
    stamp = course.get("timemodified")
    record = ctx.base(
        ctx.identifier, title=course.get("fullname"), description=html_text(summary),
        content_html=summary if html_text(summary) or (summary and "<img" in summary) else None,
        creators=_unique(c.get("fullname") for c in course.get("contacts") or []),
        created=iso(course.get("timecreated")), modified=iso(stamp), datestamp=iso(stamp),
        resource_type="course", landing_page=ctx.view_url, files=files,
        formats=_unique(f.media_type for f in files),
        subjects=_unique([course.get("categoryname")]),
        moodle=ctx.moodle(category_id=course.get("categoryid"), category=course.get("categoryname"),
                          view_url=ctx.view_url))
    return record, stamp


def section_record(ctx: CourseContext, section: Mapping[str, Any]) -> ResourceRecord | None:
    summary = section.get("summary") or ""
    if not html_text(summary) and "<img" not in summary:
        return None
    return ctx.base(
        f"{ctx.identifier}:section{section['id']}", title=section.get("name") or None,
        description=html_text(summary), content_html=summary, resource_type="section",
        landing_page=f"{ctx.view_url}#section-{section.get('section', 0)}",
        moodle=ctx.moodle(section=section.get("section"), section_id=section.get("id"),
                          section_name=section.get("name")))


def _book_chapters(contents: list[Mapping[str, Any]]) -> list[str]:
    for item in contents:
        if item.get("type") == "content" and item.get("filename") == "structure":
            try:
                structure = json.loads(item.get("content") or "[]")
            except ValueError:
                return []
            titles: list[str] = []

            def walk(nodes):
                for node in nodes or []:
                    if isinstance(node, Mapping):
                        titles.append(str(node.get("title", "")))
                        walk(node.get("subitems"))
            walk(structure)
            return titles
    return []


def module_record(ctx: CourseContext, section: Mapping[str, Any], module: Mapping[str, Any],
                  page: Mapping[str, Any] | None = None) -> tuple[ResourceRecord | None, int | None]:
    """The record of one visible module, and its newest timemodified (None if Moodle gives none)."""
    modname = module.get("modname") or ""
    contents = [c for c in module.get("contents") or [] if isinstance(c, Mapping)]
    description_html = module.get("description") or None
    stamps = [c.get("timemodified") for c in contents if isinstance(c.get("timemodified"), int)]

    files = []
    external = None
    for item in contents:
        kind = item.get("type")
        if kind == "url":
            external = external or item.get("fileurl")
        elif kind == "file":
            if modname == "page" and item.get("filename") == "index.html" and item.get("filepath") == "/":
                continue    # the page's own HTML: taken from mod_page_get_pages_by_courses instead
            files.append(file_ref(item))

    content_html = description_html
    description = html_text(description_html)
    extra: dict[str, Any] = {}
    if modname == "page" and page is not None:
        content_html = page.get("content") or None
        description = html_text(page.get("intro")) or description
        if isinstance(page.get("timemodified"), int):
            stamps.append(page["timemodified"])
    if modname == "book":
        extra["book_chapters"] = _book_chapters(contents)
    if not (content_html or files or external):
        return None, None

    stamp = max(stamps) if stamps else None
    creators = _unique(f.author for f in files)
    view_url = module.get("url")
    record = ctx.base(
        f"{ctx.identifier}:cm{module['id']}", title=module.get("name"), description=description,
        content_html=content_html, creators=creators, modified=iso(stamp), datestamp=iso(stamp),
        licence_statements=_unique(f.licence for f in files), resource_type=modname,
        formats=_unique(f.media_type for f in files),
        landing_page=without_token(external) or view_url or f"{ctx.view_url}#module-{module['id']}",
        files=files, extra=extra,
        moodle=ctx.moodle(section=section.get("section"), section_id=section.get("id"),
                          section_name=section.get("name"), module_id=module.get("id"), modname=modname,
                          instance=module.get("instance"), view_url=view_url,
                          author=creators[0] if len(creators) == 1 else None))
    return record, stamp


def deleted_record(source: str, identifier: str) -> ResourceRecord:
    return ResourceRecord(identifier=identifier, source=source, deleted=True, openness="login")
