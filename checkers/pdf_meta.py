"""Document-level facts of a PDF: XMP metadata, title, language tags, encryption permissions.

XMP is read with `pdf.open_metadata()` used as a plain call: as a context manager it would write
the metadata back into the file. pikepdf parses XMP without resolving entities.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import pikepdf

from checkers.facts import LicenceClue
from checkers.pdf_limits import decoded_size

CC_NS = "http://creativecommons.org/ns#"
XMP_MAX = 4 * 2**20

# ISO 639-1: the two-letter primary language subtags BCP 47 allows (three-letter ISO 639-2/3
# subtags are accepted by syntax alone).
ISO_639_1 = frozenset("""
aa ab ae af ak am an ar as av ay az ba be bg bh bi bm bn bo br bs ca ce ch co cr cs cu cv cy da de
dv dz ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr ht hu hy hz ia id ie
ig ii ik in io is it iu iw ja ji jv jw ka kg ki kj kk kl km kn ko kr ks ku kv kw ky la lb lg li ln lo
lt lu lv mg mh mi mk ml mn mo mr ms mt my na nb nd ne ng nl nn no nr nv ny oc oj om or os pa pi pl ps
pt qu rm rn ro ru rw sa sc sd se sg sh si sk sl sm sn so sq sr ss st su sv sw ta te tg th ti tk tl tn
to tr ts tt tw ty ug uk ur uz ve vi vo wa wo xh yi yo za zh zu""".split())
_BCP47 = re.compile(
    r"^(?P<lang>[a-z]{2,3}(-[a-z]{3}){0,3}|[a-z]{4,8})"
    r"(-[a-z]{4})?"                               # script
    r"(-([a-z]{2}|[0-9]{3}))?"                    # region
    r"(-([a-z0-9]{5,8}|[0-9][a-z0-9]{3}))*"       # variants
    r"(-[0-9a-wy-z](-[a-z0-9]{2,8})+)*"           # extensions
    r"(-x(-[a-z0-9]{1,8})+)?$")
_PRIVATE = re.compile(r"^x(-[a-z0-9]{1,8})+$")
_GRANDFATHERED = frozenset({"i-default", "i-klingon", "i-enochian", "i-mingo", "i-navajo",
                            "i-lux", "i-hak", "i-tao", "i-tay", "i-tsu", "i-pwn", "i-ami", "i-bnn",
                            "art-lojban", "cel-gaulish", "en-gb-oed", "zh-guoyu", "zh-hakka",
                            "zh-min", "zh-min-nan", "zh-xiang", "no-bok", "no-nyn", "sgn-be-fr",
                            "sgn-be-nl", "sgn-ch-de"})


def language_problem(tag: str | None) -> str | None:
    """Why a /Lang value is not a usable BCP 47 language tag, or None when it is one."""
    if tag is None:
        return None
    value = tag.strip().lower().replace("_", "-") if tag.strip() else ""
    if not value:
        return "the language tag is empty"
    if tag.strip() != tag or "_" in tag:
        return f"{tag!r} is not a BCP 47 language tag (no spaces or underscores)"
    if value in _GRANDFATHERED or _PRIVATE.match(value):
        return None
    match = _BCP47.match(value)
    if not match:
        return f"{tag!r} is not a BCP 47 language tag"
    primary = match.group("lang").split("-")[0]
    if primary in ("und", "zxx"):
        return f"{tag!r} says the language is undetermined"
    if len(primary) == 2 and primary not in ISO_639_1:
        return f"{tag!r}: {primary!r} is not an ISO 639-1 language code"
    if len(primary) > 3:
        return f"{tag!r}: {primary!r} is not a registered language subtag"
    return None


@dataclass
class Metadata:
    xmp_present: bool = False
    xmp_note: str | None = None              # why an existing XMP packet was not read
    xmp_title: str | None = None
    info_title: str | None = None
    authors: list[str] = field(default_factory=list)
    licences: list[LicenceClue] = field(default_factory=list)
    dates: dict[str, str] = field(default_factory=dict)
    keywords: list[str] = field(default_factory=list)
    display_doc_title: bool | None = None   # None: no entry
    lang: str | None = None                  # the catalog /Lang (None: absent)


def _plain(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, (list, tuple, set)):
        value = ", ".join(str(v) for v in value)
    text = str(value).strip()
    return text or None


def _list(value: Any) -> list[str]:
    if value is None:
        return []
    items = sorted(value) if isinstance(value, set) else value if isinstance(value, (list, tuple)) else [value]
    return [str(v).strip() for v in items if str(v).strip()]


def read_metadata(pdf: pikepdf.Pdf) -> Metadata:
    meta = Metadata()
    root = pdf.Root
    try:
        info_title = pdf.docinfo.get("/Title") if pdf.trailer.get("/Info") is not None else None
        meta.info_title = _plain(info_title)
    except (pikepdf.PdfError, ValueError, TypeError):
        meta.info_title = None
    prefs = root.get("/ViewerPreferences")
    if isinstance(prefs, pikepdf.Dictionary) and "/DisplayDocTitle" in prefs:
        meta.display_doc_title = prefs.get("/DisplayDocTitle") is True
    lang = root.get("/Lang")
    meta.lang = _plain_lang(lang)
    stream = root.get("/Metadata")
    if isinstance(stream, pikepdf.Stream):
        if decoded_size(stream, XMP_MAX) is None:
            meta.xmp_note = f"XMP metadata larger than {XMP_MAX // 2**20} MB, not read"
        else:
            meta.xmp_present = True
            _read_xmp(pdf, meta)
    return meta


def _plain_lang(value: Any) -> str | None:
    if value is None:
        return None
    try:
        return str(value)
    except (ValueError, TypeError, UnicodeDecodeError):
        return ""


XMP_NS = {"dc": "http://purl.org/dc/elements/1.1/", "xmp": "http://ns.adobe.com/xap/1.0/",
          "xmpRights": "http://ns.adobe.com/xap/1.0/rights/", "pdf": "http://ns.adobe.com/pdf/1.3/"}


def _clark(key: str) -> str:
    """'{http://purl.org/dc/elements/1.1/}title' for 'dc:title', how XMP iteration names it."""
    if key.startswith("{"):
        return key
    prefix, _, local = key.partition(":")
    return f"{{{XMP_NS[prefix]}}}{local}"


def _read_xmp(pdf: pikepdf.Pdf, meta: Metadata) -> None:
    try:
        xmp = pdf.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False)
    except Exception:  # a broken XMP packet is the same as none for every rule
        meta.xmp_present = False
        meta.xmp_note = "XMP metadata could not be parsed"
        return

    # Each look-up re-walks the XMP tree (~0.1 ms), so only the properties the packet holds are
    # looked up: one pass over it names them all (Clark notation, as PdfMetadata.qname gives).
    try:
        present: set[str] | None = set(xmp)
    except Exception:
        present = None  # every look-up is tried, and fails alike

    def get(key: str) -> Any:
        try:
            if present is not None and _clark(key) not in present:
                return None
            return xmp.get(key)
        except Exception:
            return None

    meta.xmp_title = _plain(get("dc:title"))
    meta.authors = _list(get("dc:creator"))
    for key, where_kind in (("xmpRights:WebStatement", "url"), ("xmpRights:UsageTerms", "text"),
                            (f"{{{CC_NS}}}license", "url")):
        for value in _list(get(key)):
            kind = "url" if value.lower().startswith(("http://", "https://")) else where_kind
            meta.licences.append(LicenceClue(value=value, where="pdf:xmp", kind=kind))
    # xmp:MetadataDate is left out: tools stamp it on every save, it says nothing of the content.
    for key, name in (("xmp:CreateDate", "created"), ("xmp:ModifyDate", "modified")):
        value = _plain(get(key))
        if value:
            meta.dates[name] = value
    keywords = _list(get("dc:subject"))
    pdf_keywords = _plain(get("pdf:Keywords"))
    if pdf_keywords:
        keywords += [k.strip() for k in re.split(r"[;,]", pdf_keywords) if k.strip()]
    meta.keywords = list(dict.fromkeys(keywords))


@dataclass
class Encryption:
    encrypted: bool
    allows_assistive: bool | None = None   # None: no /P entry
    revision: int | None = None


def read_encryption(pdf: pikepdf.Pdf) -> Encryption:
    """Bit 10 of /P (R >= 3) lets assistive technology extract content; R 2 has only bit 5."""
    if not pdf.is_encrypted:
        return Encryption(encrypted=False)
    enc = pdf.trailer.get("/Encrypt")
    if not isinstance(enc, pikepdf.Dictionary):
        return Encryption(encrypted=True, allows_assistive=bool(pdf.allow.accessibility))
    revision = enc.get("/R")
    revision = revision if isinstance(revision, int) else None
    perms = enc.get("/P")
    if not isinstance(perms, int):
        return Encryption(encrypted=True, allows_assistive=None, revision=revision)
    bit = 1 << 9 if (revision or 2) >= 3 else 1 << 4
    return Encryption(encrypted=True, allows_assistive=bool(perms & bit), revision=revision)
