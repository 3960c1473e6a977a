"""Form fields, other annotations and fonts (PDF/UA-1 7.18, 7.21): for each rule a PDF that must
pass, one that must fail and one where the rule is inapplicable, built by tests/pdf_factory.py."""
from pikepdf import Array, Dictionary, Name, String

from tests.pdf_factory import E, Page, helvetica, make_pdf, type3_font
from tests.test_pdf import assert_passed, by_rule, check, only, outcomes

PARA = E("P", "Energy is conserved in an isolated system.")


# --- form fields: tooltip (28-005) and Form tag (28-010) ----------------------------------

def test_a_form_field_with_a_tooltip_in_a_form_element_passes():
    findings, _ = check(make_pdf([[PARA, E("Form", field={"T": "family", "TU": "Family name"})]]))
    assert_passed(findings, "pdf-form-field-name")
    assert_passed(findings, "pdf-form-field-tagged")


def test_a_form_field_without_tooltip_fails_unless_its_form_element_has_alt():
    findings, _ = check(make_pdf([[E("Form", field={"T": "family"})]]))
    failure = only(findings, "pdf-form-field-name", "failed")[0]
    assert failure.evidence == "form field 'family' (page 1) without /TU or /Alt"
    assert failure.location.page == 1
    assert failure.refs["matterhorn"] == ["28-005"] and failure.refs["pdfua"] == ["7.18.1"]
    findings, _ = check(make_pdf([[E("Form", field={"T": "family"}, alt="Family name")]]))
    assert_passed(findings, "pdf-form-field-name")


def test_a_tooltip_on_the_parent_field_names_its_widgets():
    def kids_of_a_field(pdf):
        widgets = list(pdf.Root.AcroForm.Fields)
        parent = pdf.make_indirect(Dictionary(FT=Name.Btn, T=String("answer"), TU=String("Your answer"),
                                              Kids=Array(widgets)))
        for widget in widgets:
            del widget.T, widget.FT
            widget.Parent = parent
        pdf.Root.AcroForm.Fields = Array([parent])
    data = make_pdf([[E("Form", field={"T": "yes"}), E("Form", field={"T": "no"})]], tweak=kids_of_a_field)
    findings, _ = check(data)
    assert_passed(findings, "pdf-form-field-name", count=1)   # one field, two widgets
    assert_passed(findings, "pdf-form-field-tagged", count=2)


def test_a_form_field_outside_a_form_element_fails_tagging():
    findings, _ = check(make_pdf([[E("P", "Name:", field={"T": "name", "TU": "Name"}),
                                   E("Form", field={"T": "mail", "TU": "E-mail"}, in_structure=False)]]))
    evidence = sorted(f.evidence for f in only(findings, "pdf-form-field-tagged", "failed"))
    assert evidence == ["form field 'mail' (page 1) not in the structure tree",
                        "form field 'name' (page 1) inside /P"]
    assert_passed(findings, "pdf-form-field-name", count=2)


def test_untagged_form_fields_are_not_in_form_elements_and_their_names_are_checked():
    findings, _ = check(make_pdf([[E("Form", field={"T": "family"})]], tagged=False))
    assert outcomes(findings, "pdf-form-field-tagged") == ["failed"]
    assert outcomes(findings, "pdf-form-field-name") == ["failed"]


def test_form_rules_are_inapplicable_without_visible_form_fields():
    for data in (make_pdf([[PARA]]), make_pdf([[E("Form", field={"T": "x"}, hidden=True)]])):
        findings, _ = check(data)
        assert outcomes(findings, "pdf-form-field-name") == ["inapplicable"]
        assert outcomes(findings, "pdf-form-field-tagged") == ["inapplicable"]


# --- other annotations need /Contents (28-004) ---------------------------------------------

def test_an_annotation_with_contents_or_alt_passes():
    findings, _ = check(make_pdf([[E("Annot", "See note", annot="Text", contents="Reviewer: check the units"),
                                   E("Annot", annot="Square", alt="Box around the result")]]))
    assert_passed(findings, "pdf-annotation-contents", count=2)


def test_an_annotation_without_contents_fails():
    findings, _ = check(make_pdf([[E("Annot", "Result", annot="Square")]], tagged=False))
    failure = only(findings, "pdf-annotation-contents", "failed")[0]
    assert failure.evidence == "/Square annotation (page 1) without /Contents"
    assert failure.refs["matterhorn"] == ["28-004"]


def test_annotation_rule_skips_links_widgets_and_hidden_annotations():
    data = make_pdf([[E("Link", "Book", uri="https://example.org", contents="Open textbook"),
                      E("Form", field={"T": "a", "TU": "Answer"}),
                      E("Annot", annot="Square", hidden=True)]])
    assert outcomes(check(data)[0], "pdf-annotation-contents") == ["inapplicable"]


# --- fonts: embedded (7.21.4.1) and mapped to Unicode (7.21.7) -----------------------------

def test_an_embedded_font_with_a_unicode_map_passes():
    findings, _ = check(make_pdf([[PARA]]))
    assert_passed(findings, "pdf-font-embedded")
    assert_passed(findings, "pdf-font-unicode")


def test_a_font_that_is_not_embedded_fails():
    findings, facts = check(make_pdf([[PARA], [PARA]], font=helvetica))
    failure = only(findings, "pdf-font-embedded", "failed")
    assert [f.evidence for f in failure] == ["font Helvetica not embedded, used on page 1"]
    assert failure[0].refs["pdfua"] == ["7.21.4.1"]
    assert_passed(findings, "pdf-font-unicode")     # WinAnsiEncoding maps to Unicode
    assert "Energy is conserved" in facts.text


def test_invisible_ocr_text_needs_no_embedded_font():
    data = make_pdf([Page(scan=True, ocr_text="Lecture notes, week one")], tagged=False, font=helvetica)
    assert outcomes(check(data)[0], "pdf-font-embedded") == ["inapplicable"]


def test_font_rules_are_inapplicable_without_text():
    findings, _ = check(make_pdf([Page(scan=True)], tagged=False))
    assert outcomes(findings, "pdf-font-embedded") == ["inapplicable"]
    assert outcomes(findings, "pdf-font-unicode") == ["inapplicable"]


def test_a_custom_encoding_without_tounicode_fails():
    findings, _ = check(make_pdf([[PARA]], font=lambda pdf: type3_font(pdf, to_unicode=False)))
    failure = only(findings, "pdf-font-unicode", "failed")[0]
    assert "/g32" in failure.evidence and "Type3" in failure.evidence
    assert failure.refs["matterhorn"] == ["31-027"]
    assert_passed(findings, "pdf-font-embedded")


def test_standard_glyph_names_need_no_tounicode():
    def named(pdf):
        font = type3_font(pdf, to_unicode=False)
        font.Encoding.Differences = [32, Name.space, Name.exclam, Name.quotedbl]
        return font
    assert_passed(check(make_pdf([[PARA]], font=named))[0], "pdf-font-unicode")


def test_a_symbolic_truetype_font_without_a_map_fails_and_identity_h_is_for_a_person():
    def truetype(pdf):
        return Dictionary(Type=Name.Font, Subtype=Name.TrueType, BaseFont=Name("/Wingdings"),
                          FontDescriptor=Dictionary(Type=Name.FontDescriptor, FontName=Name("/Wingdings"), Flags=4))

    def identity(pdf):
        cid = Dictionary(Type=Name.Font, Subtype=Name.CIDFontType2, BaseFont=Name("/NotoSans"),
                         CIDSystemInfo=Dictionary(Registry=String("Adobe"), Ordering=String("Identity"), Supplement=0),
                         FontDescriptor=Dictionary(Type=Name.FontDescriptor, FontName=Name("/NotoSans"), Flags=32))
        return Dictionary(Type=Name.Font, Subtype=Name.Type0, BaseFont=Name("/NotoSans"),
                          Encoding=Name("/Identity-H"), DescendantFonts=Array([cid]))
    findings, _ = check(make_pdf([[PARA]], font=truetype))
    assert "symbolic TrueType" in only(findings, "pdf-font-unicode", "failed")[0].evidence
    findings, _ = check(make_pdf([[PARA]], font=identity))
    assert "Identity-H" in only(findings, "pdf-font-unicode", "cantTell")[0].evidence
    assert by_rule(findings, "pdf-font-unicode")[0].outcome == "cantTell"
