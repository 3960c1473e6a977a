"""Fonts of a PDF's pages: is the font program embedded (PDF/UA-1 7.21.4.1) and do its character
codes map to Unicode (7.21.7)?

Only fonts in the resources of pages (and of the form XObjects they draw) are read, once per font
object. Whether a font that is not embedded is really used to paint text is PDFium's to say
(checkers.pdf_pages): text in render mode 3 (an OCR layer) paints nothing and needs no font program.

7.21.7 asks for a /ToUnicode CMap unless the codes map to Unicode by a standard route: the
encodings WinAnsiEncoding, MacRomanEncoding and MacExpertEncoding; glyph names from the Adobe
standard Latin or Symbol character sets; the Adobe CJK character collections (GB1, CNS1, Japan1,
Korea1) of a Type 0 font. A Type 0 font on Identity-H/V without /ToUnicode is left to a person
(cantTell): readers can map its codes only through the embedded program's own tables.
"""
from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from typing import Any

import pikepdf

STANDARD_ENCODINGS = {"WinAnsiEncoding", "MacRomanEncoding", "MacExpertEncoding"}
CJK_ORDERINGS = {"GB1", "CNS1", "Japan1", "Korea1"}
# The 14 standard Type 1 fonts: without an /Encoding their built-in one uses standard names.
STANDARD_14 = {"Times-Roman", "Times-Bold", "Times-Italic", "Times-BoldItalic", "Helvetica",
               "Helvetica-Bold", "Helvetica-Oblique", "Helvetica-BoldOblique", "Courier",
               "Courier-Bold", "Courier-Oblique", "Courier-BoldOblique", "Symbol", "ZapfDingbats"}
# A glyph name that maps to Unicode by the Adobe Glyph List's rules: a plain name ("Aacute",
# "quoteright", "sigma1"), "uni" + 4 hex digits / "u" + 4 to 6 hex digits, ligatures joined
# by "_", and a ".suffix".
_PART = r"(?:uni(?:[0-9A-F]{4})+|u[0-9A-F]{4,6}|[A-Za-z]+1?)"
_GLYPH_NAME = re.compile(rf"^{_PART}(?:_{_PART})*(?:\.[A-Za-z0-9_]+)?$")
DIFFERENCES_ITEMS = 512   # a simple font has at most 256 codes; the rest is junk


@dataclass
class Font:
    name: str                 # /BaseFont (or "Type 3 font"), for evidence
    subtype: str
    embedded: bool
    unicode: bool | None      # codes map to Unicode: True, False, or None (a person must check)
    why: str = ""             # why `unicode` is not True


def _name(value: Any) -> str | None:
    return str(value)[1:] if isinstance(value, pikepdf.Name) else None


def _has_program(descriptor: Any) -> bool:
    return isinstance(descriptor, pikepdf.Dictionary) and any(
        isinstance(descriptor.get(key), pikepdf.Stream) for key in ("/FontFile", "/FontFile2", "/FontFile3"))


def read_font(font: Any) -> Font:
    """What a font dictionary says about embedding and Unicode mapping."""
    subtype = _name(font.get("/Subtype")) or "?"
    base = _name(font.get("/BaseFont"))
    name = base or ("Type 3 font" if subtype == "Type3" else "unnamed font")
    has_to_unicode = isinstance(font.get("/ToUnicode"), pikepdf.Stream)
    if subtype == "Type0":
        descendants = font.get("/DescendantFonts")
        cid_font = descendants[0] if isinstance(descendants, pikepdf.Array) and len(descendants) else None
        cid_font = cid_font if isinstance(cid_font, pikepdf.Dictionary) else None
        embedded = cid_font is not None and _has_program(cid_font.get("/FontDescriptor"))
        unicode, why = (True, "") if has_to_unicode else _cid_unicode(font, cid_font)
        return Font(name, subtype, embedded, unicode, why)
    embedded = subtype == "Type3" or _has_program(font.get("/FontDescriptor"))
    unicode, why = (True, "") if has_to_unicode else _simple_unicode(font, subtype, base)
    return Font(name, subtype, embedded, unicode, why)


def _cid_unicode(font: Any, cid_font: Any) -> tuple[bool | None, str]:
    info = cid_font.get("/CIDSystemInfo") if cid_font is not None else None
    if isinstance(info, pikepdf.Dictionary):
        registry, ordering = info.get("/Registry"), info.get("/Ordering")
        if str(registry or "") == "Adobe" and str(ordering or "") in CJK_ORDERINGS:
            return True, ""
    encoding = _name(font.get("/Encoding"))
    if encoding in ("Identity-H", "Identity-V"):
        return None, f"no /ToUnicode; /Encoding /{encoding} maps codes to glyphs, not characters"
    return None, "no /ToUnicode and no Adobe CJK character collection"


def _simple_unicode(font: Any, subtype: str, base: str | None) -> tuple[bool | None, str]:
    encoding = font.get("/Encoding")
    encoding_name = _name(encoding)
    if encoding_name in STANDARD_ENCODINGS:
        return True, ""
    if isinstance(encoding, pikepdf.Dictionary):
        differences = encoding.get("/Differences")
        names = [_name(item) for item in itertools.islice(differences, DIFFERENCES_ITEMS)] \
            if isinstance(differences, pikepdf.Array) else []
        unmapped = [n for n in names if n is not None and not _GLYPH_NAME.match(n)]
        if unmapped:
            return False, (f"no /ToUnicode; glyph names such as /{unmapped[0]} in /Differences do not "
                           f"name characters")
        if names or _name(encoding.get("/BaseEncoding")) in STANDARD_ENCODINGS:
            return True, ""
    if encoding is None and subtype == "Type1" and base in STANDARD_14:
        return True, ""
    if subtype == "TrueType" and encoding is None:
        return False, "no /ToUnicode and no /Encoding: a symbolic TrueType font maps codes to glyphs only"
    return None, ("no /ToUnicode; the font's own encoding" if encoding is None else
                  f"no /ToUnicode; /Encoding {encoding_name or 'dictionary'}") + " decides what the codes mean"
