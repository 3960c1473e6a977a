"""Format detection by content (checkers/formats.py): what each file is, and a clear reason when
oerlint cannot check it. Names and server media types never override what the bytes say."""
from __future__ import annotations

import io
import struct
import zipfile

import docx
import pptx
import pytest

from checkers.engine import check_bytes
from checkers.formats import DOCX_TYPE, PPTM_TYPE, PPTX_TYPE, detect
from tests.test_media_builders import box, mp3, mp4, wav, webm


def office(kind: str) -> bytes:
    out = io.BytesIO()
    (docx.Document() if kind == "docx" else pptx.Presentation()).save(out)
    return out.getvalue()


def rezip(data: bytes, replace: dict[str, bytes] | None = None, drop: tuple[str, ...] = ()) -> bytes:
    """A copy of a ZIP package with some members replaced or dropped."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if info.filename in drop:
                continue
            dst.writestr(info.filename, (replace or {}).get(info.filename, src.read(info.filename)))
    return out.getvalue()


def zip_of(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        for name, content in members.items():
            zf.writestr(name, content)
    return out.getvalue()


def content_types(main: str, extra: str = "") -> bytes:
    return (f'<?xml version="1.0"?>{extra}<Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            f'content-types"><Override PartName="/main.xml" ContentType="{main}"/></Types>').encode()


# ---------------------------------------------------------------- Office packages

def test_docx_and_pptx_by_their_main_part():
    assert detect(office("docx"), "x.bin") == detect(office("docx")) and detect(office("docx")).format == "docx"
    assert detect(office("docx")).media_type == DOCX_TYPE
    found = detect(office("pptx"), "slides.docx", DOCX_TYPE)       # the name and type lie
    assert (found.format, found.media_type) == ("pptx", PPTX_TYPE)


def test_macro_enabled_presentation_is_checked_as_pptx():
    data = office("pptx")
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        types = zf.read("[Content_Types].xml").replace(
            b"application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml",
            b"application/vnd.ms-powerpoint.presentation.macroEnabled.main+xml")
    found = detect(rezip(data, {"[Content_Types].xml": types}))
    assert (found.format, found.media_type) == ("pptx", PPTM_TYPE)


@pytest.mark.parametrize("main,why", [
    ("application/vnd.ms-word.document.macroEnabled.main+xml", ".docm"),
    ("application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml", ".dotx"),
    ("application/vnd.openxmlformats-officedocument.presentationml.slideshow.main+xml", ".ppsx"),
    ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml", "spreadsheet"),
])
def test_office_files_we_do_not_check_say_what_to_do(main, why):
    found = detect(zip_of({"[Content_Types].xml": content_types(main), "main.xml": b"<x/>"}))
    assert found.format is None and why in found.why


@pytest.mark.parametrize("mimetype,why", [(b"application/vnd.oasis.opendocument.text", "OpenDocument text"),
                                          (b"application/epub+zip", "EPUB")])
def test_opendocument_and_epub(mimetype, why):
    found = detect(zip_of({"mimetype": mimetype, "content.xml": b"<x/>"}))
    assert found.format is None and why in found.why and found.media_type == mimetype.decode()


def test_plain_zip_and_office_without_content_types():
    assert "not an Office document" in detect(zip_of({"a.txt": b"hello"})).why
    no_types = rezip(office("docx"), drop=("[Content_Types].xml",))
    assert "without [Content_Types].xml" in detect(no_types).why


def test_truncated_office_document():
    data = office("docx")
    found = detect(data[: len(data) // 2])
    assert found.format is None and "damaged or truncated Office document" in found.why


def test_zip_claiming_too_many_members_is_not_opened():
    eocd = b"PK\x05\x06" + struct.pack("<HHHHIIH", 0, 0, 60000, 60000, 0, 0, 0)
    found = detect(b"PK\x03\x04" + bytes(100) + eocd)
    assert "claims 60,000 members" in found.why


def test_entities_in_content_types_are_never_expanded():
    laughs = ('<!DOCTYPE Types [<!ENTITY a "aaaaaaaaaa">' +
              "".join(f'<!ENTITY {chr(98 + i)} "&{chr(97 + i)};&{chr(97 + i)};&{chr(97 + i)};&{chr(97 + i)};">'
                      for i in range(9)) + "]>")
    data = zip_of({"[Content_Types].xml": content_types(
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml", laughs),
        "word/document.xml": b"<x>&j;</x>"})
    assert detect(data).format == "docx"          # scanned as bytes: nothing is expanded


# ---------------------------------------------------------------- media

@pytest.mark.parametrize("data,media_type", [
    (mp4(), "video/mp4"),
    (box(b"ftyp", b"M4A \0\0\0\0") + box(b"moov"), "audio/mp4"),
    (box(b"ftyp", b"qt  \0\0\0\0") + box(b"moov"), "video/quicktime"),
    (box(b"moov", bytes(16)) + box(b"mdat"), "video/quicktime"),
    (box(b"ftyp", b"3gp4\0\0\0\0") + box(b"moov"), "video/3gpp"),
    (webm(), "video/webm"),
    (webm(doctype="matroska"), "video/x-matroska"),
    (wav(), "audio/wav"),
    (mp3(3), "audio/mpeg"),
    (mp3(3)[10:], "audio/mpeg"),                      # no ID3 tag: the frame header itself
    (b"OggS\0\x02" + bytes(20) + b"\x01\x1e\x80theora" + bytes(40), "video/ogg"),
    (b"OggS\0\x02" + bytes(20) + b"\x01\x1e\x01vorbis" + bytes(40), "audio/ogg"),
    (b"fLaC" + bytes(40), "audio/flac"),
    (b"RIFF\0\0\0\0AVI LIST" + bytes(40), "video/x-msvideo"),
    (b"\xff\xf1\x50\x80" + bytes(40), "audio/aac"),
    ((b"\x47" + bytes(187)) * 3, "video/mp2t"),
])
def test_media_by_magic_bytes(data, media_type):
    found = detect(data, "file.bin", "application/octet-stream")
    assert (found.format, found.media_type) == ("media", media_type)


@pytest.mark.parametrize("brand,media_type", [(b"heic", "image/heic"), (b"avif", "image/avif"),
                                              (b"mif1", "image/heif")])
def test_heif_and_avif_images_are_not_videos(brand, media_type):
    found = detect(box(b"ftyp", brand + bytes(4)) + box(b"meta"), "photo.mp4", "video/mp4")
    assert (found.format, found.media_type) == (None, media_type) and "image" in found.why


def test_bytes_that_only_resemble_an_mp3_frame_are_not_audio():
    assert detect(b"\xff\xff\xff\xff" + bytes(60)).format is None     # bitrate index 15 is invalid


# ---------------------------------------------------------------- text and the rest

@pytest.mark.parametrize("data,fmt,media_type", [
    (b"WEBVTT\n\n00:00.000 --> 00:01.000\nhi\n", "caption", "text/vtt"),
    (b"\xef\xbb\xbfWEBVTT - Lecture 1\n", "caption", "text/vtt"),
    (b"WEBVTT", "caption", "text/vtt"),
    (b"1\n00:00:01,000 --> 00:00:02,000\nhi\n", "caption", "application/x-subrip"),
    (b"\xef\xbb\xbf1\r\n00:00:01,000 --> 00:00:02,000\r\nhi\r\n", "caption", "application/x-subrip"),
    (b"<!DOCTYPE html><html><body>x</body></html>", "html", "text/html"),
    (b'<?xml version="1.0" encoding="utf-8"?>\n<html xmlns="http://www.w3.org/1999/xhtml"><body/></html>',
     "html", "application/xhtml+xml"),
    ("<!DOCTYPE html><html><p>hei</p></html>".encode("utf-16"), "html", "text/html"),
])
def test_text_formats(data, fmt, media_type):
    found = detect(data)
    assert (found.format, found.media_type) == (fmt, media_type)


@pytest.mark.parametrize("data,why", [
    (b"", "an empty file"),
    (b"WEBVTTX\n\n00:00.000 --> 00:01.000\n", "plain text"),
    (b"Notes: the spec says %PDF-1.7 files start like this.", "plain text"),
    (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>', "SVG image"),
    (b'<?xml version="1.0"?><!-- feed --><rss version="2.0"/>', "XML document (<rss>)"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100), "legacy binary Office file"),
    (b"\x1f\x8b\x08\x00" + bytes(40), "gzip"),
    (b"{\\rtf1\\ansi hello}", "Rich Text Format"),
    (b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + bytes(50), "Windows program"),
    (b"MZ is the start of this sentence, plain text.", "plain text"),
    (b"\x89PNG\r\n\x1a\n" + bytes(40), "image on its own"),
    (b"RIFF\0\0\0\0WEBPVP8 " + bytes(40), "image on its own"),
    (bytes(range(256)) * 4, "binary data"),
])
def test_unknown_formats_have_a_clear_reason(data, why):
    found = detect(data)
    assert found.format is None and why in found.why


def test_pdf_with_junk_before_its_header():
    assert detect(b"%PDF-1.7\n%%EOF\n", "x.html", "text/html").format == "pdf"
    assert detect(b"\x00\x01junk" * 10 + b"%PDF-1.4\n1 0 obj\nendobj\n%%EOF\n").format == "pdf"


def test_names_and_media_types_break_only_text_ties():
    assert detect(b"Hello <b>world</b>", "page.html").format == "html"
    assert detect(b"Hello <b>world</b>", "page", "text/html").format == "html"
    assert detect(b"Hello world", "notes.txt").format is None
    assert detect(bytes(range(256)), "page.html", "text/html").format is None


def test_the_engine_reports_an_unknown_format_with_its_reason():
    result = check_bytes(b"{\\rtf1 hello}", resource="r", name="notes.rtf")
    f = result.findings[0]
    assert (f.rule, f.outcome) == ("unreadable", "cantTell")
    assert "Rich Text Format" in f.message and result.media_type == "application/rtf"
