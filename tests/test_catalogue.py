"""The rule catalogue: contract validation and coverage of the alliance's annexes."""
import textwrap

import pytest

from rules.catalogue import CatalogueError, catalogue, load_catalogue

GOOD = """
- id: good-rule
  title: A good rule
  annex: A2.images.1
  formats: [html]
  severity: major
  mode: automatic
  refs: {wcag: ["1.1.1"], act: ["23a2a8"]}
  help: Why.
  fix: {html: How., default: How.}
"""


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return path


def test_a_valid_file_loads(tmp_path):
    cat = load_catalogue([write(tmp_path, "a.yaml", GOOD)])
    rule = cat["good-rule"]
    assert rule.weight == 2.0  # major, no explicit weight
    assert rule.finding_refs() == {"wcag": ["1.1.1"], "act": ["23a2a8"], "pdfua": [],
                                   "annex": "A2.images.1"}
    assert rule.fix_for("pdf") == "How."


@pytest.mark.parametrize("change, problem", [
    (("severity: major", "severity: fatal"), "bad severity 'fatal'"),
    (("mode: automatic", "mode: magic"), "bad mode"),
    (("  help: Why.", "  help: Why.\n  colour: red"), "unknown field(s): colour"),
    (("  refs: {wcag: [\"1.1.1\"], act: [\"23a2a8\"]}", "  refs: {}"), "missing field(s): refs"),
    (("  refs: {wcag: [\"1.1.1\"], act: [\"23a2a8\"]}", "  refs: {wcag: [], act: []}"), "missing reference"),
    (("annex: A2.images.1", "annex: A9.nothing"), "annex 'A9.nothing'"),
    (("formats: [html]", "formats: [html, rtf]"), "unknown format(s) rtf"),
    (("wcag: [\"1.1.1\"]", "wcag: [\"1.1\"]"), "bad WCAG success criterion"),
    (("wcag: [\"1.1.1\"]", "wcag: [\"4.1.1\"]"), "was removed in WCAG 2.2"),
    (("id: good-rule", "id: Good_Rule"), "kebab-case"),
])
def test_bad_rules_name_file_and_rule(tmp_path, change, problem):
    path = write(tmp_path, "broken.yaml", GOOD.replace(*change))
    with pytest.raises(CatalogueError) as err:
        load_catalogue([path])
    assert "broken.yaml" in str(err.value)
    assert problem in str(err.value)


def test_duplicate_ids_across_files(tmp_path):
    a = write(tmp_path, "a.yaml", GOOD)
    b = write(tmp_path, "b.yaml", GOOD)
    with pytest.raises(CatalogueError, match=r"b.yaml, rule 'good-rule': duplicate id \(also in a.yaml\)"):
        load_catalogue([a, b])


def test_ruleset_version_changes_with_the_rules(tmp_path):
    v1 = load_catalogue([write(tmp_path, "a.yaml", GOOD)]).version
    v2 = load_catalogue([write(tmp_path, "a.yaml", GOOD.replace("Why.", "Why not."))]).version
    assert v1 != v2


def test_shipped_catalogue_is_valid():
    cat = catalogue()
    assert "unreadable" in cat
    assert len(cat) > 0


def test_every_annex_item_is_covered_by_a_rule():
    cat = catalogue()
    covered = {rule.annex for rule in cat}
    missing = sorted(set(cat.annexes) - covered)
    assert not missing, f"annex items without a rule: {missing}"


def test_modes_are_declared_for_every_annex3_item():
    cat = catalogue()
    for annex in (a for a in cat.annexes if a.startswith("A3.")):
        modes = {r.mode for r in cat if r.annex == annex}
        assert modes, annex
