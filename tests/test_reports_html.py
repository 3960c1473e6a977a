"""The HTML report: escaping of everything it quotes, and its own accessibility."""
import lxml.html
import pytest

from checkers.colour import contrast_ratio, parse_colour
from reports import render
from reports.html import PALETTE
from tests.report_fixtures import (HOSTILE_EVIDENCE, HOSTILE_MESSAGE, HOSTILE_NAME, clean_result,
                                   hostile_result, html_result, pdf_result, small_catalogue)


@pytest.fixture
def cat(tmp_path):
    return small_catalogue(tmp_path)


def page(cat, results, **kw):
    text = render(results, "html", many=len(results) > 1, cat=cat, **kw)
    return text, lxml.html.document_fromstring(text)


# ------------------------------------------------------------------ escaping

def test_hostile_names_evidence_and_messages_stay_text(cat):
    text, doc = page(cat, [hostile_result(cat), html_result(cat)])
    assert "<script>" not in text and "<img src=x" not in text
    assert doc.xpath("//script") == []
    handlers = [(el.tag, name) for el in doc.iter() if isinstance(el.tag, str)
                for name in el.attrib if name.lower().startswith("on")]
    assert handlers == []
    assert not [a for a in doc.xpath("//a/@href") if a.strip().lower().startswith("javascript:")]
    assert doc.xpath("//img") == []
    body = doc.text_content()
    for quoted in (HOSTILE_NAME, HOSTILE_EVIDENCE, HOSTILE_MESSAGE, "<b>bold</b> & more"):
        assert quoted in body
    assert HOSTILE_EVIDENCE in [c.text_content() for c in doc.xpath("//pre/code")]
    assert doc.xpath("//title")[0].text_content() == "oerlint report: 2 resources"
    assert doc.xpath("//b") == []


def test_title_carries_a_hostile_single_resource_name_as_text(cat):
    _, doc = page(cat, [hostile_result(cat)])
    assert doc.xpath("//title")[0].text_content() == f"oerlint report: {HOSTILE_NAME}"
    assert HOSTILE_NAME in doc.xpath("//h1")[0].text_content()


def test_only_http_resources_become_links(cat):
    web = html_result(cat, "https://example.org/course/page.html")
    trap = html_result(cat, "javascript:alert(1)")
    _, doc = page(cat, [web, trap])
    hrefs = doc.xpath("//main//a/@href")
    assert "https://example.org/course/page.html" in hrefs
    assert not any(h.startswith("javascript") for h in hrefs)


# ------------------------------------------------------------------ accessibility of the report

def heading_levels(doc):
    return [int(h.tag[1]) for h in doc.iter("h1", "h2", "h3", "h4", "h5", "h6")]


@pytest.mark.parametrize("many", [False, True])
def test_page_structure(cat, many):
    results = [html_result(cat), pdf_result(cat), clean_result(cat)] if many else [html_result(cat)]
    _, doc = page(cat, results, show_passed=True)
    root = doc.getroottree().getroot()
    assert root.get("lang") == "en"
    assert doc.xpath("//head/title")[0].text_content().strip()
    levels = heading_levels(doc)
    assert levels.count(1) == 1 and levels[0] == 1
    assert all(b - a <= 1 for a, b in zip(levels, levels[1:])), levels
    assert all(h.text_content().strip() for h in doc.iter("h1", "h2", "h3", "h4", "h5"))
    # landmarks: banner, main, contentinfo; navigation when several resources
    assert len(doc.xpath("//body/header")) == 1 and len(doc.xpath("//body/main")) == 1
    assert len(doc.xpath("//body/footer")) == 1
    assert len(doc.xpath("//nav[@aria-label]")) == (1 if many else 0)
    # skip link is first and points at main
    first_link = doc.xpath("//body//a")[0]
    assert first_link.get("href") == "#main" and doc.xpath("//main/@id") == ["main"]
    # ids are unique and in-page links resolve
    ids = doc.xpath("//@id")
    assert len(ids) == len(set(ids))
    for href in doc.xpath("//a/@href"):
        if href.startswith("#"):
            assert href[1:] in ids
    for ref in doc.xpath("//@aria-labelledby"):
        assert all(part in ids for part in ref.split())
    # tables: a caption, header cells with a scope
    tables = doc.xpath("//table")
    assert tables
    for table in tables:
        assert table.xpath("./caption") and table.xpath("./caption")[0].text_content().strip()
        assert table.xpath(".//th")  # row or column headers (ACT d0f69e: each has assigned cells)
        assert all(th.get("scope") in ("col", "row") for th in table.xpath(".//th"))
    assert doc.xpath("//script") == [] and doc.xpath("//link[@rel='stylesheet']") == []


def test_chart_is_an_image_with_a_name_and_a_data_table(cat):
    result = html_result(cat)
    _, doc = page(cat, [result])
    svg = doc.xpath("//svg")
    assert len(svg) == 1 and svg[0].get("role") == "img"
    label_id = svg[0].get("aria-labelledby")
    name = doc.xpath(f"//*[@id='{label_id}']")[0].text_content()
    oer = result.scores["oer"]
    assert "Lifecycle 100" in name and "Content n/a" in name
    assert len(svg[0].xpath(".//rect[@fill='none']")) == 5
    table = doc.xpath("//figure/table")[0]
    rows = {tr.xpath("./th")[0].text_content(): tr.xpath("./td")[0].text_content()
            for tr in table.xpath("./tbody/tr")}
    assert rows == {"Content": "n/a", "Methods": "n/a", "Usability and accessibility": str(oer["accessibility"]),
                    "Findability": "n/a", "Lifecycle": str(oer["lifecycle"])}
    bars = svg[0].xpath(".//rect[not(@fill='none')]")
    widths = [int(b.get("width")) for b in bars]
    assert widths[4] == 300 and widths[0] == 0  # lifecycle 100, content n/a


def test_severity_and_outcome_are_said_in_text_not_only_colour(cat):
    result = html_result(cat)
    _, doc = page(cat, [result])
    items = doc.xpath("//li[contains(@class, 'finding')]")
    listed = [f for f in result.findings if f.outcome in ("failed", "cantTell") and f.rule != "t-peer-review"]
    assert len(items) == len(listed) == 4
    badges = [[b.text_content() for b in li.xpath(".//h5/strong")] for li in items]
    assert badges == [["Severe", "Failed"], ["Severe", "Failed"], ["Major", "Needs checking"],
                      ["Minor", "Failed"]]
    headings = [h.text_content() for h in doc.xpath("//h4")]
    assert headings == ["Severe (2)", "Major (1)", "Minor (1)"]
    first = items[0].text_content()
    assert "img:nth-of-type(2)" in first and "Add an alt attribute" in first and "Score if fixed" in first
    act = items[0].xpath(".//a/@href")
    assert "https://www.w3.org/WAI/standards-guidelines/act/rules/23a2a8/" in act
    reviewer = doc.xpath("//h3[.='For a reviewer']/following-sibling::ul[1]/li")
    assert [li.text_content() for li in reviewer] == [
        "Peer reviewed (Annex A3.content.4): Has the resource been peer reviewed?"]


def test_clean_resource_and_passed_table(cat):
    _, doc = page(cat, [clean_result(cat)])
    assert "No problems found." in doc.text_content()
    assert doc.xpath("//h3[.='Rules passed']") == []
    _, doc = page(cat, [clean_result(cat)], show_passed=True)
    rows = doc.xpath("//table[caption[starts-with(., 'Rules passed')]]/tbody/tr")
    assert [r.xpath("./td")[0].text_content() for r in rows] == ["t-img-alt", "t-table-caption"]


@pytest.mark.parametrize("name", sorted(PALETTE))
def test_palette_has_sufficient_contrast(name):
    fg, bg = (parse_colour(c) for c in PALETTE[name])
    needed = 3.0 if name == "bar" else 4.5  # bars are graphics (WCAG 1.4.11), the rest text (1.4.3)
    assert contrast_ratio(fg, bg) >= needed
