"""Format detection by content (magic bytes, OOXML part names), not by name or Content-Type.

The file name and the server's media type are only used to break ties the bytes cannot settle
(plain text vs. HTML fragments); a `.html` file full of binary is not HTML.
"""
from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass

PPTX_TYPE = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

_HTML_START = re.compile(rb"^\s*(<!--.*?-->\s*)*<(!doctype\s+html|html|head|body|div|p|h[1-6]|section|article|table|ul|ol|img|a|span|video|audio|iframe|figure|main|nav|header|meta|title|link|style|script|br|hr|strong|em|b|i|blockquote|pre|form|!--)[\s>/]",
                         re.IGNORECASE | re.DOTALL)


@dataclass(frozen=True)
class Detected:
    format: str | None     # html, pdf, pptx, docx, media, caption, None (unknown)
    media_type: str        # the best media type we can name
    why: str = ""          # for an unknown format: what the bytes looked like


def _zip_members(data: bytes) -> set[str] | None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            return {i.filename for i in zf.infolist()[:10_000]}
    except (zipfile.BadZipFile, ValueError, OSError, EOFError):
        return None


def _looks_binary(head: bytes) -> bool:
    if b"\x00" in head:
        return True
    # Control characters other than tab/newline/CR/form feed are rare in text.
    controls = sum(1 for b in head if b < 9 or 13 < b < 32)
    return controls > len(head) // 20


def _ooxml(data: bytes) -> Detected:
    members = _zip_members(data)
    if members is None:
        return Detected(None, "application/zip", "a damaged ZIP archive")
    if "[Content_Types].xml" in members:
        if any(m.startswith("ppt/") for m in members):
            return Detected("pptx", PPTX_TYPE)
        if any(m.startswith("word/") for m in members):
            return Detected("docx", DOCX_TYPE)
        if any(m.startswith("xl/") for m in members):
            return Detected(None, XLSX_TYPE, "a spreadsheet (no checker for spreadsheets)")
    return Detected(None, "application/zip", "a ZIP archive that is not an Office document")


def _media(data: bytes) -> Detected | None:
    head = data[:64]
    if len(head) >= 12 and head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in (b"M4A ", b"M4B ", b"M4P "):
            return Detected("media", "audio/mp4")
        return Detected("media", "video/mp4")
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return Detected("media", "video/webm" if b"webm" in data[:64] else "video/x-matroska")
    if head.startswith(b"ID3") or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0):
        return Detected("media", "audio/mpeg")
    if head.startswith(b"OggS"):
        return Detected("media", "audio/ogg")
    if head.startswith(b"fLaC"):
        return Detected("media", "audio/flac")
    if head.startswith(b"RIFF") and head[8:12] == b"WAVE":
        return Detected("media", "audio/wav")
    if head.startswith(b"RIFF") and head[8:12] == b"AVI ":
        return Detected("media", "video/x-msvideo")
    return None


def detect(data: bytes, name: str = "", media_type: str | None = None) -> Detected:
    head = data[:2048]
    if not data:
        return Detected(None, "application/octet-stream", "an empty file")
    if data[:1024].lstrip().startswith(b"%PDF-") or data.startswith(b"%PDF-"):
        return Detected("pdf", "application/pdf")
    if data.startswith(b"PK\x03\x04"):
        return _ooxml(data)
    media = _media(data)
    if media:
        return media
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return Detected(None, "application/x-ole-storage",
                        "a legacy binary Office file (.doc/.ppt): save it as .docx/.pptx")
    for magic, mtype in ((b"\x89PNG", "image/png"), (b"\xff\xd8\xff", "image/jpeg"),
                         (b"GIF8", "image/gif")):
        if head.startswith(magic):
            return Detected(None, mtype, "an image on its own (checked where a page shows it)")
    text_head = head.lstrip(b"\xef\xbb\xbf\xfe\xff")
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        # UTF-16 text: decode a little to sniff it.
        try:
            text_head = head.decode("utf-16").encode("utf-8", "replace")
        except UnicodeDecodeError:
            pass
    elif _looks_binary(head):
        return Detected(None, "application/octet-stream", "binary data that is no known format")
    if text_head.lstrip().startswith(b"WEBVTT"):
        return Detected("caption", "text/vtt")
    if re.match(rb"\s*\d+\s*\r?\n\d\d:\d\d:\d\d[,.]\d{3} --> ", text_head):
        return Detected("caption", "application/x-subrip")
    if _HTML_START.match(text_head) or (media_type or "").startswith(("text/html", "application/xhtml")):
        return Detected("html", "text/html")
    if name.lower().endswith((".html", ".htm", ".xhtml")):
        return Detected("html", "text/html")
    return Detected(None, media_type or "text/plain", "plain text with no markup")
