"""Conformance of the static HTML checker with the W3C ACT rules' own test cases.

Each `tests/act_cases/<act id>.yaml` holds the examples of one ACT rule (numbered as the rule
numbers them) and the oerlint rules that implement it. What each ACT outcome demands of us:

- Failed example: our rule says `failed`. Where the example needs a browser (scripting, CSS we
  do not resolve, rendering) the case says `static: cantTell` and `cantTell` is accepted too; a
  case may say `static: notPassed` when we cannot see the problem at all (say, an image drawn by
  a CSS background): then we must at least not claim the example passes.
- Passed example: our rule never says `failed`.
- Inapplicable example: our rule never says `failed` (ideally it says nothing).

A snippet without `<html` is wrapped in a complete page (lang and title set) so that the page
rules stay out of the way; `wrap: false` keeps a snippet as the whole document.

A case with `disagrees: <why>` is a known, documented disagreement that a static checker cannot
resolve (say, a silent video file); it runs as a strict xfail, so fixing it shows up.
"""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.html_util import outcomes, page

CASES_DIR = Path(__file__).parent / "act_cases"
ACT_OUTCOMES = ("passed", "failed", "inapplicable")
STATIC_ALLOWANCES = ("cantTell", "notPassed")


def _load() -> list:
    params = []
    for path in sorted(CASES_DIR.glob("*.yaml")):
        spec = yaml.safe_load(path.read_text(encoding="utf-8"))
        for case in spec["cases"]:
            params.append(pytest.param(spec, case, id=f"{spec['act']}-{case['example'].replace(' ', '')}"))
    return params


def _document(spec: dict, case: dict) -> bytes:
    html = case["html"]
    if case.get("wrap", spec.get("wrap", True)) and "<html" not in html.lower():
        return page(html)
    return html.encode()


def _ours(spec: dict, case: dict) -> list[str]:
    data = _document(spec, case)
    return [o for rule in case.get("rules", spec["rules"]) for o in outcomes(data, rule)]


CASES = _load()


def test_every_case_file_is_well_formed():
    files = sorted(CASES_DIR.glob("*.yaml"))
    assert files
    for path in files:
        spec = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert path.stem == spec["act"]
        assert spec["url"].startswith("https://")
        assert spec["rules"]
        for case in spec["cases"]:
            assert case["expected"] in ACT_OUTCOMES, (path.name, case["example"])
            assert case["example"].split()[0].lower() == case["expected"], (path.name, case["example"])
            if "static" in case:
                assert case["static"] in STATIC_ALLOWANCES and case.get("note"), (path.name, case["example"])


@pytest.mark.parametrize("spec, case", CASES)
def test_act_example(spec, case, request):
    if case.get("disagrees"):
        request.applymarker(pytest.mark.xfail(reason=case["disagrees"], strict=True))
    got = _ours(spec, case)
    expected = case["expected"]
    if expected == "failed":
        static = case.get("static")
        if static == "notPassed":
            assert "passed" not in got, got
        elif static == "cantTell":
            assert "failed" in got or "cantTell" in got, got
        else:
            assert "failed" in got, got
    else:
        assert "failed" not in got, got
