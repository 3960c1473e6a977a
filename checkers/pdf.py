"""The PDF checker: PDF/UA-1 (ISO 14289-1) checks mapped to the alliance's Annex 2, plus the facts
(text, title, authors, licence, dates) the licence and Annex 3 checks read.

Every rule in rules/pdf.yaml names its ISO 14289-1 clause and Matterhorn Protocol checkpoint.
When a document has no structure tree, `pdf-not-tagged` fails and no structure rule ever passes.
What an untagged file certainly lacks fails: images the pages draw have no alternative text, and a
long document has no headings a screen reader can use. What it may or may not hold (tables, lists,
link tags and tab order when there are annotations) is cantTell; rules that judge only properties
of existing tags (heading order, H/Hn mixing, TH scope, formulas, role map) are inapplicable.

Untrusted input: every walk is bounded (checkers.pdf_limits.Caps); a file that breaks a cap, is
damaged beyond repair or needs a password ends as one `unreadable` finding. Nothing raises.
"""
from __future__ import annotations

import io
import itertools
import logging
import os
import re
from contextlib import contextmanager
from collections import Counter
from typing import TYPE_CHECKING, Any, Iterator

import pikepdf
import pypdfium2 as pdfium

from checkers.facts import ContentFacts
from checkers.findings import CANT_TELL, Finding, Recorder, clip, unreadable
from checkers.pdf_limits import Budget, CapExceeded, Caps
from checkers.pdf_meta import Metadata, language_problem, read_encryption, read_metadata
from checkers.pdf_pages import PagesInfo, parent_tree, read_content, read_pages
from checkers.pdf_struct import CyclicStructure, StructTree, walk
from checkers import pdf_annots as annots
from checkers import pdf_tags as tags
from checkers.textcheck import is_non_descriptive_link, is_raw_url

if TYPE_CHECKING:
    from checkers.engine import Context

log = logging.getLogger(__name__)

NOT_TAGGED, TITLE, DISPLAY_TITLE = "pdf-not-tagged", "pdf-title-missing", "pdf-display-doc-title"
LANG_MISSING, LANG_INVALID = "pdf-lang-missing", "pdf-lang-invalid"
LINK_TAGGED, LINK_CONTENTS, TAB_ORDER = "pdf-link-tagged", "pdf-link-contents", "pdf-tab-order"
LINK_TEXT = "pdf-link-text"
SCANNED, OCR, SECURITY, DAMAGED = "pdf-scanned", "pdf-ocr-text", "pdf-encryption-at", "pdf-damaged"

_STREAM_NAME = re.compile(r"(stream )?<_io\.\w+ (object at 0x[0-9a-f]+|name=\d+)>:?\s*")
LONG_PAGES, LONG_WORDS = 3, 800   # from here on a document without headings fails
OUTLINE_ITEMS = 200


def check_pdf(data: bytes, ctx: "Context") -> tuple[list[Finding], ContentFacts]:
    """Check one PDF. Never raises: bad input becomes an `unreadable` finding."""
    facts = ContentFacts("pdf")
    caps = Caps.from_options(getattr(ctx, "options", None))
    try:
        return _check(data, facts, caps), facts
    except CapExceeded as cap:
        return [unreadable(f"The PDF check stopped at the {cap.cap} cap: {cap.detail}",
                           outcome=CANT_TELL, evidence=f"cap: {cap.cap}")], facts
    except CyclicStructure as exc:
        return [unreadable(f"The PDF's structure tree is cyclic, so assistive technology cannot "
                           f"read it: {exc}", evidence="cyclic structure tree")], facts
    except pikepdf.PasswordError:
        return [unreadable("The PDF is password protected: nobody, and no assistive technology, "
                           "can open it without the password", evidence="password protected")], facts
    except (pikepdf.PdfError, pdfium.PdfiumError) as exc:
        return [unreadable(f"The PDF is damaged and cannot be read: {_clean(exc)}",
                           evidence="damaged PDF")], facts
    except RecursionError:
        return [unreadable("The PDF is nested too deeply to read", evidence="nesting depth")], facts
    except MemoryError:
        return [unreadable("The PDF needs more memory than the checker may use", outcome=CANT_TELL,
                           evidence="cap: memory")], facts
    except Exception as exc:  # a checker bug or an unforeseen file must not stop a sweep
        log.warning("PDF check failed: %s: %s", type(exc).__name__, str(exc)[:200])
        return [unreadable(f"The PDF could not be checked: {type(exc).__name__}: {str(exc)[:200]}",
                           outcome=CANT_TELL)], facts


def _clean(message: object) -> str:
    """qpdf prefixes messages with the Python stream's repr: keep only what helps a person."""
    return _STREAM_NAME.sub("", str(message))[:200]


def _check(data: bytes, facts: ContentFacts, caps: Caps) -> list[Finding]:
    if len(data) > caps.max_bytes:
        raise CapExceeded("file size", f"the file is larger than {caps.max_bytes // 2**20} MB")
    budget = Budget(caps)
    with _opened(data) as pdf:
        size = pdf.trailer.get("/Size")
        if isinstance(size, int) and size > caps.max_objects:
            raise CapExceeded("object count", f"the file declares {size:,} objects "
                                              f"(more than {caps.max_objects:,})")
        rec = Recorder()
        _check_security(pdf, rec)
        meta = read_metadata(pdf)
        _fill_metadata_facts(pdf, meta, facts)
        pages = read_pages(pdf, budget)
        facts.pages = pages.count
        facts.links = [a.uri for a in pages.annotations if a.uri][:1000]
        tree = walk(pdf, pages.numbers, budget)
        structured = tree is not None and bool(tree.nodes)
        # Images matter on pages with visible text only when the document has no tags.
        read_content(data, pages, budget, need_images=not structured)
        for text in pages.text:
            facts.add_text(text)
        facts.word_count = len(facts.text.split())  # of the pages read (pdf_pages.wants_text)
        if pages.text_partial:
            facts.text_complete = False
        marked = _marked(pdf)
        _check_tagged(rec, tree, marked)
        _check_title(rec, meta)
        _check_language(rec, meta, tree, pages, facts)
        _check_scanned(rec, pages)
        long_document = pages.count >= LONG_PAGES or facts.word_count >= LONG_WORDS
        # With only some pages' text read (pdf_pages.wants_text) the word count is partial.
        size_text = f"{pages.count}-page" if pages.text_partial else f"{pages.count}-page, {facts.word_count:,}-word"
        if structured:
            tags.check_tree(tree, rec, long_document=long_document, size=size_text)
        else:
            _untagged_structure_rules(rec, pages, long_document, size_text)
        # One ParentTree read serves every annotation rule; None: untagged, nothing is owned.
        owners = annots.annotation_owners(pdf, tree, pages.annotations, budget) if structured else None
        _check_links(rec, pages, owners)
        _check_annotations(rec, pages, owners)
        annots.check_fonts(rec, pages)
        _check_damage(rec, pdf)
        return rec.findings()


@contextmanager
def _opened(data: bytes) -> Iterator[pikepdf.Pdf]:
    """Open with qpdf reading a memory map: about a third faster than through a Python BytesIO,
    whose every read is a call back into Python. Falls back to BytesIO where memfd is missing."""
    memory_file = None
    try:
        if hasattr(os, "memfd_create"):
            memory_file = os.fdopen(os.memfd_create("oerlint-pdf", getattr(os, "MFD_CLOEXEC", 0)), "w+b")
            memory_file.write(data)
            memory_file.seek(0)
            pdf = pikepdf.open(memory_file, access_mode=pikepdf.AccessMode.mmap)
        else:
            pdf = pikepdf.open(io.BytesIO(data))
        with pdf:
            yield pdf
    finally:
        if memory_file is not None:
            memory_file.close()


def _marked(pdf: pikepdf.Pdf) -> bool | None:
    info = pdf.Root.get("/MarkInfo")
    if not isinstance(info, pikepdf.Dictionary):
        return None
    return info.get("/Marked") is True


def _fill_metadata_facts(pdf: pikepdf.Pdf, meta: Metadata, facts: ContentFacts) -> None:
    facts.title = meta.xmp_title or meta.info_title
    facts.authors = list(meta.authors)
    if not facts.authors:
        author = pdf.docinfo.get("/Author") if pdf.trailer.get("/Info") is not None else None
        if author is not None and str(author).strip():
            facts.authors = [str(author).strip()]
    facts.licences = list(meta.licences)
    facts.dates = dict(meta.dates)
    facts.keywords = list(meta.keywords)
    if meta.lang and not language_problem(meta.lang):
        facts.language = meta.lang
    facts.headings = _outline_titles(pdf)


def _outline_titles(pdf: pikepdf.Pdf) -> list[str]:
    """First-level bookmark titles: the document's own table of contents."""
    outlines = pdf.Root.get("/Outlines")
    item = outlines.get("/First") if isinstance(outlines, pikepdf.Dictionary) else None
    titles, seen = [], set()
    while isinstance(item, pikepdf.Dictionary) and len(titles) < OUTLINE_ITEMS:
        if item.objgen in seen:
            break
        seen.add(item.objgen)
        title = item.get("/Title")
        if title is not None and str(title).strip():
            titles.append(str(title).strip())
        item = item.get("/Next")
    return titles


def _check_security(pdf: pikepdf.Pdf, rec: Recorder) -> None:
    enc = read_encryption(pdf)
    rec.evaluate(SECURITY)
    if not enc.encrypted:
        return
    if enc.allows_assistive is None:
        rec.failed(SECURITY, "The PDF is encrypted without a permissions (/P) entry",
                   evidence="/Encrypt without /P")
    else:
        rec.outcome(SECURITY, enc.allows_assistive, "The PDF's encryption forbids assistive "
                    "technology to extract its content", evidence=f"/Encrypt /R {enc.revision}: "
                    f"extraction for accessibility not permitted")


def _check_tagged(rec: Recorder, tree: StructTree | None, marked: bool | None) -> None:
    if tree is None:
        problem = "no /StructTreeRoot in the catalog"
    elif not tree.nodes:
        problem = "the structure tree (/StructTreeRoot) has no elements"
    elif marked is not True:
        problem = "/MarkInfo /Marked is not true" if marked is False else "no /MarkInfo /Marked true"
    else:
        problem = None
    rec.outcome(NOT_TAGGED, problem is None, "The PDF is not tagged: screen readers get no headings, "
                "lists, tables or reading order", evidence=problem)


def _check_title(rec: Recorder, meta: Metadata) -> None:
    if meta.xmp_title:
        rec.passed(TITLE)
    elif not meta.xmp_present:
        rec.failed(TITLE, "The PDF has no XMP metadata, so no document title (dc:title)",
                   evidence=(meta.xmp_note or "no /Metadata stream") +
                   (f"; /Info /Title ({meta.info_title})" if meta.info_title else ""))
    else:
        rec.failed(TITLE, "The document title is missing from the XMP metadata (dc:title)",
                   evidence=f"/Info /Title only ({meta.info_title})" if meta.info_title else "no dc:title")
    if meta.display_doc_title is True:
        rec.passed(DISPLAY_TITLE)
    else:
        rec.failed(DISPLAY_TITLE, "Viewers show the file name instead of the title: "
                   "/ViewerPreferences /DisplayDocTitle is not true",
                   evidence="/DisplayDocTitle false" if meta.display_doc_title is False
                   else "no /ViewerPreferences /DisplayDocTitle")


def _effective_lang(tree: StructTree, index: int) -> str | None:
    while index >= 0:
        node = tree.nodes[index]
        if node.lang and node.lang.strip():
            return node.lang
        index = node.parent
    return None


def _check_language(rec: Recorder, meta: Metadata, tree: StructTree | None, pages: PagesInfo,
                    facts: ContentFacts) -> None:
    rec.evaluate(LANG_MISSING)
    rec.evaluate(LANG_INVALID)
    catalog = meta.lang if meta.lang and meta.lang.strip() else None
    if catalog is not None:
        problem = language_problem(catalog)
        rec.outcome(LANG_INVALID, problem is None, "The document language (/Lang) is not a valid "
                    "language tag", evidence=f"catalog /Lang: {problem}")
    element_langs: dict[str, Any] = {}
    for node in tree.nodes if tree else ():
        if node.lang is not None and node.lang not in element_langs:
            element_langs[node.lang] = node
    for value, node in element_langs.items():
        problem = language_problem(value)
        rec.outcome(LANG_INVALID, problem is None, "A structure element's /Lang is not a valid language tag",
                    evidence=f"{tags.where(node)}: {problem}", page=node.page)
    if catalog is not None and not language_problem(catalog):
        rec.passed(LANG_MISSING)
        return
    bearing = [n.index for n in tree.nodes if n.content] if tree else []
    if bearing:
        without = [i for i in bearing if not _effective_lang(tree, i)]
        if not without:
            rec.passed(LANG_MISSING)
            counts = Counter(_effective_lang(tree, i) for i in bearing)
            facts.language = facts.language or counts.most_common(1)[0][0]
            return
        first = tree.nodes[without[0]]
        rec.failed(LANG_MISSING, "The document language is not set: no valid catalog /Lang and "
                   "text elements without /Lang", evidence=f"{len(without)} of {len(bearing)} text "
                   f"elements have no /Lang, first {tags.where(first)}", page=first.page)
        return
    has_text = pages.text_chars > 0 or any(c.visible_text or c.invisible_text for c in pages.content)
    if has_text:
        rec.failed(LANG_MISSING, "The document language is not set (no catalog /Lang)",
                   evidence="catalog /Lang " + ("invalid" if catalog else "missing"))


def _check_scanned(rec: Recorder, pages: PagesInfo) -> None:
    rec.evaluate(SCANNED)
    rec.evaluate(OCR)
    text_elsewhere = any(c.visible_text for c in pages.content)
    ocr_pages = []
    for page in pages.content:
        if page.visible_text:
            rec.passed(SCANNED)
        elif page.invisible_text:
            rec.passed(SCANNED)
            if page.images:
                ocr_pages.append(page.number)
        elif page.images and text_elsewhere:
            rec.cant_tell(SCANNED, "The page shows images but no text: a scanned page, or a "
                          "full-page picture?", evidence=f"page {page.number}: "
                          f"{page.images} image(s), no text", page=page.number)
        elif page.images:
            rec.failed(SCANNED, "The page is a scanned image without text: screen readers find "
                       "nothing to read", evidence=f"page {page.number}: {page.images} image(s), "
                       f"no text", page=page.number)
    if ocr_pages:
        rec.cant_tell(OCR, "Text on these pages comes from OCR (invisible text over a scanned "
                      "image): check that it matches the page", evidence=f"OCR text layer on "
                      f"page(s) {_listed(ocr_pages)}", page=ocr_pages[0])


def _listed(numbers: list[int], limit: int = 20) -> str:
    return ", ".join(map(str, numbers[:limit])) + (" …" if len(numbers) > limit else "")


def _untagged_structure_rules(rec: Recorder, pages: PagesInfo, long_document: bool, size: str) -> None:
    """Alternative text and headings live only in tags (PDF/UA-1 7.3, 7.4): an untagged file that
    draws images, or is long, certainly lacks them. Tables and lists it may or may not hold."""
    why = "The document is not tagged, so {} cannot be checked (see pdf-not-tagged)"
    for rid in tags.TREE_RULES:
        rec.evaluate(rid)
    # Pages, not images: the page walk stops counting at a page's first image once it has seen
    # visible text (pdf_pages._count_objects), so only "draws images or not" is exact per page.
    image_pages = [c.number for c in pages.content if c.images]
    if image_pages:
        rec.failed(tags.FIGURE, f"The PDF is not tagged, so its images (on {len(image_pages)} of "
                   f"{pages.count} pages) have no alternative text", evidence=f"no structure elements; "
                   f"images drawn on page(s) {_listed(image_pages)}", page=image_pages[0])
    if long_document:
        rec.failed(tags.HEADINGS_MISSING, f"The PDF is not tagged, so this {size} document has no "
                   f"headings a screen reader can use", evidence=f"{size}, no structure elements")
    rec.cant_tell(tags.TABLE_HEADERS, why.format("the headers of any tables"))
    rec.cant_tell(tags.TABLE_STRUCTURE, why.format("the structure of any tables"))
    rec.cant_tell(tags.LIST_STRUCTURE, why.format("the structure of any lists"))


def _owned(pages: PagesInfo, owners: list | None, keep) -> tuple[list, list | None]:
    """The annotations `keep` accepts, with their owners (None for an untagged document)."""
    chosen = [i for i, a in enumerate(pages.annotations) if keep(a)]
    return [pages.annotations[i] for i in chosen], None if owners is None else [owners[i] for i in chosen]


def _check_annotations(rec: Recorder, pages: PagesInfo, owners: list | None) -> None:
    widgets, widget_owners = _owned(pages, owners, lambda a: a.subtype == "Widget" and not a.hidden)
    annots.check_forms(rec, widgets, widget_owners)
    content = set(map(id, annots.content_annotations(pages)))
    annots.check_annotations(rec, *_owned(pages, owners, lambda a: id(a) in content))


def _check_links(rec: Recorder, pages: PagesInfo, all_owners: list | None) -> None:
    for rid in (LINK_TAGGED, LINK_CONTENTS, LINK_TEXT, TAB_ORDER):
        rec.evaluate(rid)
    links, owners = _owned(pages, all_owners, lambda a: a.subtype == "Link")
    for link in links:
        target = link.uri or "an internal destination"
        description = " ".join((link.contents or "").split())
        rec.outcome(LINK_CONTENTS, bool(description), "Link annotation has no "
                    "description (/Contents)", evidence=f"Link to {target} (page {link.page}) "
                    f"without /Contents", page=link.page)
        if description:
            _check_link_text(rec, description, target, link.page)
    if owners is None:
        # certain, not cantTell: with no structure tree no link can sit in a Link element
        if links:
            rec.failed(LINK_TAGGED, "The PDF is not tagged, so its links are not inside Link structure "
                       "elements (see pdf-not-tagged)", evidence=f"{len(links)} link annotation(s), no "
                       "structure tree", page=links[0].page)
    else:
        for link, owner in zip(links, owners):
            target = link.uri or "an internal destination"
            rec.outcome(LINK_TAGGED, owner is not None and owner.type == "Link", "Link annotation is not "
                        "inside a Link structure element", evidence=f"Link to {target} (page {link.page}) " +
                        ("not in the structure tree" if owner is None else f"inside /{owner.type}"),
                        page=link.page)
    # PDF/UA-1 7.18.3 asks every page with annotations for /Tabs /S, tagged or not
    for number, tabs in sorted(pages.tabs.items()):
        rec.outcome(TAB_ORDER, tabs == "S", "Page with annotations does not set the tab order to "
                    "the structure order (/Tabs /S)", evidence=f"page {number}: " +
                    (f"/Tabs /{tabs}" if tabs else "no /Tabs"), page=number)


def _check_link_text(rec: Recorder, description: str, target: str, page: int) -> None:
    """The description must say where the link goes (WCAG 2.4.4): not "click here", not a raw
    address that a screen reader spells out. A missing one is pdf-link-contents' failure."""
    where = f"Link to {target} (page {page}), /Contents {clip(description, 120)!r}"
    if is_raw_url(description):
        rec.failed(LINK_TEXT, "Link description (/Contents) is a raw web address, which screen "
                   "readers spell out", evidence=where, page=page)
    elif is_non_descriptive_link(description):
        rec.failed(LINK_TEXT, "Link description (/Contents) does not say where the link goes",
                   evidence=where, page=page)
    else:
        rec.passed(LINK_TEXT)


def _check_damage(rec: Recorder, pdf: pikepdf.Pdf) -> None:
    warnings = [w for w in itertools.islice(pdf.get_warnings(), 20)]
    rec.outcome(DAMAGED, not warnings, "The file is damaged; it was repaired to be checked, and "
                "readers may show it differently", evidence="; ".join(_clean(w) for w in warnings[:3]))
