"""Just enough CSS for static checks: inline `style` attributes, `<style>` rules with simple
selectors (type, class, id, descendant and child combinators), presentational attributes, and the
few computed properties the HTML rules need (visibility, colours, font size and weight, underline,
font family).

Anything we cannot resolve (pseudo-classes, attribute selectors, sibling combinators, @media
blocks, background images, semi-transparent colours) is left out on purpose: a colour we do not
know makes the contrast rule say `cantTell`, never guess.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Iterable

from lxml import etree

from checkers.colour import RGB, parse_colour

DEFAULT_FONT_PX = 16.0
PX_PER_PT = 4 / 3
# The user-agent stylesheet's defaults that matter for contrast (large text) and emphasis.
UA_FONT_EM = {"h1": 2.0, "h2": 1.5, "h3": 1.17, "h4": 1.0, "h5": 0.83, "h6": 0.67,
              "small": 0.8333, "sub": 0.8333, "sup": 0.8333}
UA_BOLD = frozenset({"b", "strong", "th", "h1", "h2", "h3", "h4", "h5", "h6"})
UA_ITALIC = frozenset({"i", "em", "cite", "var", "dfn", "address"})
UA_UNDERLINE = frozenset({"u", "ins"})
UA_HIDDEN = frozenset({"script", "style", "template", "head", "title", "meta", "link", "noscript",
                       "param", "datalist"})
# Attributes that can give an element a style of its own (with <font>'s, see _presentational).
_STYLING_ATTRS = frozenset({"id", "class", "style", "bgcolor", "background", "hidden"})
_UA_STYLED = UA_BOLD | UA_ITALIC | UA_UNDERLINE | UA_HIDDEN | frozenset(UA_FONT_EM)
FONT_KEYWORDS_PX = {"xx-small": 9, "x-small": 10, "small": 13, "medium": 16, "large": 18,
                    "x-large": 24, "xx-large": 32, "xxx-large": 48}
FONT_SIZE_ATTR_PX = {1: 10, 2: 13, 3: 16, 4: 18, 5: 24, 6: 32, 7: 48}  # <font size=N>
INHERITED = ("color", "font-size", "font-weight", "font-style", "font-family", "visibility")
MAX_STYLE_TEXT = 500_000  # characters of <style> text read; more is not simple course content

_COMMENT = re.compile(r"/\*.*?\*/", re.DOTALL)
_COMPOUND = re.compile(r"^(\*|[a-z][a-z0-9-]*)?((?:[#.][_a-z0-9-]+)*)$", re.IGNORECASE)
_LENGTH = re.compile(r"^(-?[0-9.]+)(px|pt|em|rem|%|pc|cm|mm|in)?$")


def parse_declarations(text: str | None) -> dict[str, str]:
    """`color: red; font-weight:bold` -> {'color': 'red', 'font-weight': 'bold'} (last wins,
    !important beats normal), with the shorthands we need expanded."""
    out: dict[str, str] = {}
    important: set[str] = set()
    if not text:
        return out
    for part in text.split(";"):
        name, sep, value = part.partition(":")
        if not sep:
            continue
        name = name.strip().lower()
        value = value.strip()
        is_important = value.lower().endswith("!important")
        if is_important:
            value = value[: -len("!important")].strip()
        if not name or not value or (name in important and not is_important):
            continue
        for prop, val in _expand(name, value):
            out[prop] = val
            if is_important:
                important.add(prop)
    return out


# The computed properties Style is made of; declarations of any other property change nothing.
USED_PROPERTIES = frozenset({"display", "visibility", "color", "background-image", "background-color",
                             "font-size", "font-weight", "font-style", "text-decoration", "font-family",
                             "text-shadow", "opacity"})


def _used(decls: dict[str, str]) -> dict[str, str]:
    return decls if decls.keys() <= USED_PROPERTIES else {k: v for k, v in decls.items() if k in USED_PROPERTIES}


def _expand(name: str, value: str) -> Iterable[tuple[str, str]]:
    low = value.lower()
    if name == "background":
        if "url(" in low or "gradient(" in low:
            yield "background-image", value
        colour = next((t for t in re.split(r"\s+(?![^(]*\))", value) if parse_colour(t)), None)
        if colour:
            yield "background-color", colour
        elif low in ("none", "transparent"):
            yield "background-color", "transparent"
    elif name in ("text-decoration", "text-decoration-line"):
        yield "text-decoration", low
    elif name == "font":
        # font: [style] [weight] size[/line-height] family
        m = re.search(r"(?:^|\s)([0-9.]+(?:px|pt|em|rem|%)|" + "|".join(FONT_KEYWORDS_PX) + r")(?:/\S+)?\s+(.+)$", low)
        if m:
            yield "font-size", m.group(1)
            yield "font-family", value[m.start(2):].strip()
        if re.search(r"\b(bold|bolder|[6-9]00)\b", low):
            yield "font-weight", "bold"
        if re.search(r"\b(italic|oblique)\b", low):
            yield "font-style", "italic"
    else:
        yield name, value


@dataclass(frozen=True)
class Compound:
    tag: str | None
    ident: str | None
    classes: tuple[str, ...]

    def matches(self, el) -> bool:
        if self.tag and el.tag != self.tag:
            return False
        if self.ident and el.get("id") != self.ident:
            return False
        if self.classes:
            have = el.get("class")
            if not have:
                return False
            have = have.split()
            for c in self.classes:
                if c not in have:
                    return False
        return True


@dataclass(frozen=True)
class StyleRule:
    parts: tuple[Compound, ...]        # left to right
    combinators: tuple[str, ...]       # between parts: " " or ">"
    specificity: tuple[int, int, int]
    order: int
    declarations: dict

    def matches(self, el) -> bool:
        if not self.parts[-1].matches(el):
            return False
        return _match_left(self.parts, self.combinators, len(self.parts) - 2, el.getparent())

    def key(self) -> tuple[str, str]:
        last = self.parts[-1]
        if last.ident:
            return "id", last.ident
        if last.classes:
            return "class", last.classes[0]
        if last.tag:
            return "tag", last.tag
        return "any", ""


def _match_left(parts, combinators, i, el) -> bool:
    if i < 0:
        return True
    if combinators[i] == ">":
        return el is not None and parts[i].matches(el) and _match_left(parts, combinators, i - 1, el.getparent())
    while el is not None:
        if parts[i].matches(el) and _match_left(parts, combinators, i - 1, el.getparent()):
            return True
        el = el.getparent()
    return False


def _parse_selector(text: str) -> tuple[tuple[Compound, ...], tuple[str, ...]] | None:
    tokens = re.sub(r"\s*>\s*", " > ", text.strip()).split()
    parts: list[Compound] = []
    combinators: list[str] = []
    pending = " "
    for tok in tokens:
        if tok == ">":
            if not parts or pending == ">":
                return None
            pending = ">"
            continue
        m = _COMPOUND.match(tok)
        if not m or not tok:
            return None
        tag = (m.group(1) or "").lower() or None
        tag = None if tag == "*" else tag
        simple = re.findall(r"[#.][_a-z0-9-]+", m.group(2), re.IGNORECASE)
        ids = [s[1:] for s in simple if s[0] == "#"]
        if len(ids) > 1:
            return None
        if parts:
            combinators.append(pending)
        parts.append(Compound(tag, ids[0] if ids else None, tuple(s[1:] for s in simple if s[0] == ".")))
        pending = " "
    if not parts or pending == ">":
        return None
    return tuple(parts), tuple(combinators)


def _strip_at_rules(css: str) -> str:
    """Drop @-rules with their blocks (media queries, font faces, keyframes): we cannot tell
    which media applies, so their rules are not used."""
    out, i, n = [], 0, len(css)
    while i < n:
        at = css.find("@", i)
        if at < 0:
            out.append(css[i:])
            break
        out.append(css[i:at])
        semi, brace = css.find(";", at), css.find("{", at)
        if brace < 0 or (0 <= semi < brace):
            i = n if semi < 0 else semi + 1
            continue
        depth, j = 0, brace
        while j < n:
            if css[j] == "{":
                depth += 1
            elif css[j] == "}":
                depth -= 1
                if depth == 0:
                    break
            j += 1
        i = j + 1
    return "".join(out)


def parse_stylesheet(css: str, start_order: int = 0) -> list[StyleRule]:
    css = _strip_at_rules(_COMMENT.sub(" ", css[:MAX_STYLE_TEXT]))
    rules: list[StyleRule] = []
    order = start_order
    for block in css.split("}"):
        selectors, sep, body = block.partition("{")
        if not sep:
            continue
        decls = _used(parse_declarations(body))
        if not decls:
            continue  # nothing the checks read (text-align, margins...): the rule changes nothing
        for sel in selectors.split(","):
            parsed = _parse_selector(sel)
            if parsed is None:
                continue
            parts, combinators = parsed
            spec = (sum(1 for p in parts if p.ident), sum(len(p.classes) for p in parts),
                    sum(1 for p in parts if p.tag))
            order += 1
            rules.append(StyleRule(parts, combinators, spec, order, decls))
    return rules


@functools.lru_cache(maxsize=64)
def _parsed_stylesheet(css: str, start_order: int) -> tuple[StyleRule, ...]:
    """parse_stylesheet, remembered: the pages of one site repeat the same <style> blocks.
    Rules are never changed after parsing, so sharing them between pages is safe."""
    return tuple(parse_stylesheet(css, start_order))


@dataclass
class Style:
    """The computed values the checks use. Colours are None when they come from the defaults."""
    hidden: bool                 # not rendered (display:none here or above) or invisible
    not_rendered: bool
    invisible: bool              # visibility:hidden (inherited, a descendant may undo it)
    color: RGB | None
    color_set: bool              # some author style set the text colour
    color_unknown: bool          # a colour was set but we cannot resolve it
    background: RGB | None       # nearest opaque background colour, None = page default
    background_unknown: bool     # an image or a colour we cannot resolve is behind the text
    font_px: float
    bold: bool
    italic: bool
    underline: bool
    family: str | None
    effects: bool = False        # a text shadow or opacity below 1 here or above changes the contrast


class StyleResolver:
    """Computes `Style` for elements lazily and remembers it (one dict lookup per ancestor).

    Rules are indexed by the id, first class or tag of their rightmost compound, so an element
    only tries the rules that can match it; inline declarations, colours and sizes are parsed
    once per distinct text."""

    def __init__(self, style_texts: Iterable[str] = ()):
        self.rules: list[StyleRule] = []
        for text in style_texts:
            self.rules.extend(_parsed_stylesheet(text, len(self.rules)))
        self._by_id: dict[str, list[StyleRule]] = {}
        self._by_class: dict[str, list[StyleRule]] = {}
        self._by_tag: dict[str, list[StyleRule]] = {}
        self._any: list[StyleRule] = []
        for rule in self.rules:
            kind, value = rule.key()
            if kind == "any":
                self._any.append(rule)
            else:
                {"id": self._by_id, "class": self._by_class, "tag": self._by_tag}[kind].setdefault(value, []).append(rule)
        self._cache: dict = {}
        self._computed: dict[tuple, Style] = {}
        self._descendant_memo: dict[tuple, bool] = {}
        self._inline: dict[str, dict[str, str]] = {}
        self._colours: dict[str, RGB | None] = {}
        self._match_any = bool(self._any)

    def declared(self, el) -> dict[str, str]:
        """Cascade for one element: presentational attributes < rules by specificity < style."""
        return self._declared(el, el.tag, el.keys())

    def _declared(self, el, tag, keys: list) -> dict[str, str]:
        # `keys`: el's attribute names (one call, cheaper than el.attrib, and mostly empty)
        tag_rules = self._by_tag.get(tag)
        if not keys and not tag_rules and not self._match_any:
            return {}
        decls: dict[str, str] = {}
        if keys and (tag == "font" or "bgcolor" in keys or "background" in keys):
            decls.update(_presentational(el))
        if self.rules:
            candidates = list(tag_rules) if tag_rules else []
            if self._any:
                candidates += self._any
            if keys:
                ident = el.get("id") if "id" in keys else None
                if ident:
                    candidates += self._by_id.get(ident, ())
                classes = el.get("class") if "class" in keys else None
                if classes:
                    by_class = self._by_class
                    for cls in classes.split():
                        found = by_class.get(cls)
                        if found:
                            candidates += found
            if candidates:
                matched = [r for r in candidates if self._matches(r, el)]
                if len(matched) > 1:
                    matched = sorted({id(r): r for r in matched}.values(), key=_cascade_order)
                for rule in matched:
                    decls.update(rule.declarations)
        inline = el.get("style") if "style" in keys else None
        if inline:
            parsed = self._inline.get(inline)
            if parsed is None:
                parsed = self._inline[inline] = _used(parse_declarations(inline[:10_000]))
            decls.update(parsed)
        return decls

    def _matches(self, rule: StyleRule, el) -> bool:
        parts = rule.parts
        if not parts[-1].matches(el):
            return False
        return len(parts) == 1 or self._left_matches(rule, len(parts) - 2, el.getparent())

    def _left_matches(self, rule: StyleRule, i: int, el) -> bool:
        """Do parts[:i+1] of the rule match, their last one at `el` (child combinator) or at el
        or an ancestor of it (descendant combinator)? Descendant answers are remembered per
        element, so siblings and cousins share their ancestors' walk."""
        if i < 0:
            return True
        part = rule.parts[i]
        if rule.combinators[i] == ">":
            return el is not None and part.matches(el) and self._left_matches(rule, i - 1, el.getparent())
        memo = self._descendant_memo
        chain = []
        node = el
        answer = False
        while node is not None:
            known = memo.get((id(rule), i, node))
            if known is not None:
                answer = known
                break
            chain.append(node)
            node = node.getparent()
        # from the outermost unanswered ancestor down: "here, or somewhere above"
        for node in reversed(chain):
            answer = answer or (part.matches(node) and self._left_matches(rule, i - 1, node.getparent()))
            memo[(id(rule), i, node)] = answer
        return answer

    def _colour(self, value: str) -> RGB | None:
        try:
            return self._colours[value]
        except KeyError:
            parsed = self._colours[value] = parse_colour(value)
            return parsed

    def style(self, el) -> Style:
        cached = self._cache.get(el)
        if cached is not None:
            return cached
        parent = el.getparent()
        if parent is None:
            up = None
        else:
            up = self._cache.get(parent)
            if up is None:
                up = self.style(parent)
        result = self._cache[el] = self._compute(el, up)
        return result

    def computed(self) -> dict:
        """The element -> Style map computed so far (every element after styles_in_order(root))."""
        return self._cache

    def styles_in_order(self, top) -> dict:
        """Compute the style of `top` and everything inside it, parents before children; returns
        the element -> Style map."""
        cache = self._cache
        compute = self._compute
        if top not in cache:
            self.style(top)
        by_tag, match_any = self._by_tag, self._match_any
        for el in top.iterdescendants(etree.Element):
            if el not in cache:
                up = cache[el.getparent()]
                tag = el.tag
                # What nothing can style looks exactly like its parent (what _compute returns for
                # it): no user-agent style, no rule for its tag, no attribute that styles.
                if tag in _UA_STYLED or match_any or tag in by_tag:
                    up = compute(el, up)
                else:
                    keys = el.keys()
                    if keys and (tag == "font" or not _STYLING_ATTRS.isdisjoint(keys)):
                        up = compute(el, up)
                cache[el] = up
        return cache

    def _compute(self, el, up: Style | None) -> Style:
        tag = el.tag
        if not isinstance(tag, str):
            tag = ""
        keys = el.keys()
        hidden_attr = "hidden" in keys
        unstyled = not keys and not self._match_any and tag not in self._by_tag
        if up is not None and tag not in _UA_STYLED:
            if unstyled:
                return up  # nothing can style it: it looks exactly like its parent
            decls = self._declared(el, tag, keys)
            if not decls and not hidden_attr:
                return up
        else:
            decls = {} if unstyled else self._declared(el, tag, keys)
        # Elements with the same parent style, tag and declarations look the same: compute once.
        key = (id(up), tag, hidden_attr, tuple(decls.items()))
        known = self._computed.get(key)
        if known is None:
            known = self._computed[key] = self._cascade(tag, hidden_attr, decls, up)
        return known

    def _cascade(self, tag: str, hidden_attr: bool, decls: dict[str, str], up: Style | None) -> Style:
        display = decls.get("display", "").lower()
        not_rendered = bool(up and up.not_rendered) or display == "none" or tag in UA_HIDDEN or (
            hidden_attr and display in ("", "none"))
        invisible = bool(up and up.invisible)
        visibility = decls.get("visibility", "").lower()
        if visibility in ("hidden", "collapse"):
            invisible = True
        elif visibility == "visible":
            invisible = False  # visibility, unlike display, can be undone by a descendant

        color, color_set, color_unknown = (up.color, up.color_set, up.color_unknown) if up else (None, False, False)
        if "color" in decls:
            value = decls["color"].strip().lower()
            if value not in ("inherit", "currentcolor"):
                color, color_set = self._colour(value), True
                color_unknown = color is None

        background, background_unknown = (up.background, up.background_unknown) if up else (None, False)
        image = decls.get("background-image", "").strip().lower()
        if image and image != "none":
            background, background_unknown = None, True
        if "background-color" in decls:
            value = decls["background-color"].strip().lower()
            if value not in ("transparent", "inherit", "initial", "unset", "rgba(0,0,0,0)"):
                parsed = self._colour(value)
                if parsed is not None:
                    if not (image and image != "none"):
                        background, background_unknown = parsed, False
                else:
                    background, background_unknown = None, True

        parent_px = up.font_px if up else DEFAULT_FONT_PX
        font_px = parent_px * UA_FONT_EM.get(tag, 1.0)
        if "font-size" in decls:
            font_px = _font_px(decls["font-size"], parent_px) or font_px
        weight = decls.get("font-weight", "").lower()
        bold = (up.bold if up else False) or tag in UA_BOLD
        if weight:
            bold = weight in ("bold", "bolder") or (weight.isdigit() and int(weight) >= 600)
        font_style = decls.get("font-style", "").lower()
        italic = (up.italic if up else False) or tag in UA_ITALIC
        if font_style:
            italic = font_style in ("italic", "oblique")
        decoration = decls.get("text-decoration", "")
        underline = (up.underline if up else False) or tag in UA_UNDERLINE or "underline" in decoration
        if decoration.startswith("none") and tag not in UA_UNDERLINE:
            underline = False
        family = decls.get("font-family") or (up.family if up else None)
        effects = bool(up and up.effects) or _has_effect(decls)
        return Style(not_rendered or invisible, not_rendered, invisible, color, color_set, color_unknown,
                     background, background_unknown, font_px, bold, italic, underline, family, effects)


def _has_effect(decls: dict[str, str]) -> bool:
    """A text shadow, or an opacity below 1 (which fades the text into what is behind it)."""
    shadow = decls.get("text-shadow", "").strip().lower()
    if shadow and shadow not in ("none", "initial", "unset", "inherit"):
        return True
    opacity = decls.get("opacity", "").strip().lower()
    if not opacity:
        return False
    try:
        value = float(opacity[:-1]) / 100 if opacity.endswith("%") else float(opacity)
    except ValueError:
        return False
    return value < 1


def _cascade_order(rule: StyleRule) -> tuple:
    return rule.specificity, rule.order


def _presentational(el) -> Iterable[tuple[str, str]]:
    """HTML attributes that act as styles with zero specificity (font, bgcolor, align...)."""
    if el.tag == "font":
        if el.get("color"):
            yield "color", el.get("color")
        if el.get("face"):
            yield "font-family", el.get("face")
        size = (el.get("size") or "").strip()
        if size:
            try:
                n = int(size) if size[0] not in "+-" else 3 + int(size)
                yield "font-size", f"{FONT_SIZE_ATTR_PX[max(1, min(7, n))]}px"
            except ValueError:
                pass
    bg = el.get("bgcolor")
    if bg:
        yield "background-color", bg
    if el.get("background"):
        yield "background-image", "url(" + el.get("background") + ")"


def _font_px(value: str, parent_px: float) -> float | None:
    v = value.strip().lower()
    if v in FONT_KEYWORDS_PX:
        return float(FONT_KEYWORDS_PX[v])
    if v == "larger":
        return parent_px * 1.2
    if v == "smaller":
        return parent_px / 1.2
    m = _LENGTH.match(v)
    if not m:
        return None
    try:
        n = float(m.group(1))
    except ValueError:
        return None
    unit = m.group(2) or "px"
    factor = {"px": 1, "pt": PX_PER_PT, "pc": 16, "in": 96, "cm": 96 / 2.54, "mm": 96 / 25.4,
              "em": parent_px, "rem": DEFAULT_FONT_PX, "%": parent_px / 100}[unit]
    return n * factor if n > 0 else None


def px_to_pt(px: float) -> float:
    return px / PX_PER_PT
