"""Annex 3 (OER quality criteria) checks on the metadata record plus what the format checker found.

One verdict per rule and resource. Text heuristics search the content's text and headings; the
metadata's title, description, subjects and inline Moodle HTML count as well, but when only they
could be searched a missing phrase gives cantTell (the content itself was not seen), not failed.
Licence items (A3.content.2, A3.findability.3) are checked by checkers/licence.py.
"""
from __future__ import annotations

from typing import Any, Mapping

from checkers.facts import TEXT_LIMIT, ContentFacts
from checkers.findings import CANT_TELL, FAILED, Finding
from checkers.oer_common import Subject, Verdicts, as_list, authors_of, begin, field_text, quote_list
from checkers.oer_text import (citations, find_phrases, fold, looked_for, mentions_author,
                               packed_names, reference_headings)
from rules.catalogue import catalogue

MANUAL = {
    "oer-research-based": "whether the content is research-based and meets the quality criteria of its field",
    "oer-peer-reviewed": "whether the resource has been peer reviewed (no review is recorded yet)",
    "oer-varied-use": "whether the resource and its parts can be used in a variety of teaching situations",
    "oer-target-groups": "whether the resource has been adapted to the needs of its target groups",
}
RULES = ("oer-research-based", "oer-sources-cited", "oer-peer-reviewed", "oer-learning-objectives",
         "oer-varied-use", "oer-accessible", "oer-usage-information", "oer-target-groups",
         "oer-published-openly", "oer-metadata-complete", "oer-curriculum-link",
         "oer-author-missing", "oer-authors-not-separated", "oer-update-cycle")
DESCRIPTION_WORDS = 15   # a description this long tells a user what the resource is
SHORT_TEXT_WORDS = 100   # below this a text may well use no sources


def _html_text(markup: Any) -> str:
    if not isinstance(markup, str) or not markup.strip():
        return ""
    from lxml import etree, html as lxml_html
    try:
        return lxml_html.fromstring(markup[:500_000]).text_content()[:TEXT_LIMIT]
    except (ValueError, TypeError, etree.ParserError):
        return ""


class Texts:
    """The folded texts a heuristic searches: the content's, and the metadata's."""

    def __init__(self, subject: Subject):
        facts, meta = subject.facts, subject.metadata
        self.content = fold("\n".join([facts.text, *facts.headings, *facts.keywords])) if subject.has_text else ""
        parts = [field_text(meta.get("title")), field_text(meta.get("description")),
                 field_text(meta.get("subjects")), _html_text(meta.get("content_html"))]
        self.metadata = fold("\n".join(p for p in parts if p)[:TEXT_LIMIT])

    def find(self, key: str) -> tuple[list[str], str]:
        """Phrases found, and where ('content' or 'metadata')."""
        hits = find_phrases(self.content, key)
        if hits:
            return hits, "the content"
        hits = find_phrases(self.metadata, key)
        return hits, "the metadata (title, description, subjects, page text)"


def _capital(phrase: str) -> str:
    return phrase[:1].upper() + phrase[1:]


def _heuristic(v: Verdicts, subject: Subject, rule: str, hits: list[str], where: str, what: str,
               looked: str) -> None:
    """The common shape of a text heuristic's verdict."""
    if hits:
        v.passed(rule, f"Found {what} in {where}: {quote_list(hits, 4)}")
    elif subject.has_text and not subject.facts.text_complete:
        v.cant_tell(rule, f"{_capital(what)} was not found in the part of the text that was read (long documents "
                    f"are read in part); we looked for {looked}. A reviewer must check the rest.")
    elif subject.has_text:
        v.failed(rule, f"{_capital(what)} was not found; we looked for {looked}.")
    elif subject.has_content and not subject.content_readable:
        v.cant_tell(rule, f"The content could not be read, so {what} could not be looked for; a "
                    "reviewer must check.")
    elif subject.has_content:
        v.cant_tell(rule, f"The {subject.facts.format} content has no text to search for {what}; "
                    "a reviewer must check.")
    else:
        v.cant_tell(rule, f"The metadata does not mention {what} and the content was not checked "
                    f"(metadata-only record); we looked for {looked}. A reviewer must check the resource.")


def check_oer(metadata: Mapping[str, Any], facts: ContentFacts, found: list[Finding],
              ctx: Any) -> list[Finding]:
    subject, v = begin(metadata, facts, found, RULES)
    if subject.nothing:
        return v.findings()
    texts = Texts(subject)
    for rule, what in MANUAL.items():
        v.cant_tell(rule, f"A reviewer must judge this: {what}.")
    _sources(v, subject, texts)
    hits, where = texts.find("learning_objectives")
    _heuristic(v, subject, "oer-learning-objectives", hits, where, "a sentence describing learning "
               "objectives", looked_for("learning_objectives"))
    _accessible(v, subject, found)
    _usage(v, subject, texts)
    _published(v, subject)
    _metadata_complete(v, subject)
    _curriculum(v, subject, texts)
    _authors_rules(v, subject)
    _update_cycle(v, subject, texts)
    return v.findings()


def _sources(v: Verdicts, subject: Subject, texts: Texts) -> None:
    rule = "oer-sources-cited"
    facts = subject.facts
    content_text = facts.text if subject.has_text else ""
    headings = reference_headings(facts.headings if subject.has_text else [], content_text)
    cites = citations(content_text)
    evidence = [f"heading {quote_list(headings, 2)}"] if headings else []
    evidence += [f"DOI {d}" for d in cites["doi"][:2]] + [f"{i}" for i in cites["isbn"][:2]]
    evidence += [f"citation {c}" for c in cites["author-year"][:2]]
    if len(cites["numbered"]) >= 2:
        evidence.append(f"numbered citations {', '.join(cites['numbered'][:3])}")
    where = "the content"
    if not evidence and not subject.has_text:
        meta_text = "\n".join(x for x in (field_text(subject.metadata.get("description")),
                                            _html_text(subject.metadata.get("content_html"))) if x)
        meta_cites = citations(meta_text)
        evidence = [f"DOI {d}" for d in meta_cites["doi"][:2]] + meta_cites["isbn"][:2]
        evidence += [f"citation {c}" for c in meta_cites["author-year"][:2]]
        evidence += [f"heading {h}" for h in reference_headings([], meta_text)]
        where = "the metadata"
    looked = ("a heading such as " + looked_for("references_headings")
              + ", DOIs, ISBNs, citations like “(Smith, 2020)” or [1]")
    if evidence:
        v.passed(rule, f"Sources are cited in {where}: " + "; ".join(evidence[:4]))
    elif subject.has_text and max(facts.word_count, len(facts.text.split())) < SHORT_TEXT_WORDS:
        v.cant_tell(rule, f"No sources were found in this short text; we looked for {looked}. If the "
                    "resource uses sources, cite them.")
    else:
        _heuristic(v, subject, rule, [], where, "a citation or list of sources", looked)


def _accessible(v: Verdicts, subject: Subject, found: list[Finding]) -> None:
    rule = "oer-accessible"
    cat = catalogue()
    a2 = [f for f in found if f.rule in cat and cat[f.rule].annex.startswith("A2.")]
    failed = [f for f in a2 if f.outcome == FAILED]
    unsure = [f for f in a2 if f.outcome == CANT_TELL]
    if not subject.has_content:
        v.cant_tell(rule, "The content was not checked (metadata-only record); a reviewer must judge "
                    "whether the resource is accessible.")
    elif not a2:
        v.cant_tell(rule, f"No accessibility checks ran on this {subject.facts.format} content; a "
                    "reviewer must judge whether it is accessible.")
    else:
        rules = sorted({f.rule for f in failed})
        problems = (f"{len(failed)} problem(s) ({', '.join(rules[:8])})" if failed else "no problems")
        v.cant_tell(rule, f"The automatic accessibility checks found {problems} and {len(unsure)} "
                    "item(s) for a person to check; they make up the accessibility score. A reviewer "
                    "must judge what automatic checks cannot see.")


def _usage(v: Verdicts, subject: Subject, texts: Texts) -> None:
    rule = "oer-usage-information"
    description = field_text(subject.metadata.get("description")).strip()
    words = len(description.split())
    if words >= DESCRIPTION_WORDS:
        v.passed(rule, f"The metadata has a description of {words} words")
        return
    hits, where = texts.find("usage_information")
    looked = (f"a metadata description of at least {DESCRIPTION_WORDS} words "
              f"(found {words}), or " + looked_for("usage_information"))
    _heuristic(v, subject, rule, hits, where, "information for using the resource", looked)


def _published(v: Verdicts, subject: Subject) -> None:
    rule = "oer-published-openly"
    openness = subject.metadata.get("openness")
    landing = subject.metadata.get("landing_page")
    if not subject.has_metadata and not openness:
        v.inapplicable(rule, "no metadata record was given, so where it is published is unknown")
    elif openness == "open":
        v.passed(rule, "Published in an open repository" + (f" ({landing})" if landing else ""))
    elif openness == "login":
        course = _moodle_course(subject.metadata)
        v.failed(rule, "The resource is in a course behind a login"
                 + (f" (Moodle course {course})" if course else "")
                 + ", so others cannot find or reuse it; publish it on an open platform as well.")
    else:
        v.cant_tell(rule, "The record does not say whether the resource is openly published "
                    f"(openness: {openness!r}); a reviewer must check.")


def _moodle_course(meta: Mapping[str, Any]) -> str | None:
    """The Moodle course a record belongs to (harvester.moodle_records: course_fullname…)."""
    moodle = meta.get("moodle")
    if not isinstance(moodle, Mapping):
        return None
    for key in ("course_fullname", "course_shortname", "course", "course_id", "courseid"):
        if moodle.get(key) not in (None, ""):
            return str(moodle[key])
    return None


FIELDS = (("title", ("title",)), ("description", ("description",)),
          ("keywords or subjects", ("subjects",)), ("language", ("language",)),
          ("date", ("created", "modified")), ("type or format", ("resource_type", "formats")))


def _metadata_complete(v: Verdicts, subject: Subject) -> None:
    rule = "oer-metadata-complete"
    meta = subject.metadata
    if not subject.has_metadata:
        v.inapplicable(rule, "no metadata record was given (use --metadata to check one)")
        return
    missing = [name for name, keys in FIELDS if not any(_filled(meta.get(k)) for k in keys)]
    if "type or format" in missing and any(isinstance(f, Mapping) and f.get("media_type")
                                           for f in as_list(meta.get("files"))):
        missing.remove("type or format")
    if not missing:
        v.passed(rule, "Title, description, keywords, language, date and type/format are all filled in")
        return
    facts = subject.facts
    hints = []
    if "title" in missing and facts.title:
        hints.append(f"the file's own title is “{facts.title[:80]}”")
    if "language" in missing and facts.language:
        hints.append(f"the file says its language is {facts.language}")
    if "keywords or subjects" in missing and facts.keywords:
        hints.append(f"the file has keywords {quote_list(facts.keywords, 4)}")
    v.failed(rule, "The metadata lacks: " + ", ".join(missing) + "."
             + (" Copy from the file: " + "; ".join(hints) + "." if hints else ""))


def _filled(value: Any) -> bool:
    if isinstance(value, str):
        return bool(value.strip())
    if isinstance(value, (list, tuple)):
        return any(_filled(x) for x in value)
    return value is not None


def _curriculum(v: Verdicts, subject: Subject, texts: Texts) -> None:
    rule = "oer-curriculum-link"
    meta = subject.metadata
    relations = [r for r in as_list(meta.get("relations")) if isinstance(r, str) and r.strip()]
    course = _moodle_course(meta)
    if relations:
        v.passed(rule, f"The metadata links it to {quote_list(relations, 3)}")
        return
    if course:
        v.passed(rule, f"It is part of Moodle course {course}")
        return
    hits, where = texts.find("curriculum")
    _heuristic(v, subject, rule, hits, where, "a link to study modules or curricula",
               "metadata relations (isPartOf, a course), " + looked_for("curriculum"))


def _authors_rules(v: Verdicts, subject: Subject) -> None:
    authors = authors_of(subject.metadata, subject.facts)
    if authors:
        v.passed("oer-author-missing", f"Author(s): {quote_list(authors, 5)}")
    elif subject.has_text and mentions_author(subject.facts.text):
        v.cant_tell("oer-author-missing", "No author is recorded in the metadata or the document "
                    "properties, but the text seems to name one (an “Author:” line); a reviewer must "
                    "check it and add it to the metadata's creators.")
    elif subject.has_content and not subject.content_readable and not subject.has_metadata:
        v.cant_tell("oer-author-missing", "The content could not be read; a reviewer must check the authors.")
    elif subject.has_text and not subject.facts.text_complete:
        v.cant_tell("oer-author-missing", "No author is recorded in the metadata or the document "
                    "properties, and only part of the text was read; a reviewer must check the "
                    "authors and add them to the metadata's creators.")
    else:
        where = ["the metadata (creators, files[].author, Moodle author)"] if subject.has_metadata else []
        if subject.has_content:
            where.append("the document's author properties and “Author:” lines")
        v.failed("oer-author-missing", f"No author found in {' and '.join(where)}.")
    rule = "oer-authors-not-separated"
    if not authors:
        v.inapplicable(rule, "no author was found (see oer-author-missing)")
    for name in authors:
        verdict = packed_names(name)
        if verdict is None:
            v.passed(rule, f"“{name}” is one entry")
        elif verdict[0] == "strong":
            v.failed(rule, f"The creator entry “{name}” seems to hold several people ({verdict[1]}); "
                     "enter each author separately.", evidence=name)
        else:
            v.cant_tell(rule, f"The creator entry “{name}” may hold several people ({verdict[1]}); if "
                        "so, enter each author separately.", evidence=name)


def _update_cycle(v: Verdicts, subject: Subject, texts: Texts) -> None:
    rule = "oer-update-cycle"
    review = {k: d for k, d in subject.facts.dates.items() if k in ("review", "valid", "expires") and d}
    if review:
        v.passed(rule, "The content gives " + ", ".join(f"a {k} date ({d})" for k, d in review.items()))
        return
    hits, where = texts.find("update_cycle")
    dates = [f"{k} {subject.metadata.get(k)}" for k in ("created", "modified") if subject.metadata.get(k)]
    looked = looked_for("update_cycle")
    if dates:
        looked += (f". The metadata's dates ({', '.join(dates)}) say when the record changed, not "
                   "when the content should be checked again")
    _heuristic(v, subject, rule, hits, where, "an update cycle, review date or validity date", looked)
