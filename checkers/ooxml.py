"""Shared ground for the PowerPoint and Word checkers: the archive guard, safe XML parsing, core
properties into facts, and the alt-text, link-text and licence-clue judgements both formats use.

An Office file is a ZIP archive of XML parts. Before any part is read, the guard looks at the
archive's directory (member count, declared sizes, compression ratios, member names). The
checkers then read parts only through `Package.xml()`, which parses with entities, DTD loading
and the network off and refuses any part whose prolog holds a DOCTYPE: OOXML never needs one, and
a DOCTYPE is how billion-laughs and external-entity attacks start. (python-pptx and python-docx,
which build the test fixtures, also parse with `resolve_entities=False`; a test checks it.)
"""
from __future__ import annotations

import colorsys
import functools
import io
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass, field
from posixpath import normpath
from typing import Any, Mapping, NamedTuple

from lxml import etree

from checkers import textcheck
from checkers.colour import NAMED
from checkers.facts import ContentFacts, LicenceClue
from checkers.findings import CANT_TELL, FAILED, Finding, unreadable

NS = {
    "a": "http://schemas.openxmlformats.org/drawingml/2006/main",
    "p": "http://schemas.openxmlformats.org/presentationml/2006/main",
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "w": "http://schemas.openxmlformats.org/wordprocessingml/2006/main",
    "wp": "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing",
    "pic": "http://schemas.openxmlformats.org/drawingml/2006/picture",
    "v": "urn:schemas-microsoft-com:vml",
    "o": "urn:schemas-microsoft-com:office:office",
    "adec": "http://schemas.microsoft.com/office/drawing/2017/decorative",
    "p14": "http://schemas.microsoft.com/office/powerpoint/2010/main",
    "cp": "http://schemas.openxmlformats.org/package/2006/metadata/core-properties",
    "dc": "http://purl.org/dc/elements/1.1/",
    "dcterms": "http://purl.org/dc/terms/",
    "ct": "http://schemas.openxmlformats.org/package/2006/content-types",
    "rel": "http://schemas.openxmlformats.org/package/2006/relationships",
    "cust": "http://schemas.openxmlformats.org/officeDocument/2006/custom-properties",
    "vt": "http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes",
}



@functools.cache
def clark(name: str) -> str:
    """'p:cSld' -> '{http://...presentationml...}cSld'. Hot paths compare and search by these
    precomputed names: lxml's find() with a prefix map re-sorts the map on every call, and its
    path language runs in Python, so `child()` below is several times faster per lookup."""
    prefix, _, local = name.partition(":")
    return f"{{{NS[prefix]}}}{local}"


def child(el: etree._Element | None, *path: str) -> etree._Element | None:
    """The first element down a path of child tags (Clark names), like el.find("a/b"): the first
    match in document order, looking past a first `a` that has no `b`."""
    if el is None:
        return None
    tag, rest = path[0], path[1:]
    for step in el.iterchildren(tag):
        if not rest:
            return step
        found = child(step, *rest) if len(rest) > 1 else next(step.iterchildren(rest[0]), None)
        if found is not None:
            return found
    return None


def first(el: etree._Element | None, tag: str) -> etree._Element | None:
    """The first descendant with this Clark tag, like el.find(".//tag") (the element itself excluded)."""
    if el is None:
        return None
    for found in el.iterdescendants(tag):
        return found
    return None


MAIN_TYPES = {
    "pptx": ("application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml",
             "application/vnd.openxmlformats-officedocument.presentationml.slideshow.main+xml",
             "application/vnd.openxmlformats-officedocument.presentationml.template.main+xml",
             "application/vnd.ms-powerpoint.presentation.macroEnabled.main+xml",
             "application/vnd.ms-powerpoint.slideshow.macroEnabled.main+xml",
             "application/vnd.ms-powerpoint.template.macroEnabled.main+xml"),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
             "application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml",
             "application/vnd.ms-word.document.macroEnabled.main+xml",
             "application/vnd.ms-word.template.macroEnabledTemplate.main+xml"),
}
FORMAT_NAMES = {"pptx": "PowerPoint presentation", "docx": "Word document"}


@dataclass(frozen=True)
class Caps:
    """Limits for one archive; defaults fit real course material with room to spare."""
    max_members: int = 5_000
    max_total_bytes: int = 300 * 1024 * 1024     # uncompressed, all members (the libraries load all)
    max_ratio: float = 100.0                     # uncompressed / compressed, per member ...
    ratio_floor_bytes: int = 1024 * 1024         # ... counted only for members larger than this
    max_xml_part_bytes: int = 64 * 1024 * 1024   # one XML part we (or the libraries) parse

    @classmethod
    def from_options(cls, options: Mapping[str, Any] | None) -> "Caps":
        """Caps can be tightened or loosened per sweep: options like `ooxml_max_members`."""
        opts = options or {}
        return cls(**{k: type(getattr(cls, k))(opts[f"ooxml_{k}"]) for k in cls.__dataclass_fields__
                      if f"ooxml_{k}" in opts})


class Refused(Exception):
    """The archive is not opened: a cap was hit (cantTell) or the file is broken (failed)."""

    def __init__(self, reason: str, outcome: str = FAILED):
        super().__init__(reason)
        self.reason, self.outcome = reason, outcome

    def finding(self) -> Finding:
        return unreadable(self.reason, outcome=self.outcome)


SAFE_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False,
                              load_dtd=False, dtd_validation=False, remove_blank_text=False)
_UCS4 = (b"\x00\x00\x00<", b"<\x00\x00\x00", b"\x00\x00\xfe\xff", b"\xff\xfe\x00\x00")
_DECLARED = re.compile(rb"^(?:\xef\xbb\xbf)?<\?xml[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9._\-]+)")
PROLOG_LIMIT = 64 * 1024
# An XML declaration (which cannot hold '>') and whitespace, then an element name: no DOCTYPE.
_PLAIN_PROLOG = re.compile(rb"^(?:\xef\xbb\xbf)?(?:<\?xml[^>]{0,1000}\?>)?[ \t\r\n]*<[A-Za-z_]")


def has_dtd(xml: bytes) -> bool:
    """Does a part declare a DOCTYPE (the only place entities can be declared)?

    A DOCTYPE can only stand in the prolog, before the root element, so only the prolog is
    read: the XML declaration, comments and processing instructions are skipped until the first
    element. UTF-8 and UTF-16 are read; any other encoding (UCS-4, UTF-7, EBCDIC...) could hide
    the keyword from this scan and no Office program writes one, so such parts count as suspect,
    as does a prolog longer than PROLOG_LIMIT.
    """
    if xml.startswith(_UCS4):
        return True
    head = xml[: PROLOG_LIMIT * 2]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or head[:2] in (b"<\x00", b"\x00<"):
        codec = "utf-16" if head.startswith((b"\xff\xfe", b"\xfe\xff")) else (
            "utf-16-le" if head[:1] == b"<" else "utf-16-be")
        text = head.decode(codec, "replace")
    else:
        declared = _DECLARED.match(head)
        if declared and declared.group(1).lower().replace(b"_", b"-") not in (b"utf-8", b"utf8", b"utf-16", b"utf16"):
            return True
        if _PLAIN_PROLOG.match(head):
            return False  # what Office writes: a declaration, then the root element
        # Most prologs are one line: read 4 KB, and the rest only when the prolog is longer.
        text = head[:4096].decode("utf-8", "replace")
        if not _prolog_done(text) and len(head) > 4096:
            text = head[:PROLOG_LIMIT].decode("utf-8", "replace")
    pos = 0
    text = text.lstrip("\ufeff")
    while True:
        while pos < len(text) and text[pos] in " \t\r\n":
            pos += 1
        if text.startswith("<?", pos):
            end, close = text.find("?>", pos), 2
        elif text.startswith("<!--", pos):
            end, close = text.find("-->", pos + 4), 3
        elif text.startswith("<!", pos):
            return True  # <!DOCTYPE (or anything else a prolog must not hold)
        elif pos >= len(text):
            return len(text) >= PROLOG_LIMIT  # only prolog in what was read: suspect if cut short
        else:
            return False  # the root element starts: no DOCTYPE came before it
        if end < 0:
            return len(text) >= PROLOG_LIMIT  # prolog runs past what we read: suspect
        pos = end + close


def _prolog_done(text: str) -> bool:
    """Cheap test: does an element start in this text after the last comment/PI closed?"""
    last = max(text.rfind("?>"), text.rfind("-->"))
    return re.search(r"<[^?!]", text[last + 1:] if last >= 0 else text) is not None


def parse_xml(xml: bytes, name: str = "part") -> etree._Element:
    """Parse one part with entities, DTDs and the network off; a DOCTYPE is refused outright."""
    if has_dtd(xml):
        raise Refused(f"{name} declares a DOCTYPE or entities, or uses an unusual encoding "
                      "(billion-laughs / external-entity attack pattern); the file was not opened")
    try:
        return etree.fromstring(xml, SAFE_PARSER)
    except etree.XMLSyntaxError as exc:
        raise Refused(f"{name} is not well-formed XML: {str(exc)[:120]}", FAILED) from None


class Rel(NamedTuple):
    """One relationship of a part: an internal target is a part name (no leading slash)."""
    id: str
    type: str
    target: str
    external: bool

    def is_a(self, kind: str) -> bool:
        """Relationship types end in their kind: .../relationships/slideLayout."""
        return self.type.rsplit("/", 1)[-1] == kind


@dataclass
class Package:
    """An inspected archive: what the guard learnt, plus cached parts it parsed itself.

    The checkers read parts through this class rather than through python-pptx/python-docx:
    those libraries build a custom Python class for every XML element, which made a 20-slide
    deck take ~40 ms just to open; plain lxml elements are several times faster to walk.
    """
    data: bytes
    zip: zipfile.ZipFile
    names: list[str]
    content_types: dict[str, str]       # part name (no leading slash) -> content type
    main_part: str
    caps: Caps = field(default_factory=Caps)
    label: str = "file"
    _parsed: dict[str, etree._Element | None] = field(default_factory=dict)
    _rels: dict[str, dict[str, Rel]] = field(default_factory=dict)
    _name_set: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        self._name_set = frozenset(self.names)

    def has(self, name: str) -> bool:
        return name.lstrip("/") in self._name_set

    def read(self, name: str) -> bytes | None:
        """A part's bytes within the XML part cap, or None when it is absent."""
        name = name.lstrip("/")
        if name not in self._name_set:
            return None
        try:
            return _read_capped(self.zip, name, self.caps, self.data)
        except (zipfile.BadZipFile, EOFError, OSError, zlib.error) as exc:
            raise Refused(f"the {self.label} is damaged: {str(exc)[:160]}") from None

    def xml(self, name: str) -> etree._Element | None:
        """A part parsed safely, or None when it is absent."""
        name = name.lstrip("/")
        if name not in self._parsed:
            xml = self.read(name)
            self._parsed[name] = None if xml is None else parse_xml(xml, name)
        return self._parsed[name]

    def blob(self, name: str) -> bytes | None:
        name = name.lstrip("/")
        return self.zip.read(name) if name in self._name_set else None

    def rels(self, part: str) -> dict[str, Rel]:
        """The relationships of one part, by id, with internal targets resolved to part names."""
        if part in self._rels:
            return self._rels[part]
        folder, _, base = part.lstrip("/").rpartition("/")
        root = self.xml(f"{folder}/_rels/{base}.rels" if folder else f"_rels/{base}.rels")
        out: dict[str, Rel] = {}
        for r in (root.iterchildren(_RELATIONSHIP) if root is not None else ()):
            target, external = r.get("Target", ""), r.get("TargetMode") == "External"
            if not external:
                target = target.lstrip("/") if target.startswith("/") else normpath(f"{folder}/{target}" if folder else target)
            out[r.get("Id", "")] = Rel(r.get("Id", ""), r.get("Type", ""), target, external)
        self._rels[part] = out
        return out

    def related(self, part: str, kind: str) -> str | None:
        """The first internal part this part relates to with a relationship of this kind."""
        return next((r.target for r in self.rels(part).values() if r.is_a(kind) and not r.external), None)


_RELATIONSHIP = clark("rel:Relationship")


def _content_types(root: etree._Element, names: list[str]) -> dict[str, str]:
    defaults = {d.get("Extension", "").lower(): d.get("ContentType", "")
                for d in root.findall("ct:Default", NS)}
    overrides = {o.get("PartName", "").lstrip("/"): o.get("ContentType", "")
                 for o in root.findall("ct:Override", NS)}
    out = {}
    for n in names:
        out[n] = overrides.get(n) or defaults.get(n.rsplit(".", 1)[-1].lower() if "." in n else "", "")
    return out


def inspect_archive(data: bytes, fmt: str, caps: Caps = Caps()) -> Package:
    """Check an OOXML archive before anything opens it; raise Refused naming the cap or defect."""
    label = FORMAT_NAMES[fmt]
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError) as exc:
        raise Refused(f"the {label} is damaged (not a readable ZIP archive: {exc})") from None
    if len(infos) > caps.max_members:
        raise Refused(f"member count cap: the archive has {len(infos)} members "
                      f"(cap {caps.max_members})", CANT_TELL)
    names, seen, total = [], set(), 0
    for info in infos:
        name = info.filename
        if name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name) or ".." in name.replace("\\", "/").split("/"):
            raise Refused(f"unsafe member name {name[:80]!r} (absolute path or '..')")
        if name in seen or normpath(name) in seen:
            raise Refused(f"the {label} is damaged: member {name[:80]!r} appears twice")
        seen.add(name)
        if info.flag_bits & 0x1:
            raise Refused(f"the {label} contains encrypted members; remove the password and check again")
        total += info.file_size
        if total > caps.max_total_bytes:
            raise Refused(f"total uncompressed size cap: the members unpack to more than "
                          f"{caps.max_total_bytes // (1024 * 1024)} MB", CANT_TELL)
        if info.file_size > caps.ratio_floor_bytes:
            ratio = info.file_size / max(info.compress_size, 1)
            if ratio > caps.max_ratio:
                raise Refused(f"compression ratio cap: member {name[:80]!r} unpacks {ratio:.0f}:1 "
                              f"(cap {caps.max_ratio:.0f}:1; zip bomb pattern)", CANT_TELL)
        if not name.endswith("/"):
            names.append(name)
    if "[Content_Types].xml" not in seen:
        raise Refused(f"the {label} is damaged: [Content_Types].xml is missing")
    try:
        types_root = parse_xml(_read_capped(zf, "[Content_Types].xml", caps, data), "[Content_Types].xml")
        content_types = _content_types(types_root, names)
        main = _main_part(content_types, fmt)
        pkg = Package(data=data, zip=zf, names=names, content_types=content_types, main_part=main,
                      caps=caps, label=label)
        pkg.xml(main)  # a damaged or hostile main part is refused before any check starts
    except (zipfile.BadZipFile, EOFError, OSError, zlib.error) as exc:
        raise Refused(f"the {label} is damaged: {str(exc)[:160]}") from None
    return pkg


def _read_capped(zf: zipfile.ZipFile, name: str, caps: Caps, data: bytes | None = None) -> bytes:
    info = zf.getinfo(name)
    if info.file_size > caps.max_xml_part_bytes:
        raise Refused(f"XML part size cap: {name} is {info.file_size // (1024 * 1024)} MB "
                      f"(cap {caps.max_xml_part_bytes // (1024 * 1024)} MB)", CANT_TELL)
    # zipfile never returns more than the declared size (a lying header fails the CRC check).
    inflated = _inflate(data, info, zf.metadata_encoding) if data is not None else None
    return inflated if inflated is not None else zf.read(name)


_LOCAL_HEADER = struct.Struct("<4s2B4HL2L2H")  # a ZIP local file header (zipfile.structFileHeader)
_SIGNATURE, _FLAGS, _NAME_LEN, _EXTRA_LEN = 0, 3, 10, 11  # its fields, as zipfile numbers them


def _inflate(data: bytes, info: zipfile.ZipInfo, encoding: str | None) -> bytes | None:
    """A member's bytes straight from the archive, or None to let zipfile read it.

    zipfile.read costs more than parsing a small part (a file object, a lock and 4 KB reads per
    member). This reads an ordinary stored or deflated member in one call and returns it only when
    every check zipfile makes holds: header signature and name, no overlap with the next member,
    the declared size and CRC-32. Anything unusual goes to zipfile, which then reads it or raises
    exactly its own error.
    """
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED) or info.flag_bits & 0x61 \
            or info.file_size == 0:
        return None  # encrypted, patched or strongly encrypted; or empty (max_length 0 means no limit)
    start = info.header_offset + _LOCAL_HEADER.size
    header = data[info.header_offset:start]
    if len(header) != _LOCAL_HEADER.size:
        return None
    fields = _LOCAL_HEADER.unpack(header)
    if fields[_SIGNATURE] != b"PK\x03\x04":
        return None
    name_len, extra_len = fields[_NAME_LEN], fields[_EXTRA_LEN]
    try:
        name = data[start:start + name_len].decode("utf-8" if fields[_FLAGS] & 0x800 else encoding or "cp437")
    except UnicodeDecodeError:
        return None
    start += name_len + extra_len
    end = start + info.compress_size
    limit = getattr(info, "_end_offset", None)
    if name != info.orig_filename or (limit is not None and end > limit) or end > len(data):
        return None
    raw = memoryview(data)[start:end]
    if info.compress_type == zipfile.ZIP_STORED:
        out = bytes(raw)
    else:
        try:
            out = zlib.decompressobj(-15).decompress(raw, info.file_size)
        except zlib.error:
            return None
    if len(out) != info.file_size or zlib.crc32(out) != info.CRC:
        return None
    return out


def _main_part(content_types: dict[str, str], fmt: str) -> str:
    for name, ctype in content_types.items():
        if ctype in MAIN_TYPES[fmt]:
            return name
    for other, types in MAIN_TYPES.items():
        if other != fmt and any(c in types for c in content_types.values()):
            raise Refused(f"the file is a {FORMAT_NAMES[other]}, not a {FORMAT_NAMES[fmt]}")
    raise Refused(f"the {FORMAT_NAMES[fmt]} is damaged: its main part is missing")


def open_guarded(data: bytes, fmt: str, options: Mapping[str, Any] | None = None) -> Package:
    return inspect_archive(data, fmt, Caps.from_options(options))


# --- core and custom properties --------------------------------------------------------------

GENERIC_AUTHORS = {"python-docx", "python-pptx", "microsoft office user", "user", "admin",
                   "administrator", "author", "unknown", "owner", "windows user"}


def _text(root: etree._Element | None, path: str) -> str | None:
    if root is None:
        return None
    el = child(root, clark(path))
    value = (el.text or "").strip() if el is not None else ""
    return value or None


def split_list(value: str | None) -> list[str]:
    return [v.strip() for v in re.split(r"[;,]", value or "") if v.strip()]


def core_properties(pkg: Package) -> dict[str, str | None]:
    root = pkg.xml("docProps/core.xml")
    return {
        "title": _text(root, "dc:title"), "subject": _text(root, "dc:subject"),
        "creator": _text(root, "dc:creator"), "keywords": _text(root, "cp:keywords"),
        "description": _text(root, "dc:description"), "language": _text(root, "dc:language"),
        "rights": _text(root, "dc:rights"), "created": _text(root, "dcterms:created"),
        "modified": _text(root, "dcterms:modified"), "category": _text(root, "cp:category"),
    }


_LICENCE_PROP = re.compile(r"licen[cs]|rights|copyright|lizenz|licencia|licenza|lisenssi|licens", re.I)


def custom_licence_values(pkg: Package) -> list[str]:
    """Custom document properties named like a licence or rights statement."""
    root = pkg.xml("docProps/custom.xml")
    if root is None:
        return []
    out = []
    for prop in root.iterchildren(clark("cust:property")):
        if _LICENCE_PROP.search(prop.get("name", "")):
            value = "".join(prop.itertext()).strip()
            if value:
                out.append(value)
    return out


def fill_core_facts(facts: ContentFacts, pkg: Package, fmt: str) -> dict[str, str | None]:
    """Authors, keywords, dates, language and licence clues from the package properties.

    cp:lastModifiedBy is who saved the file last, not an author, so it is left out.
    """
    core = core_properties(pkg)
    facts.title = core["title"]
    facts.language = core["language"]
    for author in split_list(core["creator"]):
        if author.casefold() not in GENERIC_AUTHORS and author not in facts.authors:
            facts.authors.append(author)
    facts.keywords = split_list(core["keywords"])
    for key in ("created", "modified"):
        if core[key]:
            facts.dates[key] = core[key]
    where = f"{fmt}:core"
    for value in [core["rights"], *custom_licence_values(pkg)]:
        if value:
            facts.licences.append(LicenceClue(value, where, "url" if _CC_URL.search(value) else "text"))
    for value in (core["description"], core["subject"], core["keywords"], core["category"]):
        facts.licences.extend(licence_clues(value or "", where))
    return core


# --- licence clues in text ------------------------------------------------------------------

_CC_URL = re.compile(r"https?://(?:www\.)?creativecommons\.org/(?:licenses|publicdomain)/[\w./\-]*", re.I)
_CC_NAME = re.compile(r"\bCC[\s\-]?(?:BY(?:[\s\-](?:NC|SA|ND)){0,2}|0)(?:[\s\-]?\d\.\d)?\b"
                      r"|\bCreative\s+Commons\b[^\n.;]{0,60}|\bpublic\s+domain\b", re.I)


def licence_clues(text: str, where: str) -> list[LicenceClue]:
    """Licence URLs and names (CC BY-SA 4.0, Creative Commons ..., CC0) quoted from text."""
    out: list[LicenceClue] = []
    seen: set[str] = set()
    for m in _CC_URL.finditer(text):
        if m.group(0) not in seen:
            seen.add(m.group(0))
            out.append(LicenceClue(m.group(0).rstrip("."), where, "url"))
    for line in text.splitlines():
        if _CC_NAME.search(line) and not _CC_URL.fullmatch(line.strip()):
            value = line.strip()[:300]
            if value not in seen:
                seen.add(value)
                out.append(LicenceClue(value, where, "text"))
    return out


def licence_link(url: str | None, where: str) -> LicenceClue | None:
    if url and _CC_URL.match(url):
        return LicenceClue(url, where, "url")
    return None


# --- alt text and decorative flag (DrawingML cNvPr / docPr) ---------------------------------

_DECORATIVE = clark("adec:decorative")


def is_decorative(nv_props: etree._Element) -> bool:
    """Office 365's "Mark as decorative": adec:decorative val="1" in the cNvPr/docPr extLst."""
    for flag in nv_props.iterdescendants(_DECORATIVE):
        if flag.get("val", "0").strip().lower() in ("1", "true", "on"):
            return True
    return False


def alt_text(nv_props: etree._Element) -> str:
    """descr, else title: PowerPoint and Word show both as the alt text field(s)."""
    return (nv_props.get("descr") or "").strip() or (nv_props.get("title") or "").strip()


def judge_alt(nv_props: etree._Element, image_name: str | None = None) -> tuple[bool | None, str, str]:
    """(outcome, message, alt) for one drawing object: True described/decorative, False not,
    None (cantTell) for a description Office generated that nobody has checked."""
    if is_decorative(nv_props):
        return True, "marked as decorative", ""
    alt = alt_text(nv_props)
    if not alt:
        return False, "has no alternative text", alt
    problem = textcheck.alt_problem(alt, image_name)
    if problem:
        return False, problem + f" ({alt!r}); alt text added from the file name counts as missing", alt
    doubt = textcheck.alt_doubt(alt)
    if doubt:
        return None, f"has alternative text {doubt} ({alt!r})", alt
    return True, "has alternative text", alt


# --- link text ---------------------------------------------------------------------------------

def judge_link_text(text: str, target: str | None) -> tuple[bool | None, str]:
    """Link text must say where the link goes (WCAG 2.4.4, ACT aizyf1 in spirit)."""
    t = " ".join(text.split())
    if not t:
        return False, "the link has no text"
    if textcheck.is_raw_url(t):
        return False, "the link text is a raw web address; screen readers spell it out"
    if textcheck.is_non_descriptive_link(t):
        return False, f"the link text {t!r} does not say where the link goes"
    return True, "descriptive link text"


def file_link(text: str, description: str | None, target: str | None) -> tuple[str, bool] | None:
    """For a link to a file (judged by the target's extension: pdf, docx, zip, mp4...): the file
    kind and whether the link text or its ScreenTip says it; None for links to anything else."""
    ext = textcheck.file_extension(target)
    if not ext:
        return None
    return ext, textcheck.mentions_file_type(f"{text} {description or ''}", ext)


_XMLNS = re.compile(r'\s+xmlns(?::\w+)?="[^"]*"')


def evidence_of(el: etree._Element, limit: int = 300) -> str:
    """A short XML quote of an element (namespace declarations left out), for evidence."""
    xml = _XMLNS.sub("", etree.tostring(el, encoding="unicode", with_tail=False))
    return xml if len(xml) <= limit else xml[: limit - 1] + "…"


LANG_TAG = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$")


def valid_language(tag: str | None) -> bool:
    """A plausible BCP 47 tag (en, en-US, sr-Latn-RS); Office writes 'x-none' for 'no language'."""
    return bool(tag and LANG_TAG.match(tag) and tag.lower() not in ("x-none", "und", "zxx"))


# --- DrawingML colours (PowerPoint text and fills; Word drawings use the same markup) ---------

SCHEME_ALIASES = {"bg1": "lt1", "tx1": "dk1", "bg2": "lt2", "tx2": "dk2"}
_COLOUR_TAGS = {f"{{{NS['a']}}}{t}" for t in ("srgbClr", "schemeClr", "sysClr", "prstClr", "scrgbClr", "hslClr")}


def theme_colours(theme: etree._Element | None) -> dict[str, tuple[int, int, int]]:
    """The theme's colour scheme: dk1, lt1, dk2, lt2, accent1..6, hlink, folHlink."""
    out: dict[str, tuple[int, int, int]] = {}
    if theme is None:
        return out
    scheme = theme.find(".//a:themeElements/a:clrScheme", NS)
    for slot in (scheme if scheme is not None else ()):
        if not isinstance(slot.tag, str):
            continue
        for el in slot:
            rgb = colour_of(el, {}, {})
            if rgb:
                out[etree.QName(slot).localname] = rgb
                break
    return out


def _hex(value: str | None) -> tuple[int, int, int] | None:
    if value and re.fullmatch(r"[0-9A-Fa-f]{6}", value):
        return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)
    return None


def colour_of(el: etree._Element, scheme: Mapping[str, tuple[int, int, int]],
              clr_map: Mapping[str, str]) -> tuple[int, int, int] | None:
    """An opaque sRGB colour for one DrawingML colour element, or None when it cannot be known.

    lumMod/lumOff (the theme's "lighter 40%" variants) are applied in HSL as Office does;
    other transforms (tint, shade, alpha < 100%...) make the colour unknown, so contrast is cantTell.
    """
    tag = etree.QName(el).localname
    if tag == "srgbClr":
        rgb = _hex(el.get("val"))
    elif tag == "sysClr":
        rgb = _hex(el.get("lastClr"))
    elif tag == "schemeClr":
        name = el.get("val", "")
        name = clr_map.get(name, SCHEME_ALIASES.get(name, name))
        rgb = scheme.get(name)
    elif tag == "prstClr":
        rgb = NAMED.get((el.get("val") or "").lower())
    else:
        rgb = None
    if rgb is None:
        return None
    lum_mod, lum_off = 1.0, 0.0
    for t in el:
        if not isinstance(t.tag, str):
            continue
        name, val = etree.QName(t).localname, t.get("val", "")
        if name == "lumMod" and val.isdigit():
            lum_mod = int(val) / 100_000
        elif name == "lumOff" and val.lstrip("-").isdigit():
            lum_off = int(val) / 100_000
        elif name == "alpha" and val.isdigit() and int(val) >= 100_000:
            continue
        else:
            return None
    if (lum_mod, lum_off) != (1.0, 0.0):
        h, lum, s = colorsys.rgb_to_hls(*(c / 255 for c in rgb))
        lum = max(0.0, min(1.0, lum * lum_mod + lum_off))
        rgb = tuple(round(c * 255) for c in colorsys.hls_to_rgb(h, lum, s))  # type: ignore[assignment]
    return rgb


def colour_child(parent: etree._Element | None) -> etree._Element | None:
    """The colour element inside a solidFill / fillRef / bgRef."""
    if parent is None:
        return None
    for el in parent:
        if el.tag in _COLOUR_TAGS:
            return el
    return None
