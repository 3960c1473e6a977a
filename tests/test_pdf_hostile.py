"""Hostile PDFs, generated in code: each must end as one clear finding, within its caps, without
an exception escaping check_pdf. No timing assertions (the machine is shared); the caps make
every case stop early, and pytest-timeout guards against a hang."""
import random
import zlib

import pikepdf
import pytest
from pikepdf import Array, Dictionary, Name

from checkers.engine import Context
from checkers.pdf import check_pdf
from tests.pdf_factory import E, long_document, make_pdf

pytestmark = pytest.mark.timeout(60)


def check(data, **caps):
    return check_pdf(data, Context(name="hostile.pdf", options={"pdf_caps": caps} if caps else {}))


def single_unreadable(findings):
    assert len(findings) == 1, [(f.rule, f.outcome, f.message) for f in findings]
    assert findings[0].rule == "unreadable"
    return findings[0]


def test_cyclic_structure_tree():
    def loop(pdf):
        document = pdf.Root.StructTreeRoot.K
        paragraph = document.K[1]
        paragraph.K = Array([0, document])  # the paragraph contains its own ancestor
    findings, facts = check(make_pdf([[E("H1", "A"), E("P", "B")]], tweak=loop))
    finding = single_unreadable(findings)
    assert finding.outcome == "failed"
    assert finding.evidence == "cyclic structure tree"
    assert facts.title == "Introduction to thermodynamics"  # metadata read before the walk


def test_shared_element_is_read_once_not_a_cycle():
    def share(pdf):
        document = pdf.Root.StructTreeRoot.K
        document.K.append(document.K[0])  # the same heading listed twice
    findings, _ = check(make_pdf([[E("H1", "A")]], tweak=share))
    assert not [f for f in findings if f.rule == "unreadable"]


def test_ten_thousand_levels_deep_tree():
    def deepen(pdf):
        document = pdf.Root.StructTreeRoot.K
        parent = document
        for _ in range(10_000):
            child = pdf.make_indirect(Dictionary(Type=Name.StructElem, S=Name.Div, P=parent))
            parent.K = Array([child])
            parent = child
    findings, _ = check(make_pdf([[E("P", "x")]], tweak=deepen))
    finding = single_unreadable(findings)
    assert finding.outcome == "cantTell"
    assert finding.evidence == "cap: structure depth"
    assert "deeper than 256 levels" in finding.message


def test_structure_item_cap():
    finding = single_unreadable(check(long_document(3), max_struct_items=50)[0])
    assert finding.evidence == "cap: structure size"


def test_decompression_bomb_content_stream():
    def bomb(pdf):
        page = pdf.pages[0]
        page.obj.Contents = pdf.make_stream(zlib.compress(b" " * (40 * 2**20), 9), Filter=Name.FlateDecode)
    data = make_pdf([[E("P", "x")]], tweak=bomb)
    assert len(data) < 200_000  # small on disk, 40 MB inflated
    finding = single_unreadable(check(data)[0])
    assert finding.outcome == "cantTell"
    assert finding.evidence == "cap: stream size"
    assert "page 1" in finding.message


def test_total_stream_size_cap():
    finding = single_unreadable(check(long_document(5), max_total_stream_bytes=2_000)[0])
    assert finding.evidence == "cap: stream size"
    assert "in total" in finding.message


def test_encrypted_with_user_password():
    data = make_pdf([[E("P", "x")]], encryption=pikepdf.Encryption(owner="o", user="u"))
    finding = single_unreadable(check(data)[0])
    assert (finding.outcome, finding.evidence) == ("failed", "password protected")


@pytest.mark.parametrize("keep", [0.5, 0.9, 0.1])
def test_truncated_files(keep):
    data = long_document(3)
    findings, _ = check(data[: int(len(data) * keep)])
    unreadable = [f for f in findings if f.rule == "unreadable"]
    damaged = [f for f in findings if f.rule == "pdf-damaged" and f.outcome == "failed"]
    assert unreadable or damaged
    if unreadable:
        assert single_unreadable(findings).evidence == "damaged PDF"


def test_a_truncated_header_only():
    finding = single_unreadable(check(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<")[0])
    assert (finding.outcome, finding.evidence) == ("failed", "damaged PDF")


def test_garbage_after_the_header():
    rng = random.Random(7)
    data = b"%PDF-1.7\n" + bytes(rng.randrange(256) for _ in range(20_000))
    finding = single_unreadable(check(data)[0])
    assert (finding.outcome, finding.evidence) == ("failed", "damaged PDF")
    assert "damaged" in finding.message and "_io." not in finding.message


def test_time_budget():
    finding = single_unreadable(check(long_document(3), time_budget=0)[0])
    assert finding.evidence == "cap: time budget"


def test_object_count_cap():
    finding = single_unreadable(check(long_document(2), max_objects=10)[0])
    assert finding.evidence == "cap: object count"


def test_file_size_cap():
    finding = single_unreadable(check(long_document(1), max_bytes=1_000)[0])
    assert finding.evidence == "cap: file size"


def test_broken_values_in_the_tree_are_tolerated():
    def vandalise(pdf):
        document = pdf.Root.StructTreeRoot.K
        document.K.append(pikepdf.String("not an element"))
        document.K.append(Dictionary(Type=Name.OBJR))           # OBJR without /Obj
        document.K.append(Dictionary(S=Name.Figure, K=Array([Array([Array([])])]), Pg=5))
        pdf.Root.StructTreeRoot.ParentTree = Dictionary(Kids=Array([pdf.Root.StructTreeRoot]))
    findings, _ = check(make_pdf([[E("Link", "x", uri="https://e.org", contents="x")]], tweak=vandalise))
    assert not [f for f in findings if f.rule == "unreadable"]
    assert [f.evidence for f in findings if f.rule == "pdf-figure-alt"] == ["/Figure without /Alt"]


def test_page_object_cap():
    finding = single_unreadable(check(long_document(2), max_page_objects=3)[0])
    assert finding.evidence == "cap: page objects"
    assert "page 1" in finding.message


def _text_in_a_form(pdf):
    """Page 1 draws its only text through a form XObject holding five text objects."""
    page = pdf.pages[0].obj
    font = page.Resources.Font.F1
    runs = b"".join(b"BT /F1 11 Tf 72 %d Td (Line %d) Tj ET\n" % (700 - 16 * i, i) for i in range(5))
    form = pdf.make_stream(runs, Type=Name.XObject, Subtype=Name.Form, BBox=Array([0, 0, 612, 792]),
                           Resources=Dictionary(Font=Dictionary(F1=font)))
    page.Resources.XObject.Fm1 = form
    page.Contents = pdf.make_stream(b"q /Fm1 Do Q")


def test_page_object_cap_counts_objects_inside_forms():
    data = make_pdf([[E("P", "x")]], tagged=False, tweak=_text_in_a_form)
    finding = single_unreadable(check(data, max_page_objects=4)[0])  # 1 form + 5 text objects
    assert finding.evidence == "cap: page objects"
    findings, _ = check(data, max_page_objects=6)
    assert [f.outcome for f in findings if f.rule == "pdf-scanned"] == ["passed"]  # text found in the form


def test_oversized_xmp_is_not_parsed():
    def bloat(pdf):
        pdf.Root.Metadata = pdf.make_stream(b"<x:xmpmeta xmlns:x='adobe:ns:meta/'>" + b" " * (5 * 2**20) + b"</x:xmpmeta>")
    findings, _ = check(make_pdf([[E("P", "x")]], xmp=False, tweak=bloat))
    failure = [f for f in findings if f.rule == "pdf-title-missing"][0]
    assert failure.outcome == "failed"
    assert failure.evidence.startswith("XMP metadata larger than 4 MB")
