"""What a format checker learned about a resource's content, for the checks that come after it.

The licence and Annex 3 (OER quality) checks do not parse files: each format checker (html, pdf,
pptx, docx, media) fills one `ContentFacts` with the text and the metadata it found inside the
file, and those checks read it together with the harvested metadata.
"""
from __future__ import annotations

from dataclasses import dataclass, field

TEXT_LIMIT = 200_000  # characters of text kept for heuristics; enough for any learning objective


@dataclass
class LicenceClue:
    """One statement about the licence found in the content (not yet normalised)."""
    value: str          # a URL, a licence name, a badge image URL, a sentence
    where: str          # e.g. "html:rel=license", "html:json-ld", "html:badge", "pdf:xmp", "docx:core"
    kind: str = "text"  # "url" | "text" | "badge"


@dataclass
class ContentFacts:
    format: str                                       # html, pdf, pptx, docx, media, metadata, unknown
    text: str = ""                                    # visible text, capped at TEXT_LIMIT
    title: str | None = None
    language: str | None = None
    authors: list[str] = field(default_factory=list)
    licences: list[LicenceClue] = field(default_factory=list)
    links: list[str] = field(default_factory=list)    # absolute or raw hrefs, in document order
    headings: list[str] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)
    dates: dict[str, str] = field(default_factory=dict)  # created / modified / review, ISO text
    word_count: int = 0
    pages: int | None = None                          # pages or slides, where that means something
    # False when only part of the text was read (a long PDF's first and last pages, the text cap):
    # a phrase not found may then sit in what was not read, so text heuristics say cantTell.
    text_complete: bool = True

    def add_text(self, text: str) -> None:
        if text and len(self.text) + len(text) > TEXT_LIMIT:
            self.text_complete = False
        if len(self.text) < TEXT_LIMIT and text:
            self.text = (self.text + "\n" + text)[:TEXT_LIMIT] if self.text else text[:TEXT_LIMIT]
