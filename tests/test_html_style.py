"""Highlighting and colours: underline, blue, colour-only, contrast (ACT afw4f7), fonts."""
import pytest

from tests.html_util import only, outcomes, page, problems


@pytest.mark.parametrize("body, expected", [
    ("<p>Some <u>underlined</u> words</p>", ["failed"]),
    ('<p>Some <span style="text-decoration: underline">underlined</span> words</p>', ["failed"]),
    ('<p class="u">Underlined by a rule</p>', ["failed"]),
    ('<p><a href="/x"><u>a link</u></a></p>', ["inapplicable"]),
    ("<p>Plain text</p>", ["inapplicable"]),
])
def test_underline(body, expected):
    html = page(body, head="<title>T</title><style>.u { text-decoration: underline }</style>")
    assert outcomes(html, "text-underline") == expected


def test_nested_underline_reported_once_on_the_outer_element():
    [f] = problems(page("<p><u>one <b>two</b> three</u></p>"), "text-underline")
    assert f.location.selector == "body > p > u"


@pytest.mark.parametrize("body, expected", [
    ('<p>Text in <span style="color:#0000ff">blue</span></p>', ["failed"]),
    ('<p>Text in <font color="blue">blue</font></p>', ["failed"]),
    ('<p><a href="/x" style="color:blue">a link</a></p>', ["inapplicable"]),
    ('<p>Text in <span style="color:#900">dark red</span></p>', ["inapplicable"]),
])
def test_blue_text(body, expected):
    assert outcomes(page(body), "text-blue") == expected


@pytest.mark.parametrize("body, expected", [
    ('<p>The answer <span style="color:red">B</span> is wrong.</p>', ["cantTell"]),
    ('<p>The answer <strong style="color:#c00">B</strong> is wrong.</p>', ["passed"]),
    ('<p style="color:#900">The whole paragraph is dark red.</p>', ["inapplicable"]),
    ('<p>Answer <span style="color:#555">B</span> is grey.</p>', ["inapplicable"]),
])
def test_colour_only(body, expected):
    assert outcomes(page(body), "colour-only-meaning") == expected


@pytest.mark.parametrize("body, head, expected", [
    ('<p style="color:#767676">Just enough grey</p>', "", ["passed"]),
    ('<p style="color:#777">Too light grey</p>', "", ["failed"]),
    ('<p style="color:#fff;background:#000">White on black</p>', "", ["passed"]),
    ('<p class="n">Grey from a style rule</p>', "<style>.n { color: #999999 }</style>", ["failed"]),
    ('<div id="box"><p>Inherited colours</p></div>', "<style>#box { color: #aaa; background-color: #fff }</style>",
     ["failed"]),
    ('<h1 style="color:#888">Large heading text</h1>', "", ["passed"]),  # 3.54:1, large text needs 3:1
    ('<p style="color:#888;font-size:24px">Large text</p>', "", ["passed"]),
    ('<p style="color:#888;font-size:14pt;font-weight:bold">Large bold text</p>', "", ["passed"]),
    ('<p style="color:#888">Small grey text</p>', "", ["failed"]),
    ('<p style="color:#333;background:url(bg.png)">On an image</p>', "", ["cantTell"]),
    ('<p style="color:rgba(0,0,0,0.3)">Transparent</p>', "", ["cantTell"]),
    ('<p style="color:#777;display:none">Hidden</p>', "", ["inapplicable"]),
    ("<p>Default colours</p>", "", ["inapplicable"]),
])
def test_contrast(body, head, expected):
    assert outcomes(page(body, head="<title>T</title>" + head), "text-contrast") == expected


def test_contrast_message_gives_the_ratio_and_colours():
    [f] = problems(page('<p style="color:#777">Too light grey</p>'), "text-contrast")
    assert "4.48:1" in f.message and "#777777 on #ffffff" in f.message
    assert f.refs["act"] == ["afw4f7"] and f.refs["wcag"] == ["1.4.3"]


def test_fragment_contrast_against_unknown_theme_is_cant_tell():
    html = '<p style="color:#999">Grey text in a Moodle label</p>'
    assert outcomes(html, "text-contrast") == ["cantTell"]
    assert outcomes('<p style="color:#999;background:#fff">Both known</p>', "text-contrast") == ["failed"]


@pytest.mark.parametrize("body, expected", [
    ('<p style="font-family:Arial">a</p><p style="font-family:Verdana">b</p>'
     '<p style="font-family:Comic Sans MS">c</p>', "failed"),
    ("".join(f'<p style="font-size:{s}px">t</p>' for s in (10, 12, 14, 18, 22, 28)), "failed"),
    ('<p style="font-family:Arial">a</p><p style="font-size:12px">b</p>', "passed"),
    ("<p>No styling</p>", "inapplicable"),
])
def test_styling(body, expected):
    assert only(page(body), "styling-excessive") == expected


@pytest.mark.parametrize("body, rule, expected", [
    ('<p><font face="Arial">old</font></p>', "font-element", "failed"),
    ("<p>modern</p>", "font-element", "inapplicable"),
    ("<blink>Now!</blink>", "emphasis-blink-marquee", "failed"),
    ("<marquee>News</marquee>", "emphasis-blink-marquee", "failed"),
    ("<p><strong>Now!</strong> <b>and</b> <i>this</i></p>", "emphasis-blink-marquee", "inapplicable"),
])
def test_obsolete_presentation(body, rule, expected):
    assert only(page(body), rule) == expected


# ACT afw4f7: text of disabled controls and their labels has no contrast requirement; shadows
# and opacity change the contrast in ways only a browser can measure.
@pytest.mark.parametrize("body, expected", [
    ('<label for="n" style="color:#888; background: white;">My name</label><input id="n" disabled>',
     "inapplicable"),
    ('<label for="n" style="color:#888; background: white;">My name</label><input id="n">', "failed"),
    ('<p style="color:#000; background:#fff; opacity:0.3">Faded text here</p>', "cantTell"),
    ('<p style="color:#777; background:#fff; text-shadow: none">Grey text here</p>', "failed"),
])
def test_contrast_disabled_and_effects(body, expected):
    assert only(page(body), "text-contrast") == expected
