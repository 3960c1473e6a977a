"""Licence checks: is there a licence, is it open, does the policy recommend it, do the metadata and
the content agree, is there a CC logo, is the author named for an attribution licence.

Detection lives in `licence_detect` (normalise_licence, detect_licences), the policy in
`licence_policy` (load_policy); both are re-exported here for the format checkers and reports.
"""
from __future__ import annotations

from typing import Any, Mapping

from checkers.facts import ContentFacts
from checkers.findings import Finding
from checkers.licence_detect import (LicenceEvidence, LicenceMatch, LicenceReport, detect_licences,
                                     find_licences, is_badge_url, normalise_licence)
from checkers.licence_policy import (ALLOWED, DISCOURAGED, NOT_OPEN, RECOMMENDED, UNLISTED, Policy,
                                     PolicyError, load_policy)
from checkers.oer_common import Subject, Verdicts, authors_of, begin, quote_list
from checkers.oer_text import mentions_author

__all__ = ["check_licence", "normalise_licence", "find_licences", "detect_licences", "is_badge_url",
           "load_policy", "LicenceMatch", "LicenceReport", "Policy", "PolicyError"]

RULES = ("licence-missing", "licence-not-open", "licence-discouraged", "licence-mismatch",
         "licence-by-without-author", "licence-metadata-missing", "licence-logo-missing")
SEARCHED_METADATA = "the metadata (licence_urls, licence_statements, files[].licence)"
SEARCHED_CONTENT = "the content (licence links and rel=license, JSON-LD, document properties, CC badges, licence sentences)"
BADGE_SOURCES = "licensebuttons.net, i.creativecommons.org or mirrors.creativecommons.org/presskit"


def _where(evidence: list[LicenceEvidence]) -> str:
    return "; ".join(dict.fromkeys(e.where for e in evidence))


def _distinct(evidence: list[LicenceEvidence]) -> list[tuple[LicenceMatch, list[LicenceEvidence]]]:
    """Each licence once, with every place it was found."""
    groups: dict[str, tuple[LicenceMatch, list[LicenceEvidence]]] = {}
    for ev in evidence:
        if ev.match is not None:
            groups.setdefault(ev.match.spdx, (ev.match, []))[1].append(ev)
    return list(groups.values())


def _fallback_class(match: LicenceMatch) -> str:
    """Without a usable policy, judge only what is certain."""
    if match.kind in ("all-rights-reserved", "unknown"):
        return NOT_OPEN
    return ALLOWED if match.kind in ("cc", "cc0", "pdm", "public-domain") else UNLISTED


def check_licence(metadata: Mapping[str, Any], facts: ContentFacts, found: list[Finding],
                  ctx: Any) -> list[Finding]:
    subject, v = begin(metadata, facts, found, RULES)
    if subject.nothing:
        return v.findings()
    policy, policy_problem = None, None
    try:
        policy = load_policy(getattr(ctx, "policy", None))
    except PolicyError as exc:
        policy_problem = str(exc)
    report = detect_licences(subject.metadata, subject.facts, name=getattr(ctx, "name", None))
    judged = [e for e in report.judged() if e.match and e.match.is_known]

    _missing(v, subject, report)
    _open_and_policy(v, judged, policy, policy_problem)
    _mismatch(v, subject, report)
    _author(v, subject, judged)
    _metadata_licence(v, subject, report)
    _logo(v, subject, report, judged)
    return v.findings()


def _missing(v: Verdicts, subject: Subject, report: LicenceReport) -> None:
    rule = "licence-missing"
    known = [e for e in report.metadata + report.content if e.match and e.match.is_known]
    if known:
        v.passed(rule, "Licence found: " + "; ".join(e.describe() for e in known[:6]))
        return
    unknown = [e for e in report.metadata + report.content if e.match and not e.match.is_known]
    if report.unrecognised:
        v.cant_tell(rule, "No licence was recognised, but there are rights statements a reviewer must "
                    "judge: " + "; ".join(e.describe() for e in report.unrecognised[:6]),
                    evidence=report.unrecognised[0].raw)
        return
    if subject.has_content and not subject.content_readable and not unknown:
        v.cant_tell(rule, "The content could not be read and the metadata names no licence; "
                    "a reviewer must check the licence.")
        return
    looked = [SEARCHED_METADATA] if subject.has_metadata else []
    if subject.has_content:
        looked.append(SEARCHED_CONTENT)
    where = f" Looked in {'; '.join(looked)}." if looked else ""
    if not subject.has_metadata:
        where += " No metadata record was given."
    if not subject.has_content:
        where += " The content was not checked (metadata-only record)."
    said = ""
    if unknown:
        said = " The licence is given as unknown (“Licence not specified”): " + _where(unknown) + "."
    v.failed(rule, f"No licence found.{where}{said}",
             evidence=unknown[0].raw if unknown else None)


def _open_and_policy(v: Verdicts, judged: list[LicenceEvidence], policy: Policy | None,
                     policy_problem: str | None) -> None:
    classify = policy.classify if policy else _fallback_class
    if not judged:
        v.inapplicable("licence-not-open", "no licence was found to judge (see licence-missing)")
        v.inapplicable("licence-discouraged", "no licence was found to judge (see licence-missing)")
    if policy_problem:
        v.cant_tell("licence-discouraged", f"The licence policy could not be used: {policy_problem}")
    pname = f"licence policy “{policy.name}”" if policy else "licence policy"
    for match, evidence in _distinct(judged):
        where = _where(evidence)
        verdict = classify(match)
        if verdict == NOT_OPEN:
            v.failed("licence-not-open", f"{match.label} ({where}) is not an open licence: it does not "
                     "allow others to reuse, adapt and share the resource.", evidence=evidence[0].raw)
        elif verdict == UNLISTED:
            v.cant_tell("licence-not-open", f"{match.label} ({where}) is on none of the {pname}'s lists; "
                        "a reviewer must judge whether it is an open licence.", evidence=evidence[0].raw)
        else:
            v.passed("licence-not-open", f"{match.label} is an open licence ({where})")
        if not policy:
            continue
        recommended = policy.recommended_labels()
        if verdict == DISCOURAGED:
            v.failed("licence-discouraged", f"{match.label} ({where}) is discouraged by the {pname} "
                     f"({policy.title}); recommended: {recommended}.", evidence=evidence[0].raw)
        elif verdict == RECOMMENDED:
            v.passed("licence-discouraged", f"{match.label} is recommended by the {pname}")
        elif verdict == ALLOWED:
            v.passed("licence-discouraged", f"{match.label} is allowed by the {pname} "
                     f"(recommended: {recommended})")
        else:
            v.inapplicable("licence-discouraged", f"{match.label} is judged by licence-not-open, "
                           f"not by the {pname}'s recommendations")


def _mismatch(v: Verdicts, subject: Subject, report: LicenceReport) -> None:
    rule = "licence-mismatch"
    meta = [e for e in report.metadata if e.match and e.match.is_known]
    content = [e for e in report.declared_content if e.match and e.match.is_known]
    if not subject.has_content:
        v.inapplicable(rule, "the content was not checked (metadata-only record)")
        return
    if not meta or not content:
        side = "the metadata" if not meta else "the content"
        v.inapplicable(rule, f"{side} names no licence, so there is nothing to compare")
        return
    agree = [c for c in content if any(c.match.compatible_with(m.match) for m in meta)]
    differ = [c for c in content if c not in agree]
    meta_text = "; ".join(e.describe() for e in meta[:4])
    if not differ:
        v.passed(rule, f"Metadata and content agree: {meta_text}")
    elif not agree:
        v.failed(rule, f"The metadata says {meta_text}, but the content says "
                 + "; ".join(e.describe() for e in differ[:4]) + ".", evidence=differ[0].raw)
    else:
        v.cant_tell(rule, f"The content names the metadata's licence ({meta_text}) and also "
                    + "; ".join(e.describe() for e in differ[:4])
                    + ". If that covers third-party parts, keep the credit next to those parts; "
                    "otherwise make the resource and its metadata name the same licence.",
                    evidence=differ[0].raw)


def _author(v: Verdicts, subject: Subject, judged: list[LicenceEvidence]) -> None:
    rule = "licence-by-without-author"
    by = [(m, ev) for m, ev in _distinct(judged) if m.requires_attribution]
    if not by:
        v.inapplicable(rule, "no licence that requires attribution (BY) was found")
        return
    labels = ", ".join(m.label for m, _ in by)
    authors = authors_of(subject.metadata, subject.facts)
    if authors:
        v.passed(rule, f"{labels} requires crediting the author; named: {quote_list(authors, 5)}")
        return
    if subject.has_text and mentions_author(subject.facts.text):
        v.cant_tell(rule, f"{labels} requires crediting the author. No author is recorded in the "
                    "metadata or the document properties, but the text seems to name one; a "
                    "reviewer must check it and add it to the metadata's creators.")
        return
    looked = "the metadata (creators, files[].author, Moodle author)" if subject.has_metadata else ""
    if subject.has_content:
        looked += (" and " if looked else "") + "the content (document authors, author lines)"
    v.failed(rule, f"{labels} ({_where([e for _, ev in by for e in ev])}) requires crediting the "
             f"author, but no author was found in {looked}.")


def _metadata_licence(v: Verdicts, subject: Subject, report: LicenceReport) -> None:
    rule = "licence-metadata-missing"
    if not subject.has_metadata:
        v.inapplicable(rule, "no metadata record was given (use --metadata to check one)")
        return
    known = [e for e in report.metadata if e.match and e.match.is_known]
    unknown = [e for e in report.metadata if e.match and not e.match.is_known]
    unrecognised = [e for e in report.unrecognised if e.side == "metadata"]
    content = [e for e in report.content if e.match and e.match.is_known]
    if known:
        v.passed(rule, "The metadata names " + "; ".join(e.describe() for e in known[:4]))
    elif unrecognised:
        v.cant_tell(rule, "The metadata's rights statement was not recognised as a licence; a "
                    "reviewer must judge it: " + "; ".join(e.describe() for e in unrecognised[:4]),
                    evidence=unrecognised[0].raw)
    else:
        also = (" although the content states " + "; ".join(e.describe() for e in content[:3])
                if content else "")
        said = f" (it says the licence is unknown: {_where(unknown)})" if unknown else ""
        v.failed(rule, f"The metadata has no licence{said}{also}. Looked in {SEARCHED_METADATA}.")


def _logo(v: Verdicts, subject: Subject, report: LicenceReport, judged: list[LicenceEvidence]) -> None:
    rule = "licence-logo-missing"
    if not subject.has_content:
        v.inapplicable(rule, "the content was not checked (metadata-only record)")
        return
    if not subject.content_readable:
        v.inapplicable(rule, "the content could not be read")
        return
    if not judged:
        v.inapplicable(rule, "no licence was found (see licence-missing)")
        return
    cc = [m for m, _ in _distinct(judged) if m.is_cc]
    if not cc:
        v.inapplicable(rule, f"{', '.join(m.label for m, _ in _distinct(judged))} is not a Creative "
                       "Commons licence, so there is no CC logo to show")
        return
    if report.badges:
        v.passed(rule, "CC licence badge found: " + "; ".join(e.describe() for e in report.badges[:3]))
    elif subject.facts.format == "html":
        v.failed(rule, f"The licence is {', '.join(m.label for m in cc)}, but the page shows no CC "
                 f"licence badge (an image from {BADGE_SOURCES}).")
    else:
        v.cant_tell(rule, f"The licence is {', '.join(m.label for m in cc)}; images inside "
                    f"{subject.facts.format} files cannot be recognised as CC badges, so a reviewer "
                    "must check that the CC logo is shown.")
