"""What the pages of a PDF hold: content stream sizes (bounded), annotations, and, through PDFium,
which pages draw images, which show text (visible or invisible OCR text) and the text itself.

pikepdf reads the object graph; PDFium (pypdfium2) reads page content, which it does in C about
ten times faster than a Python content-stream walk. PDFium runs only after every content stream
passed the size caps, so a decompression bomb never reaches it.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

import pikepdf
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_raw

from checkers.pdf_limits import Budget, CapExceeded, stream_size

INVISIBLE_MODES = {3, 7}  # text render modes that paint nothing: OCR layers use 3
MAX_ANNOTS_PER_PAGE = 5_000
FORM_DEPTH = 12


@dataclass
class Annotation:
    page: int
    objgen: tuple[int, int]
    subtype: str
    contents: str | None
    struct_parent: int | None
    uri: str | None


@dataclass
class PageContent:
    number: int
    images: int = 0
    visible_text: int = 0
    invisible_text: int = 0


@dataclass
class PagesInfo:
    count: int
    numbers: dict[tuple[int, int], int]            # page objgen -> 1-based page number
    annotations: list[Annotation] = field(default_factory=list)
    tabs: dict[int, str | None] = field(default_factory=dict)   # pages with annotations -> /Tabs
    content: list[PageContent] = field(default_factory=list)
    text: list[str] = field(default_factory=list)              # per page, first pages only
    text_chars: int = 0


def _name(value: Any) -> str | None:
    return str(value)[1:] if isinstance(value, pikepdf.Name) else None


def _text(value: Any) -> str | None:
    try:
        return None if value is None else str(value)
    except (ValueError, TypeError, UnicodeDecodeError):
        return None


def read_pages(pdf: pikepdf.Pdf, budget: Budget) -> PagesInfo:
    """Page numbers, bounded stream sizes and annotations (pikepdf side)."""
    caps = budget.caps
    pages = pdf.pages
    info = PagesInfo(count=len(pages), numbers={})
    forms_seen: set[tuple[int, int]] = set()
    for number, page in enumerate(pages, start=1):
        obj = page.obj
        if obj.is_indirect:
            info.numbers[obj.objgen] = number
        if number > caps.max_pages:
            continue
        if number % 32 == 0:
            budget.check()
        _bound_content(obj, number, budget, forms_seen)
        _read_annotations(obj, number, info)
    return info


def _bound_content(page: Any, number: int, budget: Budget, forms_seen: set) -> None:
    contents = page.get("/Contents")
    streams = list(itertools.islice(contents, 10_000)) if isinstance(contents, pikepdf.Array) else [contents]
    for stream in streams:
        if isinstance(stream, pikepdf.Stream):
            stream_size(stream, budget, f"the content of page {number}")
    # Form XObjects (and the forms they use) carry page content too.
    pending = [(page.get("/Resources"), 0)]
    while pending:
        resources, depth = pending.pop()
        xobjects = resources.get("/XObject") if isinstance(resources, pikepdf.Dictionary) else None
        if not isinstance(xobjects, pikepdf.Dictionary) or depth > FORM_DEPTH:
            continue
        for key in list(xobjects.keys())[:10_000]:
            xobj = xobjects.get(key)
            if not isinstance(xobj, pikepdf.Stream) or _name(xobj.get("/Subtype")) != "Form":
                continue
            if xobj.objgen in forms_seen:
                continue
            forms_seen.add(xobj.objgen)
            if len(forms_seen) > budget.caps.max_forms:
                raise CapExceeded("form count", f"the pages use more than {budget.caps.max_forms:,} form XObjects")
            stream_size(xobj, budget, f"a form XObject on page {number}")
            pending.append((xobj.get("/Resources"), depth + 1))


def _read_annotations(page: Any, number: int, info: PagesInfo) -> None:
    annots = page.get("/Annots")
    if not isinstance(annots, pikepdf.Array):
        return
    found = 0
    for annot in itertools.islice(annots, MAX_ANNOTS_PER_PAGE):
        if not isinstance(annot, pikepdf.Dictionary):
            continue
        subtype = _name(annot.get("/Subtype")) or "?"
        if subtype == "Popup":
            continue  # a popup belongs to its parent annotation and is never tagged itself
        found += 1
        action = annot.get("/A")
        uri = _text(action.get("/URI")) if isinstance(action, pikepdf.Dictionary) else None
        struct_parent = annot.get("/StructParent")
        info.annotations.append(Annotation(
            page=number, objgen=annot.objgen, subtype=subtype, contents=_text(annot.get("/Contents")),
            struct_parent=struct_parent if isinstance(struct_parent, int) else None, uri=uri))
    if found:
        info.tabs[number] = _name(page.get("/Tabs"))


def read_content(data: bytes, info: PagesInfo, budget: Budget) -> None:
    """Images, visible and invisible text per page, and the text of the first pages (PDFium)."""
    caps = budget.caps
    doc = pdfium.PdfDocument(data)
    try:
        for index in range(min(len(doc), caps.max_pages)):
            budget.check()
            page = doc[index]
            try:
                info.content.append(_count_objects(page, index + 1, caps.max_page_objects))
                if index < caps.text_pages and info.text_chars < caps.text_chars:
                    textpage = page.get_textpage()
                    try:
                        text = textpage.get_text_range()[: caps.text_chars - info.text_chars]
                    finally:
                        textpage.close()
                    info.text.append(text)
                    info.text_chars += len(text)
            finally:
                page.close()
    finally:
        doc.close()


def _count_objects(page: pdfium.PdfPage, number: int, limit: int) -> PageContent:
    content = PageContent(number)
    seen = 0
    # (container handle, is it a form object?, depth)
    pending: list[tuple[Any, bool, int]] = [(page.raw, False, 0)]
    while pending:
        handle, is_form, depth = pending.pop()
        count = (pdfium_raw.FPDFFormObj_CountObjects(handle) if is_form
                 else pdfium_raw.FPDFPage_CountObjects(handle))
        for k in range(max(count, 0)):
            seen += 1
            if seen > limit:
                raise CapExceeded("page objects", f"page {number} holds more than {limit:,} objects")
            obj = (pdfium_raw.FPDFFormObj_GetObject(handle, k) if is_form
                   else pdfium_raw.FPDFPage_GetObject(handle, k))
            kind = pdfium_raw.FPDFPageObj_GetType(obj)
            if kind == pdfium_raw.FPDF_PAGEOBJ_TEXT:
                if pdfium_raw.FPDFTextObj_GetTextRenderMode(obj) in INVISIBLE_MODES:
                    content.invisible_text += 1
                else:
                    content.visible_text += 1
            elif kind == pdfium_raw.FPDF_PAGEOBJ_IMAGE:
                content.images += 1
            elif kind == pdfium_raw.FPDF_PAGEOBJ_FORM and depth < FORM_DEPTH:
                pending.append((obj, True, depth + 1))
    return content


def parent_tree(root: Any, budget: Budget) -> dict[int, Any]:
    """The /ParentTree number tree of the StructTreeRoot as a dict, read within the caps."""
    out: dict[int, Any] = {}
    tree = root.get("/ParentTree") if isinstance(root, pikepdf.Dictionary) else None
    pending, seen = [(tree, 0)], set()
    while pending:
        node, depth = pending.pop()
        if not isinstance(node, pikepdf.Dictionary) or depth > 64:
            continue
        if node.is_indirect:
            if node.objgen in seen:
                continue
            seen.add(node.objgen)
        nums = node.get("/Nums")
        if isinstance(nums, pikepdf.Array):
            items = list(itertools.islice(nums, 2 * budget.caps.max_struct_items))
            for key, value in zip(items[::2], items[1::2]):
                if isinstance(key, int):
                    out[key] = value
        kids = node.get("/Kids")
        if isinstance(kids, pikepdf.Array):
            pending.extend((kid, depth + 1) for kid in itertools.islice(kids, 10_000))
        if len(out) > budget.caps.max_struct_items:
            raise CapExceeded("structure size", "the structure parent tree is too large")
        budget.check()
    return out
