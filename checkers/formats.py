"""Format detection by content (magic bytes, OOXML content types), not by name or Content-Type.

The file name and the server's media type are only used to break ties the bytes cannot settle
(plain text vs. HTML fragments); a `.html` file full of binary is not HTML. A file we cannot
check gets `format=None` and a `why` that tells its author what it is and what to do.

ZIP archives are classified from their central directory and `[Content_Types].xml` (read with a
size cap, scanned without an XML parser, so entities cannot expand); a directory that claims too
many members is refused before Python's zipfile builds it.
"""
from __future__ import annotations

import io
import re
import struct
import zipfile
from dataclasses import dataclass

PPTX_TYPE = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTM_TYPE = "application/vnd.ms-powerpoint.presentation.macroEnabled.12"

MAX_ZIP_MEMBERS = 50_000
MAX_CONTENT_TYPES_BYTES = 1024 * 1024

# Main-part content types of Office packages: (format or None, media type, why when None).
_OFFICE_MAIN = {
    b"application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml": ("pptx", PPTX_TYPE, ""),
    b"application/vnd.ms-powerpoint.presentation.macroenabled.main+xml": ("pptx", PPTM_TYPE, ""),
    b"application/vnd.openxmlformats-officedocument.presentationml.slideshow.main+xml":
        (None, "application/vnd.openxmlformats-officedocument.presentationml.slideshow",
         "a PowerPoint show (.ppsx): save it as a presentation (.pptx) to have it checked"),
    b"application/vnd.openxmlformats-officedocument.presentationml.template.main+xml":
        (None, "application/vnd.openxmlformats-officedocument.presentationml.template",
         "a PowerPoint template (.potx): save it as a presentation (.pptx) to have it checked"),
    b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml": ("docx", DOCX_TYPE, ""),
    b"application/vnd.ms-word.document.macroenabled.main+xml":
        (None, "application/vnd.ms-word.document.macroEnabled.12",
         "a macro-enabled Word document (.docm): save it as .docx to have it checked"),
    b"application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml":
        (None, "application/vnd.openxmlformats-officedocument.wordprocessingml.template",
         "a Word template (.dotx): save it as a document (.docx) to have it checked"),
    b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml":
        (None, XLSX_TYPE, "a spreadsheet (no checker for spreadsheets)"),
    b"application/vnd.ms-excel.sheet.macroenabled.main+xml":
        (None, "application/vnd.ms-excel.sheet.macroEnabled.12", "a spreadsheet (no checker for spreadsheets)"),
}
_ODF = {
    b"application/vnd.oasis.opendocument.text": "an OpenDocument text (.odt): save it as .docx or tagged PDF to have it checked",
    b"application/vnd.oasis.opendocument.presentation": "an OpenDocument presentation (.odp): save it as .pptx or tagged PDF to have it checked",
    b"application/vnd.oasis.opendocument.spreadsheet": "an OpenDocument spreadsheet (no checker for spreadsheets)",
    b"application/epub+zip": "an EPUB e-book (no EPUB checker yet; try the Ace checker by DAISY)",
}
_CONTENT_TYPE = re.compile(rb"""ContentType\s*=\s*["']([^"']{1,200})["']""")

_HTML_START = re.compile(rb"^\s*(<!--.*?-->\s*)*<(!doctype\s+html|html|head|body|div|p|h[1-6]|section|article|table|ul|ol|img|a|span|video|audio|iframe|figure|main|nav|header|meta|title|link|style|script|br|hr|strong|em|b|i|blockquote|pre|form|!--)[\s>/]",
                         re.IGNORECASE | re.DOTALL)
_XML_ROOT = re.compile(rb"^\s*(?:<\?xml[^>]{0,500}\?>\s*)?(?:<!--.*?-->\s*|<!DOCTYPE[^>]{0,2000}>\s*|<\?[^>]{0,500}\?>\s*)*<([A-Za-z_][\w.:-]{0,100})",
                       re.DOTALL)
_SRT_START = re.compile(rb"\s*\d+\s*\r?\n\s*\d{1,2}:\d\d:\d\d[,.]\d{1,3}\s*-->\s*")

# ISO base media "ftyp" major brands of still images, not videos.
_IMAGE_BRANDS = {b"heic": "image/heic", b"heix": "image/heic", b"heim": "image/heic",
                 b"heis": "image/heic", b"hevc": "image/heic-sequence", b"hevx": "image/heic-sequence",
                 b"mif1": "image/heif", b"msf1": "image/heif-sequence", b"avif": "image/avif",
                 b"avis": "image/avif-sequence", b"jp2 ": "image/jp2", b"jpx ": "image/jpx",
                 b"jpm ": "image/jpm", b"crx ": "image/x-canon-cr3"}
_QUICKTIME_TOP = (b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot")

# Other things people upload, by magic bytes: media type, why they are not checked.
_OTHER = (
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "application/x-ole-storage",
     "a legacy binary Office file (.doc/.ppt/.xls): save it as .docx/.pptx"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "an image on its own (checked where a page shows it)"),
    (b"\xff\xd8\xff", "image/jpeg", "an image on its own (checked where a page shows it)"),
    (b"GIF87a", "image/gif", "an image on its own (checked where a page shows it)"),
    (b"GIF89a", "image/gif", "an image on its own (checked where a page shows it)"),
    (b"II*\x00", "image/tiff", "an image on its own (checked where a page shows it)"),
    (b"MM\x00*", "image/tiff", "an image on its own (checked where a page shows it)"),
    (b"{\\rtf", "application/rtf", "a Rich Text Format file: save it as .docx or tagged PDF to have it checked"),
    (b"%!PS", "application/postscript", "a PostScript file: convert it to tagged PDF to have it checked"),
    (b"\x1f\x8b", "application/gzip", "a gzip-compressed file: upload what it contains"),
    (b"BZh", "application/x-bzip2", "a bzip2-compressed file: upload what it contains"),
    (b"\xfd7zXZ\x00", "application/x-xz", "an xz-compressed file: upload what it contains"),
    (b"7z\xbc\xaf\x27\x1c", "application/x-7z-compressed", "a 7-Zip archive: upload what it contains"),
    (b"Rar!\x1a\x07", "application/vnd.rar", "a RAR archive: upload what it contains"),
    (b"MThd", "audio/midi", "MIDI music (notes, not recorded sound; nothing to caption)"),
    (b"\x7fELF", "application/x-executable", "a program, not a learning resource"),
    (b"MZ", "application/x-msdownload", "a Windows program, not a learning resource"),
    (b"wOFF", "font/woff", "a font file"),
    (b"wOF2", "font/woff2", "a font file"),
)


@dataclass(frozen=True)
class Detected:
    format: str | None     # html, pdf, pptx, docx, media, caption, None (unknown)
    media_type: str        # the best media type we can name
    why: str = ""          # for an unknown format: what the bytes looked like


def _looks_binary(head: bytes) -> bool:
    if b"\x00" in head:
        return True
    # Control characters other than tab/newline/CR/form feed/escape are rare in text.
    controls = sum(1 for b in head if b < 9 or 13 < b < 27 or 27 < b < 32)
    return controls > len(head) // 20


# ---------------------------------------------------------------- ZIP packages

def _zip_member_count(data: bytes) -> int | None:
    """The member count the end-of-central-directory record claims (None: no record found)."""
    at = data.rfind(b"PK\x05\x06", max(0, len(data) - 65_557))
    if at < 0 or at + 22 > len(data):
        return None
    count = struct.unpack_from("<H", data, at + 10)[0]
    if count == 0xFFFF:   # ZIP64: the real count is in the ZIP64 record before it
        z64 = data.rfind(b"PK\x06\x06", max(0, at - 65_536), at)
        if z64 >= 0 and z64 + 40 <= len(data):
            count = struct.unpack_from("<Q", data, z64 + 32)[0]
    return count


def _first_member_name(data: bytes) -> str:
    """The name in the first local file header, to describe a damaged archive."""
    if len(data) < 30:
        return ""
    name_len = struct.unpack_from("<H", data, 26)[0]
    return data[30:30 + min(name_len, 200)].decode("utf-8", "replace")


def _damaged_zip(data: bytes) -> Detected:
    first = _first_member_name(data)
    if first == "[Content_Types].xml" or first.startswith(("word/", "ppt/", "_rels/", "docProps/")):
        return Detected(None, "application/zip",
                        "a damaged or truncated Office document (its ZIP directory cannot be read): "
                        "save it again from PowerPoint/Word")
    return Detected(None, "application/zip", "a damaged or truncated ZIP archive")


def _package(data: bytes) -> Detected:
    count = _zip_member_count(data)
    if count is None:
        return _damaged_zip(data)
    if count > MAX_ZIP_MEMBERS:
        return Detected(None, "application/zip",
                        f"a ZIP archive that claims {count:,} members (more than {MAX_ZIP_MEMBERS:,}): not opened")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            names = {i.filename: i for i in zf.infolist()}
            if "mimetype" in names and names["mimetype"].file_size < 200:
                mimetype = zf.read("mimetype").strip()
                if mimetype in _ODF:
                    return Detected(None, mimetype.decode(), _ODF[mimetype])
            info = names.get("[Content_Types].xml")
            if info is None:
                if any(n.startswith(("word/", "ppt/")) for n in names):
                    return Detected(None, "application/zip", "an Office document without "
                                    "[Content_Types].xml (damaged): save it again from PowerPoint/Word")
                return Detected(None, "application/zip", "a ZIP archive that is not an Office document")
            if info.file_size > MAX_CONTENT_TYPES_BYTES:
                return Detected(None, "application/zip", "an Office document whose [Content_Types].xml "
                                "is implausibly large: not opened")
            with zf.open(info) as fh:
                content_types = fh.read(MAX_CONTENT_TYPES_BYTES)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, ValueError, OSError,
            EOFError, RuntimeError):
        # RuntimeError: an encrypted member; the others: a damaged directory or member.
        return _damaged_zip(data)
    for found in _CONTENT_TYPE.findall(content_types):
        known = _OFFICE_MAIN.get(found.lower())
        if known:
            fmt, media_type, why = known
            return Detected(fmt, media_type, why)
    return Detected(None, "application/zip", "an Office Open XML package of a kind oerlint does not check")


# ---------------------------------------------------------------- media

def _mp3_frame(head: bytes) -> bool:
    """A plausible MPEG audio frame header (sync, version, layer, bitrate and rate indexes)."""
    if len(head) < 4 or head[0] != 0xFF or head[1] & 0xE0 != 0xE0:
        return False
    version, layer = (head[1] >> 3) & 3, (head[1] >> 1) & 3
    bitrate, rate = head[2] >> 4, (head[2] >> 2) & 3
    return version != 1 and layer != 0 and bitrate not in (0, 15) and rate != 3


def _media(data: bytes) -> Detected | None:
    head = data[:64]
    if len(head) >= 12 and head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in _IMAGE_BRANDS:
            return Detected(None, _IMAGE_BRANDS[brand], "an image on its own (checked where a page shows it)")
        if brand in (b"M4A ", b"M4B ", b"M4P ", b"F4A ", b"F4B "):
            return Detected("media", "audio/mp4")
        if brand == b"qt  ":
            return Detected("media", "video/quicktime")
        if brand.startswith((b"3gp", b"3gg")):
            return Detected("media", "video/3gpp")
        if brand.startswith(b"3g2"):
            return Detected("media", "video/3gpp2")
        return Detected("media", "video/mp4")
    if len(head) >= 8 and head[4:8] in _QUICKTIME_TOP:
        size = struct.unpack_from(">I", head)[0]     # 0: to the end, 1: a 64-bit size follows
        if size in (0, 1) or size >= 8:
            return Detected("media", "video/quicktime")
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return Detected("media", "video/webm" if b"webm" in data[:64] else "video/x-matroska")
    if head.startswith(b"OggS"):
        first_packet = data[28 + (data[26] if len(data) > 26 else 0):][:16]
        if b"theora" in first_packet[:8]:
            return Detected("media", "video/ogg")
        return Detected("media", "audio/ogg")
    if head.startswith(b"fLaC"):
        return Detected("media", "audio/flac")
    if head.startswith(b"RIFF") and head[8:12] == b"WAVE":
        return Detected("media", "audio/wav")
    if head.startswith(b"RIFF") and head[8:12] == b"AVI ":
        return Detected("media", "video/x-msvideo")
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return Detected(None, "image/webp", "an image on its own (checked where a page shows it)")
    if head.startswith(b"FORM") and head[8:12] in (b"AIFF", b"AIFC"):
        return Detected("media", "audio/aiff")
    if head.startswith(b"ID3") or _mp3_frame(head):
        return Detected("media", "audio/mpeg")
    if len(head) >= 2 and head[0] == 0xFF and head[1] & 0xF6 == 0xF0:
        return Detected("media", "audio/aac")          # ADTS sync word, layer 0
    if head.startswith(b"\x30\x26\xb2\x75\x8e\x66\xcf\x11"):
        return Detected("media", "video/x-ms-asf")
    if head.startswith(b"FLV\x01"):
        return Detected("media", "video/x-flv")
    if head.startswith(b"\x00\x00\x01\xba"):
        return Detected("media", "video/mpeg")
    if len(data) >= 377 and data[0] == 0x47 and data[188] == 0x47 and data[376] == 0x47:
        return Detected("media", "video/mp2t")
    return None


# ---------------------------------------------------------------- text

def _text(head: bytes, name: str, media_type: str | None) -> Detected:
    text_head = head.removeprefix(b"\xef\xbb\xbf")
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:   # UTF-16 text: decode a little to sniff it
            text_head = head[: len(head) // 2 * 2].decode("utf-16").encode("utf-8", "replace")
        except UnicodeDecodeError:
            pass
    elif _looks_binary(head):
        return Detected(None, "application/octet-stream", "binary data that is no known format")
    if re.match(rb"WEBVTT(?:[ \t\r\n]|$)", text_head):
        return Detected("caption", "text/vtt")
    if _SRT_START.match(text_head):
        return Detected("caption", "application/x-subrip")
    if _HTML_START.match(text_head):
        return Detected("html", "text/html")
    root = _XML_ROOT.match(text_head)
    if root:
        tag = root.group(1).split(b":")[-1].lower()
        if tag == b"html":
            return Detected("html", "application/xhtml+xml")
        if tag == b"svg":
            return Detected(None, "image/svg+xml", "an SVG image on its own (checked where a page shows it)")
        if not (media_type or "").startswith(("text/html", "application/xhtml")):
            return Detected(None, "application/xml", f"an XML document (<{tag.decode('ascii', 'replace')}>), not a web page")
    if (media_type or "").startswith(("text/html", "application/xhtml")):
        return Detected("html", "text/html")
    if name.lower().endswith((".html", ".htm", ".xhtml")):
        return Detected("html", "text/html")
    return Detected(None, media_type or "text/plain", "plain text with no markup")


def detect(data: bytes, name: str = "", media_type: str | None = None) -> Detected:
    if not data:
        return Detected(None, "application/octet-stream", "an empty file")
    head = data[:2048]
    if data[:1024].lstrip().startswith(b"%PDF-") or (b"%PDF-" in data[:1024] and b"%%EOF" in data[-1024:]):
        # Readers accept junk before the header (within 1 KiB); a text that merely mentions
        # "%PDF-" does not also end like a PDF.
        return Detected("pdf", "application/pdf")
    if data.startswith(b"PK\x03\x04"):
        return _package(data)
    if data.startswith((b"PK\x05\x06", b"PK\x07\x08")):
        return Detected(None, "application/zip", "an empty or split ZIP archive")
    media = _media(data)
    if media:
        return media
    for magic, mtype, why in _OTHER:
        # Two-byte magics also start ordinary text ("MZ..."): they need binary content too.
        if head.startswith(magic) and (len(magic) > 2 or _looks_binary(head)):
            return Detected(None, mtype, why)
    return _text(head, name, media_type)
