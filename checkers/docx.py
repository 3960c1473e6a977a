"""Word (.docx) checker: Annex 2 accessibility rules and the facts for the Annex 3 checks.

The checker reads the package with lxml through checkers/ooxml.Package after the archive guard
has looked at it: what matters (docPr alt text, floating wp:anchor pictures, tblHeader, outline
levels, fields, shading) has no python-docx API, and python-docx's per-element Python classes
made opening a document cost more than checking it. Style properties are resolved along
`basedOn` chains by checkers/docx_styles.py, which reads styles.xml without the table styles
nothing refers to and keeps the result for documents sharing a styles part. Elements are found
by precomputed Clark names (ooxml.clark/child): lxml's find() with a prefix map costs several
times more per lookup. python-docx builds the test documents (tests/office_factory.py).
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field


from checkers import docx_styles, ooxml, textcheck
from checkers.colour import contrast_ratio, is_bluish, is_neutral, parse_colour, required_ratio
from checkers.facts import ContentFacts
from checkers.findings import Finding, Recorder, unreadable
from checkers.docx_styles import StyleProps, apply_run_props
from checkers.ooxml import NS

RULES = ("docx-headings-missing", "docx-heading-skipped", "docx-fake-heading", "docx-fake-list",
         "docx-image-alt", "docx-chart-alt", "docx-table-header", "docx-table-merged",
         "docx-table-empty", "docx-link-text", "docx-language", "docx-doc-title",
         "docx-underline-blue", "docx-colour-only", "docx-text-contrast", "docx-link-file-type",
         "docx-floating-object")

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
_W = f"{{{NS['w']}}}"
C = ooxml.clark
P_PR, R_PR, T, R, TC, TC_PR, V_MERGE = C("w:pPr"), C("w:rPr"), C("w:t"), C("w:r"), C("w:tc"), C("w:tcPr"), C("w:vMerge")
SHD, TR, TBL, TBL_PR = C("w:shd"), C("w:tr"), C("w:tbl"), C("w:tblPr")
UNKNOWN = "unknown"  # a colour that is set but cannot be told (a str, so it compares and hashes)
# conditional table formats, strongest group first (ECMA-376 17.7.6); see DocumentCheck.conditional
CONDITION_GROUPS = (("nwCell", "neCell", "swCell", "seCell"), ("firstRow", "lastRow", "firstCol", "lastCol"),
                    ("band1Horz", "band2Horz", "band1Vert", "band2Vert"))
INLINE, ANCHOR = C("wp:inline"), C("wp:anchor")
WRAPS = {C("wp:wrapSquare"): "square", C("wp:wrapTight"): "tight", C("wp:wrapThrough"): "through",
         C("wp:wrapTopAndBottom"): "top and bottom", C("wp:wrapNone"): "in front of text"}
P_STYLE, OUTLINE, NUM_PR = C("w:pStyle"), C("w:outlineLvl"), C("w:numPr")
GRID_SPAN, H_MERGE = C("w:gridSpan"), C("w:hMerge")
_R_ID = f"{{{NS['r']}}}id"
_MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
TXBX_CONTENT = C("w:txbxContent")
_WPS = "{http://schemas.microsoft.com/office/word/2010/wordprocessingShape}"
_V = f"{{{NS['v']}}}"
SOLID_FILL, NO_FILL = C("a:solidFill"), C("a:noFill")
SHAPE_FILLS = {SOLID_FILL, NO_FILL, *(C(f"a:{kind}") for kind in ("gradFill", "blipFill", "pattFill", "grpFill"))}
# settings.xml w:clrSchemeMapping values -> theme colour names (bg1/tx1/bg2/tx2 default to lt1/dk1/lt2/dk2)
WORD_SCHEME_NAMES = {"light1": "lt1", "dark1": "dk1", "light2": "lt2", "dark2": "dk2", "hyperlink": "hlink",
                     "followedHyperlink": "folHlink"}
WORD_THEME_SLOTS = {"background1": "bg1", "text1": "tx1", "background2": "bg2", "text2": "tx2"}  # w:themeFill


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


_on, _val = docx_styles.on, docx_styles.val


@dataclass
class Para:
    el: object
    index: int
    text: str
    style: StyleProps
    level: int | None
    in_table: bool
    is_list: bool
    nested: bool = False  # holds a text box or an mc:Fallback copy, whose content is not its own
    link_runs: set = field(default_factory=set)  # runs inside hyperlinks (the elements: an id() of an
    # lxml proxy is reused once the proxy is freed, so ids would match unrelated runs)


class DocumentCheck:
    def __init__(self, pkg: ooxml.Package, facts: ContentFacts):
        self.pkg, self.facts = pkg, facts
        root = pkg.xml(pkg.main_part)
        self.body = ooxml.child(root, C("w:body"))
        if self.body is None:
            raise ooxml.Refused("the Word document is damaged: document.xml has no body")
        self.rels = pkg.rels(pkg.main_part)
        self.styles = docx_styles.load_styles(pkg, pkg.related(pkg.main_part, "styles"))
        self.rec = Recorder(RULES)
        self.page_colour = parse_colour("#" + (_val(ooxml.child(root, C("w:background")), "color") or "FFFFFF"))
        self._theme: tuple | None = None
        self._cells: dict = {}  # table cell -> what its table gives it (table_cell)
        self._rows: dict = {}   # table -> {row: index}

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
        """Every paragraph once: a text box's paragraphs on their own (not in the paragraph that
        anchors the box), and none of the mc:Fallback copies Word writes beside the mc:Choice."""
        out = []
        # One pass each instead of walking every paragraph's ancestors.
        fallback, holders = _nesting(self.body)
        in_tables = {p for tc in self.body.iterdescendants(TC) for p in tc.iterdescendants(f"{_W}p")}
        for i, p in enumerate(self.body.iter(f"{_W}p"), start=1):
            if p in fallback:
                continue
            p_pr = ooxml.child(p, P_PR)
            props = _first_children(p_pr, P_STYLE, OUTLINE, NUM_PR)
            style_id = _val(props.get(P_STYLE))
            style = self.styles.props(style_id or self.styles.default_para)
            level = style.level
            outline = _val(props.get(OUTLINE))
            if outline and outline.isdecimal():
                level = docx_styles.outline_level(outline)  # direct formatting wins over the style
            is_list = style.is_list or NUM_PR in props
            nested = p in holders
            out.append(Para(p, i, _para_text(p, nested), style, level, p in in_tables, is_list, nested=nested))
        return out

    def collect_text(self, paras: list[Para]) -> None:
        self.facts.add_text("\n".join(p.text for p in paras if p.text.strip()))
        self.facts.headings = [p.text.strip() for p in paras if p.level and p.text.strip()]
        extra = []
        for name, ctype in self.pkg.content_types.items():
            if ctype.endswith(("header+xml", "footer+xml", "footnotes+xml", "endnotes+xml")):
                root = self.pkg.xml(name)
                if root is not None:
                    fallback, holders = _nesting(root)
                    extra.append("\n".join(_para_text(p, p in holders) for p in root.iter(f"{_W}p")
                                           if p not in fallback))
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
        runs = [self.run_props(r, p) for r in p.el.iterchildren(R)
                if "".join(t.text or "" for t in r.iterchildren(T)).strip()]
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
            if next(doc_pr.iterancestors(_MC_FALLBACK), None) is not None:
                continue
            holder = doc_pr.getparent()
            floating = holder.tag == ANCHOR
            data = ooxml.child(holder, C("a:graphic"), C("a:graphicData"))
            uri = data.get("uri", "") if data is not None else ""
            name = doc_pr.get("name", "drawing")
            where = "floating " if floating else ""
            self.check_inline(holder, doc_pr, name,
                              "picture" if uri == PICTURE_URI else GRAPHIC_KINDS.get(uri, "object"))
            if uri == PICTURE_URI:
                blip = ooxml.first(data, C("a:blip"))
                image = self.image_name(blip.get(f"{{{NS['r']}}}embed") if blip is not None else None)
                ok, why, _ = ooxml.judge_alt(doc_pr, image)
                if ok is True:
                    self.rec.passed("docx-image-alt")
                    continue
                self.rec.outcome("docx-image-alt", ok, f"{where}picture {name!r} {why}", selector=name,
                                 evidence=ooxml.evidence_of(doc_pr))
            elif uri in GRAPHIC_KINDS:
                kind = GRAPHIC_KINDS[uri]
                if kind == "group" and ooxml.first(data, C("pic:pic")) is None:
                    continue
                ok, why, _ = ooxml.judge_alt(doc_pr)
                if ok is True:
                    self.rec.passed("docx-chart-alt")
                    continue
                self.rec.outcome("docx-chart-alt", ok, f"{where}{kind} {name!r} {why}", selector=name,
                                 evidence=ooxml.evidence_of(doc_pr))
        for image in self.body.iter(f"{{{NS['v']}}}imagedata"):
            if next(image.iterancestors(_MC_FALLBACK), None) is not None:
                continue
            shape = image.getparent()
            alt = (shape.get("alt") or image.get(f"{{{NS['o']}}}title") or "").strip()
            problem = "has no alternative text" if not alt else None
            self.rec.outcome("docx-image-alt", problem is None, f"legacy (VML) picture {problem}",
                             selector=shape.get("id"), evidence=ooxml.evidence_of(shape))

    def check_inline(self, holder, doc_pr, name: str, kind: str) -> None:
        """Objects in line with the text pass; floating ones (wp:anchor) fail unless decorative."""
        if holder.tag == INLINE or (holder.tag == ANCHOR and ooxml.is_decorative(doc_pr)):
            self.rec.passed("docx-floating-object")
        elif holder.tag == ANCHOR:
            wrap = next(holder.iterchildren(*WRAPS), None)
            how = WRAPS.get(wrap.tag if wrap is not None else "", "positioned")
            if how == "in front of text" and holder.get("behindDoc") in ("1", "true"):
                how = "behind text"
            self.rec.failed("docx-floating-object", f"{kind} {name!r} is not in line with the text "
                            f"(wrapping: {how}): screen readers may read it out of order or skip it",
                            selector=name, evidence=f"{kind} {name!r}: {how}")

    def image_name(self, rid: str | None) -> str | None:
        rel = self.rels.get(rid or "")
        if rel and not rel.external:
            return rel.target
        return None

    # --- tables -------------------------------------------------------------------------------

    def check_tables(self) -> None:
        tables = [t for t in self.body.iter(f"{_W}tbl") if next(t.iterancestors(_MC_FALLBACK), None) is None]
        for number, tbl in enumerate(tables, start=1):
            rows = list(tbl.iterchildren(C("w:tr")))
            where = f"table {number}"
            grid = [list(r.iterchildren(TC)) for r in rows]
            if len(rows) >= 2:
                if _on(ooxml.child(rows[0], C("w:trPr"), C("w:tblHeader"))):
                    self.rec.passed("docx-table-header")
                else:
                    self.rec.failed("docx-table-header", f"{where} has no header row (Repeat as header row is "
                                    "off)", selector=where, evidence=_cell_text(grid[0]))
            merged = [tc for row in grid for tc in row if _is_merged(tc)]
            if rows:
                self.rec.outcome("docx-table-merged", not merged, f"{where} has {len(merged)} merged "
                                 "or spanning cell(s)", selector=where)
                self.check_empty(grid, where)

    def check_empty(self, grid, where: str) -> None:
        known: dict = {}

        def empty(tc) -> bool:
            if tc not in known:
                cont = ooxml.child(tc, TC_PR, V_MERGE)
                if cont is not None and (_val(cont) or "continue") != "restart":
                    known[tc] = False  # the lower part of a vertical merge is empty by design
                else:
                    known[tc] = not _para_text(tc).strip() and ooxml.first(tc, C("w:drawing")) is None
            return known[tc]
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
        for text, target, runs, tooltip in self.links_in(para):
            para.link_runs.update(runs)
            ok, why = ooxml.judge_link_text(text, target)
            where = dict(selector=f"paragraph {para.index}", evidence=f"{text.strip()} -> {target}")
            self.rec.outcome("docx-link-text", ok, f"link in paragraph {para.index}: {why}", **where)
            to_file = ooxml.file_link(text, tooltip, target)
            if to_file:
                self.rec.outcome("docx-link-file-type", to_file[1], f"link in paragraph {para.index} "
                                 + textcheck.file_link_problem(to_file[0]), **where)

    def links_in(self, para: Para):
        """(text, target, runs, ScreenTip) for w:hyperlink elements, simple fields and complex
        HYPERLINK fields of the paragraph's own content."""
        p, nested = para.el, para.nested
        for link in _own(p, (C("w:hyperlink"),), nested):
            rid = link.get(_R_ID)
            if rid in self.rels and self.rels[rid].external:
                target = self.rels[rid].target
            else:
                target = "#" + (_val(link, "anchor") or "")
            self.note_link(target)
            yield _para_text(link, nested), target, list(_own(link, (R,), nested)), _val(link, "tooltip")
        for fld in _own(p, (C("w:fldSimple"),), nested):
            link = _hyperlink_field(_val(fld, "instr") or "")
            if link:
                self.note_link(link[0])
                yield _para_text(fld, nested), link[0], list(_own(fld, (R,), nested)), link[1]
        for instruction, text, runs in _complex_fields(_own(p, (R,), nested)):
            link = _hyperlink_field(instruction)
            if link:
                self.note_link(link[0])
                yield text, link[0], runs, link[1]

    def note_link(self, target: str) -> None:
        if target.startswith("#") or target in self.facts.links:
            return
        self.facts.links.append(target)
        clue = ooxml.licence_link(target, "docx:text")
        if clue and clue not in self.facts.licences:
            self.facts.licences.append(clue)

    # --- run formatting: underline/blue, colour only, contrast -------------------------------

    def run_props(self, r, para: Para) -> StyleProps:
        r_pr = ooxml.child(r, R_PR)
        if r_pr is None:
            return para.style  # read only: nothing of the run changes the paragraph's style
        props = para.style.copy()
        char_style = _val(ooxml.child(r_pr, C("w:rStyle")))
        if char_style:
            apply_run_props(ooxml.child(self.styles.element(char_style), R_PR), props)
            props.name = char_style
        apply_run_props(r_pr, props)
        return props

    def check_runs(self, paras: list[Para]) -> None:
        for para in paras:
            if not para.text.strip() or para.level or para.style.name.lower() in ("title", "subtitle"):
                continue
            runs = []
            for r in _own(para.el, (R,), para.nested):
                text = "".join(t.text or "" for t in r.iterchildren(T))
                if text.strip() and r not in para.link_runs:
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
        worst, unknown = None, None
        cell = next(para.el.iterancestors(TC, TXBX_CONTENT), None) if para.in_table else None
        for r, text, p in runs:
            colour = p.colour
            if not p.colour_set and cell is not None and cell.tag == TC:
                from_table = self.table_cell(cell)[1]  # the table style's, below the paragraph style
                colour = colour if from_table is None else from_table
            if colour is UNKNOWN:
                unknown = unknown or ("?", text)
                continue
            if not colour:
                continue  # automatic colour: Word picks black or white against the background
            fg = parse_colour("#" + colour)
            if fg is None:
                continue
            bg = self.background(r, para)
            if bg is None:
                unknown = unknown or (colour, text)
                continue
            ratio, need = contrast_ratio(fg, bg), required_ratio(p.size, bool(p.bold))
            if worst is None or ratio - need < worst[0]:
                worst = (ratio - need, ratio, need, colour, bg, text)
        if worst is None or (worst[0] >= 0 and unknown):
            if unknown:
                self.rec.cant_tell("docx-text-contrast", f"text in paragraph {para.index} has a colour or stands on "
                                   "a fill that cannot be read (gradient, picture, pattern, theme tint or unknown "
                                   "colour): check its contrast", selector=f"paragraph {para.index}",
                                   evidence=f"#{unknown[0].upper()} — {unknown[1].strip()[:60]}")
            return
        margin, ratio, need, fg, bg, text = worst
        evidence = f"#{fg.upper()} on #{''.join(f'{c:02X}' for c in bg)}: {ratio:.2f}:1 (needs {need:g}:1) — {text.strip()[:60]}"
        self.rec.outcome("docx-text-contrast", margin >= 0, f"text in paragraph {para.index} has contrast "
                         f"{ratio:.2f}:1, below {need:g}:1", selector=f"paragraph {para.index}", evidence=evidence)

    def background(self, r, para: Para):
        """The colour behind a run: its shading or highlight, its paragraph's shading, then what
        holds the paragraph (table cell: its shading, else its table's, see table_cell), text box
        fill), else the page; None when a fill behind it cannot be read."""
        r_pr = ooxml.child(r, R_PR)
        if r_pr is not None:
            fill = self.shading(ooxml.child(r_pr, SHD))
            if fill:
                return _known(fill)
            highlight = _val(ooxml.child(r_pr, C("w:highlight")))
            if highlight and highlight != "none":
                return parse_colour(HIGHLIGHTS.get(highlight.lower(), highlight))
        fill = self.shading(ooxml.child(para.el, P_PR, SHD))
        if fill:
            return _known(fill)
        for holder in para.el.iterancestors(TC, TXBX_CONTENT, f"{_W}p"):
            if holder.tag == TXBX_CONTENT:
                known, fill = self.text_box_fill(holder)
                if not known:
                    return None
            elif holder.tag == TC:
                fill = self.shading(ooxml.child(holder, TC_PR, SHD)) or self.table_cell(holder)[0]
            else:  # the paragraph anchoring a text box without fill
                fill = self.shading(ooxml.child(holder, P_PR, SHD))
            if fill:
                return _known(fill)
        return self.page_colour

    def shading(self, shd):
        """A w:shd's colour: an RGB tuple, None for no shading, UNKNOWN for a pattern, a bad
        value or a theme colour that cannot be resolved (Word's tint/shade transforms are not)."""
        if shd is None or (_val(shd) or "clear") == "nil":
            return None
        if (_val(shd) or "clear") != "clear":
            return UNKNOWN  # a pattern mixes w:color into the fill
        theme = _val(shd, "themeFill")
        if theme and theme != "none":  # Word draws the theme colour, whatever w:fill says
            if _val(shd, "themeFillTint") or _val(shd, "themeFillShade"):
                return UNKNOWN
            return self.theme_colour(theme) or UNKNOWN
        fill = _val(shd, "fill")
        if not fill or fill.lower() == "auto":
            return None
        return parse_colour("#" + fill) or UNKNOWN

    def text_colour(self, colour) -> str | None:
        """A table style's w:color as hex, "" for automatic, None if unset, UNKNOWN if unreadable."""
        if colour is None:
            return None
        theme = _val(colour, "themeColor")
        if theme and theme != "none":
            rgb = None if _val(colour, "themeTint") or _val(colour, "themeShade") else self.theme_colour(theme)
            return "".join(f"{c:02X}" for c in rgb) if rgb else UNKNOWN
        value = _val(colour) or ""
        if value.lower() == "auto":
            return ""
        return value if parse_colour("#" + value) else UNKNOWN

    def theme_colour(self, name: str):
        """The RGB of a Word theme colour name (accent1, background1, text2...), or None."""
        colours, clr_map, _ = self.theme()
        slot = WORD_THEME_SLOTS.get(name)
        slot = clr_map.get(slot, ooxml.SCHEME_ALIASES[slot]) if slot else WORD_SCHEME_NAMES.get(name, name)
        return colours.get(slot)

    def table_cell(self, tc) -> tuple:
        """(fill, text colour) a cell gets from its table, read once per cell (see table_format)."""
        if tc not in self._cells:
            self._cells[tc] = self.table_format(tc)
        return self._cells[tc]

    def table_format(self, tc) -> tuple:
        """(fill, text colour) from the table around a cell without shading of its own: the table
        style's conditional formats enabled by tblLook for the cell's place, then its whole-table
        cell shading, the table's own w:tblPr/w:shd, the style's w:tblPr/w:shd. Each is None when
        unset and UNKNOWN when it cannot be told (see conditional)."""
        tr = tc.getparent()
        tbl = tr.getparent() if tr is not None else None
        if tbl is None or tr.tag != TR or tbl.tag != TBL:
            return None, None
        tbl_pr = ooxml.child(tbl, TBL_PR)
        style = _val(ooxml.child(tbl_pr, C("w:tblStyle"))) if tbl_pr is not None else None
        conds = self.conditions(tbl, tr, tc, tbl_pr, style) if style else {}
        fill = self.conditional(style, conds, (TC_PR, SHD), self.shading)
        if fill is None and style:
            fill = self.shading(self.styles.table_part(style, (TC_PR, SHD)))
        if fill is None and tbl_pr is not None:
            fill = self.shading(ooxml.child(tbl_pr, SHD))
        if fill is None and style:
            fill = self.shading(self.styles.table_part(style, (TBL_PR, SHD)))
        colour = self.conditional(style, conds, (R_PR, C("w:color")), self.text_colour)
        if colour is None and style:
            colour = self.text_colour(self.styles.table_part(style, (R_PR, C("w:color"))))
        return fill, colour

    def conditions(self, tbl, tr, tc, tbl_pr, style: str) -> dict:
        """Which conditional formats reach the cell: True/False, None when that is unknown."""
        if tbl not in self._rows:
            self._rows[tbl] = {row: i for i, row in enumerate(tbl.iterchildren(TR))}
        rows = self._rows[tbl]
        cells = list(tr.iterchildren(TC))
        look = docx_styles.table_look(tbl_pr)
        if look["noVBand"] is not True and any(
                (_val(ooxml.child(c, TC_PR, GRID_SPAN)) or "1") != "1" for c in cells):
            look["noVBand"] = None  # merged columns: which band a cell is in is not told here
        sizes = []
        for tag in ("w:tblStyleRowBandSize", "w:tblStyleColBandSize"):
            size = _val(self.styles.table_part(style, (TBL_PR, C(tag))))
            sizes.append(int(size) if size and size.isdecimal() and 0 < int(size) < 1000 else 1)
        return docx_styles.cell_conditions(look, rows[tr], len(rows), cells.index(tc), len(cells), *sizes)

    def conditional(self, style: str | None, conds: dict, path: tuple, read):
        """A property from the table style's conditional formats, by ECMA-376 17.7.6 precedence
        where it is confirmed here: corner cells over first/last row or column over banding.
        Between rows and columns, or row and column bands, the order is not confirmed: differing
        values there are UNKNOWN, as is a format that may or may not apply (tblLook unset)."""
        if not style:
            return None
        for group in CONDITION_GROUPS:
            found = set()
            for cond in group:
                state = conds.get(cond)
                value = read(self.styles.table_part(style, path, cond)) if state is not False else None
                if value is None:
                    continue
                if state is None or value is UNKNOWN:
                    return UNKNOWN
                found.add(value)
            if len(found) > 1:
                return UNKNOWN
            if found:
                return found.pop()
        return None

    def text_box_fill(self, content) -> tuple[bool, tuple | None]:
        """(known, colour) of the shape around a w:txbxContent: (True, None) for a box without
        fill, whose text stands on what is behind it; (False, None) when it cannot be told."""
        box = content.getparent()
        shape = box.getparent() if box is not None else None
        if shape is not None and box.tag == f"{_WPS}txbx":
            return self.drawing_fill(shape)
        if shape is not None and box.tag == f"{_V}textbox":
            return _vml_fill(shape)
        return False, None

    def drawing_fill(self, shape) -> tuple[bool, tuple | None]:
        """A DrawingML shape's fill: wps:spPr's own, else the theme fill its wps:style refers to."""
        sp_pr = ooxml.child(shape, f"{_WPS}spPr")
        fill = next((c for c in sp_pr.iterchildren() if c.tag in SHAPE_FILLS), None) if sp_pr is not None else None
        colours, clr_map, theme = self.theme()
        if fill is None:
            ref = ooxml.child(shape, f"{_WPS}style", C("a:fillRef"))
            idx = ref.get("idx", "0") if ref is not None else "0"
            if idx == "0":
                return True, None  # no fill at all
            styles = theme.find(".//a:fmtScheme/a:fillStyleLst", NS) if theme is not None else None
            if not idx.isdecimal() or styles is None or not 0 < int(idx) <= len(styles) \
                    or styles[int(idx) - 1].tag != SOLID_FILL:
                return False, None  # a gradient or a style the theme does not have
            # the theme's solid fill in the colour the reference names (its "phClr")
            fill = styles[int(idx) - 1]
            colours = {**colours, "phClr": ooxml.colour_of(ooxml.colour_child(ref), colours, clr_map)}
        if fill.tag == NO_FILL:
            return True, None
        if fill.tag != SOLID_FILL:
            return False, None  # gradient, picture, pattern or the group's fill
        colour = ooxml.colour_child(fill)
        rgb = ooxml.colour_of(colour, colours, clr_map) if colour is not None else None
        return rgb is not None, rgb

    def theme(self) -> tuple:
        """(theme colours, colour map from settings.xml, theme root), read once."""
        if self._theme is None:
            part = self.pkg.related(self.pkg.main_part, "theme")
            theme = self.pkg.xml(part) if part else None
            settings = self.pkg.related(self.pkg.main_part, "settings")
            mapping = ooxml.child(self.pkg.xml(settings), C("w:clrSchemeMapping")) if settings else None
            clr_map = {}
            for attr, name in (("bg1", "bg1"), ("t1", "tx1"), ("bg2", "bg2"), ("t2", "tx2")):
                value = _val(mapping, attr)
                if value:
                    clr_map[name] = WORD_SCHEME_NAMES.get(value, value)
            self._theme = (ooxml.theme_colours(theme), clr_map, theme)
        return self._theme

    # --- language and title -------------------------------------------------------------------

    def check_language(self, core) -> None:
        if not self.facts.text.strip():
            self.rec.evaluate("docx-language")
            return
        langs: Counter[str] = Counter()
        default = ooxml.child(self.styles.root, C("w:docDefaults"), C("w:rPrDefault"), R_PR, C("w:lang"))
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


def _first_children(el, *tags) -> dict:
    """The first child of each of these tags, by tag (what el.find(tag) gives for each)."""
    found: dict = {}
    if el is not None:
        for c in el.iterchildren(*tags):
            found.setdefault(c.tag, c)
    return found


def _is_merged(tc) -> bool:
    """A cell spanning columns (gridSpan > 1) or taking part in a vertical/horizontal merge."""
    tc_prs = list(tc.iterchildren(TC_PR))
    if len(tc_prs) <= 1:  # the usual case: one look at the one tcPr
        props = _first_children(tc_prs[0] if tc_prs else None, GRID_SPAN, V_MERGE, H_MERGE)
        return int(_val(props.get(GRID_SPAN)) or 1) > 1 or V_MERGE in props or H_MERGE in props
    return (int(_val(ooxml.child(tc, TC_PR, GRID_SPAN)) or 1) > 1 or ooxml.child(tc, TC_PR, V_MERGE) is not None
            or ooxml.child(tc, TC_PR, H_MERGE) is not None)


def _vml_fill(shape) -> tuple[bool, tuple | None]:
    """(known, colour) of a VML shape's fill: filled unless filled="f", white unless fillcolor
    says otherwise (Word writes "#1f3864 [3204]": the colour, then a theme index)."""
    fill = ooxml.child(shape, f"{_V}fill")
    if (shape.get("filled") or "t").lower() in ("f", "false") or \
            (fill is not None and (fill.get("on") or "t").lower() in ("f", "false")):
        return True, None
    if fill is not None and ((fill.get("type") or "solid") != "solid" or fill.get("opacity") not in (None, "1")):
        return False, None  # gradient, picture, pattern or see-through
    value = (shape.get("fillcolor") or "white").split()
    rgb = parse_colour(value[0]) if value else None
    return rgb is not None, rgb


def _known(fill):
    """None (cannot be told) for UNKNOWN, else the colour."""
    return None if fill is UNKNOWN else fill


_TEXT_TAGS = (T, C("w:tab"), C("w:br"), C("w:p"))
_TAB, _BR, _P = _TEXT_TAGS[1:]


def _nesting(root) -> tuple[set, set]:
    """(paragraphs inside mc:Fallback copies, paragraphs holding text boxes or Fallback copies)."""
    fallback, holders = set(), set()
    for el in root.iter(TXBX_CONTENT, _MC_FALLBACK):
        holders.update(el.iterancestors(f"{_W}p"))
        if el.tag == _MC_FALLBACK:
            fallback.update(el.iterdescendants(f"{_W}p"))
    return fallback, holders


_NOT_OWN = frozenset((TXBX_CONTENT, _MC_FALLBACK))


def _own(el, tags: tuple, nested: bool):
    """el and its descendants with these tags, in document order; with `nested`, leaving out text
    boxes (their paragraphs are read on their own) and mc:Fallback copies of mc:Choice content."""
    return _walk(el, tags) if nested else el.iter(*tags)


def _walk(el, tags: tuple):
    stack = [el]
    while stack:
        node = stack.pop()
        if node.tag in tags:
            yield node
        stack.extend(c for c in reversed(node) if c.tag not in _NOT_OWN)


def _para_text(el, nested: bool = False) -> str:
    parts = []
    for node in _own(el, _TEXT_TAGS, nested):
        tag = node.tag
        if tag == T:
            parts.append(node.text or "")
        elif tag == _TAB:
            parts.append("\t")
        elif tag == _BR or (tag == _P and node is not el and parts):
            parts.append("\n")
    return "".join(parts)


def _enclosing_paragraph(el):
    for a in el.iterancestors(f"{_W}p"):
        return a
    return None


def _cell_text(row) -> str:
    return " | ".join(_para_text(tc).strip()[:30] for tc in row)


@dataclass
class _Field:
    instruction: list = field(default_factory=list)
    result: list = field(default_factory=list)
    runs: list = field(default_factory=list)
    separated: bool = False


_FLD_CHAR, _INSTR = C("w:fldChar"), C("w:instrText")


def _complex_fields(runs):
    """(instruction, result text, result runs) of each complex field (fldChar begin, instrText...,
    separate, result, end) in these runs, an inner field before the field holding it.

    Word splits an instruction over several w:instrText runs after edits, so all of them are
    joined. A nested field's result is part of what holds it (its instruction or its result); a
    nested field's own instruction is part of neither.
    """
    stack: list[_Field] = []
    for r in runs:
        for node in r.iterchildren(_FLD_CHAR, _INSTR, T, _TAB):
            tag = node.tag
            if tag == _FLD_CHAR:
                kind = _val(node, "fldCharType")
                if kind == "begin":
                    stack.append(_Field())
                elif kind == "separate" and stack:
                    stack[-1].separated = True
                elif kind == "end" and stack:
                    done = stack.pop()
                    if done.separated:
                        yield "".join(done.instruction), "".join(done.result), done.runs
            elif tag == _INSTR:
                if stack and not stack[-1].separated:
                    stack[-1].instruction.append(node.text or "")
            else:
                piece = node.text or "" if tag == T else "\t"
                for fld in reversed(stack):  # innermost first
                    if not fld.separated:
                        fld.instruction.append(piece)
                        break
                    fld.result.append(piece)
                    if not fld.runs or fld.runs[-1] is not r:
                        fld.runs.append(r)


# A field argument (ECMA-376 Part 1, 17.16.1): quoted text ("\\" and "\"" escaped) or a word.
_FIELD_TOKEN = re.compile(r'"((?:\\.|[^"\\])*)"?|(\S+)')
_ESCAPED = re.compile(r"\\(.)")
_ARGUMENT_SWITCHES = {"l", "o", "t"}  # HYPERLINK switches taking an argument; \m and \n take none


def _hyperlink_field(instr: str) -> tuple[str, str | None] | None:
    r"""(target, ScreenTip) of a HYPERLINK field instruction (ECMA-376 Part 1, 17.16.5.25), None
    for other fields: `HYPERLINK "address" \l "bookmark" \o "tip" \t "frame"`. A link with only
    \l goes to a bookmark in the document itself ("#bookmark")."""
    tokens = []  # (switch letter or "", text)
    for m in _FIELD_TOKEN.finditer(instr):
        quoted, word = m.group(1), m.group(2)
        if quoted is None and len(word) == 2 and word[0] == "\\" and word[1].isalpha():
            tokens.append((word[1].lower(), ""))
        else:
            tokens.append(("", _ESCAPED.sub(r"\1", word if quoted is None else quoted)))
    if not tokens or tokens[0][0] or tokens[0][1].upper() != "HYPERLINK":
        return None
    address = location = tooltip = None
    i = 1
    while i < len(tokens):
        switch, text = tokens[i]
        if switch in _ARGUMENT_SWITCHES and i + 1 < len(tokens) and not tokens[i + 1][0]:
            i += 1
            if switch == "l":
                location = tokens[i][1]
            elif switch == "o":
                tooltip = tokens[i][1]
        elif not switch and address is None:
            address = text
        i += 1
    if address:
        return (f"{address}#{location}" if location else address), tooltip
    if location:
        return f"#{location}", tooltip
    return None
