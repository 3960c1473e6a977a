"""Shared OOXML ground: the archive guard, safe XML parsing, alt/link/licence helpers, colours."""
import io
import zipfile

import pytest
from lxml import etree

from checkers import ooxml
from tests import office_factory as f


def small_deck() -> bytes:
    prs = f.deck()
    f.slide(prs, "Title")
    return f.save(prs)


def test_a_normal_deck_and_document_pass_the_guard():
    pkg = ooxml.inspect_archive(small_deck(), "pptx")
    assert pkg.main_part == "ppt/presentation.xml"
    assert pkg.xml("docProps/core.xml") is not None and pkg.xml("no/such.xml") is None
    doc = ooxml.inspect_archive(f.save(f.document()), "docx")
    assert doc.main_part == "word/document.xml"


@pytest.mark.parametrize("caps, cap_name", [
    (ooxml.Caps(max_members=10), "member count cap"),
    (ooxml.Caps(max_total_bytes=10_000), "total uncompressed size cap"),
    (ooxml.Caps(max_xml_part_bytes=1_000), "XML part size cap"),
])
def test_each_cap_is_named_and_cant_tell(caps, cap_name):
    with pytest.raises(ooxml.Refused) as err:
        ooxml.inspect_archive(small_deck(), "pptx", caps)
    assert cap_name in err.value.reason and err.value.outcome == "cantTell"
    finding = err.value.finding()
    assert finding.rule == "unreadable" and finding.outcome == "cantTell"


def test_caps_come_from_options():
    caps = ooxml.Caps.from_options({"ooxml_max_members": "12", "ooxml_max_ratio": 5, "other": 1})
    assert caps.max_members == 12 and caps.max_ratio == 5.0 and caps.max_total_bytes == ooxml.Caps().max_total_bytes


def test_compression_ratio_cap_stops_a_zip_bomb_member():
    with pytest.raises(ooxml.Refused) as err:
        ooxml.inspect_archive(f.zip_bomb(small_deck(), megabytes=8), "pptx")
    assert "compression ratio cap" in err.value.reason and "docProps/padding.bin" in err.value.reason


@pytest.mark.parametrize("name", ["../evil.xml", "/etc/evil.xml", "ppt/../../evil.xml", "C:/evil.xml"])
def test_unsafe_member_names_are_refused(name):
    data = f.rezip(f.members(small_deck()), [(name, b"<x/>")])
    with pytest.raises(ooxml.Refused) as err:
        ooxml.inspect_archive(data, "pptx")
    assert "unsafe member name" in err.value.reason and err.value.outcome == "failed"


def test_encrypted_members_are_refused():
    data = bytearray(small_deck())
    # Set the "encrypted" flag of one member in the central directory, as a password tool would.
    entry = data.index(b"PK\x01\x02")  # the first central directory entry
    data[entry + 8] |= 0x1             # general purpose flags, bit 0: encrypted
    with pytest.raises(ooxml.Refused, match="encrypted"):
        ooxml.inspect_archive(bytes(data), "pptx")


def test_missing_content_types_and_wrong_format():
    parts = f.members(small_deck())
    parts.pop("[Content_Types].xml")
    with pytest.raises(ooxml.Refused, match=r"\[Content_Types\].xml is missing"):
        ooxml.inspect_archive(f.rezip(parts), "pptx")
    with pytest.raises(ooxml.Refused, match="is a PowerPoint presentation, not a Word document"):
        ooxml.inspect_archive(small_deck(), "docx")


@pytest.mark.parametrize("xml", [
    f.BILLION_LAUGHS + b"<r>&lol9;</r>",
    f.EXTERNAL_ENTITY + b"<r>&xxe;</r>",
    '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE r [<!ENTITY a "b">]><r>&a;</r>'.encode("utf-16"),
    b'<?xml version="1.0" encoding="UTF-7"?><r/>',
    "<r/>".encode("utf-32"),
])
def test_parse_xml_refuses_dtds_and_odd_encodings(xml):
    with pytest.raises(ooxml.Refused, match="DOCTYPE"):
        ooxml.parse_xml(xml, "slide1.xml")


def test_parse_xml_reads_plain_utf8_and_utf16_and_reports_broken_xml():
    assert ooxml.parse_xml(b'<?xml version="1.0" encoding="UTF-8"?><r>x</r>').text == "x"
    assert ooxml.parse_xml('<?xml version="1.0" encoding="UTF-16"?><r>y</r>'.encode("utf-16")).text == "y"
    with pytest.raises(ooxml.Refused, match="not well-formed"):
        ooxml.parse_xml(b"<r><unclosed></r>")


def test_the_office_libraries_do_not_expand_entities_either():
    """Second wall: python-pptx/docx parse with resolve_entities=False (checked, not assumed)."""
    from docx.oxml.parser import oxml_parser as docx_parser
    from pptx.oxml import oxml_parser as pptx_parser
    xml = b'<!DOCTYPE r [<!ENTITY a "expanded">]><r>&a;</r>'
    for parser in (docx_parser, pptx_parser):
        root = etree.fromstring(xml, parser)
        assert "expanded" not in etree.tostring(root).decode().split("]>")[-1]


# --- alt text, links, licences, language --------------------------------------------------------

def nv(**attrs):
    el = etree.Element("{%s}cNvPr" % ooxml.NS["p"], {k: v for k, v in attrs.items()})
    return el


@pytest.mark.parametrize("attrs, ok, why", [
    (dict(descr="A leaf in sunlight"), True, "has alternative text"),
    (dict(descr="", title="A leaf"), True, "has alternative text"),
    (dict(), False, "has no alternative text"),
    (dict(descr="chart.png"), False, "file name"),
    (dict(descr="Picture 3"), False, "placeholder"),
    # Office's own generated descriptions, in the alliance's languages: a person must check them
    (dict(descr="A close up of a logo\n\nDescription automatically generated"), None, "generated automatically"),
    (dict(descr="A person standing\nDescription automatically generated with medium confidence"), None, "by Office"),
    (dict(descr="Ein Bild, das Text enthält.\n\nAutomatisch generierte Beschreibung"), None, "by Office"),
    (dict(descr="Kuva, joka sisältää kohteen teksti Kuvaus luotu automaattisesti"), None, "by Office"),
    (dict(descr="Картина, която съдържа текст\n\nОписанието е генерирано автоматично"), None, "by Office"),
    (dict(descr="A description of the leaf, written by its author"), True, "has alternative text"),
])
def test_judge_alt(attrs, ok, why):
    result, message, _ = ooxml.judge_alt(nv(**attrs))
    assert result is ok and why in message


def test_decorative_flag_counts_as_decorative_only_when_on():
    el = nv()
    f.mark_decorative(el)
    assert ooxml.is_decorative(el) and ooxml.judge_alt(el)[0] is True
    el.find(".//{%s}decorative" % f.ADEC).set("val", "0")
    assert not ooxml.is_decorative(el)


@pytest.mark.parametrize("text, ok", [("Course handbook", True), ("click here", False), ("", False),
                                      ("www.example.org/page", False), ("lue lisää", False)])
def test_judge_link_text(text, ok):
    assert ooxml.judge_link_text(text, "https://example.org")[0] is ok


def test_licence_clues_quote_urls_and_statements():
    text = ("Licensed under CC BY-SA 4.0\nSee https://creativecommons.org/licenses/by-sa/4.0/ for details\n"
            "Photo: public domain\nNothing here")
    clues = ooxml.licence_clues(text, "docx:text")
    assert ("https://creativecommons.org/licenses/by-sa/4.0/", "url") in {(c.value, c.kind) for c in clues}
    texts = [c.value for c in clues if c.kind == "text"]
    assert "Licensed under CC BY-SA 4.0" in texts and "Photo: public domain" in texts
    assert all("Nothing" not in t for t in texts)


@pytest.mark.parametrize("tag, ok", [("en", True), ("en-US", True), ("sr-Latn-RS", True), ("x-none", False),
                                     ("", False), (None, False), ("en_US", False)])
def test_valid_language(tag, ok):
    assert ooxml.valid_language(tag) is ok


def test_colour_of_resolves_scheme_colours_and_lum_mods():
    a = ooxml.NS["a"]
    scheme = {"dk1": (0, 0, 0), "lt1": (255, 255, 255), "accent1": (68, 114, 196)}
    el = etree.fromstring(f'<a:schemeClr xmlns:a="{a}" val="tx1"/>')
    assert ooxml.colour_of(el, scheme, {"tx1": "dk1"}) == (0, 0, 0)
    lighter = etree.fromstring(f'<a:schemeClr xmlns:a="{a}" val="tx1"><a:lumMod val="50000"/>'
                               '<a:lumOff val="50000"/></a:schemeClr>')
    assert ooxml.colour_of(lighter, scheme, {"tx1": "dk1"}) == (128, 128, 128)
    tinted = etree.fromstring(f'<a:srgbClr xmlns:a="{a}" val="FF0000"><a:tint val="40000"/></a:srgbClr>')
    assert ooxml.colour_of(tinted, scheme, {}) is None  # unknown transform: contrast becomes cantTell
    half = etree.fromstring(f'<a:srgbClr xmlns:a="{a}" val="FF0000"><a:alpha val="50000"/></a:srgbClr>')
    assert ooxml.colour_of(half, scheme, {}) is None


@pytest.mark.parametrize("xml, suspect", [
    (b'<?xml version="1.0"?><!-- <root> in a comment --><!DOCTYPE r [<!ENTITY a "b">]><r/>', True),
    (b'<?xml version="1.0"?>\n<?pi data?>\n<!-- note --><r>&lt;!DOCTYPE is text here</r>', False),
    (b"\xef\xbb\xbf<r/>", False),
    (b"<!-- " + b"x" * (ooxml.PROLOG_LIMIT + 10) + b" --><r/>", True),  # prolog longer than we read
])
def test_has_dtd_reads_the_whole_prolog_and_only_the_prolog(xml, suspect):
    assert ooxml.has_dtd(xml) is suspect


@pytest.mark.parametrize("xml, suspect", [
    (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n<p:sld xmlns:p="urn:x"/>', False),
    (b'<?xml version="1.0" encoding="UTF-8"?><!DOCTYPE r SYSTEM "file:///etc/passwd"><r/>', True),
    (b'<?xml version="1.0" encoding="ISO-8859-1"?><r/>', True),  # an encoding the scan cannot read
    (b'<?xml version="1.0"?> <?pi x?><r/>', False),
])
def test_has_dtd_fast_path_for_office_prologs_agrees_with_the_full_scan(xml, suspect):
    assert ooxml.has_dtd(xml) is suspect


def test_parts_read_in_one_call_equal_what_zipfile_reads():
    data = small_deck()
    zf = zipfile.ZipFile(io.BytesIO(data))
    for info in zf.infolist():
        fast = ooxml._inflate(data, info, None)
        assert fast is None or fast == zf.read(info.filename), info.filename
    assert ooxml._inflate(data, zf.getinfo("ppt/slides/slide1.xml"), None) is not None


def test_a_corrupted_part_is_left_to_zipfile_and_reported_as_damage():
    data = bytearray(small_deck())
    info = zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo("ppt/slides/slide1.xml")
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    data[start + info.compress_size // 2] ^= 0xFF  # flip bits inside the deflated slide
    assert ooxml._inflate(bytes(data), info, None) is None
    pkg = ooxml.inspect_archive(bytes(data), "pptx")
    with pytest.raises(ooxml.Refused) as err:
        pkg.xml("ppt/slides/slide1.xml")
    assert "is damaged" in err.value.reason and err.value.outcome == "failed"
