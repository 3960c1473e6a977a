"""Check results built from real findings of a small test catalogue, for the renderer tests."""
from __future__ import annotations

import textwrap
from pathlib import Path

from checkers.engine import CheckResult
from checkers.facts import ContentFacts
from checkers.findings import Recorder
from rules.catalogue import Catalogue, load_catalogue
from rules.scoring import compute_scores

RULES = """
- id: t-img-alt
  title: Image without a text alternative
  annex: A2.images.1
  formats: [html, pdf]
  severity: severe
  mode: automatic
  refs: {wcag: ["1.1.1"], act: ["23a2a8"], axe: [image-alt]}
  help: Screen reader users hear nothing useful for an image without alt text.
  fix: {html: "Add an alt attribute that says what the image shows.", pdf: "Tag the figure and give it /Alt text.", default: "Describe the image."}
- id: t-link-text
  title: Link text does not describe its target
  annex: A2.links.1
  formats: [html]
  severity: major
  mode: heuristic
  refs: {wcag: ["2.4.4"], act: ["5effbb"]}
  help: Links read out of context must still make sense.
  fix: {default: "Name the target in the link text."}
- id: t-table-caption
  title: Table without a caption
  annex: A2.tables.2
  formats: [html]
  severity: minor
  mode: automatic
  refs: {wcag: ["1.3.1"]}
  help: A caption tells what the table is about.
  fix: {default: "Add a caption element."}
- id: t-pdf-tagged
  title: PDF is not tagged
  annex: A2.files
  formats: [pdf]
  severity: severe
  mode: automatic
  refs: {pdfua: ["7.1"], matterhorn: ["01-005"]}
  help: Untagged PDFs have no structure for assistive technology.
  fix: {pdf: "Export the PDF with tags from the authoring program."}
- id: t-peer-review
  title: Peer reviewed
  annex: A3.content.4
  formats: [metadata]
  severity: major
  mode: manual
  refs: {other: ["Annex 3"]}
  help: Reviewers confirm that the resource was peer reviewed.
  fix: {default: "Have a colleague review the resource."}
- id: t-authors
  title: Authors indicated
  annex: A3.lifecycle.1
  formats: [metadata]
  severity: major
  mode: heuristic
  refs: {other: ["Annex 3"]}
  help: Authors must be named.
  fix: {default: "Name the authors."}
"""

HOSTILE_NAME = '"><script>alert(1)</script><img src=x onerror=alert(2)>.html'
HOSTILE_EVIDENCE = '<script>alert(1)</script>'
HOSTILE_MESSAGE = 'Link text is " onmouseover="alert(3)" x="'


def small_catalogue(tmp_path: Path) -> Catalogue:
    path = tmp_path / "report-rules.yaml"
    path.write_text(textwrap.dedent(RULES), encoding="utf-8")
    return load_catalogue([path])


def result_from(rec: Recorder, cat: Catalogue, resource: str = "lesson.html",
                media_type: str = "text/html", fmt: str | None = "html") -> CheckResult:
    findings = rec.findings()
    scores = compute_scores(findings, cat)
    return CheckResult(resource=resource, media_type=media_type, checked_at="2025-01-01T00:00:00+00:00",
                       ruleset_version=cat.version, findings=findings, scores=scores,
                       facts=ContentFacts(fmt) if fmt else None)


def html_result(cat: Catalogue, resource: str = "lesson.html") -> CheckResult:
    """Two failed images (severe), a cantTell link (major), a failed table (minor), a manual
    peer-review item, an author check that passed."""
    rec = Recorder(cat=cat)
    rec.passed("t-img-alt", 3)
    rec.failed("t-img-alt", "Image has no text alternative", evidence='<img src="chart.png">',
               selector="img:nth-of-type(2)", line=12)
    rec.failed("t-img-alt", "Image has no text alternative", evidence='<img src="map.png">',
               selector="main > img", line=40)
    rec.cant_tell("t-link-text", "Is 'more' descriptive here?", evidence='<a href="/x">more</a>',
                  selector="a.more")
    rec.passed("t-link-text", 2)
    rec.failed("t-table-caption", "Table has no caption", selector="table#grades", line=77)
    rec.cant_tell("t-peer-review", "Has the resource been peer reviewed?")
    rec.passed("t-authors")
    return result_from(rec, cat, resource)


def pdf_result(cat: Catalogue, resource: str = "slides/week 1.pdf") -> CheckResult:
    rec = Recorder(cat=cat)
    rec.failed("t-pdf-tagged", "The PDF has no structure tree", page=1)
    rec.failed("t-img-alt", "Figure without /Alt", page=3)
    return result_from(rec, cat, resource, media_type="application/pdf", fmt="pdf")


def clean_result(cat: Catalogue, resource: str = "clean.html") -> CheckResult:
    rec = Recorder(cat=cat)
    rec.passed("t-img-alt", 2)
    rec.passed("t-table-caption")
    rec.evaluate("t-link-text")
    return result_from(rec, cat, resource)


def hostile_result(cat: Catalogue) -> CheckResult:
    rec = Recorder(cat=cat)
    rec.failed("t-img-alt", HOSTILE_MESSAGE, evidence=HOSTILE_EVIDENCE, selector='img[alt="\\" onload=x"]')
    rec.cant_tell("t-link-text", "<b>bold</b> & more", evidence='"onmouseover=alert(1) <a href="javascript:alert(4)">x</a>')
    return result_from(rec, cat, HOSTILE_NAME)
