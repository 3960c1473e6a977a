"""The report renderers on check results built from real findings (a small test catalogue)."""
import csv
import io
import json
import re

import pytest

from checkers.findings import Finding
from reports import FORMATS, render
from reports.csv_report import COLUMNS
from tests.report_fixtures import (clean_result, html_result, pdf_result,
                             small_catalogue)


@pytest.fixture
def cat(tmp_path):
    return small_catalogue(tmp_path)


# ------------------------------------------------------------------ render()

def test_render_refuses_unknown_format_and_empty_input(cat):
    with pytest.raises(ValueError, match="unknown report format 'xml'"):
        render([html_result(cat)], "xml", many=False, cat=cat)
    with pytest.raises(ValueError, match="nothing to report"):
        render([], "text", many=True, cat=cat)
    with pytest.raises(ValueError, match="exactly one"):
        render([html_result(cat), clean_result(cat)], "json", many=False, cat=cat)


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_renders_text(cat, fmt):
    out = render([html_result(cat), pdf_result(cat)], fmt, many=True, cat=cat)
    assert isinstance(out, str) and out.endswith("\n")
    assert "lesson.html" in out


# ------------------------------------------------------------------ text

def test_text_lists_scores_then_findings_by_severity_failed_first(cat):
    result = html_result(cat)
    out = render([result], "text", many=False, cat=cat)
    scores = result.scores
    assert f"Accessibility  {scores['accessibility']}/100  ({scores['band']})" in out
    assert f"Overall        {scores['overall']}" in out
    assert "lifecycle 100" in out and "content n/a" in out
    # severe before major before minor; reviewer section last
    positions = [out.index(h) for h in ("SEVERE (2)", "MAJOR (1)", "MINOR (1)", "FOR A REVIEWER (1)")]
    assert positions == sorted(positions)
    major = out[out.index("MAJOR (1)"):out.index("MINOR (1)")]
    assert "[needs checking] Is 'more' descriptive here?" in major


def test_text_finding_has_message_location_evidence_refs_score_and_fix(cat):
    result = html_result(cat)
    first = next(f for f in result.findings if f.outcome == "failed")
    out = render([result], "text", many=False, cat=cat)
    block = out[out.index("SEVERE (2)"):out.index("MAJOR (1)")]
    assert "[failed] Image has no text alternative" in block
    assert "rule:     t-img-alt - Image without a text alternative" in block
    assert "where:    line 12, img:nth-of-type(2)" in block
    assert 'evidence: <img src="chart.png">' in block
    assert "refs:     WCAG 1.1.1 · ACT 23a2a8 · axe image-alt · Annex A2.images.1" in block
    assert f"score if fixed: {first.score_if_fixed}" in block
    assert first.score_if_fixed > result.scores["accessibility"]
    assert "fix:      Add an alt attribute that says what the image shows." in block


def test_text_uses_the_fix_for_the_resource_format(cat):
    out = render([pdf_result(cat)], "text", many=False, cat=cat)
    assert "Tag the figure and give it /Alt text." in out
    assert "Add an alt attribute" not in out
    assert "where:    page 3" in out
    assert "PDF/UA 7.1 · Matterhorn 01-005" in out


def test_text_reviewer_items_are_not_repeated_in_severity_groups(cat):
    out = render([html_result(cat)], "text", many=False, cat=cat)
    assert out.count("Has the resource been peer reviewed?") == 1
    review = out[out.index("FOR A REVIEWER"):]
    assert "Peer reviewed [A3.content.4]: Has the resource been peer reviewed?" in review


def test_text_strips_terminal_escapes_from_quoted_content(cat):
    result = html_result(cat)
    result.findings[0].evidence = "\x1b[2J\x1b]0;pwned\x07<img>\u202eevil"
    result.findings[0].message = "line1\nline2\x1b[31m"
    out = render([result], "text", many=False, cat=cat, color=False)
    assert "\x1b" not in out and "\x07" not in out and "\u202e" not in out
    assert "line1 line2" in out


def test_text_colours_only_on_request(cat):
    plain = render([html_result(cat)], "text", many=False, cat=cat, color=False)
    coloured = render([html_result(cat)], "text", many=False, cat=cat, color=True)
    assert "\x1b[" not in plain
    assert "\x1b[" in coloured
    assert re.sub(r"\x1b\[[0-9;]*m", "", coloured) == plain


def test_text_show_passed_and_clean_resource(cat):
    out = render([clean_result(cat)], "text", many=False, cat=cat)
    assert "No problems found." in out and "PASSED" not in out
    out = render([clean_result(cat)], "text", many=False, cat=cat, show_passed=True)
    assert "PASSED (2 rules)" in out
    assert "t-img-alt - Image without a text alternative (2 target(s))" in out
    assert "Accessibility  100/100  (Perfect)" in out


def test_text_many_adds_a_total(cat):
    out = render([html_result(cat), pdf_result(cat)], "text", many=True, cat=cat)
    assert out.rstrip().endswith("2 resources checked, 5 failed finding(s).")
    assert out.index("lesson.html") < out.index("slides/week 1.pdf")


def test_text_total_says_how_many_could_not_be_read(cat):
    from checkers.findings import unreadable
    broken = clean_result(cat, "broken.pdf")
    broken.findings = [unreadable("the file is damaged")]
    last = render([html_result(cat), broken], "text", many=True, cat=cat).rstrip().splitlines()[-1]
    assert last.startswith("2 resources checked, ") and last.endswith(", 1 could not be read.")


def test_text_result_without_a_score_shows_no_band(cat):
    result = clean_result(cat)
    result.scores = {"accessibility": None, "band": "n/a", "oer": {}, "overall": None}
    out = render([result], "text", many=False, cat=cat)
    assert "  Accessibility  n/a\n" in out and "(n/a)" not in out


def test_text_renders_findings_of_rules_missing_from_the_catalogue(cat):
    result = clean_result(cat)
    result.findings.append(Finding.from_dict({"rule": "old-rule", "outcome": "failed", "severity": "major",
                                              "refs": {"wcag": ["2.4.2"]}, "message": "Stored earlier"}))
    out = render([result], "text", many=False, cat=cat)
    assert "[failed] Stored earlier" in out and "rule:     old-rule - old-rule" in out


# ------------------------------------------------------------------ JSON

def test_json_is_the_contract_one_object_or_a_list(cat):
    one = json.loads(render([html_result(cat)], "json", many=False, cat=cat))
    assert one == json.loads(json.dumps(html_result(cat).to_dict())) | {"checked_at": one["checked_at"]}
    assert set(one) == {"resource", "media_type", "checked_at", "ruleset_version", "findings", "scores"}
    assert set(one["scores"]) == {"accessibility", "band", "oer", "overall"}
    assert set(one["findings"][0]) >= {"rule", "outcome", "severity", "refs", "location", "evidence",
                                       "message", "score_if_fixed"}
    several = json.loads(render([html_result(cat), pdf_result(cat)], "json", many=True, cat=cat))
    assert isinstance(several, list) and [r["resource"] for r in several] == ["lesson.html", "slides/week 1.pdf"]
    single_as_list = json.loads(render([pdf_result(cat)], "json", many=True, cat=cat))
    assert isinstance(single_as_list, list) and len(single_as_list) == 1


def test_json_keeps_passed_and_inapplicable_findings(cat):
    data = json.loads(render([clean_result(cat)], "json", many=False, cat=cat))
    outcomes = {(f["rule"], f["outcome"]) for f in data["findings"]}
    assert ("t-link-text", "inapplicable") in outcomes and ("t-img-alt", "passed") in outcomes


# ------------------------------------------------------------------ CSV

def read_csv(text):
    return list(csv.reader(io.StringIO(text)))


def test_csv_one_row_per_failed_or_cantTell_finding(cat):
    results = [html_result(cat), pdf_result(cat)]
    rows = read_csv(render(results, "csv", many=True, cat=cat))
    assert tuple(rows[0]) == COLUMNS
    problems = [f for r in results for f in r.findings if f.outcome in ("failed", "cantTell")]
    assert len(rows) - 1 == len(problems) == 7
    first = dict(zip(COLUMNS, rows[1]))
    assert first["resource"] == "lesson.html" and first["rule"] == "t-img-alt"
    assert first["title"] == "Image without a text alternative"
    assert first["outcome"] == "failed" and first["severity"] == "severe"
    assert first["wcag"] == "1.1.1" and first["act"] == "23a2a8" and first["annex"] == "A2.images.1"
    assert first["selector"] == "img:nth-of-type(2)" and first["line"] == "12"
    assert first["evidence"] == '<img src="chart.png">'
    assert int(first["score_if_fixed"]) == results[0].findings[0].score_if_fixed
    pdf_rows = [dict(zip(COLUMNS, r)) for r in rows[1:] if r[0] == "slides/week 1.pdf"]
    assert {r["page"] for r in pdf_rows} == {"1", "3"} and pdf_rows[0]["pdfua"] == "7.1"


def test_csv_show_passed_adds_passed_rows_only(cat):
    rows = read_csv(render([clean_result(cat)], "csv", many=False, cat=cat))
    assert len(rows) == 1  # the header alone
    rows = read_csv(render([clean_result(cat)], "csv", many=False, cat=cat, show_passed=True))
    assert [r[4] for r in rows[1:]] == ["passed", "passed"]


def test_csv_fix_is_the_last_column_for_the_resource_format(cat):
    assert COLUMNS[-1] == "fix" and COLUMNS[:-1][-3:] == ("message", "evidence", "score_if_fixed")
    rows = [dict(zip(COLUMNS, r)) for r in read_csv(render([html_result(cat), pdf_result(cat)], "csv",
                                                           many=True, cat=cat))[1:]]
    fixes = {(r["resource"], r["rule"]): r["fix"] for r in rows}
    assert fixes["lesson.html", "t-img-alt"] == "Add an alt attribute that says what the image shows."
    assert fixes["slides/week 1.pdf", "t-pdf-tagged"] == "Export the PDF with tags from the authoring program."
    assert all(r["fix"] for r in rows)


@pytest.mark.parametrize("payload", ["=HYPERLINK(\"http://evil\",\"x\")", "+1+1", "-2+3", "@SUM(A1)",
                                     "\t=1", "\r=1"])
def test_csv_guards_against_formula_injection(cat, payload):
    result = html_result(cat)
    result.findings[0].evidence = payload
    result.findings[0].message = payload
    rows = read_csv(render([result], "csv", many=False, cat=cat))
    row = dict(zip(COLUMNS, rows[1]))
    assert row["evidence"] == "'" + payload and row["message"] == "'" + payload


def test_csv_keeps_ordinary_text_and_multiline_evidence(cat):
    result = html_result(cat)
    result.findings[0].evidence = 'a, "quoted"\nsecond line'
    rows = read_csv(render([result], "csv", many=False, cat=cat))
    assert dict(zip(COLUMNS, rows[1]))["evidence"] == 'a, "quoted"\nsecond line'


# ------------------------------------------------------------------ SARIF

def sarif(cat, results):
    return json.loads(render(results, "sarif", many=len(results) > 1, cat=cat))


def test_sarif_top_level_and_driver(cat):
    doc = sarif(cat, [html_result(cat), pdf_result(cat)])
    assert doc["version"] == "2.1.0" and doc["$schema"].endswith("sarif-2.1.0.json")
    assert len(doc["runs"]) == 1
    driver = doc["runs"][0]["tool"]["driver"]
    assert driver["name"] == "oerlint" and re.match(r"^\d+\.\d+", driver["version"])
    assert driver["informationUri"].startswith("https://")
    ids = [r["id"] for r in driver["rules"]]
    assert len(ids) == len(set(ids))
    assert set(ids) == {"t-img-alt", "t-link-text", "t-table-caption", "t-peer-review", "t-pdf-tagged"}
    for rule in driver["rules"]:
        assert rule["name"] and rule["shortDescription"]["text"] and rule["fullDescription"]["text"]
        assert rule["help"]["text"] and rule["help"]["markdown"]
        assert rule["defaultConfiguration"]["level"] in ("error", "warning", "note")
        assert isinstance(rule["properties"]["tags"], list)
    img = driver["rules"][ids.index("t-img-alt")]
    assert img["helpUri"] == "https://www.w3.org/WAI/standards-guidelines/act/rules/23a2a8/"
    assert {"wcag1.1.1", "act:23a2a8", "annex:A2.images.1"} <= set(img["properties"]["tags"])
    assert img["defaultConfiguration"]["level"] == "error"
    assert "Add an alt attribute" in img["help"]["markdown"] and "Tag the figure" in img["help"]["markdown"]
    assert "helpUri" not in driver["rules"][ids.index("t-pdf-tagged")]


def test_sarif_results_levels_kinds_and_rule_index(cat):
    doc = sarif(cat, [html_result(cat), pdf_result(cat)])
    run = doc["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    results = run["results"]
    assert len(results) == 7  # failed and cantTell only
    for res in results:
        assert rules[res["ruleIndex"]]["id"] == res["ruleId"]
        assert res["message"]["text"]
        assert res["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        if res["kind"] == "fail":
            expected = {"severe": "error", "major": "warning", "minor": "note"}[res["properties"]["severity"]]
            assert res["level"] == expected
        else:
            # SARIF 2.1.0 §3.27.10: a result whose kind is not "fail" has level "none"
            assert res["kind"] == "review" and res["level"] == "none"
            assert res["properties"]["outcome"] == "cantTell"
    assert {r["level"] for r in results if r["kind"] == "fail"} == {"error", "note"}
    assert sum(1 for r in results if r["kind"] == "review") == 2


def test_sarif_locations_regions_and_logical_locations(cat):
    run = sarif(cat, [html_result(cat), pdf_result(cat)])["runs"][0]
    first = run["results"][0]
    physical = first["locations"][0]["physicalLocation"]
    assert physical["artifactLocation"] == {"uri": "lesson.html", "index": 0}
    assert physical["region"] == {"startLine": 12}
    assert first["locations"][0]["logicalLocations"] == [{"fullyQualifiedName": "img:nth-of-type(2)",
                                                           "kind": "element"}]
    pdf = [r for r in run["results"] if r["ruleId"] == "t-pdf-tagged"][0]
    loc = pdf["locations"][0]
    assert loc["physicalLocation"]["artifactLocation"] == {"uri": "slides/week%201.pdf", "index": 1}
    assert "region" not in loc["physicalLocation"]
    assert loc["logicalLocations"] == [{"name": "page 1", "kind": "page"}]
    assert [a["location"]["uri"] for a in run["artifacts"]] == ["lesson.html", "slides/week%201.pdf"]
    review = [r for r in run["results"] if r["ruleId"] == "t-peer-review"][0]
    assert "logicalLocations" not in review["locations"][0]


def test_sarif_uris_for_urls_and_absolute_paths(cat, tmp_path):
    url = html_result(cat, "https://example.org/course/page.html?x=1")
    absolute = clean_result(cat, str(tmp_path / "a b.html"))
    run = sarif(cat, [url, absolute])["runs"][0]
    uris = [a["location"]["uri"] for a in run["artifacts"]]
    assert uris[0] == "https://example.org/course/page.html?x=1"
    assert uris[1] == (tmp_path / "a b.html").as_uri() and "%20" in uris[1]


def test_sarif_harvested_identifiers_stay_uris(cat):
    results = [html_result(cat, "oai:demo.example:12#unit-0.html"),
               clean_result(cat, "moodle:site:course5:mod7:lecture notes.pdf")]
    uris = [a["location"]["uri"] for a in sarif(cat, results)["runs"][0]["artifacts"]]
    assert uris == ["oai:demo.example:12#unit-0.html", "moodle:site:course5:mod7:lecture%20notes.pdf"]


def test_sarif_clean_resource_has_no_results(cat):
    run = sarif(cat, [clean_result(cat)])["runs"][0]
    assert run["results"] == [] and run["tool"]["driver"]["rules"] == []


def test_failure_counts_separate_accessibility_from_oer_quality():
    from checkers.engine import CheckResult
    from checkers.findings import make_finding
    from reports import model
    from rules.catalogue import catalogue
    cat = catalogue()
    a2 = next(r.id for r in cat if r.annex.startswith("A2.") and r.mode == "automatic")
    a3 = next(r.id for r in cat if r.annex.startswith("A3.") and r.mode != "manual")
    findings = [make_finding(a2, "failed", "x"), make_finding(a3, "failed", "y"),
                make_finding(a3, "failed", "z")]
    result = CheckResult(resource="r", media_type="text/html", checked_at="t", ruleset_version=cat.version,
                         findings=findings, scores={"accessibility": 50, "band": "Medium"})
    n = model.counts(result, cat)
    assert (n["failed"], n["failed_accessibility"], n["failed_oer"]) == (3, 1, 2)
