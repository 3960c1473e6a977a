"""Word checker: for each rule, documents that must pass, fail (or cantTell) and be inapplicable.

Documents are built by python-docx in tests/office_factory.py, with raw XML edits for what Word
writes and python-docx has no API for (floating pictures, tblHeader, decorative flag, fields).
"""
import pytest
from docx.enum.style import WD_STYLE_TYPE
from docx.oxml import parse_xml

from checkers.docx import check_docx
from checkers.engine import Context
from tests import office_factory as f


def run(doc):
    findings, facts = check_docx(f.save(doc), Context(name="doc.docx"))
    assert all(x.rule != "unreadable" for x in findings), [x.message for x in findings]
    return findings, facts


def outcome(doc, rule):
    return set(f.results(run(doc)[0], rule))


# --- headings ---------------------------------------------------------------------------------

def test_long_document_with_headings_passes():
    doc = f.document()
    f.long_document(doc, ("Heading 1", "Heading 2"))
    findings, facts = run(doc)
    assert f.results(findings, "docx-headings-missing") == ["passed"]
    assert f.results(findings, "docx-heading-skipped") == ["passed"]
    assert facts.headings == ["Section about light", "Section about light"]


def test_long_document_without_headings_fails():
    doc = f.document()
    f.body(doc, 400)
    findings, _ = run(doc)
    [bad] = f.problems(findings, "docx-headings-missing")
    assert bad.outcome == "failed" and "no paragraph formatted with a heading style" in bad.message


def test_short_document_without_headings_is_inapplicable():
    doc = f.document()
    f.body(doc, 60)
    assert outcome(doc, "docx-headings-missing") == {"inapplicable"}
    assert outcome(doc, "docx-heading-skipped") == {"inapplicable"}


def test_custom_style_based_on_a_heading_and_outline_level_count_as_headings():
    doc = f.document()
    custom = doc.styles.add_style("Chapter Title", WD_STYLE_TYPE.PARAGRAPH)
    custom.base_style = doc.styles["Heading 1"]
    doc.add_paragraph("Chapter one", style="Chapter Title")
    f.body(doc, 200)
    p = doc.add_paragraph("Outline-level paragraph")
    p._p.get_or_add_pPr().append(parse_xml(f'<w:outlineLvl xmlns:w="{f.W}" w:val="1"/>'))
    f.body(doc, 200)
    findings, facts = run(doc)
    assert f.results(findings, "docx-headings-missing") == ["passed"]
    assert f.results(findings, "docx-heading-skipped") == ["passed"]
    assert facts.headings == ["Chapter one", "Outline-level paragraph"]


@pytest.mark.parametrize("levels, message", [(("Heading 1", "Heading 3"), "level 3 follows level 1"),
                                             (("Heading 2",), "the first heading is level 2")])
def test_skipped_heading_levels_fail(levels, message):
    doc = f.document()
    f.long_document(doc, levels)
    findings, _ = run(doc)
    [bad] = f.problems(findings, "docx-heading-skipped")
    assert bad.outcome == "failed" and message in bad.message and bad.location.selector.startswith("paragraph ")


def outline_level(paragraph, value: str) -> None:
    paragraph._p.get_or_add_pPr().append(parse_xml(f'<w:outlineLvl xmlns:w="{f.W}" w:val="{value}"/>'))


def toc_heading_style(doc):
    """Word's "TOC Heading": based on Heading 1, but outline level 9 (body text)."""
    doc.styles.element.append(parse_xml(
        f'<w:style xmlns:w="{f.W}" w:type="paragraph" w:styleId="TOCHeading"><w:name w:val="TOC Heading"/>'
        '<w:basedOn w:val="Heading1"/><w:pPr><w:outlineLvl w:val="9"/></w:pPr></w:style>'))
    return "TOC Heading"


def test_outline_level_9_is_body_text_in_a_style_or_on_the_paragraph():
    # must fail: the first real heading is level 2 ("Contents" and "Summary" are body text)
    doc = f.document()
    doc.add_paragraph("Contents", style=toc_heading_style(doc))
    outline_level(doc.add_paragraph("Summary", style="Heading 1"), "9")
    doc.add_paragraph("Chapter one", style="Heading 2")
    f.body(doc, 60)
    findings, facts = run(doc)
    [bad] = f.problems(findings, "docx-heading-skipped")
    assert bad.outcome == "failed" and "the first heading is level 2" in bad.message
    assert facts.headings == ["Chapter one"]
    # must pass: a heading 1 after the TOC heading
    doc = f.document()
    doc.add_paragraph("Contents", style=toc_heading_style(doc))
    doc.add_paragraph("Chapter one", style="Heading 1")
    doc.add_paragraph("Section one", style="Heading 2")
    assert outcome(doc, "docx-heading-skipped") == {"passed"}
    # inapplicable: only a TOC heading, no real heading
    doc = f.document()
    doc.add_paragraph("Contents", style=toc_heading_style(doc))
    f.body(doc, 60)
    assert outcome(doc, "docx-heading-skipped") == {"inapplicable"}


# --- paragraphs that look like headings -------------------------------------------------------

@pytest.mark.parametrize("make, why", [
    (lambda p: setattr(p.runs[0], "bold", True), "entirely bold"),
    (lambda p: setattr(p.runs[0].font, "size", f.Pt(18)), "large type"),
])
def test_bold_or_large_line_before_body_text_is_cant_tell(make, why):
    doc = f.document()
    p = doc.add_paragraph("Light reactions")
    make(p)
    f.body(doc, 60)
    findings, _ = run(doc)
    [doubt] = f.problems(findings, "docx-fake-heading")
    assert doubt.outcome == "cantTell" and why in doubt.message and doubt.evidence == "Light reactions"


def test_real_heading_and_plain_short_line_pass():
    doc = f.document()
    doc.add_paragraph("Light reactions", style="Heading 1")
    f.body(doc, 30)
    doc.add_paragraph("A short plain line")
    f.body(doc, 30)
    assert outcome(doc, "docx-fake-heading") == {"passed"}


def test_fake_heading_inapplicable_with_only_body_text():
    doc = f.document()
    f.body(doc, 60)
    assert outcome(doc, "docx-fake-heading") == {"inapplicable"}


# --- lists ------------------------------------------------------------------------------------

@pytest.mark.parametrize("items", [("• Light", "• Water"), ("- Light", "- Water"), ("1. Light", "2. Water"),
                                   ("a) Light", "b) Water")])
def test_typed_list_fails(items):
    doc = f.document()
    for item in items:
        doc.add_paragraph(item)
    findings, _ = run(doc)
    [bad] = f.problems(findings, "docx-fake-list")
    assert bad.outcome == "failed" and "2 paragraphs" in bad.message and items[0] in bad.evidence


def test_list_formatting_passes():
    doc = f.document()
    for item in ("Light", "Water", "Carbon dioxide"):
        doc.add_paragraph(item, style="List Bullet")
    assert outcome(doc, "docx-fake-list") == {"passed"}


def test_list_rule_inapplicable_without_lists_and_for_one_dash_line():
    doc = f.document()
    f.body(doc, 60)
    doc.add_paragraph("- a single dash line is no list")
    assert outcome(doc, "docx-fake-list") == {"inapplicable"}


# --- pictures and charts ----------------------------------------------------------------------

@pytest.mark.parametrize("kwargs", [dict(descr="Leaf cross-section"), dict(decorative=True)])
def test_described_or_decorative_picture_passes(kwargs):
    doc = f.document()
    f.doc_picture(doc, **kwargs)
    assert outcome(doc, "docx-image-alt") == {"passed"}


def test_picture_with_file_name_alt_fails():
    doc = f.document()
    f.doc_picture(doc)  # python-docx leaves the file name in descr
    findings, _ = run(doc)
    [bad] = f.problems(findings, "docx-image-alt")
    assert bad.outcome == "failed" and "file name" in bad.message and bad.location.selector == "Picture 1"


def test_floating_picture_without_alt_fails():
    doc = f.document()
    f.make_floating(f.doc_picture(doc, ""))
    findings, _ = run(doc)
    [bad] = f.problems(findings, "docx-image-alt")
    assert bad.message.startswith("floating picture") and "no alternative text" in bad.message


def test_floating_described_picture_passes():
    doc = f.document()
    f.make_floating(f.doc_picture(doc, "Leaf cross-section"))
    assert outcome(doc, "docx-image-alt") == {"passed"}


def test_picture_rule_inapplicable_without_pictures():
    doc = f.document()
    f.body(doc, 20)
    assert outcome(doc, "docx-image-alt") == {"inapplicable"}


def test_chart_alt_pass_fail_inapplicable():
    doc = f.document()
    f.doc_chart(doc, "Enrolment rose from 120 to 180")
    assert outcome(doc, "docx-chart-alt") == {"passed"}
    doc = f.document()
    f.doc_chart(doc)
    findings, _ = run(doc)
    [bad] = f.problems(findings, "docx-chart-alt")
    assert bad.outcome == "failed" and bad.message.startswith("chart 'Chart 1'")
    assert outcome(f.document(), "docx-chart-alt") == {"inapplicable"}


# --- tables -----------------------------------------------------------------------------------

def test_table_with_repeated_header_row_passes_all_table_rules():
    doc = f.document()
    f.doc_table(doc, header=True)
    findings, _ = run(doc)
    for rule in ("docx-table-header", "docx-table-merged", "docx-table-empty"):
        assert f.results(findings, rule) == ["passed"], rule


def test_table_without_header_row_fails():
    doc = f.document()
    f.doc_table(doc, header=False)
    findings, _ = run(doc)
    [bad] = f.problems(findings, "docx-table-header")
    assert bad.outcome == "failed" and bad.location.selector == "table 1" and "Heading 0" in bad.evidence


@pytest.mark.parametrize("kwargs", [dict(merge=True), dict(vmerge=True)])
def test_merged_cells_fail(kwargs):
    doc = f.document()
    f.doc_table(doc, **kwargs)
    findings, _ = run(doc)
    [bad] = f.problems(findings, "docx-table-merged")
    assert bad.outcome == "failed"


def test_empty_row_fails_and_empty_cell_is_cant_tell():
    doc = f.document()
    f.doc_table(doc, rows=4, empty_row=True)
    f.doc_table(doc, empty_cell=True)
    findings, _ = run(doc)
    row, cell = f.problems(findings, "docx-table-empty")
    assert row.outcome == "failed" and "empty row(s) [4]" in row.message
    assert cell.outcome == "cantTell" and cell.location.selector == "table 2"


def test_table_rules_inapplicable_without_tables():
    doc = f.document()
    f.body(doc, 20)
    findings, _ = run(doc)
    for rule in ("docx-table-header", "docx-table-merged", "docx-table-empty"):
        assert f.results(findings, rule) == ["inapplicable"], rule


# --- links ------------------------------------------------------------------------------------

def test_descriptive_link_passes_and_is_not_fake_link_text():
    doc = f.document()
    f.doc_link(doc, "the course handbook", "https://example.org/handbook")
    findings, facts = run(doc)
    assert f.results(findings, "docx-link-text") == ["passed"]
    assert f.results(findings, "docx-underline-blue") == ["passed"]  # "See " only; the link is exempt
    assert facts.links == ["https://example.org/handbook"]


@pytest.mark.parametrize("text", ["click here", "https://example.org/handbook", "hier klicken"])
def test_unclear_link_text_fails(text):
    doc = f.document()
    f.doc_link(doc, text, "https://example.org/handbook")
    findings, _ = run(doc)
    [bad] = f.problems(findings, "docx-link-text")
    assert bad.outcome == "failed" and bad.evidence == f"{text} -> https://example.org/handbook"


def test_hyperlink_field_is_a_link_too():
    doc = f.document()
    p = doc.add_paragraph("Read ")
    for xml in ('<w:r><w:fldChar w:fldCharType="begin"/></w:r>',
                '<w:r><w:instrText xml:space="preserve"> HYPERLINK "https://example.org/x" </w:instrText></w:r>',
                '<w:r><w:fldChar w:fldCharType="separate"/></w:r>',
                '<w:r><w:t>here</w:t></w:r>',
                '<w:r><w:fldChar w:fldCharType="end"/></w:r>'):
        p._p.append(parse_xml(xml.replace("<w:r>", f'<w:r xmlns:w="{f.W}">', 1)))
    findings, facts = run(doc)
    [bad] = f.problems(findings, "docx-link-text")
    assert bad.evidence == "here -> https://example.org/x" and facts.links == ["https://example.org/x"]


def test_link_rule_inapplicable_without_links():
    assert outcome(f.document(), "docx-link-text") == {"inapplicable"}


BEGIN, SEPARATE, END = (f'<w:r><w:fldChar w:fldCharType="{kind}"/></w:r>' for kind in ("begin", "separate", "end"))
LINK_RUN = ('<w:r><w:rPr><w:rStyle w:val="Hyperlink"/><w:color w:val="0563C1"/><w:u w:val="single"/></w:rPr>'
            '<w:t xml:space="preserve">{}</w:t></w:r>')


def instr(text: str) -> str:
    return f'<w:r><w:instrText xml:space="preserve">{text}</w:instrText></w:r>'


def field_runs(doc, *runs: str):
    """A paragraph "Read " followed by these w:r elements (XML without namespace declarations)."""
    p = doc.add_paragraph("Read ")
    for xml in runs:
        p._p.append(parse_xml(xml.replace("<w:r>", f'<w:r xmlns:w="{f.W}">', 1)))
    return p


def field_link(doc, text: str, instruction: str | tuple, link_look: bool = False):
    """A complex HYPERLINK field, as Word writes one (begin, instruction, separate, result, end);
    the instruction split over several w:instrText runs when it is a tuple, as Word writes it
    after edits; with `link_look` the result is blue and underlined (the Hyperlink style)."""
    pieces = instruction if isinstance(instruction, tuple) else (f" {instruction} ",)
    return field_runs(doc, BEGIN, *map(instr, pieces), SEPARATE,
                      LINK_RUN.format(text) if link_look else f"<w:r><w:t>{text}</w:t></w:r>", END)


SPLIT_PDF_LINK = (" HYPERLINK \"", "https://example.org/course/syllabus.pdf\" ")


def test_hyperlink_field_split_over_runs_fails_link_text_and_file_type():
    doc = f.document()
    field_link(doc, "click here", SPLIT_PDF_LINK, link_look=True)
    findings, facts = run(doc)
    [bad] = f.problems(findings, "docx-link-text")
    assert bad.outcome == "failed" and bad.evidence == "click here -> https://example.org/course/syllabus.pdf"
    [bad] = f.problems(findings, "docx-link-file-type")
    assert bad.outcome == "failed" and "opens a PDF file" in bad.message
    # the field's own blue underlined text is a link: only "Read " is judged, and passes
    assert f.results(findings, "docx-underline-blue") == ["passed"]
    assert facts.links == ["https://example.org/course/syllabus.pdf"]


def test_hyperlink_field_split_over_runs_with_clear_text_passes():
    doc = f.document()
    field_link(doc, "the course syllabus (PDF)", (" HYPERLINK ", "\"https://example.org/", "syllabus.pdf\" \\o \"Syllabus\""))
    findings, _ = run(doc)
    assert f.results(findings, "docx-link-text") == ["passed"]
    assert f.results(findings, "docx-link-file-type") == ["passed"]


def test_hyperlink_field_to_a_bookmark_is_an_internal_link():
    doc = f.document()
    field_link(doc, "the results section", 'HYPERLINK \\l "_Results"')
    findings, facts = run(doc)
    assert f.results(findings, "docx-link-text") == ["passed"]
    assert f.results(findings, "docx-link-file-type") == ["inapplicable"]  # not a link to the file "_Results"
    assert facts.links == []
    doc = f.document()
    field_link(doc, "click here", 'HYPERLINK \\l "_Results" \\o "Results (PDF)"')
    [bad] = f.problems(run(doc)[0], "docx-link-text")
    assert bad.evidence == "click here -> #_Results"


def test_hyperlink_field_with_address_bookmark_target_frame_and_tooltip():
    doc = f.document()
    field_link(doc, "the manual", 'HYPERLINK "https://example.org/manual.pdf" \\l "part2" \\t "_blank" \\o "Manual (PDF)"')
    findings, facts = run(doc)
    assert f.results(findings, "docx-link-file-type") == ["passed"]  # the ScreenTip says PDF
    assert facts.links == ["https://example.org/manual.pdf#part2"]


def test_nested_field_result_is_link_text_and_its_instruction_is_not():
    doc = f.document()
    field_runs(doc, BEGIN, instr(' HYPERLINK \\l "_Toc1" '), SEPARATE, LINK_RUN.format("Results, page "),
               BEGIN, instr(" PAGEREF _Toc1 \\h "), SEPARATE, LINK_RUN.format("7"), END, END)
    findings, _ = run(doc)
    assert f.results(findings, "docx-link-text") == ["passed"]
    assert f.results(findings, "docx-underline-blue") == ["passed"]
    doc = f.document()
    field_runs(doc, BEGIN, instr(' HYPERLINK "https://example.org/x" '), SEPARATE, BEGIN, instr(" QUOTE here "),
               SEPARATE, "<w:r><w:t>here</w:t></w:r>", END, END)
    [bad] = f.problems(run(doc)[0], "docx-link-text")
    assert bad.evidence == "here -> https://example.org/x"


def test_other_fields_are_no_links():
    doc = f.document()
    field_runs(doc, BEGIN, instr(" PAGE "), SEPARATE, "<w:r><w:t>3</w:t></w:r>", END)
    findings, _ = run(doc)
    assert f.results(findings, "docx-link-text") == ["inapplicable"]


# --- links to files -----------------------------------------------------------------------------

@pytest.mark.parametrize("text", ["the lab manual (PDF, 2 MB)", "download the lab manual", "das Laborhandbuch (PDF)"])
def test_link_to_a_file_that_says_so_passes(text):
    doc = f.document()
    f.doc_link(doc, text, "https://example.org/manual.pdf")
    assert outcome(doc, "docx-link-file-type") == {"passed"}


def test_screentip_may_name_the_file_type():
    doc = f.document()
    p = f.doc_link(doc, "the lab manual", "https://example.org/manual.docx")
    p._p.find(f.qn("w:hyperlink")).set(f.qn("w:tooltip"), "Word document, 40 KB")
    assert outcome(doc, "docx-link-file-type") == {"passed"}
    doc = f.document()
    field_link(doc, "the lab manual", 'HYPERLINK "https://example.org/manual.pdf" \\o "Lab manual (PDF)"')
    assert outcome(doc, "docx-link-file-type") == {"passed"}


def test_link_to_a_file_that_does_not_say_so_fails_on_its_paragraph():
    doc = f.document()
    f.body(doc, 20)
    f.doc_link(doc, "the lab manual", "https://example.org/files/manual.pdf")
    findings, _ = run(doc)
    [bad] = f.problems(findings, "docx-link-file-type")
    assert bad.outcome == "failed" and bad.location.selector == "paragraph 2" and "opens a PDF file" in bad.message
    assert bad.evidence == "the lab manual -> https://example.org/files/manual.pdf"
    assert f.results(findings, "docx-link-text") == ["passed"]


def test_hyperlink_field_to_a_file_is_checked_too():
    doc = f.document()
    field_link(doc, "week one", 'HYPERLINK "https://example.org/week1.pptx"')
    findings, _ = run(doc)
    [bad] = f.problems(findings, "docx-link-file-type")
    assert "opens a PowerPoint file" in bad.message and bad.evidence == "week one -> https://example.org/week1.pptx"


@pytest.mark.parametrize("url", ["https://example.org/handbook", "https://example.org/handbook.html"])
def test_link_file_type_inapplicable_for_links_to_pages(url):
    doc = f.document()
    f.doc_link(doc, "the course handbook", url)
    assert outcome(doc, "docx-link-file-type") == {"inapplicable"}


def test_link_file_type_inapplicable_without_links():
    assert outcome(f.document(), "docx-link-file-type") == {"inapplicable"}


# --- floating objects ---------------------------------------------------------------------------

def test_pictures_in_line_with_text_pass():
    doc = f.document()
    f.doc_picture(doc, "Leaf cross-section")
    f.doc_picture(doc, "Chloroplast")
    findings, _ = run(doc)
    assert f.results(findings, "docx-floating-object") == ["passed"]
    assert [x.count for x in findings if x.rule == "docx-floating-object"] == [2]


@pytest.mark.parametrize("wrap", ["square", "top and bottom", "in front of text", "behind text"])
def test_floating_picture_fails_with_its_name_and_wrapping(wrap):
    doc = f.document()
    f.doc_picture(doc, "Chloroplast")
    f.make_floating(f.doc_picture(doc, "Leaf cross-section"), wrap)
    findings, _ = run(doc)
    [bad] = f.problems(findings, "docx-floating-object")
    assert bad.outcome == "failed" and bad.location.selector == "Picture 2"
    assert bad.message.startswith("picture 'Picture 2' is not in line with the text") and f"wrapping: {wrap}" in bad.message
    assert f.results(findings, "docx-floating-object") == ["failed", "passed"]


def test_floating_decorative_picture_passes():
    doc = f.document()
    f.make_floating(f.doc_picture(doc, decorative=True))
    assert outcome(doc, "docx-floating-object") == {"passed"}


def test_floating_object_inapplicable_without_drawings():
    doc = f.document()
    f.body(doc, 20)
    assert outcome(doc, "docx-floating-object") == {"inapplicable"}


# --- language and title -----------------------------------------------------------------------

def test_language_default_passes_and_is_a_fact():
    doc = f.document()
    f.doc_language(doc, "fi-FI")
    f.body(doc, 20)
    findings, facts = run(doc)
    assert f.results(findings, "docx-language") == ["passed"] and facts.language == "fi-FI"


def test_run_level_language_is_enough():
    doc = f.document()
    f.doc_language(doc, None)
    run_ = doc.add_paragraph().add_run("Hallo Welt")
    run_._element.get_or_add_rPr().append(parse_xml(f'<w:lang xmlns:w="{f.W}" w:val="de-DE"/>'))
    findings, facts = run(doc)
    assert f.results(findings, "docx-language") == ["passed"] and facts.language == "de-DE"


@pytest.mark.parametrize("lang", [None, "x-none"])
def test_missing_language_fails(lang):
    doc = f.document()
    f.doc_language(doc, lang)
    f.body(doc, 20)
    findings, _ = run(doc)
    [bad] = f.problems(findings, "docx-language")
    assert bad.outcome == "failed" and bad.refs["wcag"] == ["3.1.1"]


def test_language_inapplicable_for_an_empty_document():
    assert outcome(f.document(), "docx-language") == {"inapplicable"}


@pytest.mark.parametrize("title, expected", [("Photosynthesis basics", "passed"), (None, "failed"),
                                             ("Document", "failed")])
def test_title_property(title, expected):
    assert outcome(f.document(title), "docx-doc-title") == {expected}


# --- underline, blue, colour only, contrast ----------------------------------------------------

@pytest.mark.parametrize("kwargs, how", [(dict(underline=True), "underlined"), (dict(colour="0000FF"), "blue")])
def test_underlined_or_blue_non_link_text_fails(kwargs, how):
    doc = f.document()
    p = doc.add_paragraph("Remember: ")
    f.coloured_run(p, "the deadline is Friday", **kwargs)
    findings, _ = run(doc)
    [bad] = f.problems(findings, "docx-underline-blue")
    assert bad.outcome == "failed" and how in bad.message and "deadline" in bad.evidence


def test_underline_blue_inapplicable_without_body_text():
    doc = f.document()
    doc.add_paragraph("Only a heading", style="Heading 1")
    assert outcome(doc, "docx-underline-blue") == {"inapplicable"}


def test_colour_alone_is_cant_tell_and_colour_with_bold_passes():
    doc = f.document()
    p = doc.add_paragraph("The answer ")
    f.coloured_run(p, "42", "C00000")
    p = doc.add_paragraph("The answer ")
    f.coloured_run(p, "42", "C00000", bold=True)
    findings, _ = run(doc)
    assert sorted(f.results(findings, "docx-colour-only")) == ["cantTell", "passed"]
    [doubt] = f.problems(findings, "docx-colour-only")
    assert doubt.evidence == "#C00000: 42"


def test_colour_only_inapplicable_without_coloured_words():
    doc = f.document()
    f.body(doc, 20)
    assert outcome(doc, "docx-colour-only") == {"inapplicable"}


@pytest.mark.parametrize("colour, shade, size, expected", [
    ("000000", None, None, "passed"),
    ("BBBBBB", None, None, "failed"),       # 1.9:1 on the white page
    ("FFFFFF", "1F3864", None, "passed"),   # white on dark shading
    ("808080", "404040", None, "failed"),
    ("888888", None, 20, "passed"),         # 3.5:1 is enough for large text
])
def test_text_contrast(colour, shade, size, expected):
    doc = f.document()
    p = doc.add_paragraph()
    f.coloured_run(p, "Key point", colour, shade=shade, size=size)
    findings, _ = run(doc)
    assert f.results(findings, "docx-text-contrast") == [expected]
    if expected == "failed":
        [bad] = f.problems(findings, "docx-text-contrast")
        assert bad.evidence.startswith(f"#{colour} on #")


def box_text(text: str, colour: str | None = None, extra: str = "") -> str:
    colour_xml = f'<w:color w:val="{colour}"/>' if colour else ""
    return f'<w:p><w:r><w:rPr>{colour_xml}{extra}</w:rPr><w:t>{text}</w:t></w:r></w:p>'


SOLID = '<a:solidFill>{}</a:solidFill>'
NAVY = SOLID.format('<a:srgbClr val="1F3864"/>')


@pytest.mark.parametrize("colour, fill, style, expected, evidence", [
    ("FFFFFF", NAVY, "", "passed", None),                                     # white on the navy box
    ("404040", NAVY, "", "failed", "#404040 on #1F3864"),
    ("FFFFFF", SOLID.format('<a:schemeClr val="tx2"/>'), "", "passed", None),  # theme dark 2 (1F497D)
    ("FFFFFF", SOLID.format('<a:schemeClr val="bg1"/>'), "", "failed", "#FFFFFF on #FFFFFF"),
    ("FFFFFF", "", '<wps:style><a:fillRef idx="1"><a:schemeClr val="tx2"/></a:fillRef></wps:style>', "passed", None),
    ("FFFFFF", "", '<wps:style><a:fillRef idx="1"><a:schemeClr val="bg1"/></a:fillRef></wps:style>', "failed", None),
    ("FFFFFF", "<a:noFill/>", "", "failed", "#FFFFFF on #FFFFFF"),            # a box without fill: the page
    ("FFFFFF", "", "", "failed", "#FFFFFF on #FFFFFF"),                       # no fill and no style: the page
    ("FFFFFF", '<a:gradFill><a:gsLst/></a:gradFill>', "", "cantTell", "#FFFFFF"),
    ("FFFFFF", SOLID.format('<a:schemeClr val="tx2"><a:tint val="40000"/></a:schemeClr>'), "", "cantTell", None),
    ("FFFFFF", "", '<wps:style><a:fillRef idx="2"><a:schemeClr val="tx2"/></a:fillRef></wps:style>', "cantTell", None),
])
def test_text_box_fill_is_the_background_of_its_text(colour, fill, style, expected, evidence):
    doc = f.document()
    f.doc_text_box(doc, box_text("Key point: photosynthesis stores energy.", colour), fill, style=style)
    findings, _ = run(doc)
    assert f.results(findings, "docx-text-contrast") == [expected]  # once, not for the Fallback copy too
    if evidence:
        [bad] = f.problems(findings, "docx-text-contrast")
        assert bad.evidence.startswith(evidence)


@pytest.mark.parametrize("vml, vml_fill, expected", [
    ('fillcolor="#1f3864 [3204]"', "", "passed"),
    ('filled="f"', "", "failed"),                       # no fill: white text on the white page
    ("", "", "failed"),                                 # VML shapes are white unless told otherwise
    ('fillcolor="#1f3864"', '<v:fill type="gradient" color2="white"/>', "cantTell"),
])
def test_legacy_vml_text_box_fill(vml, vml_fill, expected):
    doc = f.document()
    f.doc_text_box(doc, box_text("Key point", "FFFFFF"), vml=vml, vml_fill=vml_fill, drawing=False)
    assert outcome(doc, "docx-text-contrast") == {expected}


def test_text_box_with_automatic_colour_is_inapplicable_for_contrast():
    doc = f.document()
    f.doc_text_box(doc, box_text("Key point"), NAVY)
    assert outcome(doc, "docx-text-contrast") == {"inapplicable"}


def test_contrast_inapplicable_without_explicit_colours():
    doc = f.document()
    f.body(doc, 20)
    assert outcome(doc, "docx-text-contrast") == {"inapplicable"}


# --- facts ------------------------------------------------------------------------------------

def test_text_box_content_is_read_once():
    # Word writes the box twice (DrawingML mc:Choice, VML mc:Fallback) inside the paragraph anchoring it
    doc = f.document()
    p = doc.add_paragraph("Anchor words. ")
    f.doc_text_box(doc, box_text("Key point: photosynthesis stores energy.")
                   + box_text("Remember this", extra='<w:u w:val="single"/>'), NAVY)
    p._p.append(doc.paragraphs[-1]._p[-1])  # the box's run into the paragraph with text of its own
    findings, facts = run(doc)
    assert facts.word_count == 2 + 5 + 2 and facts.text.count("photosynthesis") == 1
    [bad] = f.problems(findings, "docx-underline-blue")
    assert bad.outcome == "failed" and bad.evidence == "underlined: Remember this"
    assert f.results(findings, "docx-underline-blue").count("passed") == 1  # the anchor and first box paragraph


def test_link_and_table_in_a_text_box_are_judged_once():
    doc = f.document()
    link = ('<w:p><w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText> HYPERLINK "https://example.org/a" '
            '</w:instrText></w:r><w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>click here</w:t></w:r>'
            '<w:r><w:fldChar w:fldCharType="end"/></w:r></w:p>')
    table = ('<w:tbl><w:tr><w:tc><w:p><w:r><w:t>Stage</w:t></w:r></w:p></w:tc></w:tr>'
             '<w:tr><w:tc><w:p><w:r><w:t>Light</w:t></w:r></w:p></w:tc></w:tr></w:tbl><w:p/>')
    f.doc_text_box(doc, link + table, NAVY)
    findings, facts = run(doc)
    [bad] = f.problems(findings, "docx-link-text")
    assert bad.outcome == "failed" and bad.evidence == "click here -> https://example.org/a"
    assert f.results(findings, "docx-link-text") == ["failed"] and facts.links == ["https://example.org/a"]
    assert f.results(findings, "docx-table-header") == ["failed"]


def test_facts_from_core_properties_body_and_footer():
    doc = f.document("Photosynthesis basics")
    props = doc.core_properties
    props.author, props.keywords = "Ada Lovelace", "biology; plants"
    doc.add_paragraph("Learning objectives: explain photosynthesis")
    doc.sections[0].footer.paragraphs[0].text = "© 2024 INGENIUM, CC BY-NC-SA 4.0"
    f.doc_link(doc, "licence deed", "https://creativecommons.org/licenses/by-nc-sa/4.0/")
    findings, facts = run(doc)
    assert facts.title == "Photosynthesis basics" and facts.authors == ["Ada Lovelace"]
    assert facts.keywords == ["biology", "plants"]
    assert "Learning objectives" in facts.text and "INGENIUM" in facts.text
    clues = {(c.value, c.where, c.kind) for c in facts.licences}
    assert ("© 2024 INGENIUM, CC BY-NC-SA 4.0", "docx:text", "text") in clues
    assert ("https://creativecommons.org/licenses/by-nc-sa/4.0/", "docx:text", "url") in clues
    assert facts.dates["created"]


def test_generator_names_are_not_authors():
    _, facts = run(f.document())  # python-docx's template says creator "python-docx"
    assert facts.authors == []


# --- styles.xml read without its table styles (docx_styles) ------------------------------------

def styles_part(doc) -> bytes:
    return f.members(f.save(doc))["word/styles.xml"]


def test_styles_read_without_table_styles_resolve_like_the_whole_part():
    from checkers import docx_styles, ooxml
    xml = styles_part(f.document())
    cut, cut_ids = docx_styles.without_table_styles(xml)
    assert len(cut) < len(xml) / 5 and "TableGrid" in cut_ids and "Heading1" not in cut_ids
    whole = ooxml.parse_xml(xml)
    fast, slow = docx_styles.Styles(ooxml.parse_xml(cut), cut_ids), docx_styles.Styles(whole)
    ids = [s.get(docx_styles.STYLE_ID) for s in whole.iterchildren(docx_styles.STYLE)
           if s.get(docx_styles.TYPE) != "table"]
    assert len(ids) > 50 and fast.default_para == slow.default_para and fast.defaults == slow.defaults
    assert [fast.props(i) for i in ids] == [slow.props(i) for i in ids]


@pytest.mark.parametrize("xml", [b"<!-- note --><w:styles/>", b'<w:styles xmlns:w="urn:other"/>'])
def test_styles_are_parsed_whole_when_the_cut_cannot_be_proven_safe(xml):
    from checkers import docx_styles
    assert docx_styles.without_table_styles(xml) is None


def test_paragraph_styled_with_a_table_style_reads_the_whole_styles_part():
    doc = f.document()
    p = doc.add_paragraph("Results and discussion")
    p._p.get_or_add_pPr().append(parse_xml(f'<w:pStyle xmlns:w="{f.W}" w:val="TableGrid"/>'))
    f.body(doc, 400)
    parts = f.members(f.save(doc))
    parts["word/styles.xml"] = parts["word/styles.xml"].replace(b'<w:name w:val="Table Grid"/>',
                                                                b'<w:name w:val="heading 1"/>')
    findings, facts = check_docx(f.rezip(parts), Context(name="doc.docx"))
    assert facts.headings == ["Results and discussion"]
    assert f.results(findings, "docx-headings-missing") == ["passed"]


@pytest.mark.parametrize("broken", [b'<w:tblPr><x:unbound/></w:tblPr>', b"<w:tblPr></w:trPr>"],
                         ids=["unbound-prefix", "mismatched-tag"])
def test_a_broken_table_style_is_refused_like_any_broken_part(broken):
    doc = f.document()
    doc.add_paragraph("Some text")
    parts = f.members(f.save(doc))
    styles = parts["word/styles.xml"]
    at = styles.index(b'w:styleId="TableGrid">') + len(b'w:styleId="TableGrid">')
    parts["word/styles.xml"] = styles[:at] + broken + styles[at:]
    for _ in range(2):  # a refused part is never served from the styles cache
        findings, _ = check_docx(f.rezip(parts), Context(name="doc.docx"))
        assert [x.rule for x in findings] == ["unreadable"]
        assert "word/styles.xml is not well-formed XML" in findings[0].message


def test_documents_sharing_a_styles_part_share_its_resolved_styles():
    from checkers import docx_styles, ooxml
    one, two = f.document(), f.document()
    f.doc_language(two, "fi-FI")
    packages = [ooxml.inspect_archive(f.save(d), "docx") for d in (one, f.document(), two)]
    loaded = [docx_styles.load_styles(p, "word/styles.xml") for p in packages]
    assert loaded[0] is loaded[1] and loaded[2] is not loaded[0]


# --- contrast in tables: the table style's shading and text colour ------------------------------

def cond(kind: str, fill: str = "", colour: str = "", shd: str = "") -> str:
    """A table style's conditional format: cell shading `fill` (or the whole w:shd `shd`) and text colour."""
    shd = shd or (f'<w:shd w:val="clear" w:color="auto" w:fill="{fill}"/>' if fill else "")
    rpr = f'<w:rPr><w:color w:val="{colour}"/></w:rPr>' if colour else ""
    return f'<w:tblStylePr w:type="{kind}">{rpr}<w:tcPr>{shd}</w:tcPr></w:tblStylePr>'


HEADER = cond("firstRow", "1F3864", "FFFFFF")       # dark header, white text (as "Grid Table 5 Dark")
BANDED = HEADER + cond("band1Horz", "DEEAF6")       # light first band, as "Grid Table 4"
ON, OFF = '<w:tblLook w:firstRow="1" w:noHBand="1"/>', '<w:tblLook w:firstRow="0" w:noHBand="1"/>'
BANDS = '<w:tblLook w:firstRow="1" w:lastRow="0" w:noHBand="0"/>'


@pytest.mark.parametrize("style, look, colours, expected, evidence", [
    # white header text from the table style, on its dark first row
    (HEADER, ON, (None, None), "passed", None),
    (HEADER, '<w:tblLook w:val="0220"/>', (None, None), "passed", None),    # the older hex bitmask
    # header text made white by hand: the first-row look switched off leaves it on the white page
    (HEADER, ON, ("FFFFFF", None), "passed", None),
    (HEADER, OFF, ("FFFFFF", None), "failed", "#FFFFFF on #FFFFFF"),
    (HEADER, '<w:tblLook w:val="0200"/>', ("FFFFFF", None), "failed", "#FFFFFF on #FFFFFF"),
    # dark text on the light banded row passes; light grey there fails against the band
    (BANDED, BANDS, (None, "1F1F1F"), "passed", None),
    (BANDED, BANDS, (None, "AAAAAA"), "failed", "#AAAAAA on #DEEAF6"),
    # a theme fill resolves through the theme (text2 = 1F497D), whatever the stale w:fill says ...
    (cond("firstRow", colour="FFFFFF", shd='<w:shd w:val="clear" w:fill="FFFFFF" w:themeFill="text2"/>'),
     ON, (None, None), "passed", None),
    # ... but Word's tint of a theme colour is not computed here
    (cond("firstRow", colour="FFFFFF", shd='<w:shd w:val="clear" w:fill="1F3864" w:themeFill="accent1" '
                                           'w:themeFillTint="99"/>'), ON, (None, None), "cantTell", None),
    (HEADER, None, (None, None), "cantTell", None),                         # no tblLook: may or may not apply
    # the corner cell is in the first row and the first column, whose fills differ: order unconfirmed
    (HEADER + cond("firstCol", "FFFF00"), '<w:tblLook w:firstRow="1" w:firstColumn="1" w:noHBand="1"/>',
     (None, None), "cantTell", None),
    # a corner-cell format outranks both
    (HEADER + cond("firstCol", "FFFF00") + cond("nwCell", "1F3864"),
     '<w:tblLook w:firstRow="1" w:firstColumn="1" w:noHBand="1"/>', (None, None), "passed", None),
    # the style's whole-table cell shading and text colour
    ('<w:rPr><w:color w:val="FFFFFF"/></w:rPr><w:tcPr><w:shd w:val="clear" w:fill="1F3864"/></w:tcPr>', ON,
     (None, None), "passed", None),
    ('<w:tcPr><w:shd w:val="clear" w:fill="1F3864"/></w:tcPr>', ON, ("1F1F1F", None), "failed", "#1F1F1F on #1F3864"),
    ("", ON, (None, None), "inapplicable", None),                          # automatic colours only
])
def test_table_style_shading_and_colour(style, look, colours, expected, evidence):
    doc = f.document()
    f.doc_styled_table(doc, style, look, colours=colours)
    findings, _ = run(doc)
    results = set(f.results(findings, "docx-text-contrast"))
    assert next(r for r in ("failed", "cantTell", "passed", "inapplicable") if r in results) == expected  # the worst
    if evidence:
        assert any(bad.evidence.startswith(evidence) for bad in f.problems(findings, "docx-text-contrast"))


@pytest.mark.parametrize("tbl_shd, expected", [
    ('<w:shd w:val="clear" w:color="auto" w:fill="1F3864"/>', "passed"),   # the table's own shading
    ('<w:shd w:val="pct50" w:color="000000" w:fill="1F3864"/>', "cantTell"),  # a pattern mixes two colours
    ("", "failed"),                                                         # white on the white page
])
def test_table_shading_behind_white_text(tbl_shd, expected):
    doc = f.document()
    f.doc_styled_table(doc, "", ON, tbl_shd=tbl_shd, colours=("FFFFFF", "FFFFFF"))
    assert outcome(doc, "docx-text-contrast") == {expected}


def test_cell_shading_outranks_the_table_style():
    doc = f.document()
    tbl = f.doc_styled_table(doc, HEADER, ON)
    tbl.cell(0, 0)._tc.get_or_add_tcPr().append(parse_xml(
        f'<w:shd xmlns:w="{f.W}" w:val="clear" w:color="auto" w:fill="FFFFFF"/>'))
    findings, _ = run(doc)
    [bad] = f.problems(findings, "docx-text-contrast")
    assert bad.evidence.startswith("#FFFFFF on #FFFFFF") and "Heading 0" in bad.evidence
