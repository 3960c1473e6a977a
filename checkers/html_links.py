"""Links: a name at all (ACT c487ae), descriptive text (WCAG 2.4.4, Annex 2 links 1), raw URLs,
links to files (links 3), links that open a new window (links 2), and the same text used for
different targets.

WCAG 2.4.4 lets a link's purpose come from its programmatically determined context (the sentence,
paragraph, list item or table cell around it, or aria-describedby). So a non-descriptive text is
`failed` only when the link stands alone; inside a sentence it is `cantTell`: the context may
explain it, but Annex 2 still asks for descriptive link text, so a person should look.
"""
from __future__ import annotations

from checkers import textcheck
from checkers.accname import squash
from checkers.htmldoc import Page

RULES = ("link-name", "link-text-non-descriptive", "link-text-url", "link-file-type",
         "link-new-window", "link-text-ambiguous")
CONTEXT_BLOCKS = frozenset({"p", "li", "td", "th", "dd", "dt", "blockquote", "figcaption", "caption"})
CONTEXT_MIN_WORDS = 3
SAME_WINDOW = frozenset({"", "_self", "_parent", "_top"})


def check(page: Page, base_url: str | None) -> None:
    links = [a for a in page.by_tag["a"] if a.get("href") is not None]
    links += [el for el in page.with_role if el.tag != "a" and (el.get("role") or "").strip().lower() == "link"]
    by_text: dict[str, list[tuple[str, object]]] = {}  # normalised text -> (href, link), in order
    for link in links:
        if page.hidden(link):
            continue
        name = page.name(link)
        if not name:
            only_decorative = any(True for _ in link.iter("img")) and not page.text(link)
            page.report("link-name", False, "Link has no accessible name" + (
                " (its only content is an image with an empty alt)" if only_decorative else ""), link)
            continue
        page.report("link-name", True, "")
        title = squash(link.get("title"))
        extra = " ".join(t for t in (page.names.description(link), title if title != name else "") if t)
        _descriptive(page, link, name, extra)
        if textcheck.is_raw_url(name):
            page.report("link-text-url", False,
                        f"The link text is a web address ({name[:60]}): screen readers spell it out; "
                        "name the destination instead", link)
        else:
            page.report("link-text-url", True, "")
        href = (link.get("href") or "").strip()
        ext = textcheck.file_extension(href)
        if ext:
            said = textcheck.mentions_file_type(f"{name} {extra}", ext)
            page.report("link-file-type", said,
                        f"The link {textcheck.file_link_problem(ext)}", link)
        target = link.get("target")
        if target is not None and target.strip().lower() not in SAME_WINDOW:
            page.report("link-new-window", textcheck.mentions_new_window(f"{name} {extra}"),
                        "The link opens a new window or tab without saying so", link)
        if href and not href.startswith(("javascript:", "#")):
            by_text.setdefault(textcheck.normalise(name), []).append((href, link))
    for key, hrefs in by_text.items():
        # Resolving URLs is the costly part: only texts used by links with different hrefs need it.
        targets = {page.resolve(href, base_url).rstrip("/") for href, _ in hrefs} if len(
            {href for href, _ in hrefs}) > 1 else (None,)
        if len(targets) > 1:
            page.report("link-text-ambiguous", None,
                        f"{len(targets)} links share the text {key[:60]!r} but go to different "
                        "places: make each text say where it leads, unless the context does", hrefs[0][1])
        else:
            page.report("link-text-ambiguous", True, "")


def _descriptive(page: Page, link, name: str, extra: str) -> None:
    if not textcheck.is_non_descriptive_link(name):
        page.report("link-text-non-descriptive", True, "")
        return
    if extra and not textcheck.is_non_descriptive_link(extra):
        page.report("link-text-non-descriptive", True, "")  # aria-describedby or title explains it
        return
    context = _context_words(page, link, name)
    if context >= CONTEXT_MIN_WORDS:
        page.report("link-text-non-descriptive", None,
                    f"The link text {name[:40]!r} says nothing by itself; the sentence around it may "
                    "explain it, but descriptive link text is clearer", link)
    else:
        page.report("link-text-non-descriptive", False,
                    f"The link text {name[:40]!r} does not say where the link leads", link)


def _context_words(page: Page, link, name: str) -> int:
    """Words of the enclosing sentence-level block besides the link's own text."""
    node = link.getparent()
    for _ in range(6):
        if node is None:
            return 0
        if node.tag in CONTEXT_BLOCKS:
            break
        node = node.getparent()
    else:
        return 0
    if node is None:
        return 0
    return max(0, len(page.text(node).split()) - len(name.split()))
