"""Headings, long pages and hand-made lists."""
import pytest

from tests.html_util import only, outcomes, page, problems

LONG = "<p>" + "word " * 320 + "</p>"
VERY_LONG = "<p>" + "word " * 620 + "</p>"


@pytest.mark.parametrize("body, expected", [
    ("<h2>Part</h2>" + LONG, "passed"),
    (LONG, "failed"),
    ("<p>Short text only.</p>", "inapplicable"),
])
def test_no_headings(body, expected):
    assert only(page(body), "page-no-headings") == expected


@pytest.mark.parametrize("body, expected", [
    ("<h1>Title</h1>", ["passed"]),
    ('<h2 aria-label="Intro"><img src="i.png" alt=""></h2>', ["passed"]),
    ("<h2></h2>", ["failed"]),
    ('<h2><img src="i.png" alt=""></h2>', ["failed"]),
    ('<div role="heading" aria-level="2"></div>', ["failed"]),
    ('<h2 style="display:none"></h2>', ["inapplicable"]),
    ("<p>No heading</p>", ["inapplicable"]),
])
def test_empty_heading(body, expected):
    assert outcomes(page(body), "heading-empty") == expected


@pytest.mark.parametrize("body, expected", [
    ("<h1>A</h1><h2>B</h2><h3>C</h3><h2>D</h2>", ["passed"] * 3),
    ("<h2>B</h2><h4>C</h4>", ["failed"]),
    ("<h1>A</h1><h3>C</h3><h1>D</h1>", ["failed", "passed"]),
    ("<h4>Moodle fragments may start at h4</h4><h5>Sub</h5>", ["passed"]),
    ("<h3>Only one</h3>", ["inapplicable"]),
])
def test_heading_order(body, expected):
    assert sorted(outcomes(page(body), "heading-order")) == sorted(expected)


def test_heading_order_points_at_the_jump():
    [f] = problems(page("<h2>B</h2><section><h4>C</h4></section>"), "heading-order")
    assert f.location.selector == "body > section > h4" and "2 to 4" in f.message


BODY_TEXT = "<p>This paragraph explains the topic in several full sentences of ordinary body text.</p>"


@pytest.mark.parametrize("body, expected", [
    ("<p><strong>Introduction</strong></p>" + BODY_TEXT, ["failed"]),
    ("<p><b><u>Learning outcomes</u></b></p><ul><li>One</li></ul>", ["failed"]),
    ('<p style="font-size:24px">Introduction</p>' + BODY_TEXT, ["failed"]),
    ('<p><span style="font-weight:bold">Introduction</span></p>' + BODY_TEXT, ["failed"]),
    ("<h2>Introduction</h2>" + BODY_TEXT, ["passed"]),
    ("<p><strong>Note:</strong> this is important.</p>" + BODY_TEXT, ["inapplicable"]),
    ("<p><strong>Remember to submit by Friday.</strong></p>" + BODY_TEXT, ["inapplicable"]),
    ("<p><strong>Introduction</strong></p>", ["inapplicable"]),
    ("<table><tr><td><p><b>Cell</b></p><p>Text in the same cell that goes on for a while.</p></td></tr></table>",
     ["inapplicable"]),
])
def test_fake_heading(body, expected):
    assert outcomes(page(body), "heading-fake") == expected


@pytest.mark.parametrize("body, expected", [
    ("<h2>A</h2>" + VERY_LONG, "failed"),
    ("".join(f"<h2>Part {i}</h2><p>{'word ' * 110}</p>" for i in range(6)), "cantTell"),
    (LONG, "passed"),
])
def test_page_too_long(body, expected):
    assert only(page(body), "page-too-long") == expected


@pytest.mark.parametrize("body, expected", [
    ("<p>• First point</p><p>• Second point</p><p>• Third point</p>", ["failed"]),
    ("<p>1. Mix</p><p>2. Bake</p>", ["failed"]),
    ("<p>- eggs<br>- flour<br>- milk</p>", ["failed"]),
    ("<p>a) yes<br>b) no</p>", ["failed"]),
    ("<ul><li>First</li><li>Second</li></ul>", ["passed"]),
    ("<p>- only one dash line</p><p>Normal text follows here.</p>", ["inapplicable"]),
    ("<p>2024 was a good year.</p><p>2025 too.</p>", ["inapplicable"]),
])
def test_handmade_lists(body, expected):
    assert outcomes(page(body), "list-handmade") == expected


def test_handmade_list_reported_once_at_its_first_paragraph():
    [f] = problems(page("<p>Intro</p><p>* one</p><p>* two</p><p>* three</p>"), "list-handmade")
    assert f.location.selector == "body > p:nth-of-type(2)"
