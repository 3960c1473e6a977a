"""What the licence and Annex 3 checks need to know about an HTML page (checkers.facts):
text, title, language, headings, links, authors, keywords, dates and licence clues."""
from __future__ import annotations

import json
import re
from urllib.parse import urljoin, urlsplit

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
_CC_TEXT = re.compile(r"creative\s*commons|\bCC[\s-]?(BY|0\b)|\bCC0\b", re.IGNORECASE)


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
            facts.links.append(urljoin(base_url, href) if base_url else href)
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
        rels = (link.get("rel") or "").lower().split()
        full = urljoin(base_url, href) if base_url else href
        if "license" in rels:
            facts.licences.append(LicenceClue(full, "html:rel=license", "url"))
        elif "creativecommons.org/licenses/" in href or "creativecommons.org/publicdomain/" in href:
            facts.licences.append(LicenceClue(full, "html:a", "url"))
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
    """Visible text with one line per block; sentences naming a CC licence become clues."""
    body = page.body
    for el in body.iter(*BLOCKS):
        el.tail = "\n" + (el.tail or "")
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
    lines = [squash(line) for line in "".join(body.itertext()).split("\n")]
    text = "\n".join(line for line in lines if line)
    facts.add_text(text)
    found, after = 0, -1
    for m in _CC_TEXT.finditer(text):  # one scan of the whole text, then cut out the sentence
        if found >= MAX_TEXT_CLUES:
            break
        if m.start() < after:
            continue
        line_start = text.rfind("\n", 0, m.start()) + 1
        line_end = text.find("\n", m.end())
        line_end = len(text) if line_end < 0 else line_end
        start = max(line_start, text.rfind(". ", line_start, m.start()) + 2 if text.rfind(". ", line_start, m.start()) >= 0 else line_start)
        end = text.find(". ", m.end(), line_end)
        end = line_end if end < 0 else end + 1
        facts.licences.append(LicenceClue(text[start:end].strip()[:300], "html:text", "text"))
        found, after = found + 1, end
