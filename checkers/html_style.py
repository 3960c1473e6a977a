"""Highlighting and colours (Annex 2, highlighting 1-5): underlined or blue text that is not a
link, colour as the only cue, text contrast (WCAG 1.4.3, ACT afw4f7), too many fonts, and
obsolete presentational elements.

Contrast is judged only where both colours are known from inline styles, <style> rules or
presentational attributes. A full page that sets one colour gets the browser default for the
other (black text, white canvas). A fragment (Moodle content) sits inside a theme we do not see:
when only one colour is known we judge it against the default and say `cantTell` if it fails.
"""
from __future__ import annotations

import functools

from lxml import etree

from checkers import colour
from checkers.css import px_to_pt
from checkers.htmldoc import HEADING_TAGS, Page

RULES = ("text-underline", "text-blue", "colour-only-meaning", "text-contrast", "styling-excessive",
         "font-element", "emphasis-blink-marquee")
DEFAULT_FG = (0, 0, 0)
DEFAULT_BG = (255, 255, 255)
MAX_FAMILIES = 2
MAX_SIZES = 4
CUE_TAGS = frozenset({"b", "strong", "i", "em", "mark", "u", "img", "svg", "abbr"})
_contrast_ratio = functools.lru_cache(maxsize=1024)(colour.contrast_ratio)
SKIP_TEXT = frozenset({"html", "head", "title", "option", "select", "textarea", "noscript", "svg"})


def check(page: Page) -> None:
    for el in page.by_tag["font"]:
        if not page.not_rendered(el):
            page.report("font-element", False,
                        "<font> is obsolete: use the editor's styles instead of fonts and colours", el)
    for tag in ("blink", "marquee"):
        for el in page.by_tag.get(tag, ()):
            page.report("emphasis-blink-marquee", False,
                        f"<{tag}> moves or flashes text: use bold or italics for emphasis", el)
    if not page.has_css:
        for el in page.by_tag["u"]:
            if not page.not_rendered(el) and not page.in_link(el) and page.text(el):
                page.report("text-underline", False,
                            "Underlined text that is not a link looks like a link: use bold or italics", el)
        return
    _styled_text(page)


def _own_text(el) -> str:
    """The text directly inside el (not in its children)."""
    text = el.text
    if text and not text.isspace():
        return text.strip()
    return "".join([child.tail or "" for child in el]).strip()


def _introducer(page: Page, el, same) -> object:
    """The outermost ancestor that still has the same look (where the styling was applied)."""
    node = el
    parent = node.getparent()
    while parent is not None and parent.tag not in ("body", "html") and same(page.styles.style(parent)):
        node = parent
        parent = node.getparent()
    return node


def _styled_text(page: Page) -> None:
    styles = page.styles
    full_page = not page.fragment
    reported: dict[str, set[int]] = {"text-underline": set(), "text-blue": set()}
    families: set[str] = set()
    sizes: set[int] = set()
    first_styled = None
    style_of = styles.computed()  # Page.styles computed every element's style
    own_words = page.with_own_words
    disabled_labels = _ids_labelling_disabled(page)
    for el in page.body.iter(etree.Element):
        tag = el.tag
        if tag in SKIP_TEXT:
            continue
        if el not in own_words:
            continue
        s = style_of[el]
        if s.hidden:
            continue
        if not (s.color_set or s.background is not None or s.background_unknown or s.underline or s.family):
            if tag not in HEADING_TAGS:  # plain text: only its size matters here
                sizes.add(round(s.font_px))
            continue
        if page.aria_hidden(el):
            continue
        linked = page.in_link(el)
        if s.family:
            families.add(s.family.split(",")[0].strip().strip("'\"").lower())
            first_styled = first_styled if first_styled is not None else el
        if tag not in HEADING_TAGS:
            sizes.add(round(s.font_px))
        if s.underline and not linked:
            target = _introducer(page, el, lambda st: st.underline)
            if id(target) not in reported["text-underline"]:
                reported["text-underline"].add(id(target))
                page.report("text-underline", False,
                            "Underlined text that is not a link looks like a link: use bold or italics", target)
        if s.color_set and s.color is not None and not linked:
            if colour.is_bluish(s.color):
                target = _introducer(page, el, lambda st: st.color == s.color)
                if id(target) not in reported["text-blue"]:
                    reported["text-blue"].add(id(target))
                    page.report("text-blue", False,
                                "Blue text that is not a link looks like a link: choose another colour", target)
            _colour_cue(page, el, s)
        _contrast(page, el, s, full_page, disabled_labels)
    if families or len(sizes) > 1:
        too_many = len(families) > MAX_FAMILIES or len(sizes) > MAX_SIZES
        page.report("styling-excessive", not too_many,
                    f"{len(families)} font families and {len(sizes)} text sizes: keep to the default "
                    "font and the editor's styles", first_styled if first_styled is not None else page.body,
                    evidence=", ".join(sorted(families))[:200] or f"sizes: {sorted(sizes)}")


def _colour_cue(page: Page, el, s) -> None:
    """Inline text coloured differently from the text around it, with no other cue."""
    if colour.is_neutral(s.color) or el.tag in HEADING_TAGS:
        return
    parent = el.getparent()
    if parent is None:
        return
    ps = page.styles.style(parent)
    if ps.color == s.color or not _own_text(parent):
        return  # the whole block is coloured: a style choice, not a highlight
    cue = s.bold != ps.bold or s.italic != ps.italic or s.underline or el.tag in CUE_TAGS or \
        any(child.tag in CUE_TAGS for child in el) or parent.tag in CUE_TAGS
    page.report("colour-only-meaning", True if cue else None,
                "Text is set apart by colour only: if the colour means something (an error, a "
                "warning, the right answer), say it in words or add bold, italics or an icon", el)


_CONTROLS = frozenset({"button", "input", "select", "textarea", "fieldset", "optgroup", "option"})


def _is_disabled(el) -> bool:
    return (el.tag in _CONTROLS and el.get("disabled") is not None) or \
        (el.get("aria-disabled") or "").strip().lower() == "true"


def _ids_labelling_disabled(page: Page) -> set:
    """Ids named by aria-labelledby on disabled widgets (ACT afw4f7 Inapplicable Example 7), and
    "for:<id>" for each disabled control a <label for> can name."""
    found = set()
    for el in page.maybe_disabled:
        if not _is_disabled(el):
            continue
        found.update((el.get("aria-labelledby") or "").split())
        if el.get("id"):
            found.add("for:" + el.get("id"))
    return found


def _disabled(el, disabled_labels: set) -> bool:
    """Is el part of a disabled widget or of a disabled widget's label (ACT afw4f7: such text
    has no contrast requirement)? Walks el and its ancestors."""
    node = el
    while node is not None:
        if _is_disabled(node) or (node.get("id") in disabled_labels if disabled_labels else False):
            return True
        if node.tag == "label" and (("for:" + (node.get("for") or "")) in disabled_labels
                                    or any(_is_disabled(c) for c in node.iter(*_CONTROLS))):
            return True
        node = node.getparent()
    return False


def _contrast(page: Page, el, s, full_page: bool, disabled_labels: set) -> None:
    background_set = s.background is not None or s.background_unknown
    if not s.color_set and not background_set:
        return
    own = _own_text(el)
    if len(own) == 1 and not own.isdigit():
        return  # a lone "X" or "+" is no text in a human language (ACT afw4f7 Passed Example 7)
    if page.maybe_disabled and _disabled(el, disabled_labels):
        return  # text of a disabled control or its label has no contrast requirement
    if s.color_unknown or s.background_unknown or s.effects:
        page.report("text-contrast", None,
                    "The text or background colour cannot be determined (an image, a gradient, a "
                    "transparent colour, a text shadow or opacity): check the contrast by eye or "
                    "with a contrast tool", el)
        return
    fg = s.color if s.color_set else DEFAULT_FG
    bg = s.background if s.background is not None else DEFAULT_BG
    assumed = not (s.color_set and s.background is not None) and not full_page
    ratio = _contrast_ratio(fg, bg)
    size_pt = round(px_to_pt(s.font_px), 2)  # 14pt must stay 14pt after px conversion
    required = colour.required_ratio(size_pt, s.bold)
    if ratio >= required:
        page.report("text-contrast", True, "")
        return
    message = (f"Text contrast {ratio:.2f}:1 is below {required:g}:1 "
               f"({'large' if required == 3.0 else 'normal'} text, #{'%02x%02x%02x' % fg} on "
               f"#{'%02x%02x%02x' % bg})")
    if assumed:
        page.report("text-contrast", None, message + " against the default colours; the page "
                    "theme supplies the other colour, so check it where the content is shown", el)
    else:
        page.report("text-contrast", False, message, el)
