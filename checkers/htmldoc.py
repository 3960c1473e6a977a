"""One parsed HTML page for the static checks: decoding with fallbacks, one lxml parse, one pass
that files elements by tag, and lazy helpers (hidden?, accessible name, style, selector) that the
rule modules share.
"""
from __future__ import annotations

import codecs
import re
import weakref
from collections import defaultdict
from urllib.parse import urljoin

from lxml import etree

from checkers.accname import NameComputer, squash
from checkers.css import UA_HIDDEN, StyleResolver
from checkers.findings import Recorder, make_finding, CANT_TELL

MAX_PROBLEMS_PER_RULE = 50   # findings per rule and page; the rest are summed in one finding
MAX_DEPTH = 255              # libxml2 stops parsing deeper than this without XML_PARSE_HUGE
ATTR_EVIDENCE = 60           # characters of each attribute value quoted as evidence

# Tags the rule modules look up; one pass files every element of these kinds.
FILED = ("img", "input", "area", "object", "embed", "svg", "iframe", "a", "h1", "h2", "h3", "h4",
         "h5", "h6", "p", "div", "li", "ul", "ol", "table", "video", "audio", "style", "script",
         "meta", "link", "title", "label", "u", "font", "blink", "marquee", "span", "b", "strong",
         "i", "em", "br", "figure", "details", "html", "body", "main")

_CHARSET = re.compile(rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9_:.\-]{1,40})""", re.IGNORECASE)
_FULL_DOC = re.compile(rb"<!doctype\s|<(?:html|head|body|title)[\s>/]", re.IGNORECASE)
_FOREIGN_ROOT = re.compile(rb"\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:svg|math)[\s>/]", re.IGNORECASE | re.DOTALL)
_ALNUM = re.compile(r"[^\W_]")  # a letter or digit: \w is isalnum() plus "_" in CPython's re
_CSS_IDENT = re.compile(r"^-?[_a-zA-Z][_a-zA-Z0-9-]*$")
_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
         (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


HEADING_TAGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_FILED = frozenset(FILED)
_ATTRS_READ = frozenset({"id", "role", "lang", "disabled", "aria-disabled", "hidden", "style",
                         "aria-hidden", "href"})


class PageError(ValueError):
    """The bytes could not be made into a page at all."""


def decode(data: bytes) -> tuple[str, str]:
    """Text and the encoding used: a BOM, else valid UTF-8, else the declared charset, else
    Windows-1252 with replacement characters. Never raises for bad bytes."""
    for bom, name in _BOMS:
        if data.startswith(bom):
            return data.decode(name, errors="replace"), name
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    m = _CHARSET.search(data[:4096])
    if m:
        declared = m.group(1).decode("ascii", "replace").lower()
        try:
            if not codecs.lookup(declared).name.startswith("utf-16"):
                return data.decode(declared), declared
        except (LookupError, UnicodeDecodeError):
            pass
    return data.decode("cp1252", errors="replace"), "windows-1252 (fallback)"


def start_tag(el) -> str:
    """`<img src="a.png" alt="">`: the element's start tag, attribute values shortened."""
    if not isinstance(el.tag, str):
        return ""
    attrs = []
    for key, value in list(el.attrib.items())[:10]:
        value = value if len(value) <= ATTR_EVIDENCE else value[: ATTR_EVIDENCE - 1] + "…"
        attrs.append(f'{key}="{value.replace(chr(34), "&quot;")}"')
    return "<" + el.tag + (" " + " ".join(attrs) if attrs else "") + ">"


# Per-element state bits, inherited from the parent in one top-down pass (Page._states).
NOT_RENDERED, ARIA_HIDDEN, IN_LINK = 1, 2, 4
HIDDEN = NOT_RENDERED | ARIA_HIDDEN


class Page:
    def __init__(self, data: bytes, fragment: bool | None = None):
        text, self.encoding = decode(data)
        if not text.strip():
            raise PageError("the page is empty")
        if fragment is None:
            # An SVG or MathML document is no HTML page even with a <title> (ACT 2779a5, b5c3f8).
            fragment = not _FULL_DOC.search(data[:65536]) or bool(_FOREIGN_ROOT.match(data[:4096]))
        self.fragment = bool(fragment)
        # etree's parser, not lxml.html's: its Python-level element class lookup costs ~20 %.
        parser = etree.HTMLParser(encoding="utf-8", remove_comments=True, remove_pis=True,
                                  no_network=True)
        try:
            # Valid UTF-8 without a BOM re-encodes to the very bytes it came from.
            utf8 = data if self.encoding == "utf-8" else text.encode("utf-8", errors="replace")
            root = etree.fromstring(utf8, parser=parser)
        except (etree.ParserError, etree.XMLSyntaxError, ValueError) as exc:
            raise PageError(f"no HTML could be read ({exc})") from None
        if root is None:
            raise PageError("no HTML elements found")
        self.root = root
        self.truncated_depth = any("Excessive depth" in e.message for e in parser.error_log)
        # Holding every element's Python proxy for the page's life makes each later
        # getparent()/iteration a lookup instead of a new proxy object (lxml frees unused ones).
        self.elements = list(root.iter(etree.Element))
        self.by_tag: dict[str, list] = defaultdict(list)
        self.by_id: dict[str, object] = {}
        self.with_role: list = []
        self.with_lang: list = []
        self.maybe_disabled: list = []  # with a disabled or aria-disabled attribute
        self.headings: list = []  # h1-h6 and role=heading, in document order
        self.has_inline_style = False
        self.has_hidden_attribute = False
        filed = _FILED
        by_tag, by_id = self.by_tag, self.by_id
        hiding_inline = False
        # The hidden / aria-hidden / in-a-link bits, inherited from the parent (filed first).
        state: dict = {}
        parent_bits = state.get
        read = _ATTRS_READ
        for el in self.elements:
            tag = el.tag
            bits = parent_bits(el.getparent(), 0)
            if tag in filed:
                by_tag[tag].append(el)
                if tag in HEADING_TAGS:
                    self.headings.append(el)
            if tag in UA_HIDDEN:
                bits |= NOT_RENDERED
            # One keys() call (cheaper than el.attrib); most elements carry no attribute read here.
            keys = el.keys()
            if keys and not read.isdisjoint(keys):
                get = el.get
                if "id" in keys:
                    ident = get("id")
                    if ident and ident not in by_id:
                        by_id[ident] = el
                if "role" in keys:
                    self.with_role.append(el)
                    if get("role").strip().lower() == "heading" and tag not in HEADING_TAGS:
                        self.headings.append(el)
                if "lang" in keys:
                    self.with_lang.append(el)
                if "disabled" in keys or "aria-disabled" in keys:
                    self.maybe_disabled.append(el)
                if "hidden" in keys:
                    self.has_hidden_attribute = True
                    bits |= NOT_RENDERED
                if "style" in keys:
                    self.has_inline_style = True
                    inline = get("style").lower()
                    if "none" in inline or "hidden" in inline or "collapse" in inline:
                        hiding_inline = True
                if "aria-hidden" in keys:
                    aria = get("aria-hidden")
                    if aria and aria.strip().lower() == "true":
                        bits |= ARIA_HIDDEN
                if tag == "a" and "href" in keys:
                    bits |= IN_LINK
            state[el] = bits
        self.element_count = len(self.elements)
        # Keep what scripts and styles say, then drop them: their text is not page text.
        self.style_texts = [el.text for el in by_tag["style"] if el.text]
        self.jsonld_texts = [el.text for el in by_tag["script"]
                             if el.text and "ld+json" in (el.get("type") or "").lower()]
        # Only CSS that can hide things makes visibility need the full style resolver.
        self.hiding_css = hiding_inline or any("display" in t or "visibility" in t for t in self.style_texts)
        etree.strip_elements(self.root, "script", "style", "template", with_tail=False)
        self.body = self.root.find("body")
        if self.body is None:
            self.body = self.root
        self._resolver: StyleResolver | None = None
        self._names: NameComputer | None = None
        self._words: int | None = None
        self._own_words: set | None = None
        self._texts: dict = {}
        self._resolved: dict[tuple[str, str], str] = {}
        self._paths: dict = {}
        self._positions: dict = {}
        self.rec: Recorder | None = None
        self._problem_count: dict[str, int] = defaultdict(int)
        self._overflow: dict[str, list] = {}
        # With CSS that can hide things, "not rendered" comes from the computed styles instead.
        self._state = self._states() if self.hiding_css else state

    def _states(self) -> dict:
        """Hidden / aria-hidden / inside-a-link bits for every element in the tree, parents first.
        With CSS that can hide things, `not rendered` comes from the computed styles."""
        state: dict = {}
        get = state.get
        styles = self.styles if self.hiding_css else None
        for el in self.root.iter(etree.Element):
            bits = get(el.getparent(), 0)
            attrib = el.attrib
            if styles is not None:
                bits = (bits & ~NOT_RENDERED) | (NOT_RENDERED if styles.style(el).hidden else 0)
            elif el.tag in UA_HIDDEN or (attrib and "hidden" in attrib):
                bits |= NOT_RENDERED
            if attrib:
                aria = attrib.get("aria-hidden")
                if aria and aria.strip().lower() == "true":
                    bits |= ARIA_HIDDEN
                if el.tag == "a" and "href" in attrib:
                    bits |= IN_LINK
            state[el] = bits
        return state

    def _bits(self, el) -> int:
        bits = self._state.get(el)
        if bits is None:  # an element outside the checked tree (inside a dropped <template>)
            bits = self._state[el] = self._bits_uncached(el)
        return bits

    def _bits_uncached(self, el) -> int:
        parent = el.getparent()
        bits = self._bits(parent) if parent is not None else 0
        if self.hiding_css:
            bits = (bits & ~NOT_RENDERED) | (NOT_RENDERED if self.styles.style(el).hidden else 0)
        elif el.tag in UA_HIDDEN or el.get("hidden") is not None:
            bits |= NOT_RENDERED
        if (el.get("aria-hidden") or "").strip().lower() == "true":
            bits |= ARIA_HIDDEN
        if el.tag == "a" and el.get("href") is not None:
            bits |= IN_LINK
        return bits

    # -- styles and visibility -------------------------------------------------------------
    @property
    def has_css(self) -> bool:
        return self.has_inline_style or bool(self.style_texts) or bool(self.by_tag.get("font"))

    @property
    def styles(self) -> StyleResolver:
        """The style resolver, with every element's style computed (parents first, one pass):
        the style rules ask for most of them anyway."""
        if self._resolver is None:
            self._resolver = StyleResolver(self.style_texts)
            self._resolver.styles_in_order(self.root)
        return self._resolver

    def not_rendered(self, el) -> bool:
        """display:none / visibility:hidden / the hidden attribute, here or above."""
        return bool(self._bits(el) & NOT_RENDERED)

    def aria_hidden(self, el) -> bool:
        return bool(self._bits(el) & ARIA_HIDDEN)

    def hidden(self, el) -> bool:
        """Not in the accessibility tree: not rendered, or aria-hidden on it or an ancestor."""
        return bool(self._bits(el) & HIDDEN)

    # -- names -------------------------------------------------------------------------------
    @property
    def names(self) -> NameComputer:
        if self._names is None:
            labels: dict[str, list] = defaultdict(list)
            for label in self.by_tag["label"]:
                if label.get("for"):
                    labels[label.get("for")].append(label)
            # Through a weak reference: a bound method would make a page <-> names cycle that
            # only the garbage collector frees (costly at hundreds of pages per second).
            page = weakref.ref(self)
            self._names = NameComputer(self.by_id, lambda el: page().hidden(el), labels)
        return self._names

    def name(self, el) -> str:
        return self.names.name(el)

    @property
    def word_count(self) -> int:
        """Words of the body's text, as `len(" ".join(body.itertext()).split())` counts them."""
        if self._words is None:
            self._read_text()
        return self._words

    @property
    def with_own_words(self) -> set:
        """The body's elements with a letter or digit of their own: in their text or, when that
        is only white space, in their children's tails (the elements whose colours matter)."""
        if self._own_words is None:
            self._read_text()
        return self._own_words

    def _read_text(self) -> None:
        """One walk over the body reads every element's text and tail once: the pieces
        itertext() gives (in another order, which a count of words does not depend on). The
        parser drops comments and processing instructions, so every node here is an element."""
        pieces: list = []
        own: set = set()
        texty: set = set()   # elements whose text is not blank and has no letter or digit
        add, alnum = pieces.append, _ALNUM.search
        body = self.body
        for el in body.iter():
            text = el.text
            if text and not text.isspace():
                add(text)
                (own if alnum(text) is not None else texty).add(el)
            tail = el.tail
            if tail and not tail.isspace() and el is not body:   # the body's tail is not its text
                add(tail)
                if alnum(tail) is not None:
                    parent = el.getparent()
                    if parent not in texty:
                        own.add(parent)
        self._words = len(" ".join(pieces).split())
        self._own_words = own

    def in_link(self, el) -> bool:
        """Inside (or itself) a link with an href."""
        return bool(self._bits(el) & IN_LINK)

    def resolve(self, href: str, base_url: str | None) -> str:
        """`href` made absolute against the page's address (remembered: links and facts both ask)."""
        if not base_url:
            return href
        key = (href, base_url)
        resolved = self._resolved.get(key)
        if resolved is None:
            resolved = self._resolved[key] = urljoin(base_url, href)
        return resolved

    def text(self, el) -> str:
        """Visible-ish text of an element (scripts and styles excluded), spaces folded."""
        text = self._texts.get(el)
        if text is None:
            if len(el):
                text = " ".join(" ".join(el.itertext()).split())
            else:  # no children: its own text is all of it
                text = " ".join(el.text.split()) if el.text else ""
            self._texts[el] = text
        return text

    # -- locations and recording ------------------------------------------------------------
    def selector(self, el) -> str:
        """A CSS selector for el: from the nearest element with a unique id, or from body."""
        path, anchored = self._path(el)
        if anchored:
            return "body > " + path if path else "body"
        return path or str(el.tag)

    def _path(self, node) -> tuple[str, bool]:
        """The selector from node's anchor down to node, and whether it hangs from body.
        Remembered per element: findings in one region share their ancestors' part."""
        known = self._paths.get(node)
        if known is not None:
            return known
        tag = node.tag
        parent = node.getparent()
        if not isinstance(tag, str):
            result = ("", False)
        elif tag in ("html", "body"):
            result = ("", tag == "body" and not self.fragment)
        elif (ident := node.get("id")) and _CSS_IDENT.match(ident) and self.by_id.get(ident) is node:
            result = ("#" + ident, False)
        elif parent is None:
            result = (tag, False)
        else:
            index, total = self._position(parent, node)
            part = f"{tag}:nth-of-type({index})" if total > 1 else tag
            if tag == "tr" and parent.tag == "table":
                part = "tbody > " + part  # browsers wrap bare rows in a tbody, libxml2 does not
            above, anchored = self._path(parent)
            result = (above + " > " + part if above else part, anchored)
        self._paths[node] = result
        return result

    def _position(self, parent, child) -> tuple[int, int]:
        """child's 1-based index among parent's children of its tag, and how many there are."""
        positions = self._positions.get(parent)
        if positions is None:
            counts: dict[str, int] = {}
            positions = {}
            for sibling in parent:
                tag = sibling.tag
                if isinstance(tag, str):
                    counts[tag] = counts.get(tag, 0) + 1
                    positions[sibling] = counts[tag]
            positions = self._positions[parent] = {k: (v, counts[k.tag]) for k, v in positions.items()}
        return positions[child]

    def report(self, rule: str, outcome: bool | None, message: str, el=None, evidence: str | None = None) -> None:
        """One test target: True passed, False failed, None cantTell. Past the per-rule cap
        problems are only counted (the summary finding keeps the score honest enough and the
        report readable)."""
        rec = self.rec
        if outcome is True:
            rec.passed(rule)
            return
        self._problem_count[rule] += 1
        if self._problem_count[rule] > MAX_PROBLEMS_PER_RULE:
            self._overflow.setdefault(rule, [0, 0])[0 if outcome is False else 1] += 1
            return
        location = {}
        if el is not None:
            location = {"selector": self.selector(el), "line": el.sourceline}
            if evidence is None:
                evidence = start_tag(el)
        if outcome is False:
            rec.failed(rule, message, evidence=evidence, **location)
        else:
            rec.cant_tell(rule, message, evidence=evidence, **location)

    def flush_overflow(self) -> None:
        for rule, (failed, unsure) in self._overflow.items():
            outcome = "failed" if failed else CANT_TELL
            finding = make_finding(rule, outcome, f"{failed + unsure} more target(s) with the same problem "
                                   f"(only the first {MAX_PROBLEMS_PER_RULE} are listed)")
            finding.count = failed + unsure
            self.rec.add(finding)
