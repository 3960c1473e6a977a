"""Word styles (styles.xml): what the checks need of a style, resolved along `basedOn` chains.

styles.xml can dominate the cost of a check: python-docx's template, which many generated course
documents carry, holds 100 table styles making up 95 % of its 350 KB, and no paragraph or run
refers to them. So the part is read in two steps:

1. it is checked whole for well-formedness by libxml2 without building a tree (a third of the
   cost of a parse), so a broken part is still refused exactly as a full parse would refuse it;
2. a tree is built of the part with the table styles cut out (`without_table_styles`). A
   reference to a cut style (never seen in practice) parses the whole part after all.

The cut is made only where it is provably the same as parsing: no comments, CDATA or processing
instructions, the `w` prefix bound once (on the root), cut styles that use no other prefix and
cannot reach libxml2's depth limit. Otherwise the part is parsed whole. The resolved styles are
also kept per process for the last few styles parts seen (by their bytes): documents made from
one template share them.
"""
from __future__ import annotations

import re
import threading
from collections import OrderedDict
from dataclasses import dataclass

from lxml import etree

from checkers import ooxml

W_NS = ooxml.NS["w"]
_W = f"{{{W_NS}}}"
TRUE_VALUES = ("", "1", "true", "on")
HEADING_NAME = re.compile(r"^heading\s*([1-9])$", re.IGNORECASE)
C = ooxml.clark
STYLE, STYLE_ID, TYPE, DEFAULT = C("w:style"), C("w:styleId"), C("w:type"), C("w:default")
BASED_ON, NAME, P_PR, R_PR, OUTLINE, NUM_PR = (C("w:basedOn"), C("w:name"), C("w:pPr"), C("w:rPr"),
                                               C("w:outlineLvl"), C("w:numPr"))
B, I, U, SZ, COLOR = C("w:b"), C("w:i"), C("w:u"), C("w:sz"), C("w:color")


def on(el) -> bool:
    """A Word toggle property (w:b, w:i, w:tblHeader...): present and not switched off."""
    return el is not None and el.get(f"{_W}val", "").lower() in TRUE_VALUES


def val(el, attr: str = "val") -> str | None:
    return el.get(f"{_W}{attr}") if el is not None else None


def outline_level(value: str) -> int | None:
    """The heading level (1-9) of a w:outlineLvl value given as digits, None for body text (9)."""
    return int(value) + 1 if int(value) < 9 else None


@dataclass
class StyleProps:
    """What the checks need of a style, with its basedOn chain already applied."""
    name: str = ""
    level: int | None = None        # heading level 1-9
    is_list: bool = False
    bold: bool | None = None
    italic: bool | None = None
    underline: bool | None = None
    size: float | None = None       # points
    colour: str | None = None       # hex, or None for automatic
    colour_set: bool = False        # a style or the run sets the colour (not only docDefaults)

    def copy(self) -> "StyleProps":
        twin = StyleProps.__new__(StyleProps)
        twin.__dict__.update(self.__dict__)
        return twin


def apply_run_props(r_pr, props: StyleProps) -> None:
    """Apply rPr children over props (later definitions win, as in Word; within one rPr the
    first of each property counts, as lxml's find() would pick it)."""
    if r_pr is None:
        return
    seen = set()
    for el in r_pr.iterchildren(B, I, U, SZ, COLOR):
        tag = el.tag
        if tag in seen:
            continue
        seen.add(tag)
        if tag == B:
            props.bold = on(el)
        elif tag == I:
            props.italic = on(el)
        elif tag == U:
            props.underline = (val(el) or "single").lower() != "none"
        elif tag == SZ:
            sz = val(el)
            if sz and sz.isdigit():
                props.size = int(sz) / 2
        else:
            colour = val(el)
            if colour:
                props.colour = None if colour.lower() == "auto" else colour
                props.colour_set = True


class Styles:
    """The styles of one document, by style id; `props()` resolves and remembers them."""

    def __init__(self, root, cut_ids: frozenset = frozenset(), whole=None):
        self.root = root                 # styles root (table styles possibly cut out), or None
        self._cut_ids = cut_ids          # ids of the styles cut out
        self._whole = whole              # parses the whole part, when a cut style is needed
        self._raw = {s.get(STYLE_ID): s for s in root.iterchildren(STYLE)} if root is not None else {}
        self.defaults = StyleProps()
        if root is not None:
            apply_run_props(ooxml.child(root, C("w:docDefaults"), C("w:rPrDefault"), R_PR), self.defaults)
        self.defaults.colour_set = False  # a table style's colour overrides the document default
        if self.defaults.size is None:
            self.defaults.size = 10.0  # Word's built-in default when styles.xml sets none
        self.default_para = next((sid for sid, s in self._raw.items()
                                  if s.get(TYPE) == "paragraph" and s.get(DEFAULT) in ("1", "true")), None)
        self._memo: dict[str, StyleProps] = {}

    def element(self, style_id: str | None):
        """The w:style element with this id (the last one, if the id repeats), or None."""
        if style_id in self._cut_ids and self._whole is not None:
            whole, self._whole = self._whole(), None
            self._raw = {s.get(STYLE_ID): s for s in whole.iterchildren(STYLE)}
            self.root, self._cut_ids = whole, frozenset()
        return self._raw.get(style_id)

    def props(self, style_id: str | None, depth: int = 0) -> StyleProps:
        if depth <= 20 and style_id in self._memo:
            return self._memo[style_id]  # only known styles are remembered
        el = self.element(style_id) if style_id is not None else None
        if el is None or depth > 20:
            return self.defaults.copy() if style_id is None or depth == 0 else StyleProps()
        based = val(ooxml.child(el, BASED_ON))
        props = self.props(based, depth + 1) if based and based != style_id else self.defaults
        props = props.copy()
        props.name = val(ooxml.child(el, NAME)) or style_id
        p_pr = ooxml.child(el, P_PR)
        match = HEADING_NAME.match(props.name.strip())
        outline = val(ooxml.child(p_pr, OUTLINE)) if p_pr is not None else None
        if match:
            props.level = int(match.group(1))  # Word fixes the level of its built-in heading styles
        elif outline and outline.isdecimal():  # (int() reads every decimal digit)
            # 0-8 are outline levels 1-9; 9 is body text, even in a style based on a heading
            # ("TOC Heading" is based on Heading 1 with outline level 9).
            props.level = outline_level(outline)
        elif based is None or props.name.lower() in ("normal", "body text"):
            props.level = None
        if p_pr is not None and ooxml.child(p_pr, NUM_PR) is not None:
            props.is_list = True
        apply_run_props(ooxml.child(el, R_PR), props)
        self._memo[style_id] = props
        return props


    def table_part(self, style_id: str | None, path: tuple, cond: str | None = None):
        """The element at `path` in a table style (inside its w:tblStylePr of type `cond`, when
        given), from the style itself or, failing that, the nearest style it is based on."""
        for _ in range(21):
            el = self.element(style_id) if style_id else None
            if el is None:
                return None
            holder = el if cond is None else next(
                (c for c in el.iterchildren(TBL_STYLE_PR) if c.get(TYPE) == cond), None)
            found = ooxml.child(holder, *path) if holder is not None else None
            if found is not None:
                return found
            based = val(ooxml.child(el, BASED_ON))
            style_id = based if based != style_id else None
        return None


# --- table geometry: which of a table style's conditional formats reach a cell ----------------

TBL_STYLE_PR, TBL_LOOK = C("w:tblStylePr"), C("w:tblLook")
# tblLook attributes and their bits in the older hex w:val (ECMA-376 17.4.56)
LOOK_BITS = {"firstRow": 0x20, "lastRow": 0x40, "firstColumn": 0x80, "lastColumn": 0x100,
             "noHBand": 0x200, "noVBand": 0x400}
_HEX_MASK = re.compile(r"[0-9A-Fa-f]{1,4}")


def table_look(tbl_pr) -> dict:
    """tblLook as {flag: True/False/None}; None where the table does not say (no guess)."""
    look = ooxml.child(tbl_pr, TBL_LOOK) if tbl_pr is not None else None
    mask = val(look)
    mask = int(mask, 16) if mask and _HEX_MASK.fullmatch(mask) else None
    out = {}
    for name, bit in LOOK_BITS.items():
        attr = look.get(f"{_W}{name}") if look is not None else None
        if attr is not None:
            out[name] = attr.lower() in ("1", "true", "on")
        else:
            out[name] = bool(mask & bit) if mask is not None else None
    return out


def _both(a, b):
    return False if a is False or b is False else (None if a is None or b is None else True)


def _bands(index: int, count: int, start, end, off, size: int) -> tuple:
    """(band1, band2) states of a row (or column): True/False, None when unknown. Banding counts
    from the first row after an enabled header row (a header or total row's own band is not
    confirmed, so None there)."""
    if off is True:
        return False, False
    if off is None or start is None or (index == count - 1 and end is None) \
            or (index == 0 and start) or (index == count - 1 and end):
        return None, None
    band = (index - (1 if start else 0)) // size
    return band % 2 == 0, band % 2 == 1


def cell_conditions(look: dict, row: int, rows: int, col: int, cols: int,
                    row_band: int, col_band: int) -> dict:
    """{conditional format type: True/False/None} for the cell at (row, col)."""
    first_row = look["firstRow"] if row == 0 else False
    last_row = look["lastRow"] if row == rows - 1 else False
    first_col = look["firstColumn"] if col == 0 else False
    last_col = look["lastColumn"] if col == cols - 1 else False
    h1, h2 = _bands(row, rows, look["firstRow"], look["lastRow"], look["noHBand"], row_band)
    v1, v2 = _bands(col, cols, look["firstColumn"], look["lastColumn"], look["noVBand"], col_band)
    return {"nwCell": _both(first_row, first_col), "neCell": _both(first_row, last_col),
            "swCell": _both(last_row, first_col), "seCell": _both(last_row, last_col),
            "firstRow": first_row, "lastRow": last_row, "firstCol": first_col, "lastCol": last_col,
            "band1Horz": h1, "band2Horz": h2, "band1Vert": v1, "band2Vert": v2}


# --- reading styles.xml ------------------------------------------------------------------------

class _NoTree:
    """A parser target that builds nothing: libxml2 still checks the whole part is well-formed."""

    def close(self) -> None:
        return None


_CHECK_ONLY = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False,
                              target=_NoTree())
_STYLE_TAG = re.compile(rb"<w:style[\s/>]")
_STYLE_START = re.compile(rb"<w:style((?:\s+[\w.:-]+\s*=\s*(?:\"[^\"]*\"|'[^']*'))*)\s*(/?)>")
_TABLE_TYPE = re.compile(rb"\sw:type\s*=\s*([\"'])table\1")
_STYLE_ID_ATTR = re.compile(rb"\sw:styleId\s*=\s*([\"'])([^\"']*)\1")
_PLAIN_ID = re.compile(rb"[\x20-\x25\x27-\x7e]*")  # printable ASCII without '&': read as written
_STYLE_END = re.compile(rb"</w:style\s*>")
_ROOT_BINDS_W = re.compile(rb"<[\w.:-]+(?:\s+[\w.:-]+\s*=\s*(?:\"[^\"]*\"|'[^']*'))*?\s+xmlns:w\s*=\s*[\"'][^\"']")
MAX_CUT_TAGS = 250   # a cut style with fewer '<' than libxml2's depth limit (256) cannot reach it
MAX_CUT_PART = 8 * 1024 * 1024  # below libxml2's 10 MB text-node limit, which only tree building checks
CACHE_SIZE = 8
CACHE_MAX_BYTES = 1024 * 1024        # styles parts up to this size are remembered ...
CACHE_MAX_TREE_BYTES = 256 * 1024   # ... when the tree kept for them stems from at most this much XML
_cache: OrderedDict[bytes, Styles] = OrderedDict()  # keyed by the part's bytes: equal bytes, equal styles
_cache_lock = threading.Lock()


def without_table_styles(xml: bytes) -> tuple[bytes, frozenset] | None:
    """styles.xml with its table styles cut out, and their ids; None when the cut is not safe.

    Why a cut of the bytes reads like the parsed part, once libxml2 found the whole part
    well-formed: without comments, CDATA and processing instructions every '<' starts a tag
    (attribute values and text cannot hold one), so a `<w:style ...>` start tag up to the first
    `</w:style>` with no other `<w:style` between is exactly one element. The root binds `w`, so
    it is bound in every cut style, and a cut style whose every ':' belongs to a `w:` name uses
    no other prefix: no namespace error (which only tree building reports) can hide in it.
    Styles reads only the root's w:style children and docDefaults, so taking out elements never
    changes what it reads, but for the cut table styles themselves.
    """
    body_at = xml.find(b"?>") + 2 if xml.removeprefix(b"\xef\xbb\xbf").startswith(b"<?xml") else 0
    # ('!' and '?' are rare in styles.xml: a one-byte search first, the costlier two-byte one if needed)
    if (b"!" in xml and b"<!" in xml) or (xml.find(b"?", body_at) >= 0 and xml.find(b"<?", body_at) >= 0) \
            or len(xml) > MAX_CUT_PART:
        return None  # comments, CDATA, processing instructions, or huge: parse it whole
    if not _ROOT_BINDS_W.match(xml, xml.find(b"<", body_at)):
        return None
    tags = [m.start() for m in _STYLE_TAG.finditer(xml)]
    kept, ids, pos = [], set(), 0
    for i, at in enumerate(tags):
        start = _STYLE_START.match(xml, at)
        if start is None or not _TABLE_TYPE.search(start.group(1)):
            continue
        if start.group(2):
            end = start.end()
        else:
            close = _STYLE_END.search(xml, start.end())
            if close is None or (i + 1 < len(tags) and tags[i + 1] < close.start()):
                return None  # unclosed or nested: only a parse can tell
            end = close.end()
        if xml.count(b"<", at, end) > MAX_CUT_TAGS:
            return None  # deep enough to near libxml2's depth limit: only a parse can tell
        style_id = _STYLE_ID_ATTR.search(start.group(1))
        if style_id and not _PLAIN_ID.fullmatch(style_id.group(2)):
            return None  # entities, tabs or line breaks are rewritten by the parser: read it whole
        ids.add(style_id.group(2).decode() if style_id else None)
        kept.append(xml[pos:at])
        pos = end
    if not kept:
        return None
    kept.append(xml[pos:])
    # In the cut bytes (the whole minus the kept pieces) every ':' must belong to a w: name. No
    # pattern spans a cut's edge ('<w:style' ... '>'); "\n" keeps joins from making new ones.
    if _colon_balance(xml) != _colon_balance(b"\n".join(kept)):
        return None  # a prefix other than w: (possibly unbound): only a parse can tell
    return b"".join(kept), frozenset(ids)


def _colon_balance(xml: bytes) -> int:
    """Colons not accounted for by `<w:`, `/w:` or ` w:` (each holds exactly one colon)."""
    return xml.count(b":") - xml.count(b"<w:") - xml.count(b"/w:") - xml.count(b" w:")


def clear_cache() -> None:
    """Forget the styles parts seen so far (benchmarks measure the first reading)."""
    with _cache_lock:
        _cache.clear()


def load_styles(pkg: ooxml.Package, part: str | None) -> Styles:
    """The document's styles; a damaged or hostile part raises ooxml.Refused like Package.xml."""
    xml = pkg.read(part) if part else None
    if xml is None:
        return Styles(None)
    if len(xml) <= CACHE_MAX_BYTES:
        with _cache_lock:
            if xml in _cache:
                _cache.move_to_end(xml)
                return _cache[xml]
    styles, tree_bytes = _parse_styles(pkg, part, xml)
    if len(xml) <= CACHE_MAX_BYTES and tree_bytes <= CACHE_MAX_TREE_BYTES:  # bounded memory
        with _cache_lock:
            _cache[xml] = styles
            while len(_cache) > CACHE_SIZE:
                _cache.popitem(last=False)
    return styles


def _parse_styles(pkg: ooxml.Package, part: str, xml: bytes) -> tuple[Styles, int]:
    """The styles, and how many bytes of XML their tree holds."""
    cut = None if ooxml.has_dtd(xml) else without_table_styles(xml)
    if cut is None:
        return Styles(pkg.xml(part)), len(xml)
    try:
        etree.fromstring(xml, _CHECK_ONLY)
        root = ooxml.parse_xml(cut[0], part)
    except (etree.XMLSyntaxError, ooxml.Refused):
        return Styles(pkg.xml(part)), len(xml)  # refused with the whole part's own error (or read whole)
    styles = Styles(root, cut[1], lambda: ooxml.parse_xml(xml, part))
    if any(style_id in styles._raw for style_id in cut[1]):
        return Styles(pkg.xml(part)), len(xml)  # a cut id repeats a kept one: the whole part decides
    return styles, len(cut[0])
