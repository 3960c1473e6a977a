"""PowerPoint (.pptx) checker: Annex 2 accessibility rules and the facts for the Annex 3 checks.

The checker walks the package with lxml through checkers/ooxml.Package (relationships, parts,
placeholder positions inherited from layouts and masters), after the archive guard has looked
at it: python-pptx has no API for most of what matters here (alt text, the decorative flag,
merges, media, colours) and its per-element Python classes made opening a deck alone slower
than the whole check. Elements are found by precomputed Clark names (ooxml.clark/child), not
prefix-map paths, and evidence is quoted only for targets that fail. python-pptx builds the test
decks (tests/office_factory.py).
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from lxml import etree

from checkers import ooxml, textcheck
from checkers.colour import contrast_ratio, required_ratio
from checkers.facts import ContentFacts, LicenceClue
from checkers.findings import Finding, Recorder, unreadable
from checkers.ooxml import NS
from checkers.textcheck import normalise

RULES = ("pptx-slide-title-missing", "pptx-slide-title-duplicate", "pptx-image-alt", "pptx-chart-alt",
         "pptx-table-header", "pptx-table-merged", "pptx-link-text", "pptx-reading-order",
         "pptx-language", "pptx-media-captions", "pptx-text-contrast", "pptx-doc-title", "pptx-link-file-type")

GRAPHIC_KINDS = {
    "http://schemas.openxmlformats.org/drawingml/2006/table": "table",
    "http://schemas.openxmlformats.org/drawingml/2006/chart": "chart",
    "http://schemas.openxmlformats.org/drawingml/2006/diagram": "SmartArt graphic",
    "http://schemas.openxmlformats.org/presentationml/2006/ole": "embedded object",
}
MEDIA_TAGS = {"videoFile": "video", "quickTimeFile": "video", "audioFile": "audio", "wavAudioFile": "audio"}
DEFAULT_TITLES = {"powerpoint presentation", "presentation", "untitled", "slide 1", "präsentation"}
CAPTION_HANDLERS = (b"sbtl", b"subt", b"text", b"clcp")
_A = f"{{{NS['a']}}}"
_P = f"{{{NS['p']}}}"
_R_ID = f"{{{NS['r']}}}id"
_R_EMBED = f"{{{NS['r']}}}embed"
_R_LINK = f"{{{NS['r']}}}link"
_MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
_MC_ALTERNATE = f"{{{_MC}}}AlternateContent"
_SHAPE_TAGS = {f"{_P}{t}" for t in ("sp", "pic", "graphicFrame", "grpSp", "cxnSp")}
C = ooxml.clark
SP, PIC, GRAPHIC_FRAME, GROUP = C("p:sp"), C("p:pic"), C("p:graphicFrame"), C("p:grpSp")
BG = C("p:bg")
C_SLD, SP_TREE, SP_PR, NV_PR, PH, CNV_PR, P_XFRM = (C("p:cSld"), C("p:spTree"), C("p:spPr"), C("p:nvPr"),
                                                    C("p:ph"), C("p:cNvPr"), C("p:xfrm"))
A_T, A_P, A_R, A_RPR, A_XFRM, A_OFF, A_EXT = (C("a:t"), C("a:p"), C("a:r"), C("a:rPr"), C("a:xfrm"),
                                              C("a:off"), C("a:ext"))
HLINK_CLICK, SOLID_FILL, BLIP = C("a:hlinkClick"), C("a:solidFill"), C("a:blip")
GRAPHIC_DATA, TBL, TR, TC = C("a:graphicData"), C("a:tbl"), C("a:tr"), C("a:tc")


def check_pptx(data: bytes, ctx) -> tuple[list[Finding], ContentFacts]:
    facts = ContentFacts("pptx")
    try:
        pkg = ooxml.open_guarded(data, "pptx", getattr(ctx, "options", None))
    except ooxml.Refused as refused:
        return [refused.finding()], facts
    try:
        return DeckCheck(pkg, facts).run(), facts
    except ooxml.Refused as refused:
        return [refused.finding()], ContentFacts("pptx")
    except Exception as exc:  # a part that python-pptx accepted but cannot be navigated
        return [unreadable(f"the PowerPoint presentation could not be read: {type(exc).__name__}: "
                           f"{str(exc)[:160]}")], ContentFacts("pptx")


@dataclass
class SlideRef:
    """One slide part and the parts it inherits from."""
    part: str
    root: etree._Element
    rels: dict
    layout_part: str | None
    layout: etree._Element | None
    master_part: str | None
    master: etree._Element | None


@dataclass
class Placed:
    """One top-level object of a slide, for the reading-order comparison."""
    label: str
    left: int
    top: int
    height: int


class DeckCheck:
    def __init__(self, pkg: ooxml.Package, facts: ContentFacts):
        self.pkg, self.facts = pkg, facts
        self.presentation = pkg.xml(pkg.main_part)
        self.rec = Recorder(RULES)
        self.langs: Counter[str] = Counter()
        self.text_seen = False
        self.titles: dict[str, int] = {}
        self._themes: dict[str, tuple] = {}
        self._style_lists: dict[tuple, etree._Element | None] = {}
        self._backgrounds: dict[tuple, tuple | None] = {}
        self._boxes: dict[str, dict] = {}
        self._placeholders: dict[str, tuple[dict, dict]] = {}

    def run(self) -> list[Finding]:
        if self.presentation is None:
            raise ooxml.Refused("the PowerPoint presentation is damaged: presentation.xml is missing")
        core = ooxml.fill_core_facts(self.facts, self.pkg, "pptx")
        slides = self.slides()
        self.facts.pages = len(slides)
        for number, slide in enumerate(slides, start=1):
            self.check_slide(slide, number)
        self.check_language(core)
        self.check_doc_title(core)
        self.facts.word_count = len(self.facts.text.split())
        if not self.facts.title and self.facts.headings:
            self.facts.title = self.facts.headings[0]
        return self.rec.findings()

    # --- one slide --------------------------------------------------------------------------

    def slides(self) -> list["SlideRef"]:
        """The slides in presentation order (sldIdLst), with their layout and master parts."""
        out = []
        rels = self.pkg.rels(self.pkg.main_part)
        for sld_id in (x for lst in self.presentation.iterchildren(C("p:sldIdLst"))
                       for x in lst.iterchildren(C("p:sldId"))):
            rel = rels.get(sld_id.get(_R_ID) or "")
            root = self.pkg.xml(rel.target) if rel and not rel.external else None
            if root is None:
                raise ooxml.Refused("the PowerPoint presentation is damaged: a slide listed in "
                                    "presentation.xml is missing")
            layout = self.pkg.related(rel.target, "slideLayout")
            master = self.pkg.related(layout, "slideMaster") if layout else None
            out.append(SlideRef(rel.target, root, self.pkg.rels(rel.target), layout,
                                self.pkg.xml(layout) if layout else None, master,
                                self.pkg.xml(master) if master else None))
        return out

    def check_slide(self, slide, number: int) -> None:
        sp_tree = ooxml.child(slide.root, C_SLD, SP_TREE)
        title = self.check_title(sp_tree, number)
        scheme = self.colour_context(slide)
        background = self.slide_background(slide, scheme)
        boxes = self.placeholder_boxes(slide)
        placed: list[Placed] = []
        behind: list[tuple[int, int, int, int]] = []  # boxes of pictures/filled shapes so far
        for el in _shapes(sp_tree):
            box = _box(el, boxes)
            label = self.walk(el, slide, number, scheme, background, behind, boxes, box)
            if label and box:
                placed.append(Placed(label, box[0], box[1], box[3]))
        self.check_reading_order(placed, slide, number)
        self.collect_text(slide, title)
        # Runs decide the language; paragraph-end and default marks only break ties.
        for el in slide.root.iter(A_RPR, f"{_A}endParaRPr", f"{_A}defRPr"):
            lang = el.get("lang")
            if lang:
                self.langs[lang] += 1000 if el.tag == A_RPR else 1

    def check_title(self, sp_tree, number: int) -> str:
        shape = next((el for el in _shapes(sp_tree) if _placeholder_type(el) in ("title", "ctrTitle")), None)
        text = " ".join(_snippet(shape, 10_000).split()) if shape is not None else ""
        if shape is None:
            self.rec.failed("pptx-slide-title-missing", f"slide {number} has no title placeholder",
                            slide=number)
        elif not text:
            self.rec.failed("pptx-slide-title-missing", f"slide {number} has an empty title",
                            slide=number, selector=_name(shape))
        else:
            self.rec.passed("pptx-slide-title-missing")
            key = normalise(text)
            if key in self.titles:
                self.rec.failed("pptx-slide-title-duplicate",
                                f"slide {number} has the same title as slide {self.titles[key]}: {text!r}",
                                slide=number, evidence=text)
            else:
                self.titles[key] = number
                self.rec.passed("pptx-slide-title-duplicate")
            self.facts.headings.append(text)
        return text

    def placeholder_boxes(self, slide: "SlideRef") -> dict:
        """Positions a slide's placeholders inherit: by idx or type from the layout, else the master."""
        key = slide.layout_part or ""
        if key not in self._boxes:
            master: dict = {}
            for el in _shapes(ooxml.child(slide.master, C_SLD, SP_TREE)):
                box = _xfrm_box(el)
                if box and _placeholder_type(el):
                    master.setdefault(("type", _placeholder_type(el)), box)
            boxes: dict = {}
            for el in _shapes(ooxml.child(slide.layout, C_SLD, SP_TREE)):
                ph_type = _placeholder_type(el)
                if not ph_type:
                    continue
                box = _xfrm_box(el) or master.get(("type", _master_type(ph_type)))
                ph = _placeholder(el)
                if box:
                    boxes.setdefault(("idx", ph.get("idx", "0")), box)
                    boxes.setdefault(("type", ph_type), box)
            for k, box in master.items():
                boxes.setdefault(k, box)
            self._boxes[key] = boxes
        return self._boxes[key]

    def walk(self, el, slide, number: int, scheme, background, behind, boxes, box=None,
             inside: str | None = None, described: bool = False) -> str | None:
        """Check one shape (recursing into groups); return its reading-order label, if it has content.
        inside: the group without alt text this shape belongs to (named in messages); described:
        a group around it has alt text (or is decorative), which stands for its parts."""
        tag = el.tag
        nv = _cnv_pr(el)
        box = box or _box(el, boxes)
        name = nv.get("name", _LOCAL[tag]) if nv is not None else _LOCAL[tag]
        if tag == PIC:
            if not described:
                self.check_alt("pptx-image-alt", nv, "picture", slide, number, self.image_name(el, slide), inside)
            self.check_media(el, slide, number, name)
            self.licence_from_picture(nv, el, slide)
            if box:
                behind.append(box)
            return None if nv is not None and ooxml.is_decorative(nv) else name
        if tag == GRAPHIC_FRAME:
            uri = ooxml.first(el, GRAPHIC_DATA)
            kind = GRAPHIC_KINDS.get(uri.get("uri") if uri is not None else "", "graphic object")
            if kind == "table":
                self.check_table(el, number, name, slide)
                return name
            if not described:
                self.check_alt("pptx-chart-alt", nv, kind, slide, number, inside=inside)
            return None if nv is not None and ooxml.is_decorative(nv) else name
        if tag == GROUP:
            visual = ooxml.first(el, PIC) is not None or any(
                GRAPHIC_KINDS.get(g.get("uri"), "") != "table" for g in el.iterdescendants(GRAPHIC_DATA))
            # A group needs alt text on itself OR on all its visual parts (rules/pptx.yaml): with
            # its own alt text (or "Mark as decorative") it is one image and its parts are not
            # asked; without, each picture, chart or graphic inside is judged as "in group X".
            decorative = nv is not None and ooxml.is_decorative(nv)
            own = decorative or (nv is not None and bool(ooxml.alt_text(nv)))
            if visual and own and not described:
                self.check_alt("pptx-image-alt", nv, "group", slide, number, inside=inside)
            if decorative:  # hidden from screen readers with everything in it
                if box:
                    behind.append(box)
                return None
            for child in _shapes(el):
                self.walk(child, slide, number, scheme, background, behind, boxes,
                          inside=inside if own else name, described=described or own)
            return name if visual or ooxml.first(el, A_T) is not None else None
        if tag == SP:
            has_text = any((t.text or "").strip() for t in el.iterdescendants(A_T))
            if has_text:
                self.check_links(el, slide, number, name)
                self.check_contrast(el, box, slide, number, name, scheme, background, behind)
            if box and self.shape_fill(el, slide, scheme) != (True, None):  # filled, maybe by its layout
                behind.append(box)
            return f"{name} ({_snippet(el)})" if has_text else None
        return None

    def check_alt(self, rule: str, nv, kind: str, slide, number: int, image_name: str | None = None,
                  inside: str | None = None) -> None:
        where = f" in group {inside!r}" if inside else ""
        if nv is None:
            self.rec.failed(rule, f"a {kind}{where} on slide {number} has no properties (no alt text)",
                            slide=number)
            return
        ok, why, alt = ooxml.judge_alt(nv, image_name)
        if ok is True:
            self.rec.passed(rule)
            return
        name = nv.get("name", kind)
        self.rec.outcome(rule, ok, f"{kind} {name!r}{where} on slide {number} {why}", slide=number,
                         selector=name, evidence=ooxml.evidence_of(nv))

    def image_name(self, pic, slide) -> str | None:
        blip = ooxml.first(pic, BLIP)
        rid = blip.get(_R_EMBED) if blip is not None else None
        rel = slide.rels.get(rid or "")
        if rel and not rel.external:
            return rel.target
        return None

    # --- tables -------------------------------------------------------------------------------

    def check_table(self, frame, number: int, name: str, slide) -> None:
        tbl = ooxml.first(frame, TBL)
        if tbl is None:
            return
        rows = list(tbl.iterchildren(TR))
        if len(rows) >= 2:
            pr = ooxml.child(tbl, C("a:tblPr"))
            first_row = pr is not None and pr.get("firstRow") in ("1", "true")
            self.rec.outcome("pptx-table-header", first_row,
                             f"table {name!r} on slide {number} has no header row (Header Row option off)",
                             slide=number, selector=name)
        merged = [tc for tr in rows for tc in tr.iterchildren(TC)
                  if int(tc.get("gridSpan", "1") or 1) > 1 or int(tc.get("rowSpan", "1") or 1) > 1
                  or tc.get("hMerge") in ("1", "true") or tc.get("vMerge") in ("1", "true")]
        if rows:
            self.rec.outcome("pptx-table-merged", not merged,
                             f"table {name!r} on slide {number} has {len(merged)} merged cell(s)",
                             slide=number, selector=name,
                             evidence=ooxml.evidence_of(merged[0], 160) if merged else None)
        self.check_links(frame, slide, number, name)

    # --- links --------------------------------------------------------------------------------

    def check_links(self, el, slide, number: int, name: str) -> None:
        """Runs that share one hlinkClick target in a paragraph form one link."""
        if ooxml.first(el, HLINK_CLICK) is None:
            return  # most shapes hold no link: one pass in C instead of a walk over every run
        for para in el.iterdescendants(A_P):
            links: list[list] = []  # [rId, text, ScreenTip]
            for run in para.iterchildren(A_R):
                click = ooxml.child(run, A_RPR, HLINK_CLICK)
                rid = click.get(_R_ID) if click is not None else None
                if rid is None:
                    continue
                text = "".join(t.text or "" for t in run.iterchildren(A_T))
                if links and links[-1][0] == rid:
                    links[-1][1] += text
                else:
                    links.append([rid, text, click.get("tooltip")])
            for rid, text, tooltip in links:
                target = self.link_target(slide, rid)
                ok, why = ooxml.judge_link_text(text, target)
                evidence = f"{text.strip()} -> {target or rid}"
                self.rec.outcome("pptx-link-text", ok, f"link on slide {number}: {why}", slide=number,
                                 selector=name, evidence=evidence)
                rel = slide.rels.get(rid)
                to_file = ooxml.file_link(text, tooltip, target) if rel is not None and rel.external else None
                if to_file:
                    self.rec.outcome("pptx-link-file-type", to_file[1], f"link on slide {number} "
                                     + textcheck.file_link_problem(to_file[0]), slide=number, selector=name,
                                     evidence=evidence)

    def link_target(self, slide, rid: str) -> str | None:
        rel = slide.rels.get(rid or "")
        if rel is None:
            return None
        if rel.external:
            target = rel.target
            if target not in self.facts.links:
                self.facts.links.append(target)
            clue = ooxml.licence_link(target, "pptx:text")
            if clue and clue not in self.facts.licences:
                self.facts.licences.append(clue)
            return target
        return rel.target

    # --- media --------------------------------------------------------------------------------

    def check_media(self, pic, slide, number: int, name: str) -> None:
        nv_pr = ooxml.child(pic, C("p:nvPicPr"), NV_PR)
        if nv_pr is None:
            return
        kind, rids = None, []
        for child in nv_pr.iter():
            if not isinstance(child.tag, str):
                continue
            local = etree.QName(child).localname
            if local in MEDIA_TAGS:
                kind = MEDIA_TAGS[local]
                rids.append(child.get(_R_LINK) or child.get(_R_EMBED))
            elif local == "media" and child.tag.startswith("{http://schemas.microsoft.com/office/powerpoint"):
                rids.append(child.get(_R_EMBED) or child.get(_R_LINK))
        if kind is None:
            return
        embedded = [slide.rels[r] for r in rids if r in slide.rels and not slide.rels[r].external]
        if not embedded:
            self.rec.cant_tell("pptx-media-captions", f"linked {kind} {name!r} on slide {number}: check "
                               "its captions or transcript where it is stored", slide=number, selector=name)
            return
        if kind == "audio":
            self.rec.cant_tell("pptx-media-captions", f"embedded audio {name!r} on slide {number} needs a "
                               "transcript; check that the notes or slides give one", slide=number, selector=name)
            return
        if self.has_captions(slide, embedded):
            self.rec.passed("pptx-media-captions")
        else:
            self.rec.failed("pptx-media-captions", f"embedded video {name!r} on slide {number} has no "
                            "caption track (no .vtt part, no text track in the video)", slide=number,
                            selector=name, evidence=embedded[0].target)

    def has_captions(self, slide, media_rels) -> bool:
        for rel in slide.rels.values():
            if not rel.external and (rel.target.lower().endswith((".vtt", ".srt")) or "caption" in rel.type.lower()):
                return True
        for rel in media_rels:
            blob = self.pkg.blob(rel.target) or b"" 
            for m in re.finditer(rb"hdlr", blob[:50_000_000]):
                if blob[m.end() + 8: m.end() + 12] in CAPTION_HANDLERS:
                    return True
        return False

    # --- reading order ------------------------------------------------------------------------

    def check_reading_order(self, placed: list[Placed], slide, number: int) -> None:
        if len(placed) < 2:
            return
        spoken = [p.label for p in placed]
        visual = [p.label for p in visual_order(placed)]
        if spoken == visual:
            self.rec.passed("pptx-reading-order")
        else:
            self.rec.cant_tell("pptx-reading-order",
                               f"slide {number}: screen readers read {_order(spoken)}; "
                               f"on screen (top to bottom, left to right) it is {_order(visual)}",
                               slide=number)

    # --- contrast -----------------------------------------------------------------------------

    def colour_context(self, slide):
        """(theme colour scheme, colour map) for a slide: master clrMap unless the slide overrides it."""
        key = slide.master_part
        if key not in self._themes:
            theme_part = self.pkg.related(key, "theme") if key else None
            theme = self.pkg.xml(theme_part) if theme_part else None
            clr_map = ooxml.child(slide.master, C("p:clrMap"))
            self._themes[key] = (ooxml.theme_colours(theme), dict(clr_map.attrib) if clr_map is not None else {},
                                 theme)
        scheme, clr_map, theme = self._themes[key]
        override = ooxml.child(slide.root, C("p:clrMapOvr"), C("a:overrideClrMapping"))
        if override is not None:
            clr_map = dict(override.attrib)
        return scheme, clr_map, theme

    def theme_styles(self, theme, kind: str):
        """The theme's fill style list (fillStyleLst, bgFillStyleLst), looked up once per theme."""
        key = (theme, kind)
        if key not in self._style_lists:
            self._style_lists[key] = theme.find(f".//a:fmtScheme/a:{kind}", NS)
        return self._style_lists[key]

    def slide_background(self, slide, scheme):
        """The slide's solid background colour; None if it is a picture/gradient or unknown.
        Slides without their own background share their layout's (per colour map)."""
        if ooxml.child(slide.root, C_SLD, BG) is not None:
            return self.background_of((slide.root,), scheme)
        key = (slide.layout_part, slide.master_part, tuple(scheme[1].items()))
        if key not in self._backgrounds:
            self._backgrounds[key] = self.background_of((slide.layout, slide.master), scheme)
        return self._backgrounds[key]

    def background_of(self, owners, scheme):
        """The background of the first of these parts that sets one; white when none does."""
        colours, clr_map, theme = scheme
        for owner in owners:
            bg = ooxml.child(owner, C_SLD, BG)
            if bg is None:
                continue
            solid = ooxml.child(bg, C("p:bgPr"), SOLID_FILL)
            if solid is not None:
                return _measured(solid, colours, clr_map)[1]
            ref = ooxml.child(bg, C("p:bgRef"))
            if ref is not None and theme is not None:
                idx = int(ref.get("idx", "0") or 0)
                styles = self.theme_styles(theme, "bgFillStyleLst")
                if idx >= 1001 and styles is not None and len(styles) > idx - 1001 \
                        and etree.QName(styles[idx - 1001]).localname == "solidFill":
                    return _measured(ref, colours, clr_map)[1]
            return None
        return (255, 255, 255)  # no background anywhere: PowerPoint shows white

    def shape_fill(self, el, slide, scheme):
        """(known, colour) behind a shape's text: the first fill set along the shape, the layout
        placeholder it inherits from, then the master's; colour None = no fill, the background
        shows. known=False for what cannot be measured (gradient, picture, unresolved colour)."""
        for owner in (el, *self.inherited(el, slide)):
            fill = self.own_fill(owner, scheme)
            if fill is not None:
                return fill
        return True, None

    def own_fill(self, el, scheme):
        """The fill one shape sets itself (spPr, else its theme style's fillRef); None if it sets none."""
        colours, clr_map, theme = scheme
        sp_pr = ooxml.child(el, SP_PR)
        if sp_pr is not None:
            if ooxml.child(sp_pr, C("a:noFill")) is not None:
                return True, None
            solid = ooxml.child(sp_pr, SOLID_FILL)
            if solid is not None:
                return _measured(solid, colours, clr_map)
            if any(ooxml.child(sp_pr, C(f"a:{f}")) is not None for f in ("gradFill", "blipFill", "pattFill", "grpFill")):
                return False, None
        ref = ooxml.child(el, C("p:style"), C("a:fillRef"))
        if ref is not None and int(ref.get("idx", "0") or 0) > 0:
            styles = self.theme_styles(theme, "fillStyleLst") if theme is not None else None
            idx = int(ref.get("idx"))
            if styles is not None and len(styles) >= idx and etree.QName(styles[idx - 1]).localname == "solidFill":
                return _measured(ref, colours, clr_map)
            return False, None
        return None

    def inherited(self, el, slide) -> list:
        """The layout and master placeholders a slide placeholder inherits its properties from,
        matched like its position (placeholder_boxes): by idx, else by type."""
        ph = _placeholder(el)
        if ph is None:
            return []
        key = slide.layout_part or ""
        if key not in self._placeholders:
            self._placeholders[key] = (_placeholders_by_key(slide.layout), _placeholders_by_key(slide.master))
        layout, master = self._placeholders[key]
        ph_type = ph.get("type", "obj")
        found = _lookup(layout, ("idx", ph.get("idx", "0")), ("type", ph_type))
        if found is not None:
            ph_type = _placeholder_type(found)
        parent = _lookup(master, ("type", _master_type(ph_type)), ("type", ph_type))
        return [x for x in (found, parent) if x is not None]

    def check_contrast(self, el, box, slide, number: int, name: str, scheme, background, behind) -> None:
        runs = []
        for run in el.iterdescendants(A_R):
            fill = ooxml.child(run, A_RPR, SOLID_FILL)
            if fill is None:
                continue
            text = "".join(t.text or "" for t in run.iterchildren(A_T)).strip()
            if text:
                runs.append((run, text, fill))
        if not runs:
            return
        colours, clr_map, _ = scheme
        known, bg = self.shape_fill(el, slide, scheme)
        where = dict(slide=number, selector=name)
        if known and bg is None:
            if box is None or any(_overlap(box, other) for other in behind):
                self.rec.cant_tell("pptx-text-contrast", f"text in {name!r} on slide {number} lies over a "
                                   "picture or another shape: check its contrast", **where)
                return
            bg = background
        if bg is None:
            self.rec.cant_tell("pptx-text-contrast", f"text in {name!r} on slide {number} has a picture, "
                               "gradient or theme background oerlint cannot measure", **where)
            return
        worst = None
        for run, text, fill in runs:
            fg = _measured(fill, colours, clr_map)[1]
            if fg is None:
                self.rec.cant_tell("pptx-text-contrast", f"text colour of {text[:40]!r} on slide {number} "
                                   "is a theme variant oerlint cannot resolve", evidence=ooxml.evidence_of(fill), **where)
                return
            r_pr = ooxml.child(run, A_RPR)
            size = int(r_pr.get("sz")) / 100 if (r_pr.get("sz") or "").isdigit() else None
            bold = r_pr.get("b") in ("1", "true")
            ratio = contrast_ratio(fg, bg)
            need = required_ratio(size, bold)
            margin = ratio - need
            if worst is None or margin < worst[0]:
                worst = (margin, ratio, need, size, fg, text)
        margin, ratio, need, size, fg, text = worst
        evidence = f"#{_rgb_hex(fg)} on #{_rgb_hex(bg)}: {ratio:.2f}:1 (needs {need:g}:1) — {text[:60]}"
        if margin >= 0:
            self.rec.passed("pptx-text-contrast")
        elif size is None and ratio >= 3.0:
            self.rec.cant_tell("pptx-text-contrast", f"text in {name!r} on slide {number} reaches "
                               f"{ratio:.2f}:1, enough only if it is large (size inherited, unknown)",
                               evidence=evidence, **where)
        else:
            self.rec.failed("pptx-text-contrast", f"text in {name!r} on slide {number} has contrast "
                            f"{ratio:.2f}:1, below {need:g}:1", evidence=evidence, **where)

    # --- language, title, text ----------------------------------------------------------------

    def check_language(self, core) -> None:
        if not self.text_seen:
            self.rec.evaluate("pptx-language")
            return
        for el in self.presentation.iterfind(".//p:defaultTextStyle//a:defRPr", NS):
            if el.get("lang"):
                self.langs[el.get("lang")] += 1
        valid = [(n, lang) for lang, n in self.langs.items() if ooxml.valid_language(lang)]
        if core.get("language") and ooxml.valid_language(core["language"]):
            valid.append((0, core["language"]))
        if valid:
            self.facts.language = self.facts.language or max(valid)[1]
            self.rec.passed("pptx-language")
        else:
            found = ", ".join(sorted(self.langs)) or "none"
            self.rec.failed("pptx-language", "the presentation's text has no (valid) language "
                            f"(found: {found})")

    def check_doc_title(self, core) -> None:
        title = (core.get("title") or "").strip()
        if not title:
            self.rec.failed("pptx-doc-title", "the title property (File > Info > Title) is empty")
        elif title.casefold() in DEFAULT_TITLES:
            self.rec.failed("pptx-doc-title", f"the title property is a template default: {title!r}",
                            evidence=title)
        else:
            self.rec.passed("pptx-doc-title")

    def collect_text(self, slide, title: str) -> None:
        parts = []
        for para in slide.root.iterdescendants(A_P):
            line = "".join(t.text or "" for t in para.iter(A_T))
            if line.strip():
                parts.append(line)
        notes_part = self.pkg.related(slide.part, "notesSlide")
        notes = self.pkg.xml(notes_part) if notes_part else None
        for shape in _shapes(ooxml.child(notes, C_SLD, SP_TREE)):
            if _placeholder_type(shape) == "body":
                text = "\n".join(_snippet(p, 100_000) for p in shape.iterdescendants(A_P)).strip()
                if text:
                    parts.append(text)
        text = "\n".join(parts)
        if text.strip():
            self.text_seen = True
            self.facts.add_text(text)
            for clue in ooxml.licence_clues(text, "pptx:text"):
                if clue not in self.facts.licences:
                    self.facts.licences.append(clue)

    def licence_from_picture(self, nv, pic, slide) -> None:
        """A CC badge: a picture linked to a licence, or described as one."""
        if nv is None:
            return
        click = ooxml.child(nv, HLINK_CLICK)
        if click is not None and click.get(_R_ID):
            self.link_target(slide, click.get(_R_ID))
        alt = ooxml.alt_text(nv)
        if alt and ooxml.licence_clues(alt, "pptx:text"):
            clue = LicenceClue(alt, "pptx:text", "badge")
            if clue not in self.facts.licences:
                self.facts.licences.append(clue)


def visual_order(placed: list[Placed]) -> list[Placed]:
    """Top to bottom, then left to right within a row: a shape joins a row when its top edge is
    above the vertical middle of the row's first shape (so side-by-side columns share a row)."""
    rows: list[list[Placed]] = []
    for p in sorted(placed, key=lambda p: (p.top, p.left)):
        if rows and p.top < rows[-1][0].top + rows[-1][0].height / 2:
            rows[-1].append(p)
        else:
            rows.append([p])
    return [p for row in rows for p in sorted(row, key=lambda p: p.left)]


def _shapes(container):
    """The shapes of a spTree or group in document (= reading) order, looking inside
    mc:AlternateContent (the Choice PowerPoint itself would show)."""
    if container is None:
        return
    for el in container:
        if not isinstance(el.tag, str):
            continue
        if el.tag == _MC_ALTERNATE:
            choice = el.find(f"{{{_MC}}}Choice")
            if choice is not None:
                yield from (c for c in choice if isinstance(c.tag, str) and c.tag in _SHAPE_TAGS)
        elif el.tag in _SHAPE_TAGS:
            yield el


_LOCAL = {tag: tag.rpartition("}")[2] for tag in _SHAPE_TAGS}


def _grandchild(el, tag: str):
    """The first `*/tag` of el (any child, then its child `tag`), in document order."""
    for c in el:
        for found in c.iterchildren(tag):
            return found
    return None


def _placeholder(el):
    """The shape's `*/p:nvPr/p:ph`."""
    for c in el:
        for nv_pr in c.iterchildren(NV_PR):
            for ph in nv_pr.iterchildren(PH):
                return ph
    return None


def _cnv_pr(el):
    return _grandchild(el, CNV_PR)


def _placeholder_type(el) -> str | None:
    ph = _placeholder(el)
    return None if ph is None else ph.get("type", "obj")


def _master_type(ph_type: str) -> str:
    return {"ctrTitle": "title", "subTitle": "body", "obj": "body"}.get(ph_type, ph_type)


def _name(el) -> str:
    nv = _cnv_pr(el)
    return nv.get("name", "") if nv is not None else ""


def _xfrm_box(el) -> tuple[int, int, int, int] | None:
    """Offset and size from `p:xfrm/a:*` (graphic frames) or `*/a:xfrm/a:*` (spPr, grpSpPr);
    the last a:off and a:ext in document order count."""
    off = ext = None
    for c in el:
        if c.tag == P_XFRM:
            for g in c:
                if g.tag == A_OFF:
                    off = g
                elif g.tag == A_EXT:
                    ext = g
                elif g.tag == A_XFRM:
                    off, ext = _off_ext(g, off, ext)
        else:
            for g in c.iterchildren(A_XFRM):
                off, ext = _off_ext(g, off, ext)
    try:
        return int(off.get("x")), int(off.get("y")), int(ext.get("cx")), int(ext.get("cy"))
    except (AttributeError, TypeError, ValueError):
        return None


def _off_ext(xfrm, off, ext):
    for g in xfrm.iterchildren(A_OFF, A_EXT):
        if g.tag == A_OFF:
            off = g
        else:
            ext = g
    return off, ext


def _box(el, boxes: dict) -> tuple[int, int, int, int] | None:
    """Where a shape sits: its own xfrm, else the placeholder position it inherits."""
    box = _xfrm_box(el)
    if box is None:
        ph = _placeholder(el)
        if ph is not None:
            ph_type = ph.get("type", "obj")
            box = (boxes.get(("idx", ph.get("idx", "0"))) or boxes.get(("type", ph_type))
                   or boxes.get(("type", _master_type(ph_type))))
    return box


def _placeholders_by_key(part) -> dict:
    """A layout's or master's placeholder shapes by ("idx", n) and ("type", t), first one kept."""
    out: dict = {}
    for el in _shapes(ooxml.child(part, C_SLD, SP_TREE)):
        ph = _placeholder(el)
        if ph is not None:
            out.setdefault(("idx", ph.get("idx", "0")), el)
            out.setdefault(("type", ph.get("type", "obj")), el)
    return out


def _lookup(shapes: dict, *keys):
    """The first shape found under these keys (elements are tested against None: lxml calls
    an element without children false)."""
    return next((shapes[k] for k in keys if shapes.get(k) is not None), None)


def _measured(fill, colours, clr_map) -> tuple[bool, tuple | None]:
    """(known, colour) of a solidFill or fillRef: a colour that cannot be resolved is unknown."""
    colour_el = ooxml.colour_child(fill)
    rgb = ooxml.colour_of(colour_el, colours, clr_map) if colour_el is not None else None
    return (True, rgb) if rgb is not None else (False, None)


def _overlap(a, b) -> bool:
    return a[0] < b[0] + b[2] and b[0] < a[0] + a[2] and a[1] < b[1] + b[3] and b[1] < a[1] + a[3]


def _snippet(el, limit: int = 30) -> str:
    text = " ".join("".join(t.text or "" for t in el.iterdescendants(A_T)).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _order(labels: list[str]) -> str:
    return " → ".join(f"{i}. {label}" for i, label in enumerate(labels, start=1))


def _rgb_hex(rgb) -> str:
    return "".join(f"{c:02X}" for c in rgb)
