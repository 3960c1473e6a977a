"""Links: name (ACT c487ae), descriptive text with context, raw URLs, files, new windows."""
import pytest

from tests.html_util import only, outcomes, page, problems


@pytest.mark.parametrize("body, expected", [
    ('<a href="/syllabus">Course syllabus</a>', "passed"),
    ('<a href="/s"><img src="s.png" alt="Course syllabus"></a>', "passed"),
    ('<a href="/s" aria-label="Course syllabus"><span class="icon"></span></a>', "passed"),
    ('<span role="link" tabindex="0">Course syllabus</span>', "passed"),
    ('<a href="/s"></a>', "failed"),
    ('<a href="/s"><img src="s.png" alt=""></a>', "failed"),
    ('<a href="/s"><span aria-hidden="true">→</span></a>', "failed"),
    ('<a name="top"></a>', "inapplicable"),
    ('<a href="/s" hidden>Syllabus</a>', "inapplicable"),
])
def test_link_name(body, expected):
    assert only(page(body), "link-name") == expected


def test_link_with_only_decorative_image_says_so():
    [f] = problems(page('<p><a href="/s"><img src="s.png" alt=""></a></p>'), "link-name")
    assert "empty alt" in f.message and f.location.selector == "body > p > a"


@pytest.mark.parametrize("body, expected", [
    ('<p><a href="/s">Read the course syllabus</a></p>', "passed"),
    ('<p><a href="/s">click here</a></p>', "failed"),
    ('<p><a href="/s">Lue lisää</a></p>', "failed"),
    ('<ul><li><a href="/s">Hier</a></li></ul>', "failed"),
    ('<p>The syllabus lists all deadlines; <a href="/s">read more</a>.</p>', "cantTell"),
    ('<p><a href="/s" title="Course syllabus">read more</a></p>', "passed"),
    ('<p id="d">Course syllabus</p><p><a href="/s" aria-describedby="d">here</a></p>', "passed"),
    ('<p><a href="/s"></a></p>', "inapplicable"),
])
def test_non_descriptive_text(body, expected):
    assert only(page(body), "link-text-non-descriptive") == expected


@pytest.mark.parametrize("body, expected", [
    ('<a href="https://example.org/a?b=1">https://example.org/a?b=1</a>', "failed"),
    ('<a href="http://www.w3.org">www.w3.org</a>', "failed"),
    ('<a href="https://example.org">The example organisation</a>', "passed"),
])
def test_raw_url(body, expected):
    assert only(page(body), "link-text-url") == expected


@pytest.mark.parametrize("body, expected", [
    ('<a href="/files/syllabus.pdf">Course syllabus</a>', "failed"),
    ('<a href="/files/week1.pptx">Week 1 material</a>', "failed"),
    ('<a href="/files/syllabus.pdf">Course syllabus (PDF, 2 MB)</a>', "passed"),
    ('<a href="/files/slides.pptx">Week 1 slides (PowerPoint)</a>', "passed"),
    ('<a href="/files/syllabus.pdf" title="PDF document">Course syllabus</a>', "passed"),
    ('<a href="/files/data.zip" aria-describedby="z">Data</a><span id="z">ZIP archive</span>', "passed"),
    ('<a href="/page/syllabus.html">Course syllabus</a>', "inapplicable"),
])
def test_link_to_file(body, expected):
    assert only(page(body), "link-file-type") == expected


@pytest.mark.parametrize("body, expected", [
    ('<a href="/s" target="_blank">Course syllabus</a>', "failed"),
    ('<a href="/s" target="_blank">Course syllabus (opens in a new window)</a>', "passed"),
    ('<a href="/s" target="_blank" title="opens in new tab">Course syllabus</a>', "passed"),
    ('<a href="/s" target="_blank">Course syllabus <img src="ext.png" alt="(avautuu uuteen ikkunaan)"></a>', "passed"),
    ('<a href="/s" target="_self">Course syllabus</a>', "inapplicable"),
    ('<a href="/s">Course syllabus</a>', "inapplicable"),
])
def test_new_window(body, expected):
    assert only(page(body), "link-new-window") == expected


def test_same_text_different_targets():
    html = page('<p><a href="/w1.html">Slides</a></p><p><a href="/w2.html">Slides</a></p>'
                '<p><a href="/a.html">Exercise</a> <a href="/a.html">Exercise</a></p>')
    assert sorted(outcomes(html, "link-text-ambiguous")) == ["cantTell", "passed"]
    [f] = problems(html, "link-text-ambiguous")
    assert "slides" in f.message and f.location.selector == "body > p:nth-of-type(1) > a"


def test_base_url_resolves_targets():
    html = page('<a href="a.html">Same</a><a href="https://x.org/c/a.html">Same</a>')
    assert outcomes(html, "link-text-ambiguous", base_url="https://x.org/c/index.html") == ["passed"]
