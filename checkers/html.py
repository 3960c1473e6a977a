"""The static HTML checker (lxml, no browser): `check_html(data, ctx) -> (findings, facts)`.

One parse (checkers.htmldoc.Page files every element by kind in one pass), then the rule groups:
images, media, links, headings and lists, tables, highlighting, and the page-level rules below.
A fragment (Moodle page content, a course summary: no <html>, <head>, <body> or <title>) makes the
page-level rules inapplicable. `ctx.options["html_fragment"]` forces either reading and
`ctx.options["html_max_bytes"]` changes the size cap.
"""
from __future__ import annotations

import re

import langcodes

from checkers import html_images, html_links, html_media, html_structure, html_style, html_tables
from checkers.facts import ContentFacts
from checkers.findings import CANT_TELL, Finding, Recorder, unreadable
from checkers.html_facts import fill_facts
from checkers.htmldoc import Page, PageError

MAX_BYTES = 5_000_000   # larger "pages" are exports or data dumps, not course content
PAGE_RULES = ("html-lang", "html-lang-valid", "element-lang-valid", "page-title")
RULES = (html_images.RULES + html_media.RULES + html_links.RULES + html_structure.RULES
         + html_tables.RULES + html_style.RULES + PAGE_RULES)
_PRIMARY_SHAPE = re.compile(r"^[A-Za-z]{2,3}$")


def check_html(data: bytes, ctx) -> tuple[list[Finding], ContentFacts]:
    facts = ContentFacts(format="html")
    options = getattr(ctx, "options", None) or {}
    cap = int(options.get("html_max_bytes", MAX_BYTES))
    if len(data) > cap:
        return [unreadable(f"The page is {len(data) / 1e6:.1f} MB, over the {cap / 1e6:g} MB cap of the "
                           "HTML checker: it was not checked", outcome=CANT_TELL)], facts
    try:
        page = Page(data, fragment=options.get("html_fragment"))
    except PageError as exc:
        return [unreadable(f"The page could not be read: {exc}")], facts
    page.rec = Recorder(RULES)
    base_url = getattr(ctx, "base_url", None)
    html_images.check(page)
    html_media.check(page, base_url)
    html_links.check(page, base_url)
    html_structure.check(page)
    html_tables.check(page)
    html_style.check(page)
    _page_rules(page)
    page.flush_overflow()
    if page.truncated_depth:
        page.rec.add(unreadable("The page nests elements more than 255 levels deep; only the part "
                                "above that depth was checked", outcome=CANT_TELL))
    fill_facts(page, facts, base_url)
    return page.rec.findings(), facts


def valid_language_tag(tag: str) -> bool:
    """ACT's "known primary language tag" (bf051a, de46e4): the primary language subtag is in
    the IANA registry. Later subtags do not count ("en-US-GB" passes); ISO 639-2 codes that the
    registry lists under their two-letter form ("eng", "ger") and grandfathered tags ("i-lux")
    fail, having poor support in assistive technologies."""
    primary = tag.strip().split("-", 1)[0]
    if not _PRIMARY_SHAPE.match(primary) or not langcodes.tag_is_valid(primary):
        return False
    return len(primary) == 2 or len(langcodes.standardize_tag(primary)) != 2


def _text_in_language(page: Page, el) -> bool:
    """Has `el` rendered text (or an image's alt text) that takes its language from el's lang,
    not from a descendant's own lang? Text hidden only from assistive technologies (aria-hidden)
    is still visible, so it counts (ACT de46e4, Failed Example 4)."""
    stack = [el]
    while stack:
        node = stack.pop()
        if page.not_rendered(node):
            continue
        if (node.text or "").strip() or (node.tag == "img" and (node.get("alt") or "").strip()):
            return True
        for child in node:
            if (child.tail or "").strip():
                return True
            if isinstance(child.tag, str) and not (child.get("lang") or "").strip():
                stack.append(child)
    return False


def _page_rules(page: Page) -> None:
    for el in page.with_lang:
        raw = el.get("lang") or ""
        # ACT de46e4: a non-empty lang (whitespace counts, and fails) on an element whose own
        # text, or image text alternatives, are in the language it declares.
        if el.tag == "html" or not raw or not _text_in_language(page, el):
            continue
        value = raw.strip()
        page.report("element-lang-valid", bool(value) and valid_language_tag(value),
                    f"lang=\"{raw[:30]}\" is not a valid language tag (use e.g. \"en\", \"fi\", \"de-AT\")", el)
    if page.fragment:
        return
    html = page.root
    lang = (html.get("lang") or "").strip()
    page.report("html-lang", bool(lang), "The page does not say its language: add lang to <html>", html)
    if lang:
        page.report("html-lang-valid", valid_language_tag(lang),
                    f"lang=\"{lang[:30]}\" is not a valid language tag (use e.g. \"en\", \"fi\", \"de-AT\")", html)
    titles = page.by_tag["title"]
    first = next((t for t in titles if t.getparent() is not None and t.getparent().tag != "svg"), None)
    page.report("page-title", first is not None and bool("".join(first.itertext()).strip()),
                "The page has no title (or an empty one): add a <title> that names the page",
                first if first is not None else html)
