"""Merge the static HTML findings with axe-core's results (the rules are written down in
checkers/browser.py's docstring; this module carries them out).

Elements are compared by key: the oerlint selector of the element in the browser's DOM, computed
for both the static findings (their selector resolved in that DOM) and axe's nodes.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from checkers.browser_axe import AxeNode, AxeRun
from checkers.browser_map import BROWSER_WINS, PAGE_LEVEL, catalogue_rule
from checkers.findings import CANT_TELL, FAILED, INAPPLICABLE, PASSED, UNREADABLE, Finding, make_finding
from checkers.htmldoc import MAX_PROBLEMS_PER_RULE
from rules.catalogue import Catalogue

FRAME_JOIN = " >>> "
_RANK = {FAILED: 3, CANT_TELL: 2, PASSED: 1}
THEME_NOTE = (" (a fragment is shown inside the platform's theme, which may set the background: "
              "check the contrast where the content is shown)")


@dataclass
class Verdict:
    outcome: str
    node: AxeNode
    axe_id: str


@dataclass
class RuleMerge:
    """What is known about one catalogue rule while merging."""
    static_passed: int = 0
    static_inapplicable: bool = False
    static_keyed: dict[str, Finding] = field(default_factory=dict)    # key -> failed/cantTell finding
    static_unkeyed: list[Finding] = field(default_factory=list)       # problems the browser cannot place
    axe: dict[str, Verdict] = field(default_factory=dict)             # key -> the browser's verdict
    axe_extra_passed: int = 0
    axe_extra_failed: int = 0
    axe_inapplicable: bool = False


def static_selectors(findings: list[Finding]) -> list[str | None]:
    """The selector of each static finding that the browser should resolve (problems only)."""
    return [f.location.selector if f.outcome in (FAILED, CANT_TELL) and f.rule != UNREADABLE else None
            for f in findings]


def merge(static: list[Finding], run: AxeRun, cat: Catalogue, *, fragment: bool) -> tuple[list[Finding], int]:
    """The merged findings and how many static problems were dropped as not rendered."""
    rules: dict[str, RuleMerge] = {}
    order: list[str] = []
    kept_static: list[Finding] = []      # findings of rules the browser did not evaluate
    axe_rules = _axe_rule_ids(run)
    dropped = 0

    def slot(rule_id: str) -> RuleMerge:
        if rule_id not in rules:
            rules[rule_id] = RuleMerge()
            order.append(rule_id)
        return rules[rule_id]

    for finding, where in zip(static, run.static):
        if where is not None and where.get("hidden"):
            dropped += 1                 # not rendered in the browser: nobody meets this content
            continue
        if finding.rule not in axe_rules:
            kept_static.append(finding)
            continue
        merge_slot = slot(finding.rule)
        if finding.outcome == PASSED:
            merge_slot.static_passed += finding.count
        elif finding.outcome == INAPPLICABLE:
            merge_slot.static_inapplicable = True
        elif where is None or where["key"] in merge_slot.static_keyed:
            merge_slot.static_unkeyed.append(finding)
        else:
            merge_slot.static_keyed[where["key"]] = finding

    for outcome, results in ((FAILED, run.violations), (CANT_TELL, run.incomplete), (PASSED, run.passes)):
        for result in results:
            merge_slot = slot(catalogue_rule(result.id))
            for node in result.nodes:
                if result.id in PAGE_LEVEL and FRAME_JOIN in node.key:
                    continue             # a framed document is part of the page, not a page
                verdict = Verdict(outcome, node, result.id)
                if fragment and merge_slot is rules.get("text-contrast") and outcome == FAILED:
                    verdict = Verdict(CANT_TELL, AxeNode(node.key, node.html, node.message + THEME_NOTE),
                                      result.id)
                held = merge_slot.axe.get(node.key)
                if held is None or _RANK[verdict.outcome] > _RANK[held.outcome]:
                    merge_slot.axe[node.key] = verdict
            if outcome == PASSED:
                merge_slot.axe_extra_passed += result.extra
            elif outcome == FAILED:
                merge_slot.axe_extra_failed += result.extra
    for axe_id in run.inapplicable:
        slot(catalogue_rule(axe_id)).axe_inapplicable = True

    out = list(kept_static)
    for rule_id in order:
        out.extend(_merge_rule(rule_id, rules[rule_id], cat))
    return out, dropped


def _axe_rule_ids(run: AxeRun) -> set[str]:
    ids = {r.id for group in (run.violations, run.incomplete, run.passes) for r in group}
    return {catalogue_rule(i) for i in ids | set(run.inapplicable)}


def _decide(rule_id: str, static: Finding, browser: Verdict) -> str:
    """The merged outcome of one element judged by both passes."""
    s, b = static.outcome, browser.outcome
    if s == b:
        return s
    if s == CANT_TELL:
        return b                          # a definite verdict beats an undecided one
    if b == CANT_TELL:
        return s
    # failed against passed
    if rule_id in BROWSER_WINS:
        return b                          # the browser saw styles, scripts, the computed name
    return FAILED                         # both check the source; each flags what it is sure of


def _merge_rule(rule_id: str, m: RuleMerge, cat: Catalogue) -> list[Finding]:
    problems: list[Finding] = list(m.static_unkeyed)
    passed = 0
    browser_only = 0
    for key in list(m.static_keyed) + [k for k in m.axe if k not in m.static_keyed]:
        static = m.static_keyed.get(key)
        browser = m.axe.get(key)
        if browser is None:
            problems.append(static)
            continue
        if static is None:
            browser_only += 1
            outcome = browser.outcome
        else:
            outcome = _decide(rule_id, static, browser)
        if outcome == PASSED:
            passed += 1
        elif static is not None and outcome == static.outcome:
            problems.append(static)       # the static wording names the Annex, keeps the line
        else:
            problems.append(_from_browser(rule_id, outcome, browser, static, cat))
    # Static passes carry no element: those not accounted for by elements the browser judged
    # (and the static pass did not flag) are elements only the static pass saw.
    passed += max(0, m.static_passed - browser_only) + m.axe_extra_passed
    problems = _capped(rule_id, problems, m.axe_extra_failed, cat)
    out = problems
    if passed:
        out.append(make_finding(rule_id, PASSED, f"{passed} checked target(s) passed", count=passed, cat=cat))
    elif not problems:
        out.append(make_finding(rule_id, INAPPLICABLE, "nothing to check for this rule", cat=cat))
    return out


def _from_browser(rule_id: str, outcome: str, browser: Verdict, static: Finding | None,
                  cat: Catalogue) -> Finding:
    message = browser.node.message or cat[rule_id].title
    finding = make_finding(rule_id, outcome, f"{message} [axe-core {browser.axe_id}]",
                           evidence=browser.node.html or None, cat=cat, selector=browser.node.key,
                           line=static.location.line if static is not None else None)
    return finding


def _capped(rule_id: str, problems: list[Finding], extra_failed: int, cat: Catalogue) -> list[Finding]:
    """At most MAX_PROBLEMS_PER_RULE listed, like the static checker; the rest summed."""
    listed = [f for f in problems if f.count == 1][:MAX_PROBLEMS_PER_RULE]
    chosen = {id(f) for f in listed}
    rest = [f for f in problems if id(f) not in chosen]
    more = sum(f.count for f in rest) + extra_failed
    if more:
        outcome = FAILED if extra_failed or any(f.outcome == FAILED for f in rest) else CANT_TELL
        summary = make_finding(rule_id, outcome, f"{more} more target(s) with the same problem (only the "
                               f"first {MAX_PROBLEMS_PER_RULE} are listed)", cat=cat)
        summary.count = more
        listed.append(summary)
    return listed
