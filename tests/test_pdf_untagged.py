"""An untagged PDF (no structure tree): what it certainly lacks fails, what it may or may not
hold stays cantTell (PDF/UA-1 7.1: untagged is not conformant). ACT style: for each rule the
inputs that fail, pass, are inapplicable or cantTell; PDFs built by tests/pdf_factory.py."""
import pikepdf

from checkers.engine import Context
from checkers.pdf import check_pdf
from rules.scoring import band, compute_scores
from tests.pdf_factory import E, Page, bullet_list, make_pdf, table

PARA = E("P", "Energy is conserved in an isolated system.")
FIGURE = E("Figure", image=True, alt="A heat engine between two reservoirs")


def check(data):
    return check_pdf(data, Context(name="test.pdf"))[0]


def of(findings, rule):
    return [f for f in findings if f.rule == rule]


def outcomes(findings, rule):
    return sorted({f.outcome for f in of(findings, rule)})


# --- pdf-figure-alt -----------------------------------------------------------------------

def test_untagged_pdf_that_draws_images_fails_figure_alt_and_says_why():
    findings = check(make_pdf([[PARA], [PARA, FIGURE], [FIGURE, PARA, FIGURE]], tagged=False))
    [failure] = of(findings, "pdf-figure-alt")
    assert failure.outcome == "failed"
    assert failure.message == ("The PDF is not tagged, so its images (on 2 of 3 pages) have no "
                               "alternative text")
    assert failure.evidence == "no structure elements; images drawn on page(s) 2, 3"
    assert failure.location.page == 2
    assert failure.refs["pdfua"] == ["7.3"] and failure.refs["matterhorn"] == ["13-004"]


def test_untagged_scanned_pages_count_as_images_without_alternative_text():
    findings = check(make_pdf([Page(scan=True)], tagged=False, lang=None))
    assert outcomes(findings, "pdf-figure-alt") == ["failed"]
    assert outcomes(findings, "pdf-scanned") == ["failed"]


def test_an_empty_structure_tree_is_untagged_too():
    def empty_tree(pdf):
        pdf.Root.StructTreeRoot = pdf.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.StructTreeRoot))
        pdf.Root.MarkInfo = pikepdf.Dictionary(Marked=True)
    findings = check(make_pdf([[PARA, FIGURE]], tagged=False, tweak=empty_tree))
    assert outcomes(findings, "pdf-not-tagged") == ["failed"]
    assert outcomes(findings, "pdf-figure-alt") == ["failed"]


def test_untagged_pdf_without_images_is_inapplicable_for_figure_alt():
    findings = check(make_pdf([[PARA, table([["a", "b"], ["1", "2"]])]], tagged=False))
    assert outcomes(findings, "pdf-figure-alt") == ["inapplicable"]


def test_tagged_figure_with_alt_passes():
    findings = check(make_pdf([[PARA, FIGURE]]))
    assert outcomes(findings, "pdf-figure-alt") == ["passed"]


# --- pdf-headings-missing -----------------------------------------------------------------

def test_untagged_long_pdf_fails_headings_even_with_heading_like_text():
    findings = check(make_pdf([[E("H1", "Chapter"), PARA]] * 3, tagged=False))
    [failure] = of(findings, "pdf-headings-missing")
    assert failure.outcome == "failed"
    assert failure.message.startswith("The PDF is not tagged, so this 3-page, ")
    assert failure.message.endswith("document has no headings a screen reader can use")
    assert failure.evidence.endswith(", no structure elements")


def test_untagged_short_pdf_is_inapplicable_for_headings():
    # under the rule's length threshold (3 pages or 800 words), as for a tagged document
    findings = check(make_pdf([[PARA]] * 2, tagged=False))
    assert outcomes(findings, "pdf-headings-missing") == ["inapplicable"]


# --- what an untagged file may or may not hold ---------------------------------------------

def test_untagged_table_like_layout_and_list_stay_cant_tell():
    rows = [["Quantity", "Symbol", "Unit"], ["Energy", "E", "J"], ["Entropy", "S", "J/K"]]
    findings = check(make_pdf([[PARA, table(rows), bullet_list(["First law", "Second law"])]],
                              tagged=False))
    for rule in ("pdf-table-headers", "pdf-table-structure", "pdf-list-structure"):
        assert outcomes(findings, rule) == ["cantTell"], rule
    assert outcomes(findings, "pdf-table-scope") == ["inapplicable"]


# --- the score ----------------------------------------------------------------------------

def _document(tagged: bool) -> bytes:
    page = [E("H1" if tagged else "P", "Heat engines"), PARA, FIGURE]
    return make_pdf([page] * 10, tagged=tagged)


def test_untagged_pdf_with_images_scores_below_the_tagged_one_and_not_high():
    tagged = compute_scores(check(_document(True)))
    untagged = compute_scores(check(_document(False)))
    assert tagged["accessibility"] == 100
    assert untagged["accessibility"] < tagged["accessibility"]
    assert untagged["band"] in ("Medium", "Low")


def test_untagging_alone_takes_a_pdf_out_of_high():
    # Short, no images: every other answerable check passes, only pdf-not-tagged fails.
    findings = check(make_pdf([[PARA]], tagged=False))
    assert sorted({f.rule for f in findings if f.outcome == "failed"}) == ["pdf-not-tagged"]
    assert band(compute_scores(findings)["accessibility"]) == "Medium"
