"""PDF checker rules: for each rule a passing, a failing and an inapplicable (or cantTell) file,
all generated with pikepdf by tests/pdf_factory.py. Assertions name the outcome, the rule and
where the finding points."""
import pikepdf
import pytest

from checkers.engine import Context, check_bytes
from checkers.pdf import check_pdf
from rules.catalogue import catalogue
from tests.pdf_factory import E, Page, bullet_list, long_document, make_pdf, table


def check(data, **options):
    findings, facts = check_pdf(data, Context(name="test.pdf", options=options))
    return findings, facts


def by_rule(findings, rule):
    return [f for f in findings if f.rule == rule]


def outcomes(findings, rule):
    return sorted({f.outcome for f in by_rule(findings, rule)})


def only(findings, rule, outcome):
    found = [f for f in by_rule(findings, rule) if f.outcome == outcome]
    assert found, f"no {outcome} finding for {rule}: {[(f.rule, f.outcome) for f in findings]}"
    return found


def assert_passed(findings, rule, count=None):
    assert outcomes(findings, rule) == ["passed"], [(f.outcome, f.evidence) for f in by_rule(findings, rule)]
    if count is not None:
        assert by_rule(findings, rule)[0].count == count


PARA = E("P", "Energy is conserved in an isolated system.")


# --- the whole-document rules -------------------------------------------------------------

def test_a_good_document_passes_every_rule_that_applies():
    findings, facts = check(long_document(4))
    bad = [(f.rule, f.outcome, f.evidence) for f in findings if f.outcome in ("failed", "cantTell")]
    assert bad == []
    for rule in ("pdf-not-tagged", "pdf-title-missing", "pdf-display-doc-title", "pdf-lang-missing",
                 "pdf-figure-alt", "pdf-table-headers", "pdf-table-structure", "pdf-list-structure",
                 "pdf-link-tagged", "pdf-link-contents", "pdf-link-text", "pdf-tab-order",
                 "pdf-heading-skipped"):
        assert_passed(findings, rule)
    assert facts.pages == 4


def test_every_pdf_rule_cites_pdfua_and_matterhorn_or_says_why_not():
    pdf_rules = [r for r in catalogue() if r.id.startswith("pdf-")]
    assert len(pdf_rules) >= 20
    for rule in pdf_rules:
        if rule.id == "pdf-damaged":  # file syntax: ISO 32000-1, no PDF/UA clause or checkpoint
            assert rule.refs["other"]
            continue
        assert rule.refs.get("pdfua"), rule.id
        assert rule.refs.get("matterhorn"), rule.id
        assert all(len(m) == 6 and m[2] == "-" for m in rule.refs["matterhorn"]), rule.id


def test_findings_carry_pdfua_and_matterhorn_refs():
    findings, _ = check(make_pdf([[E("Figure", image=True)]]))
    figure = only(findings, "pdf-figure-alt", "failed")[0]
    assert figure.refs["pdfua"] == ["7.3"]
    assert figure.refs["matterhorn"] == ["13-004"]
    assert figure.refs["wcag"] == ["1.1.1"]
    assert figure.refs["annex"] == "A2.images.1"


def test_untagged_document_fails_and_structure_rules_never_pass():
    data = make_pdf([[E("H1", "Heat"), E("Figure", image=True, alt="x"), table([["a", "b"], ["1", "2"]]),
                      E("Link", "Source", uri="https://example.org", contents="Source")]] * 3, tagged=False)
    findings, _ = check(data)
    assert only(findings, "pdf-not-tagged", "failed")[0].evidence == "no /StructTreeRoot in the catalog"
    for rule in ("pdf-figure-alt", "pdf-headings-missing", "pdf-link-tagged"):  # more in test_pdf_untagged.py
        assert outcomes(findings, rule) == ["failed"], rule
    assert outcomes(findings, "pdf-tab-order") == ["passed"]      # /Tabs /S on its pages: 7.18.3 holds
    for rule in ("pdf-table-headers", "pdf-table-structure", "pdf-list-structure"):
        assert outcomes(findings, rule) == ["cantTell"], rule
    for rule in ("pdf-heading-first-not-h1", "pdf-heading-skipped", "pdf-heading-mixed",
                 "pdf-table-scope", "pdf-formula-alt", "pdf-role-map"):
        assert outcomes(findings, rule) == ["inapplicable"], rule


def test_untagged_document_without_images_has_no_figure_question():
    findings, _ = check(make_pdf([[PARA]], tagged=False))
    assert outcomes(findings, "pdf-figure-alt") == ["inapplicable"]
    assert outcomes(findings, "pdf-headings-missing") == ["inapplicable"]  # short document


def test_marked_false_fails_tagging():
    findings, _ = check(make_pdf([[PARA]], marked=False))
    assert only(findings, "pdf-not-tagged", "failed")[0].evidence == "/MarkInfo /Marked is not true"


def test_title_from_xmp_passes_info_title_alone_fails():
    findings, facts = check(make_pdf([[PARA]], title="Heat and work"))
    assert_passed(findings, "pdf-title-missing")
    assert facts.title == "Heat and work"
    findings, facts = check(make_pdf([[PARA]], title=None, info_title="Only in Info"))
    failure = only(findings, "pdf-title-missing", "failed")[0]
    assert "/Info /Title only" in failure.evidence
    assert facts.title == "Only in Info"
    findings, _ = check(make_pdf([[PARA]], xmp=False))
    assert "no /Metadata stream" in only(findings, "pdf-title-missing", "failed")[0].evidence


@pytest.mark.parametrize("value, evidence", [(None, "no /ViewerPreferences /DisplayDocTitle"),
                                             (False, "/DisplayDocTitle false")])
def test_display_doc_title(value, evidence):
    assert_passed(check(make_pdf([[PARA]]))[0], "pdf-display-doc-title")
    findings, _ = check(make_pdf([[PARA]], display_doc_title=value))
    assert only(findings, "pdf-display-doc-title", "failed")[0].evidence == evidence


# --- language -----------------------------------------------------------------------------

def test_language_in_catalog_passes():
    findings, facts = check(make_pdf([[PARA]], lang="fi"))
    assert_passed(findings, "pdf-lang-missing")
    assert_passed(findings, "pdf-lang-invalid")
    assert facts.language == "fi"


def test_language_on_every_text_element_passes_without_catalog_lang():
    data = make_pdf([[E("Sect", E("H1", "Otsikko"), E("P", "Teksti"), lang="fi"), E("P", "Text", lang="en")]],
                    lang=None)
    findings, facts = check(data)
    assert_passed(findings, "pdf-lang-missing")
    assert facts.language == "fi"


def test_language_missing_on_some_elements_fails_with_the_first_one():
    data = make_pdf([[E("P", "Teksti", lang="fi")], [E("P", "No language here")]], lang=None)
    failure = only(check(data)[0], "pdf-lang-missing", "failed")[0]
    assert failure.location.page == 2
    assert "1 of 2 text elements" in failure.evidence


def test_language_missing_everywhere_fails_and_untagged_too():
    assert only(check(make_pdf([[PARA]], lang=None))[0], "pdf-lang-missing", "failed")
    assert only(check(make_pdf([[PARA]], lang=None, tagged=False))[0], "pdf-lang-missing", "failed")


def test_language_rules_inapplicable_without_text():
    findings, _ = check(make_pdf([Page()], lang=None))
    assert outcomes(findings, "pdf-lang-missing") == ["inapplicable"]
    assert outcomes(findings, "pdf-lang-invalid") == ["inapplicable"]


@pytest.mark.parametrize("tag", ["english", "en_GB", "xx", "und", "e"])
def test_invalid_catalog_language_fails(tag):
    findings, facts = check(make_pdf([[PARA]], lang=tag))
    assert "catalog /Lang" in only(findings, "pdf-lang-invalid", "failed")[0].evidence
    assert only(findings, "pdf-lang-missing", "failed")  # an invalid tag declares no language
    assert facts.language is None


@pytest.mark.parametrize("tag", ["en", "en-GB", "el", "sv-FI", "zh-Hant-TW", "es-419", "fil", "x-klingon"])
def test_valid_language_tags_pass(tag):
    assert_passed(check(make_pdf([[PARA]], lang=tag))[0], "pdf-lang-invalid")


def test_invalid_element_language_points_at_the_element():
    data = make_pdf([[PARA], [E("P", "Hallo", lang="deutsch")]])
    failure = only(check(data)[0], "pdf-lang-invalid", "failed")[0]
    assert failure.location.page == 2
    assert failure.evidence.startswith("/P (page 2)")


# --- figures and formulas -----------------------------------------------------------------

def test_figure_with_alt_or_actual_text_passes():
    data = make_pdf([[E("Figure", image=True, alt="A heat engine"), E("Figure", image=True, actual_text="H2O")]])
    assert_passed(check(data)[0], "pdf-figure-alt", count=2)


def test_figure_without_alt_fails_on_its_page():
    data = make_pdf([[PARA], [PARA], [E("Figure", image=True)]])
    failure = only(check(data)[0], "pdf-figure-alt", "failed")[0]
    assert failure.evidence == "/Figure (page 3) without /Alt"
    assert failure.location.page == 3


@pytest.mark.parametrize("alt, why", [("IMG_0234.JPG", "file name"), ("Picture 3", "placeholder"), ("  ", "without /Alt")])
def test_figure_with_file_name_or_placeholder_alt_fails(alt, why):
    failure = only(check(make_pdf([[E("Figure", image=True, alt=alt)]]))[0], "pdf-figure-alt", "failed")[0]
    assert why in failure.message + failure.evidence


def test_figure_with_office_generated_alt_needs_a_person():
    alt = "A diagram of a heat engine\n\nDescription automatically generated"
    doubt = only(check(make_pdf([[E("Figure", image=True, alt=alt)]]))[0], "pdf-figure-alt", "cantTell")[0]
    assert "generated automatically by Office" in doubt.message and doubt.location.page == 1


def test_custom_figure_tag_is_resolved_through_the_role_map():
    data = make_pdf([[E("Diagram", image=True)]], role_map={"Diagram": "Figure"})
    failure = only(check(data)[0], "pdf-figure-alt", "failed")[0]
    assert failure.evidence == "/Diagram → Figure (page 1) without /Alt"
    data = make_pdf([[E("Chart", image=True, alt="Sales by year")]], role_map={"Chart": "Illustration", "Illustration": "Figure"})
    assert_passed(check(data)[0], "pdf-figure-alt")


def test_figure_rule_inapplicable_without_figures():
    assert outcomes(check(make_pdf([[PARA]]))[0], "pdf-figure-alt") == ["inapplicable"]


def test_formula_alt():
    assert_passed(check(make_pdf([[E("Formula", "E=mc2", alt="E equals m c squared")]]))[0], "pdf-formula-alt")
    failure = only(check(make_pdf([[E("Formula", "E=mc2", actual_text="E=mc2")]]))[0], "pdf-formula-alt", "failed")[0]
    assert failure.evidence == "/Formula (page 1) without /Alt"
    assert outcomes(check(make_pdf([[PARA]]))[0], "pdf-formula-alt") == ["inapplicable"]


# --- headings -----------------------------------------------------------------------------

def test_long_document_without_headings_fails_short_one_is_inapplicable():
    findings, _ = check(make_pdf([[PARA]] * 3))
    failure = only(findings, "pdf-headings-missing", "failed")[0]
    assert failure.evidence.startswith("3-page")
    assert outcomes(check(make_pdf([[PARA]] * 2))[0], "pdf-headings-missing") == ["inapplicable"]
    assert_passed(check(make_pdf([[E("H1", "Title"), PARA]] * 3))[0], "pdf-headings-missing")


def test_first_heading_must_be_h1():
    assert_passed(check(make_pdf([[E("H1", "A"), E("H2", "B")]]))[0], "pdf-heading-first-not-h1")
    failure = only(check(make_pdf([[PARA], [E("H2", "Start"), E("H3", "Sub")]]))[0],
                   "pdf-heading-first-not-h1", "failed")[0]
    assert failure.evidence == "first heading is /H2 (page 2)"
    assert failure.location.page == 2
    assert outcomes(check(make_pdf([[E("H", "Unnumbered")]]))[0], "pdf-heading-first-not-h1") == ["inapplicable"]


def test_skipped_heading_levels():
    assert_passed(check(make_pdf([[E("H1", "A"), E("H2", "B"), E("H3", "C"), E("H2", "D"), E("H1", "E")]]))[0],
                  "pdf-heading-skipped", count=4)
    findings, _ = check(make_pdf([[E("H1", "A")], [E("H3", "C")]]))
    failure = only(findings, "pdf-heading-skipped", "failed")[0]
    assert failure.evidence == "/H3 (page 2) follows /H1 (page 1)"
    assert failure.location.page == 2
    assert outcomes(check(make_pdf([[E("H1", "Only")]]))[0], "pdf-heading-skipped") == ["inapplicable"]


def test_mixed_h_and_hn():
    assert_passed(check(make_pdf([[E("H1", "A"), E("H2", "B")]]))[0], "pdf-heading-mixed")
    failure = only(check(make_pdf([[E("H1", "A"), E("Sect", E("H", "B"))]]))[0], "pdf-heading-mixed", "failed")[0]
    assert failure.evidence.startswith("1 /H and 1 /Hn")
    assert outcomes(check(make_pdf([[PARA]]))[0], "pdf-heading-mixed") == ["inapplicable"]


def test_custom_heading_tags_resolve_through_role_map():
    data = make_pdf([[E("Title", "A"), E("Subtitle", "B")]], role_map={"Title": "H1", "Subtitle": "H3"})
    failure = only(check(data)[0], "pdf-heading-skipped", "failed")[0]
    assert failure.evidence == "/Subtitle → H3 (page 1) follows /Title → H1 (page 1)"


# --- tables and lists ---------------------------------------------------------------------

def test_table_with_headers_and_scope_passes():
    findings, _ = check(make_pdf([[table([["Name", "Unit"], ["Energy", "J"]])]]))
    for rule in ("pdf-table-headers", "pdf-table-structure"):
        assert_passed(findings, rule, count=1)
    assert_passed(findings, "pdf-table-scope", count=2)


def test_table_without_th_fails_and_scope_is_inapplicable():
    findings, _ = check(make_pdf([[PARA], [table([["a", "b"], ["1", "2"]], header=False)]]))
    failure = only(findings, "pdf-table-headers", "failed")[0]
    assert failure.evidence == "/Table (page 2): 4 cells, no /TH"
    assert failure.location.page == 2
    assert outcomes(findings, "pdf-table-scope") == ["inapplicable"]


def test_th_without_scope_fails_unless_headers_are_used():
    failure = only(check(make_pdf([[table([["a", "b"], ["1", "2"]], scope=False)]]))[0], "pdf-table-scope", "failed")[0]
    assert failure.evidence == "/TH (page 1) without /Scope"
    with_headers = E("Table", E("TR", E("TH", "Name")), E("TR", E("TD", "x", attrs={"O": "Table", "Headers": pikepdf.Array([pikepdf.String("h1")])})))
    assert outcomes(check(make_pdf([[with_headers]]))[0], "pdf-table-scope") == ["inapplicable"]


def test_table_sections_are_allowed():
    grouped = E("Table", E("THead", E("TR", E("TH", "Name", attrs={"O": "Table", "Scope": "Column"}))),
                E("TBody", E("TR", E("TD", "Energy"))), E("TFoot", E("TR", E("TD", "Total"))))
    assert_passed(check(make_pdf([[grouped]]))[0], "pdf-table-structure")


@pytest.mark.parametrize("broken, evidence", [
    (E("Table", E("TD", "loose cell")), "/TD (page 1) inside /Table"),
    (E("Table", E("TR", E("P", "not a cell"))), "/P (page 1) inside /TR"),
    (E("Table", E("Caption", "Only a caption")), "/Table (page 1) has no /TR rows"),
])
def test_broken_table_structure(broken, evidence):
    failure = only(check(make_pdf([[broken]]))[0], "pdf-table-structure", "failed")[0]
    assert failure.evidence == evidence


def test_cells_outside_a_table_fail():
    failure = only(check(make_pdf([[E("Div", E("TR", E("TD", "x")))]]))[0], "pdf-table-structure", "failed")[0]
    assert failure.evidence == "/TR (page 1) inside /Div"
    assert outcomes(check(make_pdf([[PARA]]))[0], "pdf-table-structure") == ["inapplicable"]


def test_lists():
    nested = E("L", E("LI", E("Lbl", "1."), E("LBody", "One", bullet_list(["a", "b"]))))
    assert_passed(check(make_pdf([[bullet_list(["x", "y"]), nested]]))[0], "pdf-list-structure", count=3)
    failure = only(check(make_pdf([[E("L", E("LI", E("P", "text")))]]))[0], "pdf-list-structure", "failed")[0]
    assert failure.evidence == "/P (page 1) inside /LI"
    failure = only(check(make_pdf([[E("Div", E("LI", E("LBody", "x")))]]))[0], "pdf-list-structure", "failed")[0]
    assert failure.evidence == "/LI (page 1) inside /Div"
    failure = only(check(make_pdf([[E("L", E("P", "x"))]]))[0], "pdf-list-structure", "failed")[0]
    assert failure.evidence == "/P (page 1) inside /L"
    assert outcomes(check(make_pdf([[PARA]]))[0], "pdf-list-structure") == ["inapplicable"]


def test_role_map_problems():
    assert_passed(check(make_pdf([[E("Diagram", image=True, alt="x")]], role_map={"Diagram": "Figure"}))[0], "pdf-role-map")
    cases = [({"A": "B", "B": "A"}, [E("A", "x")], "circular role mapping A → B → A"),
             (None, [E("Fancy", "x")], "/Fancy is not a standard structure type"),
             ({"P": "Span"}, [PARA], "/P → /Span")]
    for role_map, content, evidence in cases:
        failure = only(check(make_pdf([content], role_map=role_map))[0], "pdf-role-map", "failed")[0]
        assert failure.evidence.startswith(evidence), failure.evidence
    assert outcomes(check(make_pdf([[PARA]]))[0], "pdf-role-map") == ["inapplicable"]


# --- links and tab order ------------------------------------------------------------------

LINK = dict(uri="https://example.org/book", contents="Open textbook")


def test_tagged_link_with_contents_passes():
    findings, facts = check(make_pdf([[E("Link", "Open textbook", **LINK)]]))
    assert_passed(findings, "pdf-link-tagged")
    assert_passed(findings, "pdf-link-contents")
    assert_passed(findings, "pdf-tab-order")
    assert facts.links == ["https://example.org/book"]


def test_link_outside_the_structure_fails():
    findings, _ = check(make_pdf([[PARA], [E("Link", "Book", in_structure=False, **LINK)]]))
    failure = only(findings, "pdf-link-tagged", "failed")[0]
    assert failure.evidence == "Link to https://example.org/book (page 2) not in the structure tree"
    assert failure.location.page == 2


def test_link_in_a_paragraph_element_fails():
    failure = only(check(make_pdf([[E("P", "Book", **LINK)]]))[0], "pdf-link-tagged", "failed")[0]
    assert failure.evidence.endswith("inside /P")


def test_link_without_contents_fails():
    failure = only(check(make_pdf([[E("Link", "Book", uri="https://example.org/b")]]))[0], "pdf-link-contents", "failed")[0]
    assert failure.evidence == "Link to https://example.org/b (page 1) without /Contents"


@pytest.mark.parametrize("tabs, evidence", [(None, "page 1: no /Tabs"), ("R", "page 1: /Tabs /R")])
def test_tab_order(tabs, evidence):
    data = make_pdf([Page(content=[E("Link", "Book", **LINK)], tabs=tabs)])
    assert only(check(data)[0], "pdf-tab-order", "failed")[0].evidence == evidence


@pytest.mark.parametrize("contents", ["Open textbook, chapter 3", "Course handbook (PDF, 2 MB)",
                                      "Kurshandbuch", "Read the thermodynamics chapter"])
def test_descriptive_link_description_passes(contents):
    findings, _ = check(make_pdf([[E("Link", "Book", uri="https://example.org/b", contents=contents)]]))
    assert_passed(findings, "pdf-link-text")


@pytest.mark.parametrize("contents, message", [
    ("click here", "does not say where the link goes"),
    ("  Read more. ", "does not say where the link goes"),
    ("hier", "does not say where the link goes"),           # German
    ("lue lisää", "does not say where the link goes"),      # Finnish
    ("https://example.org/b", "raw web address"),
    ("www.example.org/book/chapter-3", "raw web address")])
def test_non_descriptive_or_raw_url_link_description_fails(contents, message):
    data = make_pdf([[PARA], [E("Link", "Book", uri="https://example.org/b", contents=contents)]])
    findings, _ = check(data)
    failure = only(findings, "pdf-link-text", "failed")[0]
    assert message in failure.message
    assert failure.evidence == f"Link to https://example.org/b (page 2), /Contents {' '.join(contents.split())!r}"
    assert failure.location.page == 2
    assert failure.refs["wcag"] == ["2.4.4"] and failure.refs["pdfua"] == ["7.18.5"]
    assert failure.refs["matterhorn"] == ["28-012"] and failure.refs["annex"] == "A2.links.1"
    assert_passed(findings, "pdf-link-contents")  # it has a description, just not a useful one


def test_link_text_counts_each_link_and_skips_links_without_contents():
    data = make_pdf([[E("Link", "A", uri="https://example.org/a", contents="Syllabus of the course"),
                      E("Link", "B", uri="https://example.org/b", contents="more"),
                      E("Link", "C", uri="https://example.org/c")]])
    findings, _ = check(data)
    assert only(findings, "pdf-link-text", "passed")[0].count == 1
    assert [f.evidence for f in by_rule(findings, "pdf-link-text") if f.outcome == "failed"] == [
        "Link to https://example.org/b (page 1), /Contents 'more'"]
    assert only(findings, "pdf-link-contents", "failed")[0].evidence.startswith("Link to https://example.org/c")


def test_link_text_inapplicable_when_the_only_link_has_no_contents():
    findings, _ = check(make_pdf([[E("Link", "Book", uri="https://example.org/b")]]))
    assert outcomes(findings, "pdf-link-text") == ["inapplicable"]
    assert outcomes(findings, "pdf-link-contents") == ["failed"]


def test_link_rules_inapplicable_without_annotations():
    findings, _ = check(make_pdf([[PARA]]))
    for rule in ("pdf-link-tagged", "pdf-link-contents", "pdf-link-text", "pdf-tab-order"):
        assert outcomes(findings, rule) == ["inapplicable"]


# --- scans, OCR, security, damage ---------------------------------------------------------

def test_scanned_document_fails_per_page():
    findings, _ = check(make_pdf([Page(scan=True), Page(scan=True)], tagged=False, lang=None))
    failures = only(findings, "pdf-scanned", "failed")
    assert [f.location.page for f in failures] == [1, 2]
    assert failures[0].evidence == "page 1: 1 image(s), no text"
    assert outcomes(findings, "pdf-lang-missing") == ["inapplicable"]  # no text: language moot


def test_image_only_page_among_text_pages_is_cant_tell():
    findings, _ = check(make_pdf([[PARA], Page(scan=True)]))
    assert only(findings, "pdf-scanned", "cantTell")[0].location.page == 2
    assert only(findings, "pdf-scanned", "passed")[0].count == 1


def test_ocr_layer_passes_scanned_but_asks_for_a_check():
    findings, facts = check(make_pdf([Page(scan=True, ocr_text="Recognised lecture text")] * 2, tagged=False))
    assert_passed(findings, "pdf-scanned", count=2)
    ocr = only(findings, "pdf-ocr-text", "cantTell")[0]
    assert ocr.evidence == "OCR text layer on page(s) 1, 2"
    assert "Recognised lecture text" in facts.text


def test_scan_rules_inapplicable_on_blank_pages():
    findings, _ = check(make_pdf([Page()]))
    assert outcomes(findings, "pdf-scanned") == ["inapplicable"]
    assert outcomes(findings, "pdf-ocr-text") == ["inapplicable"]


def test_encryption_that_keeps_accessibility_passes():
    enc = pikepdf.Encryption(owner="owner", user="", allow=pikepdf.Permissions(extract=False))
    findings, _ = check(make_pdf([[PARA]], encryption=enc))
    assert_passed(findings, "pdf-encryption-at")
    assert_passed(findings, "pdf-not-tagged")


def test_encryption_that_blocks_assistive_technology_fails():
    enc = pikepdf.Encryption(owner="owner", user="", R=3, aes=False, metadata=False,
                             allow=pikepdf.Permissions(accessibility=False, extract=False))
    failure = only(check(make_pdf([[PARA]], encryption=enc))[0], "pdf-encryption-at", "failed")[0]
    assert "/R 3" in failure.evidence
    assert outcomes(check(make_pdf([[PARA]]))[0], "pdf-encryption-at") == ["inapplicable"]


def test_password_protected_pdf_is_unreadable():
    enc = pikepdf.Encryption(owner="owner", user="secret")
    findings, facts = check(make_pdf([[PARA]], encryption=enc))
    assert [(f.rule, f.outcome, f.evidence) for f in findings] == [("unreadable", "failed", "password protected")]
    assert "password" in findings[0].message


def test_repaired_file_is_flagged_damaged_and_still_checked():
    data = make_pdf([[E("H1", "Heat"), E("Figure", image=True)]])
    start = data.rindex(b"startxref") + len(b"startxref\n")
    end = data.index(b"\n", start)
    damaged = data[:start] + b"12" + data[end:]
    findings, _ = check(damaged)
    evidence = only(findings, "pdf-damaged", "failed")[0].evidence
    assert "xref not found" in evidence and "_io." not in evidence
    assert only(findings, "pdf-figure-alt", "failed")
    assert_passed(check(data)[0], "pdf-damaged")


# --- facts for the licence and Annex 3 checks ---------------------------------------------

def test_facts_from_xmp_and_text():
    data = make_pdf([[E("H1", "Learning objectives"), E("P", "After this unit you can explain entropy.")]],
                    authors=["Ada Lovelace", "Alan Turing"], title="Entropy",
                    web_statement="https://creativecommons.org/licenses/by-nc-sa/4.0/",
                    usage_terms="This work is licensed under CC BY-NC-SA 4.0",
                    cc_license="https://creativecommons.org/licenses/by-nc-sa/4.0/",
                    created="2024-09-01T10:00:00Z", modified="2025-01-15T08:30:00Z",
                    keywords="entropy; thermodynamics", subjects=["physics"])
    findings, facts = check(data)
    assert facts.format == "pdf"
    assert facts.authors == ["Ada Lovelace", "Alan Turing"]
    assert [(c.value, c.where, c.kind) for c in facts.licences] == [
        ("https://creativecommons.org/licenses/by-nc-sa/4.0/", "pdf:xmp", "url"),
        ("This work is licensed under CC BY-NC-SA 4.0", "pdf:xmp", "text"),
        ("https://creativecommons.org/licenses/by-nc-sa/4.0/", "pdf:xmp", "url")]
    assert facts.dates["created"] == "2024-09-01T10:00:00Z"
    assert facts.dates["modified"] == "2025-01-15T08:30:00Z"
    assert facts.keywords == ["physics", "entropy", "thermodynamics"]
    assert "Learning objectives" in facts.text and "explain entropy" in facts.text
    assert facts.word_count == len(facts.text.split()) > 5
    assert facts.title == "Entropy" and facts.language == "en-GB" and facts.pages == 1


def test_text_extraction_is_bounded():
    findings, facts = check(long_document(6), pdf_caps={"text_pages": 2, "text_chars": 500})
    assert len(facts.text) <= 500 + 2
    assert facts.pages == 6


def _marked_pages(count: int, words: int = 1) -> bytes:
    filler = " ".join(["energy"] * words)
    return make_pdf([[E("P", f"Marker{n} {filler} on page {n}.")] for n in range(1, count + 1)])


def _pages_read(facts, count):
    return [n for n in range(1, count + 1) if f"Marker{n} " in facts.text]


def test_dense_text_comes_from_the_first_five_and_last_two_pages():
    findings, facts = check(_marked_pages(10, words=400))  # ~2,500 characters a page
    assert _pages_read(facts, 10) == [1, 2, 3, 4, 5, 9, 10]
    assert facts.word_count == len(facts.text.split()) == 7 * 404
    # the size in the headings evidence leaves out the word count of the pages not read
    failure = only(findings, "pdf-headings-missing", "failed")[0]
    assert failure.message == "No heading is tagged in this 10-page document"
    assert failure.evidence == "10-page, no /H or /H1–/H6 structure element"
    # every page still counts for the scanned-page rule
    assert_passed(findings, "pdf-scanned", count=10)


def test_sparse_pages_are_read_until_there_is_enough_text():
    _, facts = check(_marked_pages(12, words=1))  # slides: little text a page
    assert _pages_read(facts, 12) == list(range(1, 13))
    _, facts = check(_marked_pages(12, words=1), pdf_caps={"text_min_chars": 100})
    assert _pages_read(facts, 12) == [1, 2, 3, 4, 5, 11, 12]


def test_text_window_follows_the_caps():
    data = _marked_pages(6)
    _, facts = check(data, pdf_caps={"text_head_pages": 1, "text_min_chars": 0, "text_tail_pages": 1})
    assert _pages_read(facts, 6) == [1, 6]
    _, facts = check(data, pdf_caps={"text_pages": 3})
    assert _pages_read(facts, 6) == [1, 2, 3]
    findings, facts = check(data)
    assert _pages_read(facts, 6) == [1, 2, 3, 4, 5, 6]
    evidence = only(findings, "pdf-headings-missing", "failed")[0].evidence
    assert evidence == "6-page, 30-word, no /H or /H1–/H6 structure element"


def test_facts_say_whether_all_text_was_read():
    data = _marked_pages(6)
    _, facts = check(data)
    assert facts.text_complete
    _, facts = check(data, pdf_caps={"text_head_pages": 1, "text_min_chars": 0, "text_tail_pages": 1})
    assert not facts.text_complete


def test_untagged_page_with_annotations_still_needs_structure_tab_order():
    data = make_pdf([Page(content=[E("Link", "Source", uri="https://example.org", contents="Source")], tabs=None)],
                    tagged=False)
    assert outcomes(check(data)[0], "pdf-tab-order") == ["failed"]
