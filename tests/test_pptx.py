"""PowerPoint checker: for each rule, decks that must pass, fail (or cantTell) and be inapplicable.

Decks are built by python-pptx in tests/office_factory.py, with raw XML edits where PowerPoint
writes something python-pptx has no API for (decorative flag, audio, colours).
"""
import pytest
from pptx.dml.color import RGBColor
from pptx.oxml import parse_xml
from pptx.util import Inches

from tests import office_factory as f
from checkers.engine import Context
from checkers.pptx import check_pptx, visual_order, Placed


def run(prs):
    findings, facts = check_pptx(f.save(prs), Context(name="deck.pptx"))
    assert all(x.rule != "unreadable" for x in findings), [x.message for x in findings]
    return findings, facts


def outcome(prs, rule):
    findings, _ = run(prs)
    return set(f.results(findings, rule))


def titled(title="Photosynthesis", body=None):
    prs = f.deck()
    s = f.slide(prs, title, body)
    return prs, s


# --- slide titles ------------------------------------------------------------------------------

def test_titled_slides_pass():
    prs, _ = titled("Light reactions")
    f.slide(prs, "Calvin cycle")
    findings, facts = run(prs)
    assert f.results(findings, "pptx-slide-title-missing") == ["passed"]
    assert f.results(findings, "pptx-slide-title-duplicate") == ["passed"]
    assert facts.headings == ["Light reactions", "Calvin cycle"]


def test_slide_without_title_placeholder_fails_and_points_at_the_slide():
    prs, _ = titled()
    f.slide(prs, None)
    findings, _ = run(prs)
    [bad] = f.problems(findings, "pptx-slide-title-missing")
    assert bad.outcome == "failed" and bad.location.slide == 2
    assert "no title placeholder" in bad.message


def test_empty_title_placeholder_fails():
    prs = f.deck()
    f.slide(prs, "")
    findings, _ = run(prs)
    [bad] = f.problems(findings, "pptx-slide-title-missing")
    assert bad.location.slide == 1 and "empty title" in bad.message


def test_duplicate_titles_fail_on_the_later_slide():
    prs, _ = titled("Results")
    f.slide(prs, "Method")
    f.slide(prs, "results ")
    findings, _ = run(prs)
    [dup] = f.problems(findings, "pptx-slide-title-duplicate")
    assert dup.outcome == "failed" and dup.location.slide == 3 and "slide 1" in dup.message
    assert dup.severity == "minor"  # Microsoft calls it a tip


def test_title_rules_inapplicable_without_slides():
    prs = f.deck()
    assert outcome(prs, "pptx-slide-title-missing") == {"inapplicable"}
    assert outcome(prs, "pptx-slide-title-duplicate") == {"inapplicable"}


# --- alt text ---------------------------------------------------------------------------------

@pytest.mark.parametrize("kwargs", [dict(descr="Chloroplast under a microscope"), dict(decorative=True)])
def test_described_or_decorative_pictures_pass(kwargs):
    prs, s = titled()
    f.picture(s, **kwargs)
    assert outcome(prs, "pptx-image-alt") == {"passed"}


@pytest.mark.parametrize("descr, why", [
    (None, "file name"),          # add_picture() wrote the file name into descr
    ("", "no alternative text"),
    ("image", "placeholder"),
    ("IMG_0231.JPG", "file name"),
])
def test_pictures_without_real_alt_fail(descr, why):
    prs, s = titled()
    pic = f.picture(s, descr)
    if descr == "":
        pic._element.nvPicPr.cNvPr.attrib.pop("descr")
    findings, _ = run(prs)
    [bad] = f.problems(findings, "pptx-image-alt")
    assert bad.outcome == "failed" and why in bad.message
    assert bad.location.slide == 1 and bad.location.selector == pic.name
    assert bad.refs["wcag"] == ["1.1.1"] and bad.refs["annex"] == "A2.images.1"


@pytest.mark.parametrize("descr", [
    "A close up of a logo\n\nDescription automatically generated",
    "A person standing in a field\n\nDescription automatically generated with medium confidence",
    "Ein Bild, das Text, Screenshot enthält.\n\nAutomatisch generierte Beschreibung",
    "Une image contenant dessin\n\nDescription générée automatiquement",
])
def test_office_generated_alt_is_cant_tell(descr):
    prs, s = titled()
    pic = f.picture(s, descr)
    findings, _ = run(prs)
    [doubt] = f.problems(findings, "pptx-image-alt")
    assert doubt.outcome == "cantTell" and doubt.location.selector == pic.name
    assert "generated automatically by Office" in doubt.message


def test_office_generated_alt_on_a_group_is_cant_tell_and_its_parts_are_not_asked():
    prs, s = titled()
    grp = f.group(s, descr="A diagram of a cycle\n\nDescription automatically generated", picture_descr="")
    [doubt] = f.problems(run(prs)[0], "pptx-image-alt")
    assert doubt.outcome == "cantTell" and doubt.location.selector == grp.name


def test_title_attribute_counts_as_alt_text():
    prs, s = titled()
    pic = f.picture(s, "")
    pic._element.nvPicPr.cNvPr.set("title", "Leaf cross-section")
    assert outcome(prs, "pptx-image-alt") == {"passed"}


# A group needs alt text on itself OR on all its visual parts; never judged twice.

def test_group_without_alt_fails_on_its_undescribed_picture_only():
    prs, s = titled()
    grp = f.group(s, descr=None, picture_descr="")
    findings, _ = run(prs)
    [bad] = f.problems(findings, "pptx-image-alt")
    assert bad.outcome == "failed" and bad.message.startswith("picture ")
    assert f"in group {grp.name!r}" in bad.message and "no alternative text" in bad.message


@pytest.mark.parametrize("descr, picture_descr", [
    ("Diagram: light energy flows into the leaf", "A red square"),
    ("Diagram of the water cycle: evaporation, condensation, precipitation", ""),  # the group's alt covers its parts
    (None, "Cloud icon representing condensation"),  # no group alt, every picture described
])
def test_group_described_as_a_whole_or_in_all_its_parts_passes(descr, picture_descr):
    prs, s = titled()
    f.group(s, descr=descr, picture_descr=picture_descr)
    assert outcome(prs, "pptx-image-alt") == {"passed"}


def test_decorative_group_passes_and_its_parts_are_not_judged():
    prs, s = titled()
    grp = f.group(s, descr=None, picture_descr="")
    f.mark_decorative(grp._element.nvGrpSpPr.cNvPr)
    findings, _ = run(prs)
    assert f.results(findings, "pptx-image-alt") == ["passed"]
    [passed] = [x for x in findings if x.rule == "pptx-image-alt"]
    assert passed.count == 1  # the group, not its picture


def test_group_chart_without_alt_fails_inside_its_group_and_is_covered_by_group_alt():
    prs, s = titled()
    grp = s.shapes.add_group_shape()
    grp._element.append(f.chart(s)._element)  # move the chart into the group
    findings, _ = run(prs)
    [bad] = f.problems(findings, "pptx-chart-alt")
    assert f"in group {grp.name!r}" in bad.message
    grp._element.nvGrpSpPr.cNvPr.set("descr", "Enrolment rose from 120 to 180")
    assert outcome(prs, "pptx-chart-alt") == {"inapplicable"}
    assert outcome(prs, "pptx-image-alt") == {"passed"}


def test_group_of_text_boxes_is_inapplicable():
    prs, s = titled()
    grp = s.shapes.add_group_shape()
    grp.shapes.add_textbox(Inches(1), Inches(2), Inches(2), Inches(1)).text_frame.text = "Step 1"
    assert outcome(prs, "pptx-image-alt") == {"inapplicable"}


def test_image_alt_inapplicable_without_pictures():
    prs, _ = titled(body="Only text here")
    assert outcome(prs, "pptx-image-alt") == {"inapplicable"}


def test_chart_alt_pass_fail_inapplicable():
    prs, s = titled()
    f.chart(s, "Enrolment rose from 120 in 2022 to 180 in 2023")
    assert outcome(prs, "pptx-chart-alt") == {"passed"}
    prs, s = titled()
    frame = f.chart(s)
    findings, _ = run(prs)
    [bad] = f.problems(findings, "pptx-chart-alt")
    assert bad.outcome == "failed" and bad.location.selector == frame.name and "chart" in bad.message
    assert outcome(titled()[0], "pptx-chart-alt") == {"inapplicable"}


# --- tables -----------------------------------------------------------------------------------

def test_table_with_header_row_and_no_merges_passes():
    prs, s = titled()
    f.table(s, header=True)
    findings, _ = run(prs)
    assert f.results(findings, "pptx-table-header") == ["passed"]
    assert f.results(findings, "pptx-table-merged") == ["passed"]


def test_table_without_header_row_fails():
    prs, s = titled()
    frame = f.table(s, header=False)
    findings, _ = run(prs)
    [bad] = f.problems(findings, "pptx-table-header")
    assert bad.outcome == "failed" and bad.location.selector == frame.name and bad.location.slide == 1


def test_merged_cells_fail():
    prs, s = titled()
    f.table(s, merge=True)
    findings, _ = run(prs)
    [bad] = f.problems(findings, "pptx-table-merged")
    assert bad.outcome == "failed" and "gridSpan" in bad.evidence


def test_table_rules_inapplicable_without_tables_and_header_rule_for_one_row():
    prs, _ = titled()
    assert outcome(prs, "pptx-table-header") == {"inapplicable"}
    assert outcome(prs, "pptx-table-merged") == {"inapplicable"}
    prs, s = titled()
    f.table(s, rows=1, header=False)
    assert outcome(prs, "pptx-table-header") == {"inapplicable"}


# --- links ------------------------------------------------------------------------------------

def test_descriptive_link_passes_and_lands_in_facts():
    prs, s = titled()
    f.link(s, "Course handbook (PDF)", "https://example.org/handbook.pdf")
    findings, facts = run(prs)
    assert f.results(findings, "pptx-link-text") == ["passed"]
    assert facts.links == ["https://example.org/handbook.pdf"]


@pytest.mark.parametrize("text, why", [("click here", "does not say"), ("https://example.org/a/b", "raw web address"),
                                       ("lue lisää", "does not say")])
def test_unclear_link_text_fails(text, why):
    prs, s = titled()
    box = f.link(s, text, "https://example.org/a/b")
    findings, _ = run(prs)
    [bad] = f.problems(findings, "pptx-link-text")
    assert bad.outcome == "failed" and why in bad.message and bad.location.selector == box.name
    assert bad.evidence.endswith("-> https://example.org/a/b")


def test_link_text_inapplicable_without_links():
    assert outcome(titled(body="No links")[0], "pptx-link-text") == {"inapplicable"}


# --- links to files -----------------------------------------------------------------------------

@pytest.mark.parametrize("text", ["Reading list (PDF)", "Download the reading list", "Lukulista, PDF-tiedosto"])
def test_link_to_a_file_that_says_so_passes(text):
    prs, s = titled()
    f.link(s, text, "https://example.org/files/reading-list.pdf")
    assert outcome(prs, "pptx-link-file-type") == {"passed"}


def test_screentip_may_name_the_file_type():
    prs, s = titled()
    box = f.link(s, "Reading list", "https://example.org/reading-list.pdf")
    box._element.find(".//" + f.pqn("a:hlinkClick")).set("tooltip", "Reading list (PDF, 300 KB)")
    assert outcome(prs, "pptx-link-file-type") == {"passed"}


@pytest.mark.parametrize("url, kind", [("https://example.org/files/reading-list.pdf", "PDF"),
                                       ("https://example.org/lab%20data.xlsx?dl=1", "Excel"),
                                       ("https://example.org/lecture.mp4", "video")])
def test_link_to_a_file_that_does_not_say_so_fails_on_its_slide(url, kind):
    prs, s = titled()
    f.slide(prs, "Second slide")
    box = f.link(prs.slides[1], "Reading list", url)
    findings, _ = run(prs)
    [bad] = f.problems(findings, "pptx-link-file-type")
    assert bad.outcome == "failed" and bad.location.slide == 2 and bad.location.selector == box.name
    assert f"opens {'an' if kind == 'Excel' else 'a'} {kind} file" in bad.message and bad.evidence == f"Reading list -> {url}"
    assert f.results(findings, "pptx-link-text") == ["passed"]  # the text itself is descriptive


@pytest.mark.parametrize("url", ["https://example.org/reading-list", "https://example.org/notes.html"])
def test_link_file_type_inapplicable_for_links_to_pages(url):
    prs, s = titled()
    f.link(s, "Reading list", url)
    assert outcome(prs, "pptx-link-file-type") == {"inapplicable"}


def test_link_file_type_inapplicable_without_links():
    assert outcome(titled(body="No links")[0], "pptx-link-file-type") == {"inapplicable"}


# --- reading order ----------------------------------------------------------------------------

def test_reading_order_matching_layout_passes():
    prs, s = titled()
    f.text_box(s, "First point", top=Inches(2))
    f.text_box(s, "Second point", top=Inches(4))
    assert outcome(prs, "pptx-reading-order") == {"passed"}


def test_reading_order_differing_from_layout_is_cant_tell_with_both_orders():
    prs, s = titled()
    f.text_box(s, "Conclusion", top=Inches(5))
    f.text_box(s, "Question", top=Inches(2))
    findings, _ = run(prs)
    [doubt] = f.problems(findings, "pptx-reading-order")
    assert doubt.outcome == "cantTell" and doubt.location.slide == 1
    spoken, visual = doubt.message.split("; on screen")
    assert spoken.index("Conclusion") < spoken.index("Question")
    assert visual.index("Question") < visual.index("Conclusion")


def test_reading_order_inapplicable_with_one_object():
    prs = f.deck()
    f.slide(prs, "Only a title")
    assert outcome(prs, "pptx-reading-order") == {"inapplicable"}


def test_visual_order_reads_columns_of_one_row_left_to_right():
    left = Placed("left", 0, 100, 50)
    right = Placed("right", 500, 110, 50)
    below = Placed("below", 0, 300, 50)
    assert [p.label for p in visual_order([below, right, left])] == ["left", "right", "below"]


# --- language ---------------------------------------------------------------------------------

def test_language_from_template_passes():
    findings, facts = run(titled(body="Hello")[0])
    assert f.results(findings, "pptx-language") == ["passed"]
    assert facts.language == "en-US"


def test_run_language_is_reported_in_facts():
    prs, _ = titled(body="Hei maailma")
    f.set_language(prs, "fi-FI")
    findings, facts = run(prs)
    assert f.results(findings, "pptx-language") == ["passed"] and facts.language == "fi-FI"


def test_missing_language_fails():
    prs, _ = titled(body="Hello")
    f.strip_language(prs)
    findings, _ = run(prs)
    [bad] = f.problems(findings, "pptx-language")
    assert bad.outcome == "failed" and bad.refs["wcag"] == ["3.1.1"]


def test_language_inapplicable_without_text():
    prs = f.deck()
    f.picture(f.slide(prs, None), "A leaf")
    assert outcome(prs, "pptx-language") == {"inapplicable"}


# --- media ------------------------------------------------------------------------------------

def test_video_with_text_track_passes():
    prs, s = titled()
    f.video(s, captions=True)
    assert outcome(prs, "pptx-media-captions") == {"passed"}


def test_video_without_captions_fails():
    prs, s = titled()
    movie = f.video(s, captions=False)
    findings, _ = run(prs)
    [bad] = f.problems(findings, "pptx-media-captions")
    assert bad.outcome == "failed" and bad.location.selector == movie.name and "media" in bad.evidence


def test_embedded_audio_needs_a_person():
    prs, s = titled()
    movie = f.video(s)
    for el in movie._element.iter("{http://schemas.openxmlformats.org/drawingml/2006/main}videoFile"):
        el.tag = "{http://schemas.openxmlformats.org/drawingml/2006/main}audioFile"
    findings, _ = run(prs)
    [doubt] = f.problems(findings, "pptx-media-captions")
    assert doubt.outcome == "cantTell" and "transcript" in doubt.message


def test_media_rule_inapplicable_without_media():
    assert outcome(titled()[0], "pptx-media-captions") == {"inapplicable"}


# --- contrast ---------------------------------------------------------------------------------

@pytest.mark.parametrize("colour, fill, size, expected", [
    ("000000", None, None, "passed"),
    ("AAAAAA", None, None, "failed"),           # 2.3:1 on the white slide
    ("FFFFFF", "FFFFFF", None, "failed"),       # white on a white box
    ("FFFFFF", "1F3864", None, "passed"),       # white on dark blue
    ("888888", None, 24, "passed"),             # 3.5:1 is enough for 24 pt text
    ("888888", None, 12, "failed"),
    ("888888", None, None, "cantTell"),         # size inherited: large or not is unknown
])
def test_text_contrast(colour, fill, size, expected):
    prs, s = titled()
    f.text_box(s, "Important", colour=colour, fill=fill, size=size)
    findings, _ = run(prs)
    assert set(f.results(findings, "pptx-text-contrast")) == {expected}
    if expected == "failed":
        [bad] = f.problems(findings, "pptx-text-contrast")
        assert bad.evidence.startswith(f"#{colour} on #") and bad.location.slide == 1


def test_text_on_dark_slide_background_is_measured_against_it():
    prs, s = titled()
    f.slide_background(s, "000000")
    f.text_box(s, "Light text", colour="FFFFFF")
    assert outcome(prs, "pptx-text-contrast") == {"passed"}
    prs, s = titled()
    f.slide_background(s, "000000")
    f.text_box(s, "Dark text", colour="202020")
    assert outcome(prs, "pptx-text-contrast") == {"failed"}


def test_text_over_a_picture_is_cant_tell():
    prs, s = titled()
    f.picture(s, "Background photo", left=Inches(1), top=Inches(2))
    f.text_box(s, "Caption over photo", left=Inches(1.5), top=Inches(2.5), colour="FFFFFF")
    findings, _ = run(prs)
    [doubt] = f.problems(findings, "pptx-text-contrast")
    assert doubt.outcome == "cantTell" and "picture" in doubt.message


def title_over_inherited_fill(colour, fill=None, *, where="layout", raw_fill=None, slide_fill=None):
    """A Title Only slide whose title run is `colour`; the title placeholder of the layout (or of
    the master) is filled with `fill` (python-pptx) or `raw_fill` (DrawingML spPr children)."""
    prs = f.deck()
    layout = prs.slide_layouts[f.TITLE_ONLY]
    owner = layout if where == "layout" else prs.slide_master
    [ph] = [p for p in owner.placeholders if p.placeholder_format.idx == 0]
    if fill == "gradient":
        ph.fill.gradient()
    elif fill:
        ph.fill.solid()
        ph.fill.fore_color.rgb = RGBColor.from_string(fill)
    if raw_fill:
        ph._element.spPr.append(parse_xml(f'<a:solidFill xmlns:a="{f.A}">{raw_fill}</a:solidFill>'))
    s = prs.slides.add_slide(layout)
    s.shapes.title.text = "Photosynthesis"
    s.shapes.title.text_frame.paragraphs[0].runs[0].font.color.rgb = RGBColor.from_string(colour)
    if slide_fill == "none":
        s.shapes.title.fill.background()  # the slide's own a:noFill overrides the layout's fill
    return prs, s


@pytest.mark.parametrize("kwargs, expected", [
    (dict(colour="FFFFFF", fill="1F3864"), "passed"),                     # white on the layout's dark blue
    (dict(colour="FFFFFF", fill="1F3864", where="master"), "passed"),     # fill set on the master's title
    (dict(colour="2A4070", fill="1F3864"), "failed"),                     # dark blue on dark blue
    (dict(colour="FFFFFF", fill="1F3864", slide_fill="none"), "failed"),  # own noFill: white on the white slide
    (dict(colour="FFFFFF", fill="gradient"), "cantTell"),
    (dict(colour="FFFFFF", raw_fill='<a:schemeClr val="accent1"><a:tint val="50000"/></a:schemeClr>'), "cantTell"),
    (dict(colour="FFFFFF", raw_fill='<a:schemeClr val="phClr"/>'), "cantTell"),  # no colour to resolve
])
def test_contrast_against_a_fill_inherited_from_layout_or_master(kwargs, expected):
    prs, _ = title_over_inherited_fill(**kwargs)
    findings, _ = run(prs)
    assert set(f.results(findings, "pptx-text-contrast")) == {expected}
    if expected == "failed":
        [bad] = f.problems(findings, "pptx-text-contrast")
        assert bad.evidence.startswith(f"#{kwargs['colour']} on #")


def test_text_box_over_a_placeholder_filled_by_its_layout_is_cant_tell():
    prs, s = title_over_inherited_fill("FFFFFF", "1F3864")
    f.text_box(s, "Overlapping note", left=Inches(1), top=Inches(0.5), colour="000000")
    findings, _ = run(prs)
    [doubt] = f.problems(findings, "pptx-text-contrast")
    assert doubt.outcome == "cantTell" and "another shape" in doubt.message


def test_fill_without_a_colour_is_cant_tell_not_unreadable():
    # <a:solidFill/> with no colour inside: on the layout's title, then on the slide's title run
    prs, _ = title_over_inherited_fill("FFFFFF", raw_fill="<!-- no colour -->")
    assert outcome(prs, "pptx-text-contrast") == {"cantTell"}
    prs, s = title_over_inherited_fill("FFFFFF", "1F3864")
    s.shapes.title.text_frame.paragraphs[0].runs[0]._r.rPr.find(f"{{{f.A}}}solidFill").clear()
    assert outcome(prs, "pptx-text-contrast") == {"cantTell"}


def test_contrast_inapplicable_without_explicit_colours():
    assert outcome(titled(body="Theme colours only")[0], "pptx-text-contrast") == {"inapplicable"}


# --- title property and facts -----------------------------------------------------------------

@pytest.mark.parametrize("title, expected", [("Photosynthesis for first-years", "passed"), ("", "failed"),
                                             ("PowerPoint Presentation", "failed")])
def test_title_property(title, expected):
    prs, _ = titled()
    prs.core_properties.title = title
    assert outcome(prs, "pptx-doc-title") == {expected}


def test_facts_from_core_properties_slides_and_notes():
    prs, s = titled("Light reactions", body="Objectives: explain the Calvin cycle")
    s.notes_slide.notes_text_frame.text = "Speaker note: mention chlorophyll"
    f.link(s, "Licence", "https://creativecommons.org/licenses/by-sa/4.0/")
    f.slide(prs, "Summary", body="This work is licensed under CC BY-SA 4.0")
    props = prs.core_properties
    props.author, props.last_modified_by = "Ada Lovelace; Grace Hopper", "Someone Else"
    props.keywords = "biology, plants"
    findings, facts = run(prs)
    assert facts.pages == 2
    assert facts.title == "Light reactions"  # no core title: the first slide's title
    assert facts.authors == ["Ada Lovelace", "Grace Hopper"]
    assert facts.keywords == ["biology", "plants"]
    assert "Speaker note: mention chlorophyll" in facts.text and "Objectives" in facts.text
    assert facts.dates["modified"]
    clues = {(c.value, c.where, c.kind) for c in facts.licences}
    assert ("https://creativecommons.org/licenses/by-sa/4.0/", "pptx:text", "url") in clues
    assert ("This work is licensed under CC BY-SA 4.0", "pptx:text", "text") in clues
    assert facts.word_count > 10


def test_licence_in_core_properties_is_a_clue():
    prs, _ = titled()
    prs.core_properties.subject = "Published under CC BY 4.0"
    _, facts = run(prs)
    assert [(c.value, c.where) for c in facts.licences] == [("Published under CC BY 4.0", "pptx:core")]


def test_findings_follow_the_contract():
    prs, s = titled()
    f.picture(s)
    findings, _ = run(prs)
    data = [x.to_dict() for x in findings]
    assert {d["rule"] for d in data} >= {"pptx-image-alt", "pptx-slide-title-missing", "pptx-language"}
    assert all(d["rule"].startswith("pptx-") for d in data)
