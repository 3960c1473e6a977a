"""`oerlint rules` and `oerlint explain` against the shipped catalogue."""
import json
import re

import pytest
from click.testing import CliRunner

from rules.catalogue import catalogue
from sweeps.cli import main


def run(*args):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_rules_text_lists_every_rule_and_counts_per_annex():
    cat = catalogue()
    res = run("rules")
    assert res.exit_code == 0
    lines = res.stdout.splitlines()
    assert lines[0].split() == ["id", "severity", "mode", "annex", "formats", "title"]
    for rule in cat:
        row = next(line for line in lines if line.startswith(rule.id + " "))
        assert row.split()[:4] == [rule.id, rule.severity, rule.mode, rule.annex]
        assert row.rstrip().endswith(rule.title)
    assert f"{len(cat)} rule(s). Per annex item:" in res.stdout
    tail = res.stdout[res.stdout.index("Per annex item:"):]
    counts = dict(re.findall(r"^  (A[23]\.\S+)\s+(\d+)$", tail, re.MULTILINE))
    for annex, n in counts.items():
        assert int(n) == sum(1 for r in cat if r.annex == annex)
    assert sum(int(n) for n in counts.values()) == len(cat)
    a2 = int(re.search(r"Annex 2 total\s+(\d+)", tail).group(1))
    a3 = int(re.search(r"Annex 3 total\s+(\d+)", tail).group(1))
    assert a2 + a3 == len(cat)


def test_rules_json_is_the_list_of_rule_dicts():
    res = run("rules", "--format", "json")
    assert res.exit_code == 0
    assert json.loads(res.stdout) == [r.to_dict() for r in catalogue()]


def test_rules_filters_by_annex_prefix_and_format():
    cat = catalogue()
    data = json.loads(run("rules", "--format", "json", "--annex", "A2.images").stdout)
    assert data and {r["id"] for r in data} == {r.id for r in cat if r.annex.startswith("A2.images")}
    data = json.loads(run("rules", "--format", "json", "--format-filter", "pptx").stdout)
    assert data and all("pptx" in r["formats"] for r in data)
    assert {r["id"] for r in data} == {r.id for r in cat if "pptx" in r.formats}
    both = json.loads(run("rules", "--format", "json", "--format-filter", "pptx",
                          "--format-filter", "docx").stdout)
    assert len(both) == sum(1 for r in cat if {"pptx", "docx"} & set(r.formats))
    narrow = json.loads(run("rules", "--format", "json", "--annex", "A2.images",
                            "--format-filter", "pptx").stdout)
    assert {r["id"] for r in narrow} == {r.id for r in cat if r.annex.startswith("A2.images") and "pptx" in r.formats}


def test_rules_unknown_annex_prefix_is_a_usage_error():
    res = run("rules", "--annex", "A2.imagez")
    assert res.exit_code == 2
    assert "no annex item starts with it" in res.stderr and "A2.images" in res.stderr
    assert run("rules", "--format-filter", "xlsx").exit_code == 2


def a_rule_with(kind):
    return next(r for r in catalogue() if r.refs.get(kind))


def test_explain_prints_help_fix_per_format_annex_text_and_links():
    rule = a_rule_with("act")
    res = run("explain", rule.id)
    assert res.exit_code == 0
    out = res.stdout
    flat = " ".join(out.split())
    assert out.startswith(f"{rule.id}: {rule.title}")
    assert f"severity {rule.severity}" in out and rule.mode in out
    assert " ".join(rule.help.split()) in flat
    for fmt, text in rule.fix.items():
        assert f"  {fmt}:" in out and " ".join(text.split()) in flat
    assert catalogue().annexes[rule.annex] in flat
    for act in rule.refs["act"]:
        assert f"https://www.w3.org/WAI/standards-guidelines/act/rules/{act}/" in out
    for sc in rule.refs.get("wcag", ()):
        assert f"WCAG 2.2 success criterion {sc}" in out


def test_explain_names_pdf_ua_and_other_references():
    rule = a_rule_with("other")
    out = run("explain", rule.id).stdout
    for other in rule.refs["other"]:
        assert other in out


@pytest.mark.parametrize("typo", ["pptx-image-alts", "unreadabel"])
def test_explain_unknown_rule_suggests_close_matches(typo):
    res = run("explain", typo)
    assert res.exit_code == 2
    assert f"unknown rule {typo!r}" in res.stderr and "Did you mean:" in res.stderr
    assert typo.rstrip("s").replace("abel", "able") in res.stderr


def test_explain_without_a_close_match_points_to_the_list():
    res = run("explain", "zzzz")
    assert res.exit_code == 2 and "oerlint rules" in res.stderr


def test_explain_works_for_every_rule_of_the_catalogue():
    runner = CliRunner()
    for rule in catalogue():
        res = runner.invoke(main, ["explain", rule.id], catch_exceptions=False)
        assert res.exit_code == 0 and res.stdout.startswith(f"{rule.id}: {rule.title}")
        assert f"annex {rule.annex}: " in res.stdout
