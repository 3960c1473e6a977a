"""What the pages of a PDF hold: content stream sizes (bounded), annotations, and, through PDFium,
which pages draw images, which show text (visible or invisible OCR text) and the text itself.

pikepdf reads the object graph; PDFium (pypdfium2) reads page content, which it does in C about
ten times faster than a Python content-stream walk. PDFium runs only after every content stream
passed the size caps, so a decompression bomb never reaches it.

Costs, measured on a course text of ~2,400 characters a page: PDFium loads a page in ~0.3 ms and
extracts its text in ~1.2 ms, so text is read from the first and last pages only
(`wants_text`); every page is still loaded, because the scanned-page rule needs each
page's text and image objects as PDFium sees them.
"""
from __future__ import annotations

import ctypes
import itertools
from dataclasses import dataclass, field
from typing import Any, Iterator

import pikepdf
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_raw

from checkers.pdf_fonts import Font, read_font
from checkers.pdf_limits import Budget, CapExceeded, Caps, stream_size

INVISIBLE_MODES = {3, 7}  # text render modes that paint nothing: OCR layers use 3
MAX_ANNOTS_PER_PAGE = 5_000
FORM_DEPTH = 12
FIELD_DEPTH = 32          # /Parent steps from a widget up to its form field
FONTS_PER_RESOURCES = 1_000
HIDDEN = 1 << 1           # annotation flag 2 (ISO 32000-1 Table 165)


@dataclass
class Annotation:
    page: int
    objgen: tuple[int, int]
    subtype: str
    contents: str | None
    struct_parent: int | None
    uri: str | None
    hidden: bool = False
    field: tuple[int, int] | None = None    # a widget's form field (the widget itself when merged)
    field_label: str | None = None          # the field's /T, for evidence
    tooltip: str | None = None              # the field's /TU, its accessible name


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
    text: list[str] = field(default_factory=list)              # per page read, see wants_text
    text_chars: int = 0
    text_pages_read: int = 0
    text_partial: bool = False                                 # some pages' text was not read
    form_pages: set[int] = field(default_factory=set)          # pages whose resources hold forms
    fonts: dict[tuple[int, int], Font] = field(default_factory=dict)   # fonts of the pages, by object
    font_pages: dict[tuple[int, int], int] = field(default_factory=dict)  # font -> first page using it
    unembedded_pages: dict[int, int] = field(default_factory=dict)  # page -> fonts without program
    unembedded_used: dict[str, int] = field(default_factory=dict)  # font painting text -> first page


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
        if _bound_content(obj, number, budget, forms_seen, info):
            info.form_pages.add(number)
        _read_annotations(obj, number, info)
    return info


def _bound_content(page: Any, number: int, budget: Budget, forms_seen: set, info: PagesInfo) -> bool:
    """Check the decoded sizes of the page's content streams and form XObjects against the
    caps, and read the fonts their resources name. True when the page's resources hold form
    XObjects."""
    contents = page.get("/Contents")
    streams = list(itertools.islice(contents, 10_000)) if isinstance(contents, pikepdf.Array) else [contents]
    for stream in streams:
        if isinstance(stream, pikepdf.Stream):
            stream_size(stream, budget, f"the content of page {number}")
    # Form XObjects (and the forms they use) carry page content too.
    pending = [(page.get("/Resources"), 0)]
    uses_forms = False
    while pending:
        resources, depth = pending.pop()
        if isinstance(resources, pikepdf.Dictionary):
            _read_fonts(resources.get("/Font"), number, info, budget.caps.max_fonts)
        xobjects = resources.get("/XObject") if isinstance(resources, pikepdf.Dictionary) else None
        if not isinstance(xobjects, pikepdf.Dictionary) or depth > FORM_DEPTH:
            continue
        for key in list(xobjects.keys())[:10_000]:
            xobj = xobjects.get(key)
            if not isinstance(xobj, pikepdf.Stream) or _name(xobj.get("/Subtype")) != "Form":
                continue
            uses_forms = True
            if xobj.objgen in forms_seen:
                continue
            forms_seen.add(xobj.objgen)
            if len(forms_seen) > budget.caps.max_forms:
                raise CapExceeded("form count", f"the pages use more than {budget.caps.max_forms:,} form XObjects")
            stream_size(xobj, budget, f"a form XObject on page {number}")
            pending.append((xobj.get("/Resources"), depth + 1))
    return uses_forms


def _read_fonts(fonts: Any, number: int, info: PagesInfo, cap: int) -> None:
    if not isinstance(fonts, pikepdf.Dictionary):
        return
    for key in list(fonts.keys())[:FONTS_PER_RESOURCES]:
        font = fonts.get(key)
        if not isinstance(font, pikepdf.Dictionary):
            continue
        objgen = font.objgen if font.is_indirect else (-number, hash(str(key)))  # a direct font: one per page
        known = info.fonts.get(objgen)
        if known is None:
            if len(info.fonts) >= cap:
                raise CapExceeded("font count", f"the pages use more than {cap:,} fonts")
            known = info.fonts[objgen] = read_font(font)
            info.font_pages[objgen] = number
        if not known.embedded:
            info.unembedded_pages[number] = info.unembedded_pages.get(number, 0) + 1


def _field(widget: Any) -> tuple[Any, str | None, str | None]:
    """The form field of a widget annotation (itself when field and widget are merged, else its
    /Parent chain), with the field's /T and /TU: the partial name and the tooltip, which is the
    accessible name (ISO 32000-1 12.7.3.1). Terminal fields carry /TU; it is looked up the chain."""
    node, found, label, tooltip, seen = widget, None, None, None, set()
    for _ in range(FIELD_DEPTH):
        if not isinstance(node, pikepdf.Dictionary) or node.objgen in seen:
            break
        seen.add(node.objgen)
        if found is None and ("/T" in node or "/FT" in node):
            found = node
        label = label or _text(node.get("/T"))
        tooltip = tooltip or (_text(node.get("/TU")) or "").strip() or None
        node = node.get("/Parent")
    return found if found is not None else widget, label, tooltip


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
        flags = annot.get("/F")
        item = Annotation(
            page=number, objgen=annot.objgen, subtype=subtype, contents=_text(annot.get("/Contents")),
            struct_parent=struct_parent if isinstance(struct_parent, int) else None, uri=uri,
            hidden=isinstance(flags, int) and bool(flags & HIDDEN))
        if subtype == "Widget":
            form_field, item.field_label, item.tooltip = _field(annot)
            item.field = form_field.objgen
        info.annotations.append(item)
    if found:
        info.tabs[number] = _name(page.get("/Tabs"))


def wants_text(index: int, page_count: int, info: "PagesInfo", caps: Caps) -> bool:
    """Whether to extract the text of page `index` (0-based), the pages before it decided:
    the first pages (title page, authors, learning objectives, how to use the resource), more
    of them while little text has come (slides, sparse pages: cheap to read), and the last pages
    (references, licence, update date), within the page and character caps."""
    if info.text_pages_read >= caps.text_pages or info.text_chars >= caps.text_chars:
        return False
    return (index < caps.text_head_pages or info.text_chars < caps.text_min_chars
            or index >= page_count - caps.text_tail_pages)


def read_content(data: bytes, info: PagesInfo, budget: Budget, *, need_images: bool = True) -> None:
    """Images, visible and invisible text per page (every page), and the text of the pages
    `wants_text` chooses (PDFium, through its C API: the pypdfium2 page and text page helpers
    cost a third as much again as the work itself).

    `need_images` False: the caller asks about images only on pages without visible text (a
    tagged document), so counting stops at a page's first visible text."""
    caps = budget.caps
    doc = pdfium.PdfDocument(data)
    try:
        total = len(doc)
        same_pages = total == info.count  # else pikepdf's list of pages with forms may not apply
        for index in range(min(total, caps.max_pages)):
            budget.check()
            page = pdfium_raw.FPDF_LoadPage(doc.raw, index)
            if not page:
                raise pdfium.PdfiumError("Failed to load page.")
            try:
                number = index + 1
                info.content.append(_count_objects(page, number, caps.max_page_objects, need_images,
                                                   forms=not same_pages or number in info.form_pages))
                wanted = info.unembedded_pages.get(number, 0) if same_pages else len(info.fonts)
                if info.unembedded_pages and wanted:
                    for name in _unembedded_text_fonts(page, number, caps.max_page_objects, wanted):
                        info.unembedded_used.setdefault(name, number)
                if wants_text(index, total, info, caps):
                    text = _page_text(page)[: caps.text_chars - info.text_chars]
                    info.text.append(text)
                    info.text_chars += len(text)
                    info.text_pages_read += 1
            finally:
                pdfium_raw.FPDF_ClosePage(page)
        info.text_partial = info.text_pages_read < total
    finally:
        doc.close()


def _page_text(page: Any) -> str:
    """The text of a page, as pypdfium2's `get_textpage().get_text_range()` returns it."""
    textpage = pdfium_raw.FPDFText_LoadPage(page)
    if not textpage:
        raise pdfium.PdfiumError("Failed to load text page.")
    try:
        count = pdfium_raw.FPDFText_CountChars(textpage)
        if count == -1:
            raise pdfium.PdfiumError("Failed to get character count.")
        # Characters PDFium leaves out of the text (index -1) at either end are skipped, or
        # FPDFText_GetText reads past the range (crbug.com/pdfium/2079).
        first, last = 0, count - 1
        index_of = pdfium_raw.FPDFText_GetTextIndexFromCharIndex
        while first <= last and index_of(textpage, first) == -1:
            first += 1
        while first <= last and index_of(textpage, last) == -1:
            last -= 1
        if first > last:
            return ""
        size = index_of(textpage, last) + 2 - index_of(textpage, first)
        buffer = (ctypes.c_ushort * size)()
        written = pdfium_raw.FPDFText_GetText(textpage, first, last - first + 1, buffer)
        return bytes(buffer)[: 2 * (written - 1)].decode("utf-16-le", "ignore")
    finally:
        pdfium_raw.FPDFText_ClosePage(textpage)


def _count_objects(page: Any, number: int, limit: int, need_images: bool = True, *,
                   forms: bool = True) -> PageContent:
    """What the page draws. Without forms (`forms` False: the page's resources hold none) the
    page's object count is PDFium's top-level count, so the page-object cap is known at once and
    counting may stop as soon as the answer is: the page shows visible text (and, when
    `need_images`, an image). The counts are then lower bounds, which is all the rules read."""
    content = PageContent(number)
    if not forms:
        total = pdfium_raw.FPDFPage_CountObjects(page)
        if total > limit:
            raise CapExceeded("page objects", f"page {number} holds more than {limit:,} objects")
        for k in range(max(total, 0)):
            obj = pdfium_raw.FPDFPage_GetObject(page, k)
            kind = pdfium_raw.FPDFPageObj_GetType(obj)
            if kind == pdfium_raw.FPDF_PAGEOBJ_TEXT:
                if pdfium_raw.FPDFTextObj_GetTextRenderMode(obj) in INVISIBLE_MODES:
                    content.invisible_text += 1
                else:
                    content.visible_text += 1
                    if not need_images or content.images:
                        break
            elif kind == pdfium_raw.FPDF_PAGEOBJ_IMAGE:
                content.images += 1
                if content.visible_text and need_images:
                    break
            elif kind == pdfium_raw.FPDF_PAGEOBJ_FORM:
                return _count_objects(page, number, limit, need_images, forms=True)
        return content
    for obj, kind in _page_objects(page, number, limit):
        if kind == pdfium_raw.FPDF_PAGEOBJ_TEXT:
            if pdfium_raw.FPDFTextObj_GetTextRenderMode(obj) in INVISIBLE_MODES:
                content.invisible_text += 1
            else:
                content.visible_text += 1
        elif kind == pdfium_raw.FPDF_PAGEOBJ_IMAGE:
            content.images += 1
    return content


def _page_objects(page: Any, number: int, limit: int) -> Iterator[tuple[Any, int]]:
    """(object, type) for what the page draws, form XObjects entered (to FORM_DEPTH) rather
    than listed, within the page-object cap."""
    seen = 0
    # (container handle, is it a form object?, depth)
    pending: list[tuple[Any, bool, int]] = [(page, False, 0)]
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
            if kind != pdfium_raw.FPDF_PAGEOBJ_FORM:
                yield obj, kind
            elif depth < FORM_DEPTH:
                pending.append((obj, True, depth + 1))


def _unembedded_text_fonts(page: Any, number: int, limit: int, wanted: int) -> set[str]:
    """Names of the fonts without an embedded program that paint text on the page (render
    modes other than 3 and 7: invisible OCR text needs no font program, PDF/UA-1 7.21.4.1).
    The page's resources name `wanted` such fonts: the walk stops once all are found."""
    names: set[str] = set()
    checked: set[int | None] = set()   # PDFium font handles already judged
    for obj, kind in _page_objects(page, number, limit):
        if (kind == pdfium_raw.FPDF_PAGEOBJ_TEXT
                and pdfium_raw.FPDFTextObj_GetTextRenderMode(obj) not in INVISIBLE_MODES):
            font = pdfium_raw.FPDFTextObj_GetFont(obj)
            handle = ctypes.cast(font, ctypes.c_void_p).value
            if handle in checked:
                continue
            checked.add(handle)
            if font and not pdfium_raw.FPDFFont_GetIsEmbedded(font):
                names.add(_font_name(font))
                if len(names) >= wanted:
                    break
    return names


def _font_name(font: Any) -> str:
    buffer = ctypes.create_string_buffer(128)
    size = pdfium_raw.FPDFFont_GetBaseFontName(font, buffer, len(buffer))
    return buffer.value.decode("latin-1") if 0 < size else "unnamed font"


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
