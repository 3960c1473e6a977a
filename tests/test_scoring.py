"""The score formula of README.md, "How scores are computed"."""
import textwrap

import pytest

from checkers.findings import Recorder
from rules.catalogue import load_catalogue
from rules.scoring import band, compute_scores

RULES = """
- {id: alt, title: t, annex: A2.images.1, formats: [html], severity: severe, mode: automatic,
   refs: {wcag: ["1.1.1"]}, help: h, fix: f}
- {id: lang, title: t, annex: A2.headings.1, formats: [html], severity: minor, mode: automatic,
   refs: {wcag: ["3.1.1"]}, help: h, fix: f}
- {id: review, title: t, annex: A2.tables.4, formats: [html], severity: major, mode: manual,
   refs: {other: [x]}, help: h, fix: f}
- {id: authors, title: t, annex: A3.lifecycle.1, formats: [metadata], severity: major, mode: heuristic,
   refs: {other: [x]}, help: h, fix: f}
- {id: objectives, title: t, annex: A3.methods.1, formats: [metadata], severity: major, mode: heuristic,
   refs: {other: [x]}, help: h, fix: f}
"""


@pytest.fixture
def cat(tmp_path):
    path = tmp_path / "r.yaml"
    path.write_text(textwrap.dedent(RULES))
    return load_catalogue([path])


def run(cat, script):
    rec = Recorder(cat=cat)
    for action, rule, *n in script:
        if action == "pass":
            rec.passed(rule, *(n or [1]))
        elif action == "fail":
            rec.failed(rule, "bad", selector="x")
        elif action == "cant":
            rec.cant_tell(rule, "?")
        else:
            rec.evaluate(rule)
    findings = rec.findings()
    return findings, compute_scores(findings, cat)


@pytest.mark.parametrize("score, name", [(None, "n/a"), (0, "Low"), (33, "Low"), (34, "Medium"),
                                         (66, "Medium"), (67, "High"), (99, "High"), (100, "Perfect")])
def test_bands(score, name):
    assert band(score) == name


def test_no_failure_is_perfect(cat):
    _, scores = run(cat, [("pass", "alt", 3), ("pass", "lang")])
    assert scores["accessibility"] == 100 and scores["band"] == "Perfect"


def test_weighted_share_of_passed_targets(cat):
    # alt (weight 3): 3 of 4 targets pass -> 0.75; lang (weight 1): failed -> 0.
    findings, scores = run(cat, [("pass", "alt", 3), ("fail", "alt"), ("fail", "lang")])
    assert scores["accessibility"] == int(100 * (3 * 0.75 + 1 * 0) / 4)  # 56
    assert scores["band"] == "Medium"
    fixed = {f.rule: f.score_if_fixed for f in findings if f.outcome == "failed"}
    assert fixed["alt"] == 75          # alt all pass, lang still failed: 3/4
    assert fixed["lang"] == int(100 * (3 * 0.75 + 1) / 4)  # 81


def test_cant_tell_manual_and_inapplicable_do_not_count(cat):
    findings, scores = run(cat, [("pass", "alt"), ("cant", "lang"), ("fail", "review"), ("eval", "lang")])
    assert scores["accessibility"] == 100
    assert [f.outcome for f in findings if f.rule == "lang"] == ["cantTell"]


def test_nothing_applicable_gives_no_score(cat):
    findings, scores = run(cat, [("eval", "alt")])
    assert scores["accessibility"] is None and scores["band"] == "n/a"
    assert findings[0].outcome == "inapplicable"


def test_oer_dimensions_and_overall(cat):
    _, scores = run(cat, [("pass", "alt"), ("fail", "lang"), ("pass", "authors"), ("fail", "objectives")])
    assert scores["accessibility"] == 75
    assert scores["oer"]["lifecycle"] == 100
    assert scores["oer"]["methods"] == 0
    assert scores["oer"]["content"] is None
    # usability dimension takes the accessibility score as the credit of A3.usability.1
    assert scores["oer"]["accessibility"] == 75
    assert scores["overall"] == round((75 + (100 + 0 + 75) / 3) / 2)
