"""What every report needs from a check result: findings in reading order, rule texts, labels.

The renderers (text, HTML, CSV, SARIF) share these helpers so that they all list the same
findings in the same order and name the same fix. A finding whose rule is not in the catalogue
(a result stored under an older ruleset) still renders, with its rule id as its title.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Iterable

from checkers.engine import CheckResult
from checkers.findings import CANT_TELL, FAILED, PASSED, Finding
from rules.catalogue import SEVERITIES, Catalogue, Rule
from checkers.formats import DOCX_TYPE, PPTX_TYPE

SEVERITY_RANK = {name: i for i, name in enumerate(SEVERITIES)}  # severe 0, major 1, minor 2
OUTCOME_LABEL = {FAILED: "failed", CANT_TELL: "needs checking", PASSED: "passed",
                 "inapplicable": "inapplicable"}
DIMENSIONS = (("content", "Content"), ("methods", "Methods"),
              ("accessibility", "Usability and accessibility"), ("findability", "Findability"),
              ("lifecycle", "Lifecycle"))
ACT_RULE_URL = "https://www.w3.org/WAI/standards-guidelines/act/rules/{}/"
AXE_RULE_URL = "https://dequeuniversity.com/rules/axe/4.10/{}"
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


@dataclass
class Item:
    """One finding as a report shows it: the finding plus its rule's texts."""
    finding: Finding
    rule: Rule | None
    fix: str

    @property
    def title(self) -> str:
        return self.rule.title if self.rule else self.finding.rule

    @property
    def manual(self) -> bool:
        return bool(self.rule and self.rule.mode == "manual")


def format_of_media_type(media_type: str | None) -> str | None:
    mt = (media_type or "").split(";")[0].strip().lower()
    if mt in ("text/html", "application/xhtml+xml"):
        return "html"
    if mt == "application/pdf":
        return "pdf"
    if mt == PPTX_TYPE:
        return "pptx"
    if mt == DOCX_TYPE:
        return "docx"
    if mt.startswith(("video/", "audio/")):
        return "media"
    return None


def resource_format(result: CheckResult) -> str | None:
    """The format whose fix text applies (html, pdf, pptx, docx, media), if known."""
    if result.facts is not None and result.facts.format != "metadata":
        return result.facts.format
    return format_of_media_type(result.media_type)


def items(result: CheckResult, cat: Catalogue, *, outcomes: Iterable[str] = (FAILED, CANT_TELL)) -> list[Item]:
    """The findings to list, most severe first, failed before cantTell, else in checker order."""
    wanted = tuple(outcomes)
    fmt = resource_format(result)
    out = []
    for f in result.findings:
        if f.outcome not in wanted:
            continue
        rule = cat.rules.get(f.rule)
        out.append(Item(f, rule, rule.fix_for(fmt) if rule else ""))
    out.sort(key=lambda it: (SEVERITY_RANK.get(it.finding.severity, len(SEVERITY_RANK)),
                             wanted.index(it.finding.outcome)))
    return out


def split_for_reviewer(listed: list[Item]) -> tuple[list[Item], list[Item]]:
    """(findings by severity, manual cantTell items a reviewer answers)."""
    review = [it for it in listed if it.finding.outcome == CANT_TELL and it.manual]
    rest = [it for it in listed if not (it.finding.outcome == CANT_TELL and it.manual)]
    return rest, review


def counts(result: CheckResult, cat: Catalogue) -> dict[str, int]:
    failed = sum(1 for f in result.findings if f.outcome == FAILED)
    # Annex 3 (OER quality, licence) failures do not lower the accessibility score: say which is which.
    failed_oer = sum(1 for f in result.findings if f.outcome == FAILED and f.rule in cat.rules
                     and cat.rules[f.rule].annex.startswith("A3."))
    cant = [f for f in result.findings if f.outcome == CANT_TELL]
    manual = sum(1 for f in cant if f.rule in cat.rules and cat.rules[f.rule].mode == "manual")
    passed = sum(1 for f in result.findings if f.outcome == PASSED)
    return {"failed": failed, "failed_accessibility": failed - failed_oer, "failed_oer": failed_oer,
            "verify": len(cant) - manual, "review": manual, "passed_rules": passed}


def score_text(value: Any) -> str:
    return "n/a" if value is None else str(value)


def location_parts(finding: Finding) -> list[str]:
    loc = finding.location
    parts = []
    if loc.page is not None:
        parts.append(f"page {loc.page}")
    if loc.slide is not None:
        parts.append(f"slide {loc.slide}")
    if loc.line is not None:
        parts.append(f"line {loc.line}")
    if loc.selector:
        parts.append(loc.selector)
    return parts


def reference_list(refs: dict[str, Any]) -> list[tuple[str, str | None]]:
    """(label, link or None) for each reference a finding or rule carries."""
    out: list[tuple[str, str | None]] = []
    for sc in refs.get("wcag") or ():
        out.append((f"WCAG 2.2 success criterion {sc}", None))
    for act in refs.get("act") or ():
        out.append((f"ACT rule {act}", ACT_RULE_URL.format(act)))
    for clause in refs.get("pdfua") or ():
        out.append((f"PDF/UA (ISO 14289-1) clause {clause}", None))
    for check in refs.get("matterhorn") or ():
        out.append((f"Matterhorn Protocol {check}", None))
    for rule in refs.get("axe") or ():
        out.append((f"axe-core {rule}", AXE_RULE_URL.format(rule)))
    for other in refs.get("other") or ():
        out.append((str(other), None))
    if refs.get("annex"):
        out.append((f"Annex {refs['annex']}", None))
    return out


def refs_short(refs: dict[str, Any]) -> str:
    """One line: WCAG 1.1.1 · ACT 23a2a8 · PDF/UA 7.3 · Annex A2.images.1."""
    parts = [f"WCAG {sc}" for sc in refs.get("wcag") or ()]
    parts += [f"ACT {a}" for a in refs.get("act") or ()]
    parts += [f"PDF/UA {c}" for c in refs.get("pdfua") or ()]
    parts += [f"Matterhorn {c}" for c in refs.get("matterhorn") or ()]
    parts += [f"axe {c}" for c in refs.get("axe") or ()]
    if refs.get("annex"):
        parts.append(f"Annex {refs['annex']}")
    return " · ".join(parts)


def clean(text: str | None) -> str:
    """Quoted text for a terminal or a one-line cell: no control characters (no ANSI escapes,
    no bidi overrides that would disguise the text), whitespace collapsed."""
    if not text:
        return ""
    return " ".join(_CONTROL.sub("\ufffd", str(text)).split())
