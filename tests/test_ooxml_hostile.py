"""Hostile Office files, generated in code: each ends as one clear `unreadable` finding, within caps.

Zip bombs (a huge, highly compressible member), too many members, billion-laughs and external
entity DOCTYPEs inside slide1.xml / document.xml, truncated files, and a Word file that is really
a PowerPoint deck. The checkers never raise; `pytest-timeout` bounds each case.
"""
import functools
import tracemalloc

import pytest

from checkers.docx import check_docx
from checkers.engine import Context, check_bytes
from checkers.pptx import check_pptx
from tests import office_factory as f

CHECKERS = {"pptx": check_pptx, "docx": check_docx}
MAIN_XML = {"pptx": "ppt/slides/slide1.xml", "docx": "word/document.xml"}


@functools.cache
def sample(fmt: str) -> bytes:
    if fmt == "pptx":
        prs = f.deck()
        f.slide(prs, "Title", body="Some text")
        return f.save(prs)
    doc = f.document()
    doc.add_paragraph("Some text")
    return f.save(doc)


def only_unreadable(fmt: str, data: bytes, options=None):
    findings, facts = CHECKERS[fmt](data, Context(name=f"hostile.{fmt}", options=options or {}))
    assert [x.rule for x in findings] == ["unreadable"], [x.message for x in findings]
    assert facts.format == fmt and facts.text == ""
    return findings[0]


@pytest.mark.timeout(60)
@pytest.mark.parametrize("fmt", ["pptx", "docx"])
def test_zip_bomb_is_refused_by_the_ratio_cap_without_unpacking(fmt):
    bomb = f.zip_bomb(sample(fmt), megabytes=200)
    assert len(bomb) < 1_000_000  # 200 MB of zeros in well under 1 MB
    tracemalloc.start()
    finding = only_unreadable(fmt, bomb)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert finding.outcome == "cantTell" and "compression ratio cap" in finding.message
    assert peak < 50_000_000  # the member was never inflated


@pytest.mark.parametrize("fmt", ["pptx", "docx"])
def test_total_size_cap(fmt):
    finding = only_unreadable(fmt, sample(fmt), {"ooxml_max_total_bytes": 50_000})
    assert finding.outcome == "cantTell" and "total uncompressed size cap" in finding.message


@pytest.mark.parametrize("fmt", ["pptx", "docx"])
def test_too_many_members(fmt):
    finding = only_unreadable(fmt, f.many_members(sample(fmt), 6000))
    assert finding.outcome == "cantTell" and "member count cap" in finding.message and "6" in finding.message


@pytest.mark.parametrize("fmt", ["pptx", "docx"])
@pytest.mark.parametrize("prolog, entity", [(f.BILLION_LAUGHS, b"&lol9;"), (f.EXTERNAL_ENTITY, b"&xxe;")],
                         ids=["billion-laughs", "external-entity"])
def test_doctype_in_the_main_xml_part_is_refused(fmt, prolog, entity):
    data = f.with_doctype(sample(fmt), MAIN_XML[fmt], prolog, entity)
    finding = only_unreadable(fmt, data)
    assert finding.outcome == "failed" and MAIN_XML[fmt] in finding.message and "DOCTYPE" in finding.message
    assert "root:" not in finding.message  # nothing of /etc/passwd leaked into the message


@pytest.mark.parametrize("fmt", ["pptx", "docx"])
def test_doctype_in_content_types_is_refused(fmt):
    parts = f.members(sample(fmt))
    parts["[Content_Types].xml"] = f.EXTERNAL_ENTITY + parts["[Content_Types].xml"].split(b"?>", 1)[1]
    finding = only_unreadable(fmt, f.rezip(parts))
    assert "[Content_Types].xml" in finding.message


@pytest.mark.parametrize("fmt", ["pptx", "docx"])
@pytest.mark.parametrize("keep", [0.2, 0.6, 0.95])
def test_truncated_files_fail_as_damaged(fmt, keep):
    finding = only_unreadable(fmt, f.truncated(sample(fmt), keep))
    assert finding.outcome == "failed" and "damaged" in finding.message


@pytest.mark.parametrize("fmt", ["pptx", "docx"])
def test_a_broken_main_part_fails_as_damaged(fmt):
    data = f.replace_member(sample(fmt), MAIN_XML[fmt], b"<not-closed>")
    finding = only_unreadable(fmt, data)
    assert finding.outcome == "failed"


def test_word_checker_given_a_deck_says_what_it_is():
    finding = only_unreadable("docx", sample("pptx"))
    assert "is a PowerPoint presentation, not a Word document" in finding.message


def test_engine_detects_a_docx_named_file_that_is_really_a_pptx():
    result = check_bytes(sample("pptx"), resource="r1", name="lecture.docx",
                         media_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    assert result.media_type.endswith("presentationml.presentation")
    rules = {x.rule for x in result.findings}
    assert "pptx-slide-title-missing" in rules and not any(r.startswith("docx-") for r in rules)
    assert result.facts.format == "pptx"


@pytest.mark.parametrize("fmt", ["pptx", "docx"])
def test_engine_runs_the_checker_and_scores(fmt):
    result = check_bytes(sample(fmt), resource="r1", name=f"file.{fmt}")
    assert any(x.rule.startswith(f"{fmt}-") for x in result.findings)
    assert 0 <= result.scores["accessibility"] <= 100
