"""Scores from findings (the formula is written down in README.md, "How scores are computed").

Per rule, the credit is the share of its test targets that passed:
    credit(r) = passed(r) / (passed(r) + failed(r))
`cantTell` targets count on neither side, `inapplicable` rules and manual rules not at all.

accessibility = floor(100 * sum(w_r * credit_r) / sum(w_r)) over the Annex 2 rules (automatic or
heuristic) that have at least one passed or failed target; None when no such rule applies.
floor() keeps 100 ("Perfect") for resources with no failure at all.

Each Annex 3 dimension is the same weighted mean over its own rules, except that the
usability-and-accessibility dimension takes the accessibility score as the credit of its item
A3.usability.1 ("the educational resources are accessible"). overall = the mean of the
accessibility score and the mean of the available Annex 3 dimensions.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Iterable, Protocol

from rules.catalogue import Catalogue, catalogue

OER_DIMENSIONS = {"content": "A3.content.", "methods": "A3.methods.",
                  "accessibility": "A3.usability.", "findability": "A3.findability.",
                  "lifecycle": "A3.lifecycle."}
ACCESSIBLE_ITEM = "A3.usability.1"


class FindingLike(Protocol):
    rule: str
    outcome: str
    count: int
    score_if_fixed: int | None


@dataclass
class Tally:
    passed: int = 0
    failed: int = 0


def band(score: int | None) -> str:
    if score is None:
        return "n/a"
    if score >= 100:
        return "Perfect"
    if score >= 67:
        return "High"
    if score >= 34:
        return "Medium"
    return "Low"


def _tallies(findings: Iterable[FindingLike], cat: Catalogue) -> dict[str, Tally]:
    tallies: dict[str, Tally] = {}
    for f in findings:
        rule = cat.rules.get(f.rule)
        if rule is None or rule.mode == "manual":
            continue
        if f.outcome == "passed":
            tallies.setdefault(f.rule, Tally()).passed += max(1, f.count)
        elif f.outcome == "failed":
            tallies.setdefault(f.rule, Tally()).failed += 1
    return tallies


def _weighted(tallies: dict[str, Tally], prefix: str, cat: Catalogue,
              extra: list[tuple[float, float]] = ()) -> float | None:
    """Weighted mean credit (0..1) of the rules whose annex starts with prefix."""
    num = den = 0.0
    for rid, t in tallies.items():
        rule = cat.rules[rid]
        total = t.passed + t.failed
        if not total or not rule.annex.startswith(prefix):
            continue
        num += rule.weight * t.passed / total
        den += rule.weight
    for weight, credit in extra:
        num += weight * credit
        den += weight
    return None if den == 0 else num / den


def _percent(ratio: float | None) -> int | None:
    # A tiny epsilon keeps 100 for a ratio computed as 0.9999999999 from whole numbers.
    return None if ratio is None else int(math.floor(ratio * 100 + 1e-9))


def _accessibility(tallies: dict[str, Tally], cat: Catalogue) -> int | None:
    return _percent(_weighted(tallies, "A2.", cat))


def compute_scores(findings: list[FindingLike], cat: Catalogue | None = None) -> dict[str, Any]:
    """The `scores` object of a check result; also fills `score_if_fixed` on failed findings."""
    cat = cat or catalogue()
    tallies = _tallies(findings, cat)
    accessibility = _accessibility(tallies, cat)

    oer: dict[str, int | None] = {}
    for name, prefix in OER_DIMENSIONS.items():
        extra = []
        if name == "accessibility" and accessibility is not None:
            item_rules = [r for r in cat if r.annex == ACCESSIBLE_ITEM]
            weight = max((r.weight for r in item_rules), default=2.0)
            extra.append((weight, accessibility / 100))
        oer[name] = _percent(_weighted(tallies, prefix, cat, extra))

    available = [v for v in oer.values() if v is not None]
    parts = [p for p in (accessibility, sum(available) / len(available) if available else None)
             if p is not None]
    overall = round(sum(parts) / len(parts)) if parts else None

    for f in findings:
        if f.outcome == "failed" and f.rule in tallies and cat.rules[f.rule].annex.startswith("A2."):
            t = tallies[f.rule]
            t.failed -= 1
            t.passed += 1
            f.score_if_fixed = _accessibility(tallies, cat)
            t.failed += 1
            t.passed -= 1
    return {"accessibility": accessibility, "band": band(accessibility), "oer": oer,
            "overall": overall}
