"""Word (.docx) checker: Annex 2 accessibility rules and the facts for the Annex 3 checks.

The checker reads the package with lxml through checkers/ooxml.Package after the archive guard
has looked at it: what matters (docPr alt text, floating wp:anchor pictures, tblHeader, outline
levels, fields, shading) has no python-docx API, and python-docx's per-element Python classes
made opening a document cost more than checking it. Style properties are resolved along
`basedOn` chains. python-docx builds the test documents (tests/office_factory.py).
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from lxml import etree

from checkers import ooxml
from checkers.colour import contrast_ratio, is_bluish, is_neutral, parse_colour, required_ratio
from checkers.facts import ContentFacts
from checkers.findings import Finding, Recorder, unreadable
from checkers.ooxml import NS

RULES = ("docx-headings-missing", "docx-heading-skipped", "docx-fake-heading", "docx-fake-list",
         "docx-image-alt", "docx-chart-alt", "docx-table-header", "docx-table-merged",
         "docx-table-empty", "docx-link-text", "docx-language", "docx-doc-title",
         "docx-underline-blue", "docx-colour-only", "docx-text-contrast")

LONG_DOCUMENT_WORDS = 300      # a document this long needs headings to be navigable
FAKE_HEADING_MAX_WORDS = 12
DEFAULT_TITLES = {"document", "untitled", "microsoft word document", "word document"}
PICTURE_URI = "http://schemas.openxmlformats.org/drawingml/2006/picture"
GRAPHIC_KINDS = {
    "http://schemas.openxmlformats.org/drawingml/2006/chart": "chart",
    "http://schemas.microsoft.com/office/drawing/2014/chartex": "chart",
    "http://schemas.openxmlformats.org/drawingml/2006/diagram": "SmartArt graphic",
    "http://schemas.microsoft.com/office/word/2010/wordprocessingGroup": "group",
    "http://schemas.microsoft.com/office/word/2010/wordprocessingCanvas": "drawing canvas",
}
LIST_MARKER = re.compile(r"^\s*(?:[•◦▪‣●○■□➢►✓✔\-*–—]|\(?\d{1,3}[.)]|\(?[a-zA-Z][.)])\s+\S")
HEADING_NAME = re.compile(r"^heading\s*([1-9])$", re.IGNORECASE)
_W = f"{{{NS['w']}}}"
_R_ID = f"{{{NS['r']}}}id"
_MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
_NS_MC = {**NS, "mc": "http://schemas.openxmlformats.org/markup-compatibility/2006"}
TRUE_VALUES = ("", "1", "true", "on")


def check_docx(data: bytes, ctx) -> tuple[list[Finding], ContentFacts]:
    facts = ContentFacts("docx")
    try:
        pkg = ooxml.open_guarded(data, "docx", getattr(ctx, "options", None))
    except ooxml.Refused as refused:
        return [refused.finding()], facts
    try:
        return DocumentCheck(pkg, facts).run(), facts
    except ooxml.Refused as refused:
        return [refused.finding()], ContentFacts("docx")
    except Exception as exc:
        return [unreadable(f"the Word document could not be read: {type(exc).__name__}: "
                           f"{str(exc)[:160]}")], ContentFacts("docx")


def _on(el) -> bool:
    """A Word toggle property (w:b, w:i, w:tblHeader...): present and not switched off."""
    return el is not None and el.get(f"{_W}val", "") .lower() in TRUE_VALUES


def _val(el, attr: str = "val") -> str | None:
    return el.get(f"{_W}{attr}") if el is not None else None


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


def _run_props(r_pr, props: StyleProps) -> None:
    """Apply rPr children over props (later definitions win, as in Word)."""
    if r_pr is None:
        return
    for tag, attr in (("b", "bold"), ("i", "italic")):
        el = r_pr.find(f"w:{tag}", NS)
        if el is not None:
            setattr(props, attr, _on(el))
    u = r_pr.find("w:u", NS)
    if u is not None:
        props.underline = (_val(u) or "single").lower() != "none"
    sz = _val(r_pr.find("w:sz", NS))
    if sz and sz.isdigit():
        props.size = int(sz) / 2
    colour = _val(r_pr.find("w:color", NS))
    if colour:
        props.colour = None if colour.lower() == "auto" else colour


class Styles:
    def __init__(self, root):
        self.raw = {s.get(f"{_W}styleId"): s for s in root.iterfind("w:style", NS)} if root is not None else {}
        self.defaults = StyleProps()
        if root is not None:
            _run_props(root.find("w:docDefaults/w:rPrDefault/w:rPr", NS), self.defaults)
        if self.defaults.size is None:
            self.defaults.size = 10.0  # Word's built-in default when styles.xml sets none
        self.default_para = next((sid for sid, s in self.raw.items()
                                  if s.get(f"{_W}type") == "paragraph" and s.get(f"{_W}default") in ("1", "true")), None)
        self._memo: dict[str, StyleProps] = {}

    def props(self, style_id: str | None, depth: int = 0) -> StyleProps:
        if style_id is None or style_id not in self.raw or depth > 20:
            return StyleProps(**vars(self.defaults)) if style_id is None or depth == 0 else StyleProps()
        if style_id in self._memo:
            return self._memo[style_id]
        el = self.raw[style_id]
        based = _val(el.find("w:basedOn", NS))
        props = self.props(based, depth + 1) if based and based != style_id else StyleProps(**vars(self.defaults))
        props = StyleProps(**vars(props))
        props.name = _val(el.find("w:name", NS)) or style_id
        p_pr = el.find("w:pPr", NS)
        match = HEADING_NAME.match(props.name.strip())
        outline = _val(p_pr.find("w:outlineLvl", NS)) if p_pr is not None else None
        if match:
            props.level = int(match.group(1))
        elif outline and outline.isdigit() and int(outline) < 9:
            props.level = int(outline) + 1
        elif based is None or props.name.lower() in ("normal", "body text"):
            props.level = None
        if p_pr is not None and p_pr.find("w:numPr", NS) is not None:
            props.is_list = True
        _run_props(el.find("w:rPr", NS), props)
        self._memo[style_id] = props
        return props


@dataclass
class Para:
    el: object
    index: int
    text: str
    style: StyleProps
    level: int | None
    in_table: bool
    is_list: bool
    link_runs: set = field(default_factory=set)  # ids of runs inside hyperlinks


class DocumentCheck:
    def __init__(self, pkg: ooxml.Package, facts: ContentFacts):
        self.pkg, self.facts = pkg, facts
        root = pkg.xml(pkg.main_part)
        self.body = root.find("w:body", NS) if root is not None else None
        if self.body is None:
            raise ooxml.Refused("the Word document is damaged: document.xml has no body")
        self.rels = pkg.rels(pkg.main_part)
        styles_part = pkg.related(pkg.main_part, "styles")
        self.styles_root = pkg.xml(styles_part) if styles_part else None
        self.rec = Recorder(RULES)
        self.styles = Styles(self.styles_root)
        self.page_colour = parse_colour("#" + (_val(root.find("w:background", NS), "color") or "FFFFFF"))

    def run(self) -> list[Finding]:
        core = ooxml.fill_core_facts(self.facts, self.pkg, "docx")
        paras = self.paragraphs()
        self.collect_text(paras)
        self.check_headings(paras)
        self.check_fake_headings(paras)
        self.check_lists(paras)
        self.check_drawings()
        self.check_tables()
        with_links = {_enclosing_paragraph(el) for el in self.body.iter(
            f"{_W}hyperlink", f"{_W}fldSimple", f"{_W}instrText")}
        for para in paras:
            if para.el in with_links:
                self.check_links(para)
        self.check_runs(paras)
        self.check_language(core)
        self.check_title(core, paras)
        return self.rec.findings()

    # --- paragraphs -------------------------------------------------------------------------

    def paragraphs(self) -> list[Para]:
        out = []
        # One pass each instead of walking every paragraph's ancestors.
        fallback = set(self.body.iterfind(".//mc:Fallback//w:p", _NS_MC))
        in_tables = set(self.body.iterfind(".//w:tc//w:p", NS))
        for i, p in enumerate(self.body.iter(f"{_W}p"), start=1):
            if p in fallback:
                continue
            p_pr = p.find("w:pPr", NS)
            style_id = _val(p_pr.find("w:pStyle", NS)) if p_pr is not None else None
            style = self.styles.props(style_id or self.styles.default_para)
            level = style.level
            outline = _val(p_pr.find("w:outlineLvl", NS)) if p_pr is not None else None
            if outline and outline.isdigit():
                level = int(outline) + 1 if int(outline) < 9 else None
            is_list = style.is_list or (p_pr is not None and p_pr.find("w:numPr", NS) is not None)
            text = _para_text(p)
            out.append(Para(p, i, text, style, level, p in in_tables, is_list))
        return out

    def collect_text(self, paras: list[Para]) -> None:
        self.facts.add_text("\n".join(p.text for p in paras if p.text.strip()))
        self.facts.headings = [p.text.strip() for p in paras if p.level and p.text.strip()]
        extra = []
        for name, ctype in self.pkg.content_types.items():
            if ctype.endswith(("header+xml", "footer+xml", "footnotes+xml", "endnotes+xml")):
                root = self.pkg.xml(name)
                if root is not None:
                    extra.append("\n".join(_para_text(p) for p in root.iter(f"{_W}p")))
        extra_text = "\n".join(t for t in extra if t.strip())
        if extra_text:
            self.facts.add_text(extra_text)
        for clue in ooxml.licence_clues(self.facts.text, "docx:text"):
            if clue not in self.facts.licences:
                self.facts.licences.append(clue)
        self.facts.word_count = len(self.facts.text.split())

    # --- headings and lists -------------------------------------------------------------------

    def check_headings(self, paras: list[Para]) -> None:
        headings = [p for p in paras if p.level and p.text.strip()]
        words = sum(len(p.text.split()) for p in paras)
        if headings:
            self.rec.passed("docx-headings-missing")
        elif words >= LONG_DOCUMENT_WORDS:
            self.rec.failed("docx-headings-missing", f"the document has {words} words and no paragraph "
                            "formatted with a heading style")
        previous = 0
        for h in headings:
            if h.level > previous + 1:
                what = (f"the first heading is level {h.level}" if previous == 0
                        else f"heading level {h.level} follows level {previous}")
                self.rec.failed("docx-heading-skipped", f"{what}: {h.text.strip()[:60]!r}",
                                selector=f"paragraph {h.index}", evidence=f"{h.style.name}: {h.text.strip()}")
            else:
                self.rec.passed("docx-heading-skipped")
            previous = h.level

    def check_fake_headings(self, paras: list[Para]) -> None:
        """Short standalone lines followed by body text: real headings pass, bold/large ones are
        probably headings formatted by hand (cantTell), plain ones pass."""
        for i, p in enumerate(paras):
            text = p.text.strip()
            if (not text or p.in_table or p.is_list or len(text.split()) > FAKE_HEADING_MAX_WORDS
                    or text.endswith((".", ",", ";")) or LIST_MARKER.match(text)
                    or p.style.name.lower() in ("title", "subtitle", "caption")):
                continue
            following = next((q for q in paras[i + 1:] if q.text.strip()), None)
            if following is None or following.in_table or following.level or \
                    len(following.text.split()) <= FAKE_HEADING_MAX_WORDS:
                continue
            if p.level:
                self.rec.passed("docx-fake-heading")
                continue
            looks = self.looks_like_heading(p)
            if looks:
                self.rec.cant_tell("docx-fake-heading", f"{text[:60]!r} is {looks} but is not formatted "
                                   "as a heading; if it is a heading, apply a heading style",
                                   selector=f"paragraph {p.index}", evidence=text)
            else:
                self.rec.passed("docx-fake-heading")

    def looks_like_heading(self, p: Para) -> str | None:
        runs = [self.run_props(r, p) for r in p.el.iterfind("w:r", NS)
                if "".join(t.text or "" for t in r.iterfind("w:t", NS)).strip()]
        if not runs:
            return None
        body = self.styles.defaults.size or 11.0
        if all(r.bold for r in runs):
            return "entirely bold"
        if all((r.size or body) >= max(body + 2, 14) for r in runs):
            return f"in large type ({runs[0].size:g} pt)"
        return None

    def check_lists(self, paras: list[Para]) -> None:
        run: list[Para] = []
        real = 0
        previous_list = False
        for p in paras + [None]:
            manual = p is not None and not p.is_list and bool(LIST_MARKER.match(p.text))
            if manual:
                run.append(p)
            else:
                if len(run) >= 2:
                    self.rec.failed("docx-fake-list", f"{len(run)} paragraphs start with typed list markers "
                                    "instead of list formatting", selector=f"paragraph {run[0].index}",
                                    evidence=" | ".join(q.text.strip()[:40] for q in run[:4]))
                run = []
            is_list = p is not None and p.is_list and bool(p.text.strip())
            if is_list and not previous_list:
                real += 1
            previous_list = is_list
        if real:
            self.rec.passed("docx-fake-list", real)

    # --- pictures, charts ---------------------------------------------------------------------

    def check_drawings(self) -> None:
        for doc_pr in self.body.iter(f"{{{NS['wp']}}}docPr"):
            if any(a.tag == _MC_FALLBACK for a in doc_pr.iterancestors()):
                continue
            holder = doc_pr.getparent()
            floating = etree.QName(holder).localname == "anchor"
            data = holder.find("a:graphic/a:graphicData", NS)
            uri = data.get("uri", "") if data is not None else ""
            name = doc_pr.get("name", "drawing")
            where = "floating " if floating else ""
            if uri == PICTURE_URI:
                blip = data.find(".//a:blip", NS)
                image = self.image_name(blip.get(f"{{{NS['r']}}}embed") if blip is not None else None)
                ok, why, _ = ooxml.judge_alt(doc_pr, image)
                self.rec.outcome("docx-image-alt", ok, f"{where}picture {name!r} {why}", selector=name,
                                 evidence=ooxml.evidence_of(doc_pr))
            elif uri in GRAPHIC_KINDS:
                kind = GRAPHIC_KINDS[uri]
                if kind == "group" and data.find(".//pic:pic", NS) is None:
                    continue
                ok, why, _ = ooxml.judge_alt(doc_pr)
                self.rec.outcome("docx-chart-alt", ok, f"{where}{kind} {name!r} {why}", selector=name,
                                 evidence=ooxml.evidence_of(doc_pr))
        for image in self.body.iter(f"{{{NS['v']}}}imagedata"):
            if any(a.tag == _MC_FALLBACK for a in image.iterancestors()):
                continue
            shape = image.getparent()
            alt = (shape.get("alt") or image.get(f"{{{NS['o']}}}title") or "").strip()
            problem = "has no alternative text" if not alt else None
            self.rec.outcome("docx-image-alt", problem is None, f"legacy (VML) picture {problem}",
                             selector=shape.get("id"), evidence=ooxml.evidence_of(shape))

    def image_name(self, rid: str | None) -> str | None:
        rel = self.rels.get(rid or "")
        if rel and not rel.external:
            return rel.target
        return None

    # --- tables -------------------------------------------------------------------------------

    def check_tables(self) -> None:
        for number, tbl in enumerate(self.body.iter(f"{_W}tbl"), start=1):
            rows = tbl.findall("w:tr", NS)
            where = f"table {number}"
            grid = [[c for c in r.findall("w:tc", NS)] for r in rows]
            if len(rows) >= 2:
                header = rows[0].find("w:trPr/w:tblHeader", NS)
                self.rec.outcome("docx-table-header", _on(header),
                                 f"{where} has no header row (Repeat as header row is off)", selector=where,
                                 evidence=_cell_text(grid[0]))
            merged = [tc for row in grid for tc in row
                      if int(_val(tc.find("w:tcPr/w:gridSpan", NS)) or 1) > 1
                      or tc.find("w:tcPr/w:vMerge", NS) is not None or tc.find("w:tcPr/w:hMerge", NS) is not None]
            if rows:
                self.rec.outcome("docx-table-merged", not merged, f"{where} has {len(merged)} merged "
                                 "or spanning cell(s)", selector=where)
                self.check_empty(grid, where)

    def check_empty(self, grid, where: str) -> None:
        def empty(tc) -> bool:
            cont = tc.find("w:tcPr/w:vMerge", NS)
            if cont is not None and (_val(cont) or "continue") != "restart":
                return False  # the lower part of a vertical merge is empty by design
            return not _para_text(tc).strip() and tc.find(".//w:drawing", NS) is None
        empty_rows = [i + 1 for i, row in enumerate(grid) if row and all(empty(tc) for tc in row)]
        widths = {len(row) for row in grid}
        empty_cols = []
        if len(widths) == 1 and len(grid) > 1:
            empty_cols = [c + 1 for c in range(widths.pop()) if all(empty(row[c]) for row in grid)]
        if empty_rows or empty_cols:
            parts = ([f"empty row(s) {empty_rows}"] if empty_rows else []) + \
                    ([f"empty column(s) {empty_cols}"] if empty_cols else [])
            self.rec.failed("docx-table-empty", f"{where} has {' and '.join(parts)}", selector=where)
            return
        blanks = sum(1 for r, row in enumerate(grid) for c, tc in enumerate(row) if (r, c) != (0, 0) and empty(tc))
        if blanks:
            self.rec.cant_tell("docx-table-empty", f"{where} has {blanks} empty cell(s): say whether a value "
                               "is missing or not applicable", selector=where)
        else:
            self.rec.passed("docx-table-empty")

    # --- links --------------------------------------------------------------------------------

    def check_links(self, para: Para) -> None:
        for text, target, runs in self.links_in(para.el):
            para.link_runs.update(id(r) for r in runs)
            ok, why = ooxml.judge_link_text(text, target)
            self.rec.outcome("docx-link-text", ok, f"link in paragraph {para.index}: {why}",
                             selector=f"paragraph {para.index}", evidence=f"{text.strip()} -> {target}")

    def links_in(self, p):
        """(text, target, runs) for w:hyperlink elements, simple fields and complex HYPERLINK fields."""
        for link in p.iterfind(".//w:hyperlink", NS):
            rid = link.get(_R_ID)
            if rid in self.rels and self.rels[rid].external:
                target = self.rels[rid].target
            else:
                target = "#" + (_val(link, "anchor") or "")
            self.note_link(target)
            yield _para_text(link), target, list(link.iter(f"{_W}r"))
        for fld in p.iterfind(".//w:fldSimple", NS):
            url = _field_url(_val(fld, "instr") or "")
            if url:
                self.note_link(url)
                yield _para_text(fld), url, list(fld.iter(f"{_W}r"))
        url, collecting, text, runs = None, False, [], []
        for r in p.iterfind("w:r", NS):
            char = r.find("w:fldChar", NS)
            kind = _val(char, "fldCharType") if char is not None else None
            if kind == "begin":
                url, collecting, text, runs = None, False, [], []
            instr = r.find("w:instrText", NS)
            if instr is not None and url is None:
                url = _field_url(instr.text or "")
            if kind == "separate" and url:
                collecting = True
            elif kind == "end" and collecting:
                self.note_link(url)
                yield "".join(text), url, runs
                url, collecting = None, False
            elif collecting:
                text.append("".join(t.text or "" for t in r.iterfind("w:t", NS)))
                runs.append(r)

    def note_link(self, target: str) -> None:
        if target.startswith("#") or target in self.facts.links:
            return
        self.facts.links.append(target)
        clue = ooxml.licence_link(target, "docx:text")
        if clue and clue not in self.facts.licences:
            self.facts.licences.append(clue)

    # --- run formatting: underline/blue, colour only, contrast -------------------------------

    def run_props(self, r, para: Para) -> StyleProps:
        props = StyleProps(**vars(para.style))
        r_pr = r.find("w:rPr", NS)
        char_style = _val(r_pr.find("w:rStyle", NS)) if r_pr is not None else None
        if char_style:
            _run_props(self.styles.raw[char_style].find("w:rPr", NS) if char_style in self.styles.raw else None, props)
            props.name = char_style
        _run_props(r_pr, props)
        return props

    def check_runs(self, paras: list[Para]) -> None:
        for para in paras:
            if not para.text.strip() or para.level or para.style.name.lower() in ("title", "subtitle"):
                continue
            runs = []
            for r in para.el.iterfind(".//w:r", NS):
                text = "".join(t.text or "" for t in r.iterfind("w:t", NS))
                if text.strip() and id(r) not in para.link_runs:
                    runs.append((r, text, self.run_props(r, para)))
            if runs:
                self.check_link_lookalikes(para, runs)
                self.check_colour_only(para, runs)
                self.check_contrast(para, runs)

    def check_link_lookalikes(self, para: Para, runs) -> None:
        bad = [(text, "underlined" if p.underline else "blue") for _, text, p in runs
               if p.underline or (p.colour and (rgb := parse_colour("#" + p.colour)) and is_bluish(rgb))]
        if bad:
            self.rec.failed("docx-underline-blue", f"paragraph {para.index} has {bad[0][1]} text that is "
                            "not a link: readers will try to click it", selector=f"paragraph {para.index}",
                            evidence="; ".join(f"{how}: {text.strip()[:40]}" for text, how in bad[:3]))
        else:
            self.rec.passed("docx-underline-blue")

    def check_colour_only(self, para: Para, runs) -> None:
        base = para.style.colour
        coloured = []
        for _, text, p in runs:
            rgb = parse_colour("#" + p.colour) if p.colour else None
            if p.colour and p.colour != base and rgb and not is_neutral(rgb) and not is_bluish(rgb):
                coloured.append((text, p))
        if not coloured or len(coloured) == len(runs):
            return  # no coloured words, or the whole paragraph in one colour (a style, not emphasis)
        plain = [(t, p) for t, p in coloured if not (p.bold or p.italic or p.underline)]
        if plain:
            self.rec.cant_tell("docx-colour-only", f"paragraph {para.index} sets words apart by colour "
                               "alone: check the colour does not carry meaning on its own",
                               selector=f"paragraph {para.index}",
                               evidence="; ".join(f"#{p.colour}: {t.strip()[:40]}" for t, p in plain[:3]))
        else:
            self.rec.passed("docx-colour-only")

    def check_contrast(self, para: Para, runs) -> None:
        worst = None
        for r, text, p in runs:
            if not p.colour:
                continue  # automatic colour: Word picks black or white against the background
            fg = parse_colour("#" + p.colour)
            bg = self.background(r, para)
            if fg is None or bg is None:
                continue
            ratio, need = contrast_ratio(fg, bg), required_ratio(p.size, bool(p.bold))
            if worst is None or ratio - need < worst[0]:
                worst = (ratio - need, ratio, need, p.colour, bg, text)
        if worst is None:
            return
        margin, ratio, need, fg, bg, text = worst
        evidence = f"#{fg.upper()} on #{''.join(f'{c:02X}' for c in bg)}: {ratio:.2f}:1 (needs {need:g}:1) — {text.strip()[:60]}"
        self.rec.outcome("docx-text-contrast", margin >= 0, f"text in paragraph {para.index} has contrast "
                         f"{ratio:.2f}:1, below {need:g}:1", selector=f"paragraph {para.index}", evidence=evidence)

    def background(self, r, para: Para):
        r_pr = r.find("w:rPr", NS)
        if r_pr is not None:
            fill = _fill(r_pr.find("w:shd", NS))
            if fill:
                return fill
            highlight = _val(r_pr.find("w:highlight", NS))
            if highlight and highlight != "none":
                return parse_colour(HIGHLIGHTS.get(highlight.lower(), highlight))
        fill = _fill(para.el.find("w:pPr/w:shd", NS))
        if fill:
            return fill
        for tc in para.el.iterancestors(f"{_W}tc"):
            fill = _fill(tc.find("w:tcPr/w:shd", NS))
            if fill:
                return fill
            break
        return self.page_colour

    # --- language and title -------------------------------------------------------------------

    def check_language(self, core) -> None:
        if not self.facts.text.strip():
            self.rec.evaluate("docx-language")
            return
        langs: Counter[str] = Counter()
        default = (self.styles_root.find("w:docDefaults/w:rPrDefault/w:rPr/w:lang", NS)
                   if self.styles_root is not None else None)
        if _val(default):
            langs[_val(default)] += 1_000_000  # the document default outweighs run-level marks
        for lang in self.body.iter(f"{_W}lang"):
            if _val(lang):
                langs[_val(lang)] += 1
        valid = [lang for lang, _ in langs.most_common() if ooxml.valid_language(lang)]
        if not valid and core.get("language") and ooxml.valid_language(core["language"]):
            valid = [core["language"]]
        if valid:
            self.facts.language = self.facts.language or valid[0]
            self.rec.passed("docx-language")
        else:
            found = ", ".join(sorted(langs)) or "none"
            self.rec.failed("docx-language", f"the document's text has no (valid) language (found: {found})")

    def check_title(self, core, paras: list[Para]) -> None:
        title = (core.get("title") or "").strip()
        if not title:
            self.rec.failed("docx-doc-title", "the title property (File > Info > Title) is empty")
        elif title.casefold() in DEFAULT_TITLES:
            self.rec.failed("docx-doc-title", f"the title property is a template default: {title!r}", evidence=title)
        else:
            self.rec.passed("docx-doc-title")
        if not self.facts.title:
            styled = next((p.text.strip() for p in paras if p.style.name.lower() == "title" and p.text.strip()), None)
            self.facts.title = styled or (self.facts.headings[0] if self.facts.headings else None)


HIGHLIGHTS = {"yellow": "#FFFF00", "green": "#00FF00", "cyan": "#00FFFF", "magenta": "#FF00FF",
              "blue": "#0000FF", "red": "#FF0000", "darkblue": "#000080", "darkcyan": "#008080",
              "darkgreen": "#008000", "darkmagenta": "#800080", "darkred": "#800000",
              "darkyellow": "#808000", "darkgray": "#808080", "lightgray": "#C0C0C0", "black": "#000000",
              "white": "#FFFFFF"}


def _fill(shd):
    fill = _val(shd, "fill")
    if fill and fill.lower() != "auto":
        return parse_colour("#" + fill)
    return None


def _para_text(el) -> str:
    parts = []
    for node in el.iter(f"{_W}t", f"{_W}tab", f"{_W}br", f"{_W}p"):
        if node.tag == f"{_W}t":
            parts.append(node.text or "")
        elif node.tag == f"{_W}tab":
            parts.append("\t")
        elif node.tag == f"{_W}br" or (node.tag == f"{_W}p" and node is not el and parts):
            parts.append("\n")
    return "".join(parts)


def _enclosing_paragraph(el):
    for a in el.iterancestors(f"{_W}p"):
        return a
    return None


def _cell_text(row) -> str:
    return " | ".join(_para_text(tc).strip()[:30] for tc in row)


_HYPERLINK_FIELD = re.compile(r'^\s*HYPERLINK\s+(?:\\[a-z]\s+)*"?([^"\s]+)"?', re.IGNORECASE)


def _field_url(instr: str) -> str | None:
    m = _HYPERLINK_FIELD.match(instr)
    return m.group(1) if m else None
