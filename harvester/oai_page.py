"""One ListRecords (or ListIdentifiers) response: parsed strictly, salvaged when malformed, with
its loss counted.

sickle parses with `recover=True`, which silently drops whatever lxml cannot read. Here a page is
parsed strictly first (no entities, no network); only when that fails is it parsed again with
recovery, and the page is marked malformed so the harvester keeps the raw bytes and reports how
many records it expected (from the header count in the raw bytes and the resumption token's
cursor) against how many it could read.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from lxml import etree

OAI = "{http://www.openarchives.org/OAI/2.0/}"
_STRICT = dict(resolve_entities=False, no_network=True, huge_tree=False)
HEADER_TAG_RE = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?header[\s>/]")


def _strict_parser() -> etree.XMLParser:
    return etree.XMLParser(**_STRICT)


def _recover_parser() -> etree.XMLParser:
    return etree.XMLParser(recover=True, **_STRICT)


@dataclass
class Page:
    records: list = field(default_factory=list)   # (header element, metadata element or None)
                                                 # ListIdentifiers: (header element, None)
    token: str | None = None                     # next resumption token; None when the list ends
    cursor: int | None = None                    # this page's cursor attribute
    complete_size: int | None = None             # completeListSize attribute
    error_code: str | None = None                # OAI error code (noRecordsMatch, badResumptionToken...)
    error_text: str = ""
    malformed: str | None = None                 # parser message when the page was not well-formed
    expected: int | None = None                  # records the raw page announced (header tags)
    token_lost: bool = False                     # malformed and no token found: the list may go on


def parse_page(content: bytes, verb: str = "ListRecords") -> Page:
    page = Page()
    root = None
    try:
        root = etree.fromstring(content, _strict_parser())
    except etree.XMLSyntaxError as exc:
        page.malformed = str(exc) or "not well-formed XML"
        page.expected = len(HEADER_TAG_RE.findall(content))
        try:
            root = etree.fromstring(content, _recover_parser())
        except etree.XMLSyntaxError:
            root = None
    if root is None:
        page.malformed = page.malformed or "empty document"
        page.token_lost = True
        return page

    error = root.find(OAI + "error")
    if error is not None:
        page.error_code = error.get("code") or "unknown"
        page.error_text = (error.text or "").strip()
        return page

    container = root.find(OAI + verb)
    if container is None:
        if page.malformed:
            page.token_lost = True
            container = root    # salvage records wherever the recovering parser put them
        else:
            page.error_code, page.error_text = "badResponse", f"no {verb} element in the response"
            return page
    if verb == "ListIdentifiers":
        page.records = [(header, None) for header in container.iter(OAI + "header") if _readable(header)]
    for record in container.iter(OAI + "record") if verb == "ListRecords" else ():
        header = record.find(OAI + "header")
        if not _readable(header):
            continue                 # unreadable: counted as lost against the announced count
        metadata = record.find(OAI + "metadata")
        payload = None
        if metadata is not None:
            payload = next((child for child in metadata if isinstance(child.tag, str)), None)
        page.records.append((header, payload))

    token = container.find(OAI + "resumptionToken")
    if token is None and page.malformed:
        token = next(root.iter(OAI + "resumptionToken"), None)
    if token is not None:
        page.token = (token.text or "").strip() or None
        page.cursor = _int(token.get("cursor"))
        page.complete_size = _int(token.get("completeListSize"))
    elif page.malformed and b"resumptionToken" in content[-2000:]:
        page.token_lost = True       # the token was there but could not be read
    elif page.malformed and not content.rstrip().endswith(b"OAI-PMH>"):
        page.token_lost = True       # a truncated page: we cannot know whether the list went on
    return page


def _readable(header) -> bool:
    return header is not None and bool((header.findtext(OAI + "identifier") or "").strip())


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None
