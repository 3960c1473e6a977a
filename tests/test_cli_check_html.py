"""`oerlint check` on real HTML pages (the static HTML checker), from disk and over HTTP, and our
own HTML report held to that checker."""
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from click.testing import CliRunner

from checkers.engine import check_bytes
from rules.catalogue import catalogue
from sweeps.cli import main
from sweeps.cli_check import Input, run_checks
from reports import render
from tests.report_fixtures import clean_result, hostile_result, html_result, pdf_result, small_catalogue

PAGE = b"""<!doctype html>
<html lang="en"><head><title>Photosynthesis</title></head>
<body><h1>Photosynthesis</h1>
<p>How plants turn light into sugar.</p>
<img src="img/chart.png">
<p><a href="notes.pdf">Lecture notes</a></p>
</body></html>
"""


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture
def page(tmp_path):
    path = tmp_path / "course" / "page.html"
    path.parent.mkdir()
    path.write_bytes(PAGE)
    return path


def test_text_report_of_a_page_names_the_problem_and_the_html_fix(page):
    res = run("check", page)
    assert res.exit_code == 0
    out = res.stdout
    rule = catalogue()["img-alt-missing"]
    block = out[out.index("SEVERE"):]
    assert "[failed] Image has no text alternative" in block
    assert f"rule:     img-alt-missing - {rule.title}" in block
    assert "where:    line 5, body > img" in block
    assert 'evidence: <img src="img/chart.png">' in block
    assert "WCAG 1.1.1 · ACT 23a2a8" in block
    assert " ".join(rule.fix_for("html").split())[:50] in " ".join(block.split())
    assert run("check", page, "--fail-on", "severe").exit_code == 1


def test_sarif_region_points_at_the_line(page):
    doc = json.loads(run("check", page, "--format", "sarif").stdout)
    result = [r for r in doc["runs"][0]["results"] if r["ruleId"] == "img-alt-missing"][0]
    location = result["locations"][0]
    assert location["physicalLocation"]["region"] == {"startLine": 5}
    assert location["physicalLocation"]["artifactLocation"]["uri"] == page.as_uri()
    assert location["logicalLocations"] == [{"fullyQualifiedName": "body > img", "kind": "element"}]
    assert result["level"] == "error"


def test_relative_links_of_a_local_page_resolve_against_its_folder(page):
    [result], problems = run_checks([Input(resource=str(page), path=page)], {}, "platform")
    assert problems == []
    assert (page.parent / "notes.pdf").as_uri() in result.facts.links


class _Site(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 (http.server's naming)
        if self.path == "/moved":
            self.send_response(301)
            self.send_header("Location", "/course/page.html")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        found = self.path == "/course/page.html"
        body = PAGE if found else b"not found"
        self.send_response(200 if found else 404)
        self.send_header("Content-Type", "text/html; charset=utf-8" if found else "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def site():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Site)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_relative_links_of_a_fetched_page_resolve_against_the_final_url(site):
    url = f"{site}/moved"
    [result], problems = run_checks([Input(resource=url, url=url)], {}, "platform")
    assert problems == []
    assert result.resource == url and result.media_type == "text/html"
    assert f"{site}/course/notes.pdf" in result.facts.links  # after the redirect, not /notes.pdf
    res = run("check", url, "--format", "json")
    assert res.exit_code == 0
    rules = {f["rule"] for f in json.loads(res.stdout)["findings"] if f["outcome"] == "failed"}
    assert {"img-alt-missing", "link-file-type"} <= rules


@pytest.mark.parametrize("many", [False, True])
def test_our_html_report_passes_the_html_checker(tmp_path, many):
    cat = small_catalogue(tmp_path)
    results = ([hostile_result(cat), html_result(cat, "https://example.org/x.html"), pdf_result(cat),
                clean_result(cat)] if many else [html_result(cat)])
    report = render(results, "html", many=many, cat=cat, show_passed=True)
    checked = check_bytes(report.encode("utf-8"), resource="report.html", name="report.html")
    accessibility = [f for f in checked.findings if str(f.refs.get("annex", "")).startswith("A2.")]
    failed = [(f.rule, f.message, f.location.selector) for f in accessibility if f.outcome == "failed"]
    assert failed == []
    assert checked.scores["accessibility"] == 100


# ------------------------------------------------------------------ PDF files (the PDF checker)

def test_pdf_findings_point_at_pages_in_every_format(tmp_path):
    from tests.pdf_factory import E, make_pdf
    pdf = tmp_path / "lecture.pdf"
    pdf.write_bytes(make_pdf([[E("H1", "Heat"), E("P", "Heat is energy in transit."), E("Figure", image=True)]]))
    text = run("check", pdf).stdout
    block = text[text.index("[failed] Figure has no text alternative"):]
    assert "where:    page 1" in block and "PDF/UA 7.3 · Matterhorn 13-004" in block
    assert " ".join(catalogue()["pdf-figure-alt"].fix_for("pdf").split())[:50] in " ".join(block.split())
    rows = [r for r in run("check", pdf, "--format", "csv").stdout.splitlines() if ",pdf-figure-alt," in r]
    assert len(rows) == 1 and ",7.3,A2.images.1,1,," in rows[0]
    sarif = json.loads(run("check", pdf, "--format", "sarif").stdout)
    result = [r for r in sarif["runs"][0]["results"] if r["ruleId"] == "pdf-figure-alt"][0]
    assert result["locations"][0]["logicalLocations"] == [{"name": "page 1", "kind": "page"}]
    assert "region" not in result["locations"][0]["physicalLocation"]


def test_a_damaged_pdf_is_a_severe_unreadable_finding_not_a_crash(tmp_path):
    from tests.pdf_factory import make_pdf
    data = make_pdf()
    pdf = tmp_path / "broken.pdf"
    pdf.write_bytes(data[: len(data) // 2])
    res = run("check", pdf, "--format", "json", "--fail-on", "severe")
    assert res.exit_code == 1
    findings = json.loads(res.stdout)["findings"]
    assert [f["outcome"] for f in findings if f["rule"] == "unreadable"] == ["failed"]


# ------------------------------------------------------------------ media files and the captions beside them

def test_a_caption_file_beside_a_local_video_counts(tmp_path):
    from tests.test_media_builders import cues_until, mp4, vtt
    video = tmp_path / "lecture.mp4"
    video.write_bytes(mp4(duration_ms=60_000))

    def captions_outcomes():
        data = json.loads(run("check", video, "--format", "json").stdout)
        return [f["outcome"] for f in data["findings"] if f["rule"] == "media-video-captions"]

    assert captions_outcomes() == ["failed"]
    (tmp_path / "lecture.en.vtt").write_bytes(vtt(cues_until(60)))
    assert captions_outcomes() == ["passed"]
