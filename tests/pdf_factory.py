"""Build real PDFs with pikepdf for the PDF checker's tests and benchmark.

A document is a list of pages; a page holds structure elements (`E`) whose text runs become real
marked content (BDC/EMC with an MCID) drawn in an embedded Type 3 font with a /ToUnicode map,
whose images become real image XObjects, and whose links, form fields and other annotations become
annotations reachable through /StructParent and the ParentTree, the way Word, LibreOffice or
Acrobat export them. Every default makes a document that passes every PDF rule; each keyword
argument switches one defect on.

    make_pdf([[E("H1", "Title"), E("P", "Some text"), E("Figure", image=True, alt="A cat")]])
"""
from __future__ import annotations

import io
import zlib
from dataclasses import dataclass, field
from typing import Any

import pikepdf
from pikepdf import Array, Dictionary, Name, Operator, Pdf, String

CC_NS = "http://creativecommons.org/ns#"
PAGE_W, PAGE_H = 612, 792


@dataclass
class El:
    """One structure element. Strings in `kids` are text runs (one MCID each)."""
    type: str
    kids: list = field(default_factory=list)
    alt: str | None = None
    actual_text: str | None = None
    lang: str | None = None
    attrs: dict | None = None          # the /A attribute dictionary, e.g. {"O": "Table", "Scope": "Column"}
    image: bool = False                # draw an image as this element's content
    uri: str | None = None             # a Link annotation over this element
    contents: str | None = None        # that annotation's /Contents
    in_structure: bool = True          # False: the annotation is left out of the structure tree
    field: dict | None = None          # a form field (a merged field and Widget annotation): {"T": ..., "TU": ...}
    annot: str | None = None           # another annotation over this element, by subtype ("Text", "Square")
    hidden: bool = False               # the annotation's Hidden flag


def E(type_: str, *kids: Any, **kw: Any) -> El:
    return El(type_, list(kids), **kw)


@dataclass
class Page:
    content: list = field(default_factory=list)   # El items
    tabs: str | None = "S"                         # the page's /Tabs (None: no entry)
    scan: bool = False                             # a full-page image with no text
    ocr_text: str | None = None                    # invisible text (render mode 3) over the scan
    loose_text: str | None = None                  # visible text outside any marked content


def table(rows: list[list[str]], header: bool = True, scope: bool = True) -> El:
    """A Table element: the first row made of TH cells when `header`."""
    trs = []
    for i, row in enumerate(rows):
        cells = []
        for text in row:
            if header and i == 0:
                cells.append(E("TH", text, attrs={"O": "Table", "Scope": "Column"} if scope else None))
            else:
                cells.append(E("TD", text))
        trs.append(E("TR", *cells))
    return E("Table", *trs)


def bullet_list(items: list[str]) -> El:
    return E("L", *[E("LI", E("Lbl", "•"), E("LBody", text)) for text in items])


def type3_font(pdf: Pdf, to_unicode: bool = True) -> Dictionary:
    """An embedded font built in code: a Type 3 font whose glyphs (codes 32-255) are boxes, with a
    /ToUnicode map for PDFDocEncoding, which is how pikepdf writes the strings (ASCII, 0x80
    bullet, Latin-1 from 0xA1). Type 3 glyphs live in the file, so the font counts as embedded."""
    glyph = pdf.make_stream(b"500 0 0 0 450 700 d1 0 0 450 700 re f")
    codes = range(32, 256)
    font = Dictionary(Type=Name.Font, Subtype=Name.Type3, FontBBox=[0, 0, 500, 700],
                      FontMatrix=[0.001, 0, 0, 0.001, 0, 0], FirstChar=32, LastChar=255,
                      Widths=[500] * len(codes), Resources=Dictionary(),
                      CharProcs=Dictionary({f"/g{c}": glyph for c in codes}),
                      Encoding=Dictionary(Type=Name.Encoding, Differences=[32, *(Name(f"/g{c}") for c in codes)]))
    if to_unicode:
        font.ToUnicode = pdf.make_stream(
            b"/CIDInit /ProcSet findresource begin 12 dict begin begincmap /CMapName /PDFDoc def "
            b"1 begincodespacerange <00> <FF> endcodespacerange 1 beginbfchar <80> <2022> endbfchar "
            b"2 beginbfrange <20> <7E> <0020> <A1> <FF> <00A1> endbfrange endcmap "
            b"CMapName currentdict /CMap defineresource pop end end")
    return font


def helvetica(pdf: Pdf) -> Dictionary:
    """A standard 14 font, not embedded (WinAnsiEncoding maps its codes to Unicode)."""
    return Dictionary(Type=Name.Font, Subtype=Name.Type1, BaseFont=Name.Helvetica,
                      Encoding=Name.WinAnsiEncoding)


def _image(pdf: Pdf, size: int = 16) -> pikepdf.Stream:
    pixels = bytes((x * 13 + y * 7) % 256 for y in range(size) for x in range(size))
    return pdf.make_stream(zlib.compress(pixels), Type=Name.XObject, Subtype=Name.Image,
                           Width=size, Height=size, ColorSpace=Name.DeviceGray,
                           BitsPerComponent=8, Filter=Name.FlateDecode)


class _Builder:
    def __init__(self, pdf: Pdf, tagged: bool, role_map: dict[str, str] | None, font):
        self.pdf = pdf
        self.tagged = tagged
        self.font = pdf.make_indirect(font(pdf))
        self.fields: list[Any] = []
        self.image = pdf.make_indirect(_image(pdf))
        self.parent_tree: list[Any] = []      # key -> value, in key order
        self.root = pdf.make_indirect(Dictionary(Type=Name.StructTreeRoot))
        if role_map:
            self.root.RoleMap = Dictionary({"/" + k: Name("/" + v) for k, v in role_map.items()})
        self.doc = pdf.make_indirect(Dictionary(Type=Name.StructElem, S=Name.Document, P=self.root, K=Array()))
        self.root.K = self.doc

    def add_page(self, spec: Page) -> None:
        page = self.pdf.add_blank_page(page_size=(PAGE_W, PAGE_H))
        page.obj.Resources = Dictionary(XObject=Dictionary(Im1=self.image))
        self.page, self.ops, self.y, self.mcid_owner = page, [], PAGE_H - 72, []
        self.annots: list[Any] = []
        if spec.scan:
            self.ops += [([], Operator("q")), ([PAGE_W, 0, 0, PAGE_H, 0, 0], Operator("cm")),
                         ([Name.Im1], Operator("Do")), ([], Operator("Q"))]
        if spec.ocr_text:
            self._text(spec.ocr_text, render_mode=3)
        if spec.loose_text:
            self._text(spec.loose_text)
        for el in spec.content:
            self.add_element(el, self.doc)
        page.obj.Contents = self.pdf.make_stream(pikepdf.unparse_content_stream(self.ops))
        if any(op == Operator("Tf") for _, op in self.ops):  # only pages that draw text name the font
            page.obj.Resources.Font = Dictionary(F1=self.font)
        if self.tagged and self.mcid_owner:
            page.obj.StructParents = len(self.parent_tree)
            self.parent_tree.append(Array(self.mcid_owner))
        for annot, owner in self.annots:
            if owner is not None:
                annot.StructParent = len(self.parent_tree)
                self.parent_tree.append(owner)
        if self.annots:
            page.obj.Annots = Array([a for a, _ in self.annots])
            if spec.tabs:
                page.obj.Tabs = Name("/" + spec.tabs)

    def _text(self, text: str, render_mode: int = 0) -> None:
        ops = [([], Operator("BT")), ([Name.F1, 11], Operator("Tf"))]
        if render_mode:
            ops.append(([render_mode], Operator("Tr")))
        ops += [([72, self.y], Operator("Td")), ([String(text)], Operator("Tj")), ([], Operator("ET"))]
        self.ops += ops
        self.y -= 16

    def _marked(self, tag: str, element: Any, draw) -> int:
        mcid = len(self.mcid_owner)
        self.mcid_owner.append(element)
        self.ops.append(([Name("/" + tag), Dictionary(MCID=mcid)], Operator("BDC")))
        draw()
        self.ops.append(([], Operator("EMC")))
        return mcid

    def _draw_image(self) -> None:
        self.ops += [([], Operator("q")), ([100, 0, 0, 100, 72, self.y - 100], Operator("cm")),
                     ([Name.Im1], Operator("Do")), ([], Operator("Q"))]
        self.y -= 110

    def add_element(self, el: El, parent: Any) -> Any:
        node = self.pdf.make_indirect(Dictionary(Type=Name.StructElem, S=Name("/" + el.type), P=parent,
                                                 Pg=self.page.obj, K=Array()))
        for key, value in (("Alt", el.alt), ("ActualText", el.actual_text), ("Lang", el.lang)):
            if value is not None:
                node[Name("/" + key)] = String(value)
        if el.attrs:
            node.A = Dictionary({"/" + k: (Name("/" + v) if isinstance(v, str) else v)
                                 for k, v in el.attrs.items()})
        parent.K.append(node)
        tag = el.type
        if el.image:
            if self.tagged:
                node.K.append(self._marked(tag, node, self._draw_image))
            else:
                self._draw_image()
        for kid in el.kids:
            if isinstance(kid, El):
                self.add_element(kid, node)
            elif self.tagged:
                node.K.append(self._marked(tag, node, lambda t=kid: self._text(str(t))))
            else:
                self._text(str(kid))
        for subtype in (["Link"] if el.uri else []) + (["Widget"] if el.field else []) + ([el.annot] if el.annot else []):
            self._annotate(el, node, subtype)
        return node

    def _annotate(self, el: El, node: Any, subtype: str) -> None:
        annot = self.pdf.make_indirect(Dictionary(
            Type=Name.Annot, Subtype=Name("/" + subtype), Rect=Array([72, self.y, 300, self.y + 30]),
            Border=Array([0, 0, 0]), P=self.page.obj, F=2 if el.hidden else 4))
        if subtype == "Link":
            annot.A = Dictionary(S=Name.URI, URI=String(el.uri))
        if subtype == "Widget":
            annot.FT = Name.Tx
            for key, value in el.field.items():
                annot[Name("/" + key)] = String(value)
            self.fields.append(annot)
        if el.contents is not None and subtype != "Widget":
            annot.Contents = String(el.contents)
        owner = node if (self.tagged and el.in_structure) else None
        if owner is not None:
            node.K.append(Dictionary(Type=Name.OBJR, Obj=annot, Pg=self.page.obj))
        self.annots.append((annot, owner))

    def finish(self) -> None:
        if self.fields:
            self.pdf.Root.AcroForm = Dictionary(Fields=Array(self.fields))
        if not self.tagged:
            return
        nums = Array()
        for key, value in enumerate(self.parent_tree):
            nums.append(key)
            nums.append(value)
        self.root.ParentTree = self.pdf.make_indirect(Dictionary(Nums=nums))
        self.root.ParentTreeNextKey = len(self.parent_tree)
        self.pdf.Root.StructTreeRoot = self.root
        self.pdf.Root.MarkInfo = Dictionary(Marked=True)


def make_pdf(pages: list | None = None, *, tagged: bool = True, marked: bool | None = None,
             lang: str | None = "en-GB", title: str | None = "Introduction to thermodynamics",
             info_title: str | None = None, display_doc_title: bool | None = True, xmp: bool = True,
             authors: list[str] | None = None, web_statement: str | None = None,
             usage_terms: str | None = None, cc_license: str | None = None,
             created: str | None = None, modified: str | None = None,
             keywords: str | None = None, subjects: list[str] | None = None,
             role_map: dict[str, str] | None = None, font=type3_font,
             encryption: pikepdf.Encryption | None = None, tweak=None) -> bytes:
    """A PDF as bytes. `pages` items are a `Page` or a list of `El` (a plain page).

    `font(pdf)` makes the font dictionary every text run uses (`helvetica`: not embedded).
    `tweak(pdf)` may change the document before it is saved (for hostile files).
    """
    pdf = pikepdf.new()
    builder = _Builder(pdf, tagged, role_map, font)
    for spec in pages if pages is not None else [[E("H1", "Heat"), E("P", "Heat is energy in transit.")]]:
        builder.add_page(spec if isinstance(spec, Page) else Page(content=list(spec)))
    builder.finish()
    if marked is not None:
        pdf.Root.MarkInfo = Dictionary(Marked=marked)
    if lang is not None:
        pdf.Root.Lang = String(lang)
    if display_doc_title is not None:
        pdf.Root.ViewerPreferences = Dictionary(DisplayDocTitle=display_doc_title)
    if info_title is not None:
        pdf.docinfo.Title = String(info_title)
    if xmp:
        with pdf.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False) as meta:
            values: dict[str, Any] = {
                "dc:title": title, "dc:creator": authors, "xmpRights:WebStatement": web_statement,
                "xmpRights:UsageTerms": usage_terms, f"{{{CC_NS}}}license": cc_license,
                "xmp:CreateDate": created, "xmp:ModifyDate": modified, "pdf:Keywords": keywords,
                "dc:subject": set(subjects) if subjects else None}
            for key, value in values.items():
                if value is not None:
                    meta[key] = value
    if tweak is not None:
        tweak(pdf)
    out = io.BytesIO()
    # fix_metadata_version=False: pikepdf would otherwise rewrite (and "repair") the XMP packet.
    pdf.save(out, encryption=encryption or False, fix_metadata_version=False)
    return out.getvalue()


def long_document(pages: int = 20, *, headings: bool = True, words_per_page: int = 120) -> bytes:
    """A realistic course text: headings, paragraphs, a figure, a table, a list and a link per page."""
    sentence = "Thermodynamics describes how energy moves between systems and their surroundings. "
    body = (sentence * (words_per_page // 10 + 1))[: words_per_page * 7]
    spec = []
    for n in range(pages):
        content = []
        if headings:
            content.append(E("H1" if n == 0 else "H2", f"Chapter {n + 1}"))
        content += [E("P", body[:400]), E("P", body[400:800]),
                    E("Figure", image=True, alt=f"Diagram {n + 1} of a heat engine"),
                    table([["Quantity", "Unit"], ["Energy", "J"]]),
                    bullet_list(["First law", "Second law"]),
                    E("Link", "Read the open textbook chapter", uri=f"https://example.org/ch{n}",
                      contents=f"Open textbook, chapter {n + 1}")]
        spec.append(content)
    return make_pdf(spec, authors=["Ada Lovelace"],
                    web_statement="https://creativecommons.org/licenses/by-sa/4.0/",
                    modified="2025-03-01T10:00:00Z", created="2024-09-01T10:00:00Z")
