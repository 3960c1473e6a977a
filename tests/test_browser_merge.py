"""The merge rules of checkers/browser.py and the axe → catalogue map, on results written out by
hand in the shape checkers.browser_axe returns (no browser needed)."""
from __future__ import annotations

import pytest

from checkers.browser import page_url
from checkers.browser_axe import AxeNode, AxeRule, AxeRun
from checkers.browser_map import (AXE_ONLY, BROWSER_WINS, NOT_RUN, PAGE_LEVEL, RUN, SAME_AS_STATIC,
                                  catalogue_rule)
from checkers.browser_merge import merge, static_selectors
from checkers.findings import make_finding
from rules.catalogue import catalogue

CAT = catalogue()


def static(rule, outcome, selector=None, count=1, line=3):
    if outcome in ("passed", "inapplicable"):
        f = make_finding(rule, outcome, "static", count=count)
    else:
        f = make_finding(rule, outcome, f"static says {outcome}", selector=selector, line=line)
    return f


def axe_run(statics, keys, violations=(), incomplete=(), passes=(), inapplicable=()):
    """`keys`: per static finding, the element key the browser resolved (or None / "hidden:KEY")."""
    where = []
    for k in keys:
        if k is None:
            where.append(None)
        elif k.startswith("hidden:"):
            where.append({"key": k[7:], "hidden": True})
        else:
            where.append({"key": k, "hidden": False})
    assert len(where) == len(statics)

    def rules(pairs):
        grouped = {}
        for axe_id, key in pairs:
            grouped.setdefault(axe_id, []).append(AxeNode(key, f"<x id={key}>", f"axe on {key}"))
        return [AxeRule(i, n) for i, n in grouped.items()]
    return AxeRun(url="http://oerlint.invalid/p.html", violations=rules(violations),
                  incomplete=rules(incomplete), passes=rules(passes), inapplicable=list(inapplicable),
                  static=where)


def outcomes(findings, rule):
    return sorted(((f.outcome, f.location.selector, f.count) for f in findings if f.rule == rule),
                  key=lambda t: (t[0], t[1] or "", t[2]))


# ---------------------------------------------------------------- the map

def test_every_rule_that_runs_reports_as_a_catalogue_rule():
    assert len(RUN) + len(NOT_RUN) == 104 and not set(RUN) & set(NOT_RUN)
    for axe_id in RUN:
        rule = CAT[catalogue_rule(axe_id)]
        assert "html" in rule.formats
    for axe_id in AXE_ONLY:
        rule = CAT[f"axe-{axe_id}"]
        assert list(rule.refs["axe"]) == [axe_id] and rule.annex.startswith("A2.")
    assert catalogue_rule("image-alt") == "img-alt-missing" and catalogue_rule("label") == "axe-label"


def test_axe_entries_keep_axe_wcag_and_act_references():
    assert CAT["axe-label"].refs["wcag"] == ("4.1.2",) and CAT["axe-label"].refs["act"] == ("e086e5",)
    assert CAT["axe-avoid-inline-spacing"].refs["wcag"] == ("1.4.12",)
    assert "best-practice" in CAT["axe-region"].refs["other"][0] and CAT["axe-region"].weight == 0.5
    for axe_id, static_id in SAME_AS_STATIC.items():
        assert static_id in CAT and not (set(RUN) & {f"axe-{axe_id}"})
    assert BROWSER_WINS <= set(SAME_AS_STATIC.values()) and PAGE_LEVEL <= set(RUN)


def test_page_url_keeps_the_page_path_on_the_reserved_host():
    assert page_url("https://moodle.example/mod/page/view.php?id=5#top") == \
        "http://oerlint.invalid/mod/page/view.php?id=5"
    assert page_url("file:///home/a/course/week 1.html") == "http://oerlint.invalid/home/a/course/week%201.html"
    assert page_url(None, "lesson.html") == "http://oerlint.invalid/lesson.html"


# ---------------------------------------------------------------- merge rules

def test_browser_verdict_replaces_a_static_cant_tell():
    s = [static("text-contrast", "cantTell", "body > p"), static("text-contrast", "cantTell", "#b"),
         static("text-contrast", "passed", count=2)]
    run = axe_run(s, ["body > p", "#b", None], violations=[("color-contrast", "body > p")],
                  passes=[("color-contrast", "#b"), ("color-contrast", "#c")])
    merged, _ = merge(s, run, CAT, fragment=False)
    got = outcomes(merged, "text-contrast")
    failed = [f for f in merged if f.rule == "text-contrast" and f.outcome == "failed"][0]
    assert got == [("failed", "body > p", 1), ("passed", None, 3)]   # #b, #c, and one static-only pass
    assert failed.location.line == 3 and "axe on body > p" in failed.message


def test_a_definite_static_verdict_stands_against_axe_needs_review():
    s = [static("video-captions", "failed", "#v")]
    merged, _ = merge(s, axe_run(s, ["#v"], incomplete=[("video-caption", "#v")]), CAT, fragment=False)
    assert outcomes(merged, "video-captions") == [("failed", "#v", 1)]
    assert merged[0].message == "static says failed"


@pytest.mark.parametrize("rule, axe_id, expected", [
    ("text-contrast", "color-contrast", "passed"),       # real styles: the browser wins
    ("img-alt-missing", "image-alt", "passed"),          # computed name after scripts
    ("heading-fake", "p-as-heading", "failed"),          # two heuristics: a failure stands
    ("element-lang-valid", "valid-lang", "failed"),      # stricter static check stands
])
def test_failed_against_passed_is_settled_per_rule_family(rule, axe_id, expected):
    s = [static(rule, "failed", "#e")]
    merged, _ = merge(s, axe_run(s, ["#e"], passes=[(axe_id, "#e")]), CAT, fragment=False)
    assert [o for o, _, _ in outcomes(merged, rule)] == [expected]


def test_axe_failure_on_an_element_the_static_pass_passed_stands_and_counts_move():
    s = [static("img-alt-missing", "passed", count=2)]
    run = axe_run(s, [None], violations=[("image-alt", "#a")], passes=[("image-alt", "#b")])
    merged, _ = merge(s, run, CAT, fragment=False)
    assert outcomes(merged, "img-alt-missing") == [("failed", "#a", 1), ("passed", None, 1)]


def test_agreement_gives_one_finding_with_the_static_wording():
    s = [static("heading-order", "failed", "body > h3")]
    merged, _ = merge(s, axe_run(s, ["body > h3"], violations=[("heading-order", "body > h3")]), CAT,
                      fragment=False)
    assert [(f.outcome, f.message) for f in merged if f.rule == "heading-order"] == [("failed", "static says failed")]


def test_static_problems_on_elements_the_browser_does_not_render_are_dropped():
    s = [static("img-alt-missing", "failed", "#gone"), static("link-file-type", "failed", "#gone-link"),
         static("link-file-type", "failed", "#shown")]
    run = axe_run(s, ["hidden:#gone", "hidden:#gone-link", "#shown"], inapplicable=["image-alt"])
    merged, dropped = merge(s, run, CAT, fragment=False)
    assert dropped == 2
    assert outcomes(merged, "img-alt-missing") == [("inapplicable", None, 1)]
    assert outcomes(merged, "link-file-type") == [("failed", "#shown", 1)]


def test_unresolved_static_findings_and_rules_axe_does_not_run_are_kept():
    s = [static("img-alt-missing", "failed", "div > img"), static("link-text-url", "failed", "#u")]
    merged, _ = merge(s, axe_run(s, [None, "#u"], passes=[("image-alt", "#other")]), CAT, fragment=False)
    assert outcomes(merged, "img-alt-missing") == [("failed", "div > img", 1), ("passed", None, 1)]
    assert outcomes(merged, "link-text-url") == [("failed", "#u", 1)]


def test_fragment_contrast_failure_is_cant_tell_and_frames_skip_page_rules():
    run = axe_run([], [], violations=[("color-contrast", "p"), ("region", "iframe >>> body > p"),
                                      ("region", "body > p")])
    merged, _ = merge([], run, CAT, fragment=True)
    assert outcomes(merged, "text-contrast")[0][0] == "cantTell"
    assert "theme" in [f for f in merged if f.rule == "text-contrast"][0].message
    assert outcomes(merged, "axe-region") == [("failed", "body > p", 1)]


def test_axe_only_rules_map_every_result_type_and_problems_are_capped():
    nodes = [("label", f"#f{i}") for i in range(60)]
    run = axe_run([], [], violations=nodes, incomplete=[("link-in-text-block", "#l")],
                  passes=[("list", "ul")], inapplicable=["dlitem", "image-alt"])
    merged, _ = merge([], run, CAT, fragment=False)
    label = outcomes(merged, "axe-label")
    assert len(label) == 51 and ("failed", None, 10) in label
    assert outcomes(merged, "axe-link-in-text-block") == [("cantTell", "#l", 1)]
    assert outcomes(merged, "axe-list") == [("passed", None, 1)]
    assert outcomes(merged, "axe-dlitem") == [("inapplicable", None, 1)]
    assert outcomes(merged, "img-alt-missing") == [("inapplicable", None, 1)]


def test_only_problems_are_sent_to_the_browser_for_placing():
    s = [static("img-alt-missing", "failed", "#a"), static("img-alt-missing", "passed", count=4),
         make_finding("unreadable", "cantTell", "deep page")]
    assert static_selectors(s) == ["#a", None, None]
