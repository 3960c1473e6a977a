"""Text heuristics for the Annex 3 checks, in the alliance's ten languages.

The phrases live in `oer_lexicon.yaml`; a phrase matches at the start of a word and may go on
(a stem), short ones (four characters or fewer) only as whole words. Messages quote what was
looked for, so an author can see why a heuristic did not find what they wrote.
"""
from __future__ import annotations

import functools
import re
import unicodedata
from pathlib import Path
from typing import Iterable

from rules import yamlfile

LEXICON_FILE = Path(__file__).with_name("oer_lexicon.yaml")

# A DOI (10.prefix/suffix), an ISBN, "(Author, 2020)", "(Author et al. 2020: 12)", "Author (2020)".
_DOI = re.compile(r"\b10\.\d{4,9}/[^\s\"<>]*[^\s\"<>.,;:)\]]")
_ISBN = re.compile(r"\bISBN(?:-1[03])?:?\s*(?=[\dX -]{10,17}\b)[\dX][\dX -]{8,15}[\dX]\b", re.IGNORECASE)
_AUTHOR_YEAR = re.compile(
    r"\(\s*[A-ZÀ-ÖØ-ÞΑ-ΩА-Я][\w'’\-]+(?:\s+(?:et al\.?|and|&|und|y|ja|e|et|και|и|și|och)\s*"
    r"(?:[A-ZÀ-ÖØ-ÞΑ-ΩА-Я][\w'’\-]+)?)?,?\s+(?:19|20)\d\d[a-z]?(?:[,:]\s*(?:p\.\s*)?\d+(?:[-–]\d+)?)?\s*\)"
    r"|\b[A-ZÀ-ÖØ-ÞΑ-ΩА-Я][\w'’\-]+(?:\s+et al\.?)?\s+\((?:19|20)\d\d[a-z]?\)")
_NUMBERED = re.compile(r"\[\d{1,3}(?:\s*[,–-]\s*\d{1,3})*\]")


@functools.cache
def lexicon() -> dict[str, list[str]]:
    return yamlfile.load(LEXICON_FILE.read_text(encoding="utf-8"))


def fold(text: str | None) -> str:
    """Case-folded NFC text; typographic apostrophes and Romanian cedilla letters unified."""
    if not text:
        return ""
    text = unicodedata.normalize("NFC", text).casefold()
    return (text.replace("’", "'").replace("ş", "ș").replace("ţ", "ț")
            .replace("\u00a0", " "))


def _pattern(phrase: str) -> str:
    p = re.escape(fold(phrase).strip())
    p = p.replace(r"\ ", r"\s+")
    end = r"(?!\w)" if len(phrase.strip()) <= 4 else ""
    return p + end


def phrases(key: str) -> list[str]:
    """All phrases of one list, every language."""
    entry = lexicon()[key]
    if isinstance(entry, dict):
        return [p for words in entry.values() for p in words]
    return list(entry)


@functools.cache
def _regex(key: str) -> re.Pattern[str]:
    phrases_ = sorted(phrases(key), key=len, reverse=True)
    # The word-start test stays outside the alternation: branches that begin with a literal let
    # the regex engine skip them after one character, which makes the search ~10x faster.
    return re.compile(r"(?<!\w)(?:" + "|".join(_pattern(p) for p in phrases_) + ")")


def find_phrases(folded_text: str, key: str, limit: int = 5) -> list[str]:
    """The phrases of one lexicon list found in (already folded) text."""
    found: list[str] = []
    for m in _regex(key).finditer(folded_text):
        found.append(re.sub(r"\s+", " ", m.group(0)))
        if len(set(found)) >= limit:
            break
    return list(dict.fromkeys(found))


def looked_for(key: str) -> str:
    """The first phrase of each language of one list, for messages."""
    firsts = [words[0] for words in lexicon()[key].values() if words]
    return ", ".join(f"“{p}”" for p in firsts) + " and similar phrases"


def mentions_author(text: str | None) -> bool:
    return bool(find_phrases(fold(text), "author_labels", 1))


@functools.cache
def _reference_headings() -> frozenset[str]:
    return frozenset(fold(h).strip() for h in phrases("references_headings"))


_NUMBERING = re.compile(r"^[\d.\s]+")


def reference_headings(headings: Iterable[str], text: str | None) -> list[str]:
    """Headings (or short lines of plain text) that open a list of sources."""
    wanted = _reference_headings()   # folded once, not once per resource
    candidates = list(headings) + [line for line in (text or "").splitlines() if len(line) <= 40]
    found = []
    for c in candidates:
        t = _NUMBERING.sub("", fold(c)).strip(" :.\t")  # "7. References:" → "references"
        if t in wanted:
            found.append(c.strip())
    return list(dict.fromkeys(found))


def citations(text: str | None) -> dict[str, list[str]]:
    """DOIs, ISBNs, author-year citations and numbered citations [1] in the text."""
    text = text or ""
    return {"doi": _DOI.findall(text)[:5], "isbn": _ISBN.findall(text)[:5],
            "author-year": [m.group(0) for m in _AUTHOR_YEAR.finditer(text)][:5],
            "numbered": _NUMBERED.findall(text)[:5]}


def packed_names(creator: str) -> tuple[str, str] | None:
    """Does one creator entry pack several names? ('strong' | 'weak', why) or None.

    strong: a semicolon, slash, bar or line break between names, or several "Surname, I." pairs;
    weak: a conjunction between names ("Smith and Doe"), which organisations also use
    ("Department of Research and Development").
    """
    text = creator.strip()
    if re.search(r"[;|\n]|\s/\s", text):
        return "strong", "names separated by “;”, “/” or “|” in one entry"
    if len(re.findall(r"[A-ZÀ-ÖØ-ÞΑ-ΩА-Я][\w'’\-]+,\s*(?:[A-ZÀ-ÖØ-ÞΑ-ΩА-Я]\.\s*)+", text)) >= 2:
        return "strong", "several “Surname, Initial.” names in one entry"
    if text.count(",") >= 2 and not re.search(
            r"\b(?:univ\w*|institut\w*|department|dept|faculty|school|ltd|inc|gmbh|oy|ab|"
            r"phd|ph\.d|dr|prof|jr|sr|msc|md)\b", text, re.I):
        return "strong", "several comma-separated names in one entry"
    conj = "|".join(re.escape(c) for c in lexicon()["name_conjunctions"])
    if re.search(rf"\S\s+(?:{conj})\s+\S", text):
        return "weak", "a conjunction between names in one entry"
    return None
