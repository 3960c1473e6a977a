"""What the licence and Annex 3 checks need to know about an HTML page (checkers.facts):
text, title, language, headings, links, authors, keywords, dates and licence clues."""
from __future__ import annotations

import functools
import json
import re
from urllib.parse import urlsplit

from lxml import etree

from checkers import licence_detect
from checkers.accname import squash
from checkers.facts import ContentFacts, LicenceClue
from checkers.htmldoc import Page

MAX_JSONLD = 1_000_000
MAX_LINKS = 2_000
MAX_TEXT_CLUES = 5
BLOCKS = ("p", "div", "li", "h1", "h2", "h3", "h4", "h5", "h6", "td", "th", "tr", "br", "section",
          "article", "blockquote", "pre", "dt", "dd", "figcaption", "caption", "table", "ul", "ol")
AUTHOR_META = {"author", "dc.creator", "dcterms.creator", "citation_author", "article:author",
               "dc.contributor", "creator"}
KEYWORD_META = {"keywords", "dc.subject", "dcterms.subject", "article:tag", "citation_keywords"}
DATE_META = {"dc.date": "created", "dcterms.created": "created", "dcterms.issued": "created",
             "dc.date.created": "created", "article:published_time": "created",
             "citation_publication_date": "created", "dcterms.modified": "modified",
             "dc.date.modified": "modified", "article:modified_time": "modified",
             "og:updated_time": "modified", "last-modified": "modified", "revised": "modified",
             "dcterms.valid": "review", "review-date": "review"}
JSONLD_DATES = {"datePublished": "created", "dateCreated": "created", "dateModified": "modified"}
BADGE_HOSTS = ("licensebuttons.net", "i.creativecommons.org", "mirrors.creativecommons.org")


_ARR_PHRASES = tuple(sorted({p.lower() for p in licence_detect.table()["all_rights_reserved"]}, key=len, reverse=True))
_CC_PATTERN = r"creative\s*commons|\bcc[\s-]?(by|0\b)|\bcc0\b"
# The same on lower-cased text, starting with a literal "c" so that the regex engine skips ahead.
_CC_LOWER = re.compile(r"c(?:reative\s*commons|(?<=\bc)c[\s-]?(?:by|0\b))")
# Characters that IGNORECASE matching treats as equal to a letter of those patterns but lower()
# does not map to it (long s, dotless i, Greek symbol forms...; sigma is handled in the pattern).
_SPECIAL_FOLDS = re.compile("[\u00b5\u0130\u0131\u017f\u0345\u03d5\u03d6\u03f0\u03f5\u1c80\u1c83\u1fbe]")


def _arr_pattern(phrases: tuple[str, ...]) -> str:
    """'all rights reserved' phrases, any white space between the words, either Greek sigma."""
    words = (r"\s+".join("".join("[σς]" if ch in "σς" else re.escape(ch) for ch in w) for w in p.split())
             for p in phrases)
    return r"(?<![\w])(?:" + "|".join(words) + r")(?![\w])"


def _arr_key(phrase: str) -> str:
    """A piece of the phrase every match contains once lower-cased: its last word, without a
    final sigma (Σ lower-cases to σ or ς)."""
    return phrase.split()[-1].rstrip("σς")


_LICENCE_TEXT = re.compile(_CC_PATTERN + "|" + _arr_pattern(_ARR_PHRASES), re.IGNORECASE)


@functools.lru_cache(maxsize=64)
def _arr_lower(phrases: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile(_arr_pattern(phrases))


def fill_facts(page: Page, facts: ContentFacts, base_url: str | None) -> None:
    root = page.root
    title = next((t for t in page.by_tag["title"]
                  if t.getparent() is not None and t.getparent().tag != "svg"), None)
    facts.title = squash("".join(title.itertext())) if title is not None else None
    if not facts.title:
        h1 = next(iter(page.by_tag["h1"]), None)
        facts.title = page.text(h1) if h1 is not None else None
    facts.language = (root.get("lang") or "").strip() or None
    facts.headings = [page.text(h) for h in page.headings if not page.hidden(h)][:500]
    for a in page.by_tag["a"]:
        href = (a.get("href") or "").strip()
        if href and not href.lower().startswith(("javascript:", "#", "data:")) and len(facts.links) < MAX_LINKS:
            facts.links.append(page.resolve(href, base_url))
    _meta(page, facts)
    for text in page.jsonld_texts:
        _jsonld(text, facts)
    _licence_links(page, facts, base_url)
    facts.word_count = page.word_count
    _text(page, facts)
    facts.authors = list(dict.fromkeys(a for a in facts.authors if a))[:50]
    facts.keywords = list(dict.fromkeys(k for k in facts.keywords if k))[:200]


def _meta(page: Page, facts: ContentFacts) -> None:
    for meta in page.by_tag["meta"]:
        key = (meta.get("name") or meta.get("property") or meta.get("http-equiv") or "").strip().lower()
        content = squash(meta.get("content"))
        if not key or not content:
            continue
        if key in AUTHOR_META:
            facts.authors.extend(a.strip() for a in re.split(r";|\band\b", content) if a.strip())
        elif key in KEYWORD_META:
            facts.keywords.extend(k.strip() for k in re.split(r"[,;]", content) if k.strip())
        elif key in DATE_META:
            facts.dates.setdefault(DATE_META[key], content)
        elif key == "content-language" and not facts.language:
            facts.language = content.split(",")[0].strip()
        elif key in ("dc.rights", "dcterms.license", "dc.rights.license", "dcterms.rights"):
            facts.licences.append(LicenceClue(content, "html:meta", "url" if content.startswith("http") else "text"))
    for link in page.by_tag["a"] + page.by_tag["link"]:
        rels = (link.get("rel") or "").lower().split()
        if "author" in rels:
            name = page.text(link) if link.tag == "a" else ""
            facts.authors.append(name or (link.get("href") or "").strip())


def _jsonld(text: str, facts: ContentFacts) -> None:
    try:
        data = json.loads(text[:MAX_JSONLD])
    except (ValueError, RecursionError):
        return
    stack, seen = [data], 0
    while stack and seen < 500:
        item = stack.pop()
        seen += 1
        if isinstance(item, list):
            stack.extend(item[:100])
            continue
        if not isinstance(item, dict):
            continue
        for key in ("author", "creator"):
            for person in _as_list(item.get(key)):
                name = person.get("name") if isinstance(person, dict) else person
                if isinstance(name, str):
                    facts.authors.append(squash(name))
        for value in _as_list(item.get("license")):
            url = value.get("url") or value.get("@id") or value.get("name") if isinstance(value, dict) else value
            if isinstance(url, str) and url.strip():
                facts.licences.append(LicenceClue(url.strip(), "html:json-ld",
                                                  "url" if url.strip().startswith("http") else "text"))
        for key, slot in JSONLD_DATES.items():
            if isinstance(item.get(key), str):
                facts.dates.setdefault(slot, item[key])
        keywords = item.get("keywords")
        if isinstance(keywords, str):
            facts.keywords.extend(k.strip() for k in keywords.split(","))
        elif isinstance(keywords, list):
            facts.keywords.extend(k for k in keywords if isinstance(k, str))
        for key in ("@graph", "mainEntity", "hasPart"):
            if isinstance(item.get(key), (list, dict)):
                stack.append(item[key])


def _as_list(value) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _licence_links(page: Page, facts: ContentFacts, base_url: str | None) -> None:
    for link in page.by_tag["a"] + page.by_tag["link"]:
        href = (link.get("href") or "").strip()
        if not href:
            continue
        rel = link.get("rel")
        if rel and "license" in rel.lower().split():
            facts.licences.append(LicenceClue(page.resolve(href, base_url), "html:rel=license", "url"))
        elif "creativecommons.org/licenses/" in href or "creativecommons.org/publicdomain/" in href:
            facts.licences.append(LicenceClue(page.resolve(href, base_url), "html:a", "url"))
    for img in page.by_tag["img"]:
        src = (img.get("src") or "").strip()
        try:
            parts = urlsplit(src)
        except ValueError:
            continue
        host = (parts.hostname or "").lower()
        if host in BADGE_HOSTS and re.match(r"^/(l|p)/", parts.path):
            facts.licences.append(LicenceClue(src, "html:badge", "badge"))


def _text(page: Page, facts: ContentFacts) -> None:
    """Visible text with one line per block; sentences naming a CC licence or reserving all
    rights become clues."""
    body = page.body
    for el in body.iter(*BLOCKS):
        el.tail = "\n" + (el.tail or "")
    if page.has_hidden_attribute:
        for el in body.xpath(".//*[@hidden]"):
            parent = el.getparent()
            if parent is not None:
                # drop the element but keep the text that follows it
                previous = el.getprevious()
                if previous is not None:
                    previous.tail = (previous.tail or "") + (el.tail or "")
                else:
                    parent.text = (parent.text or "") + (el.tail or "")
                parent.remove(el)
    # All the text in one serialisation (libxml2's text output equals joining itertext(), faster),
    # then white space folded per line and empty lines dropped.
    raw = etree.tostring(body, method="text", encoding=str, with_tail=False)
    text = "\n".join([line for line in [" ".join(piece.split()) for piece in raw.split("\n")] if line])
    facts.add_text(text)
    found, after = 0, -1
    for m_start, m_end in _licence_sentences(text):  # one scan of the text, then cut out the sentence
        if found >= MAX_TEXT_CLUES:
            break
        if m_start < after:
            continue
        line_start = text.rfind("\n", 0, m_start) + 1
        line_end = text.find("\n", m_end)
        line_end = len(text) if line_end < 0 else line_end
        stop = text.rfind(". ", line_start, m_start)
        begin = max(line_start, stop + 2) if stop >= 0 else line_start
        end = text.find(". ", m_end, line_end)
        end = line_end if end < 0 else end + 1
        facts.licences.append(LicenceClue(text[begin:end].strip()[:300], "html:text", "text"))
        found, after = found + 1, end


def _licence_sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) of each licence phrase (Creative Commons, all rights reserved) in the text,
    in order. On the lower-cased text, when lower-casing keeps every offset, case-sensitive
    patterns run several times faster than IGNORECASE ones, and the rights phrases are only
    searched for when a key word of theirs occurs at all."""
    low = text.lower()
    if len(low) != len(text) or _SPECIAL_FOLDS.search(text):
        return [m.span() for m in _LICENCE_TEXT.finditer(text)]
    spans = [m.span() for m in _CC_LOWER.finditer(low)]
    present = tuple(p for p in _ARR_PHRASES if _arr_key(p) in low)
    if present:
        # The two kinds of phrase never overlap, so merging their matches equals one combined scan.
        spans = sorted(spans + [m.span() for m in _arr_lower(present).finditer(low)])
    return spans
