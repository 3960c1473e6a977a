"""Images and non-text content, written like ACT test cases: passed, failed, inapplicable."""
import pytest

from tests.html_util import only, page, problems


@pytest.mark.parametrize("body, expected", [
    # ACT 23a2a8 image has non-empty accessible name
    ('<img src="w3c.png" alt="W3C logo">', "passed"),
    ('<img src="w3c.png" aria-label="W3C logo">', "passed"),
    ('<span id="l">W3C logo</span><img src="w3c.png" aria-labelledby="l">', "passed"),
    ('<span id="l" hidden>W3C logo</span><img src="w3c.png" aria-labelledby="l">', "passed"),
    ('<img src="w3c.png" title="W3C logo">', "passed"),
    ('<div role="img" aria-label="Stars">★★★</div>', "passed"),
    ('<img src="w3c.png">', "failed"),
    ('<img src="w3c.png" alt=" ">', "failed"),
    ('<img src="w3c.png" aria-labelledby="nothing-here">', "failed"),
    ('<div role="img"></div>', "failed"),
    ('<img src="w3c.png" alt="">', "inapplicable"),
    ('<img src="w3c.png" role="presentation">', "inapplicable"),
    ('<img src="w3c.png" aria-hidden="true">', "inapplicable"),
    ('<img src="w3c.png" style="display:none">', "inapplicable"),
    ('<div hidden><img src="w3c.png"></div>', "inapplicable"),
])
def test_img_alt_missing(body, expected):
    assert only(page(body), "img-alt-missing") == expected


def test_img_alt_missing_points_at_the_image():
    [f] = problems(page('<main><p>Intro</p><p><img src="a.png"> <img src="b.png" alt="B"></p></main>'),
                   "img-alt-missing")
    assert f.location.selector == "body > main > p:nth-of-type(2) > img:nth-of-type(1)"
    assert f.evidence == '<img src="a.png">'
    assert f.location.line == 1
    assert f.refs["act"] == ["23a2a8"] and f.refs["annex"] == "A2.images.1"


@pytest.mark.parametrize("body, rule, expected", [
    ('<img src="/f/IMG_0234.JPG" alt="IMG_0234.JPG">', "img-alt-filename", "failed"),
    ('<img src="/f/bridge-model.png" alt="bridge-model">', "img-alt-filename", "failed"),
    ('<img src="/f/bridge.png" alt="Students testing a bridge model">', "img-alt-filename", "passed"),
    ('<img src="/f/bridge.png" alt="">', "img-alt-filename", "inapplicable"),
    ('<img src="x.png" alt="image">', "img-alt-placeholder", "failed"),
    ('<img src="x.png" alt="Kuva">', "img-alt-placeholder", "failed"),
    ('<img src="x.png" alt="img_0234">', "img-alt-placeholder", "failed"),
    ('<img src="x.png" alt="Load path through a truss">', "img-alt-placeholder", "passed"),
    ('<img src="x.png">', "img-alt-placeholder", "inapplicable"),
    # Office's generated descriptions (kept when Word saves as HTML): unverified, a person checks
    ('<img src="x.png" alt="A close up of a logo&#10;&#10;Description automatically generated">',
     "img-alt-placeholder", "cantTell"),
    ('<img src="x.png" alt="Une image contenant dessin Description générée automatiquement">',
     "img-alt-placeholder", "cantTell"),
    ('<img src="x.png" alt="Descripción generada automáticamente">', "img-alt-placeholder", "cantTell"),
    ('<img src="x.png" alt="' + "word " * 30 + '">', "img-alt-too-long", "failed"),
    ('<img src="x.png" alt="A short description">', "img-alt-too-long", "passed"),
    ('<img src="x.png" alt="">', "img-alt-too-long", "inapplicable"),
])
def test_alt_quality(body, rule, expected):
    assert only(page(body), rule) == expected


def test_office_generated_alt_says_why_it_is_doubted():
    [f] = problems(page('<img src="a.png" alt="A close up of a logo\n\nDescription automatically generated '
                        'with medium confidence">'), "img-alt-placeholder")
    assert f.outcome == "cantTell" and "generated automatically by Office" in f.message


@pytest.mark.parametrize("body, expected", [
    # ACT 46ca7f: decorative elements stay out of the accessibility tree
    ('<img src="line.png" alt="">', "passed"),
    ('<img src="line.png" role="none">', "passed"),
    ('<svg aria-hidden="true"><circle r="2"/></svg>', "passed"),
    ('<img src="line.png" role="presentation" tabindex="0">', "failed"),
    ('<img src="line.png" alt="" aria-label="Separator">', "failed"),
    ('<img src="line.png" alt="" tabindex="-1">', "failed"),
    ('<img src="line.png" alt="A line">', "inapplicable"),
])
def test_decorative_images(body, expected):
    assert only(page(body), "img-decorative") == expected


@pytest.mark.parametrize("body, expected", [
    ('<img src="sales-chart.png" alt="Sales by year">', "cantTell"),
    ('<img src="kaavio_1.png" alt="Myynti">', "cantTell"),
    ('<img src="x.png" alt="Diagramm der Kräfte">', "cantTell"),
    ('<img src="chart.png" alt="Sales by year" aria-describedby="d"><p id="d">Sales rose from 2 to 5.</p>', "passed"),
    ('<figure><img src="chart.png" alt="Sales by year"><figcaption>Sales rose every year from 2019 '
     'to 2023, most of all in the north region.</figcaption></figure>', "passed"),
    ('<p><img src="graph.png" alt="Growth"></p><p><a href="d.html">Description of the graph</a></p>', "passed"),
    ('<img src="photo.png" alt="Students in the lab">', "inapplicable"),
])
def test_complex_images(body, expected):
    assert only(page(body), "img-complex-description") == expected


@pytest.mark.parametrize("body, rule, expected", [
    ('<input type="image" src="go.png" alt="Search">', "input-image-alt-missing", "passed"),
    ('<input type="image" src="go.png" title="Search">', "input-image-alt-missing", "passed"),
    ('<input type="image" src="go.png">', "input-image-alt-missing", "failed"),
    ('<input type="submit" value="Go">', "input-image-alt-missing", "inapplicable"),
    ('<map name="m"><area href="a.html" alt="North"></map>', "area-alt-missing", "passed"),
    ('<map name="m"><area href="a.html"></map>', "area-alt-missing", "failed"),
    ('<map name="m"><area alt=""></map>', "area-alt-missing", "inapplicable"),
    ('<object data="cat.png" type="image/png" title="A cat"></object>', "object-name-missing", "passed"),
    ('<object data="cat.png" type="image/png"></object>', "object-name-missing", "failed"),
    ('<object data="movie.mp4"></object>', "object-name-missing", "failed"),
    ('<object data="widget.swf"></object>', "object-name-missing", "cantTell"),
    ('<object data="page.html"></object>', "object-name-missing", "inapplicable"),
    ('<svg role="img"><title>Sales chart</title><rect width="2"/></svg>', "svg-img-name-missing", "passed"),
    ('<svg role="img" aria-label="Logo"><rect width="2"/></svg>', "svg-img-name-missing", "passed"),
    ('<svg role="img"><rect width="2"/></svg>', "svg-img-name-missing", "failed"),
    ('<svg><rect width="2"/></svg>', "svg-img-name-missing", "inapplicable"),
    ('<iframe src="quiz.html" title="Self-test quiz"></iframe>', "iframe-name-missing", "passed"),
    ('<iframe src="quiz.html" aria-label="Self-test quiz"></iframe>', "iframe-name-missing", "passed"),
    ('<iframe src="quiz.html"></iframe>', "iframe-name-missing", "failed"),
    ('<iframe src="quiz.html" hidden></iframe>', "iframe-name-missing", "inapplicable"),
])
def test_other_non_text_content(body, rule, expected):
    assert only(page(body), rule) == expected
