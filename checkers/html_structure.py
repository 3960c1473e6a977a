"""Headings and lists (Annex 2, headings and texts 1-4; WCAG 1.3.1, 2.4.6).

Heading levels are judged relative to the previous heading only: Moodle page content and course
summaries are fragments that legitimately start at h3 or h4 inside the theme's own headings.
"""
from __future__ import annotations

import re

from checkers.htmldoc import HEADING_TAGS, Page

RULES = ("page-no-headings", "heading-empty", "heading-order", "heading-fake", "page-too-long",
         "list-handmade")
NO_HEADINGS_WORDS = 300     # Brickfield no_headings
TOO_LONG_WORDS = 500        # Brickfield content_too_long, Annex 2 headings 4
WORDS_PER_HEADING = 250     # a long page with fewer headings than one per this many words is a wall of text
FAKE_MAX_WORDS = 10
FAKE_MAX_CHARS = 80
LARGE_PX = 20.0             # 15pt: clearly bigger than 16px body text

_BULLET = re.compile(r"^\s*(?:[•◦▪▫●○■□‣⁃∙·\-\*–—➢➤►✓✔]\s+|(\d{1,2})[.)]\s+|\(?([a-zA-Z])\)\s+)")
_SENTENCE_END = (".", ",", ";", "!", "?", ":")
EMPHASIS_TAGS = frozenset({"b", "strong"})
INLINE_WRAPPERS = frozenset({"span", "font", "u", "i", "em", "big", "a"})
BLOCK_CHILDREN = frozenset({"p", "div", "ul", "ol", "table", "h1", "h2", "h3", "h4", "h5", "h6",
                            "blockquote", "section", "article", "figure", "pre", "dl"})


def check(page: Page) -> None:
    visible = [h for h in page.headings if not page.hidden(h)]
    _headings(page, visible)
    words = page.word_count
    if words > NO_HEADINGS_WORDS:
        page.report("page-no-headings", bool(visible),
                    f"The text has {words} words and no headings: structure it with headings", page.body,
                    evidence=f"{words} words, 0 headings")
    elif visible:
        page.report("page-no-headings", True, "")
    if words > TOO_LONG_WORDS:
        enough = len(visible) >= words // WORDS_PER_HEADING
        page.report("page-too-long", None if enough else False,
                    f"The page has {words} words"
                    + ("" if enough else f" and only {len(visible)} heading(s)")
                    + ": if this is a course page, keep it concise and move long parts to sub-pages",
                    page.body, evidence=f"{words} words, {len(visible)} headings")
    else:
        page.report("page-too-long", True, "")
    _fake_headings(page, len(visible))
    _lists(page)


def _level(el) -> int:
    if el.tag in HEADING_TAGS:
        return int(el.tag[1])
    try:
        return max(1, min(9, int((el.get("aria-level") or "2").strip())))
    except ValueError:
        return 2


def _headings(page: Page, headings: list) -> None:
    previous = None
    for h in headings:
        page.report("heading-empty", bool(page.name(h)),
                    "Heading has no text: remove it or give it text", h)
        level = _level(h)
        if previous is not None:
            page.report("heading-order", level <= previous + 1,
                        f"Heading level jumps from {previous} to {level}: do not skip levels", h)
        previous = level


def _emphasised(page: Page, el) -> bool:
    if el.tag in EMPHASIS_TAGS or el.tag in HEADING_TAGS:
        return True
    if page.has_css:
        style = page.styles.style(el)
        return style.bold or style.font_px >= LARGE_PX
    return False


def _all_emphasised(page: Page, el, depth: int = 0) -> bool:
    """All the text of `el` is bold or large (in el itself, or in its inline children)."""
    if _emphasised(page, el):
        return True
    if depth > 4 or (el.text or "").strip():
        return False
    has_text = False
    for child in el:
        if (child.tail or "").strip():
            return False
        if child.tag == "br":
            continue
        if child.tag not in EMPHASIS_TAGS and child.tag not in INLINE_WRAPPERS:
            return False
        if "".join(child.itertext()).strip():
            if not _all_emphasised(page, child, depth + 1):
                return False
            has_text = True
    return has_text


def _fake_headings(page: Page, real_headings: int) -> None:
    for p in page.by_tag["p"] + [d for d in page.by_tag["div"] if not _has_block_child(d)]:
        parent = p.getparent()
        if parent is None or parent.tag in ("li", "td", "th", "label", "figcaption", "a", "blockquote"):
            continue
        text = page.text(p)
        if not text or len(text) > FAKE_MAX_CHARS or len(text.split()) > FAKE_MAX_WORDS:
            continue
        if text.endswith(_SENTENCE_END) or _BULLET.match(text):
            continue
        if len(p) == 1 and p[0].tag == "a" and not (p.text or "").strip():
            continue
        if not _all_emphasised(page, p) or page.hidden(p):
            continue
        follower = p.getnext()
        if follower is None or follower.tag not in ("p", "div", "ul", "ol", "table", "blockquote", "dl"):
            continue
        follower_text = page.text(follower)
        if follower.tag in ("p", "div") and (len(follower_text.split()) <= len(text.split()) + 3
                                             or _all_emphasised(page, follower)):
            continue
        page.report("heading-fake", False,
                    f"{text[:60]!r} looks like a heading (short, bold or large, followed by text) but is "
                    "not marked up as one: use the editor's heading style", p)
    if real_headings:
        page.rec.passed("heading-fake", real_headings)


def _has_block_child(el) -> bool:
    return any(child.tag in BLOCK_CHILDREN for child in el)


def _lines(el) -> list[str]:
    """The lines of a block split at <br>."""
    lines, current = [], [el.text or ""]
    for child in el:
        if child.tag == "br":
            lines.append("".join(current))
            current = [child.tail or ""]
        else:
            current.append("".join(child.itertext()))
            current.append(child.tail or "")
    lines.append("".join(current))
    return [line for line in (ln.strip() for ln in lines) if line]


def _marker(text: str) -> str | None:
    m = _BULLET.match(text)
    if not m:
        return None
    if m.group(1):
        return "number"
    if m.group(2):
        return "letter"
    return "bullet"


def _lists(page: Page) -> None:
    for lst in page.by_tag["ul"] + page.by_tag["ol"]:
        if not page.hidden(lst) and lst.find("li") is not None:
            page.report("list-handmade", True, "")
    with_breaks = {br.getparent() for br in page.by_tag["br"]}
    for block in page.by_tag["p"] + page.by_tag["div"]:
        parent = block.getparent()
        if parent is None or parent.tag == "li" or page.hidden(block):
            continue
        if block in with_breaks:  # lines split at <br>
            marked = [m for m in (_marker(line) for line in _lines(block)) if m]
            if len(marked) >= 2 and len(set(marked)) == 1:
                page.report("list-handmade", False,
                            "Lines starting with bullets or numbers typed by hand: use the editor's list "
                            "button so that screen readers announce a list", block)
                continue
        # consecutive sibling paragraphs that each start with a marker
        kind = _marker(page.text(block)[:12]) if block.tag == "p" else None
        if kind is None:
            continue
        previous = block.getprevious()
        if previous is not None and previous.tag == "p" and _marker(page.text(previous)[:12]) == kind:
            continue  # not the first of its run
        nxt = block.getnext()
        if nxt is not None and nxt.tag == "p" and _marker(page.text(nxt)[:12]) == kind:
            page.report("list-handmade", False,
                        "Paragraphs starting with bullets or numbers typed by hand: use the editor's "
                        "list button so that screen readers announce a list", block)
