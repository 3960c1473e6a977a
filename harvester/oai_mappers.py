"""OAI-PMH metadata → ResourceRecord.

The format is recognised by the namespace of the metadata's root element, not by the prefix name
(repositories spell it `datacite`, `Datacite`, `oai_datacite`...). Every mapper starts from one
pass over the Dublin Core / DCMI terms elements found anywhere below the root (oai_dc, DSpace qdc,
the oai_dc DSpace embeds in DIDL), then adds what its format alone carries: DataCite rights URIs,
LOM rights and technical locations, ORE aggregates, DIDL resources, METS files, DCAT distributions.
File URLs are also recognised by their shape (DSpace bitstreams, Zenodo/InvenioRDM record files,
Dataverse datafiles) wherever they appear.
"""
from __future__ import annotations

import re
from typing import Iterable

from lxml import etree

from .record import FileRef, ResourceRecord

OAI = "{http://www.openarchives.org/OAI/2.0/}"
DC = "http://purl.org/dc/elements/1.1/"
DCTERMS = "http://purl.org/dc/terms/"
DATACITE_NS = ("http://datacite.org/schema/kernel-", "http://schema.datacite.org/oai/oai-1")
LOM_NS = "http://ltsc.ieee.org/xsd/LOM"
ATOM = "http://www.w3.org/2005/Atom"
DIDL = "urn:mpeg:mpeg21:2002:02-DIDL-NS"
METS = "http://www.loc.gov/METS/"
MODS = "http://www.loc.gov/mods/v3"
XLINK = "http://www.w3.org/1999/xlink"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
DCAT = "http://www.w3.org/ns/dcat#"
ORE_AGGREGATES = "http://www.openarchives.org/ore/terms/aggregates"

URL_RE = re.compile(r"https?://[^\s<>\"']+")
DOI_RE = re.compile(r"^(?:doi:|https?://(?:dx\.)?doi\.org/)?(10\.\d{4,9}/\S+)$", re.I)
FILE_URL_RE = re.compile(
    r"/bitstreams?/|/records/[^/]+/files/[^/?#]+|/api/access/datafile/|/server/api/core/bitstreams/",
    re.I)

# DC / DCMI terms local names → the record field they feed
_DC_FIELDS = {
    "title": "title", "creator": "creators", "subject": "subjects", "description": "description",
    "abstract": "description", "date": "date", "created": "created", "issued": "issued",
    "modified": "modified", "type": "type", "format": "formats", "identifier": "identifiers",
    "language": "language", "relation": "relations", "isPartOf": "relations", "hasPart": "relations",
    "isVersionOf": "relations", "rights": "rights", "license": "rights", "accessRights": "rights",
    "rightsHolder": "ignore", "contributor": "ignore", "publisher": "ignore", "source": "relations",
}


class _Fields:
    """What a metadata record said, before it becomes a ResourceRecord."""

    __slots__ = ("title", "description", "creators", "subjects", "language", "created", "modified",
                 "dates", "type", "formats", "identifiers", "relations", "rights", "licence_urls",
                 "files", "landing")

    def __init__(self) -> None:
        self.title = self.description = self.language = self.created = self.modified = None
        self.type = self.landing = None
        self.creators, self.subjects, self.dates, self.formats = [], [], [], []
        self.identifiers, self.relations, self.rights, self.licence_urls = [], [], [], []
        self.files: list[FileRef] = []


def _text(el) -> str:
    """The element's text with whitespace runs collapsed (mixed content included)."""
    if len(el):
        return " ".join("".join(el.itertext()).split())
    text = el.text
    return " ".join(text.split()) if text else ""


def _local(tag) -> tuple[str, str]:
    if not isinstance(tag, str):
        return "", ""
    if tag[0] == "{":
        ns, _, name = tag[1:].partition("}")
        return ns, name
    return "", tag


_DC_ANY, _DCTERMS_ANY = f"{{{DC}}}*", f"{{{DCTERMS}}}*"
_RENAME = {"date": "dates", "issued": "created"}
_TAG_TARGET = {f"{{{ns}}}{name}": _RENAME.get(target, target)
               for ns in (DC, DCTERMS) for name, target in _DC_FIELDS.items() if target != "ignore"}
_FIRST_ONLY = frozenset({"title", "description", "language", "type", "created", "modified"})
_RDF_RESOURCE = f"{{{RDF}}}resource"


def _dc_pass(root, f: _Fields) -> None:
    """One pass over the DC and DCMI terms elements anywhere below root (the hot path: lxml
    filters the tags in C, one dict lookup decides the field)."""
    for el in root.iter(_DC_ANY, _DCTERMS_ANY):
        target = _TAG_TARGET.get(el.tag)
        if target is None:
            continue
        value = _text(el)
        resource = el.get(_RDF_RESOURCE)
        if target == "rights":
            if value:
                f.rights.append(value)
                if "://" in value:
                    f.licence_urls += [u.rstrip(".,;)") for u in URL_RE.findall(value)]
            if resource:
                f.licence_urls.append(resource)
            continue
        value = value or resource
        if not value:
            continue
        if target in _FIRST_ONLY:
            if getattr(f, target) is None:
                setattr(f, target, value)
        elif target == "creators":
            f.creators.extend(n.strip() for n in value.split(";") if n.strip()) if ";" in value \
                else f.creators.append(value)
        else:
            getattr(f, target).append(value)


def _datacite(root, f: _Fields) -> None:
    for el in root.iter():
        ns, name = _local(el.tag)
        if not ns.startswith(DATACITE_NS):
            continue
        if name == "title" and not f.title:
            f.title = _text(el)
        elif name == "creatorName":
            f.creators.append(_text(el))
        elif name == "subject":
            f.subjects.append(_text(el))
        elif name == "description" and not f.description:
            f.description = _text(el)
        elif name == "language" and not f.language:
            f.language = _text(el)
        elif name == "resourceType":
            f.type = f.type or el.get("resourceTypeGeneral") or _text(el)
        elif name == "format":
            f.formats.append(_text(el))
        elif name == "rights":
            if _text(el):
                f.rights.append(_text(el))
            if el.get("rightsURI"):
                f.licence_urls.append(el.get("rightsURI"))
        elif name == "date":
            kind = (el.get("dateType") or "").lower()
            if kind in ("created", "issued") and not f.created:
                f.created = _text(el)
            elif kind == "updated":
                f.modified = _text(el)
        elif name == "identifier":
            value = _text(el)
            if (el.get("identifierType") or "").upper() == "DOI":
                value = "https://doi.org/" + value
            f.identifiers.append(value)
        elif name == "alternateIdentifier" and (el.get("alternateIdentifierType") or "").upper() == "URL":
            f.identifiers.append(_text(el))
        elif name == "relatedIdentifier":
            f.relations.append(f"{el.get('relationType') or 'Related'}: {_text(el)}")


def _lom(root, f: _Fields) -> None:
    ns = {"l": LOM_NS}
    first = lambda path: next((_text(e) for e in root.iterfind(path, ns) if _text(e)), None)  # noqa: E731
    f.title = f.title or first(".//l:general/l:title/l:string")
    f.description = f.description or first(".//l:general/l:description/l:string")
    f.language = f.language or first(".//l:general/l:language")
    f.subjects += [_text(e) for e in root.iterfind(".//l:general/l:keyword/l:string", ns) if _text(e)]
    for entry in root.iterfind(".//l:general/l:identifier/l:entry", ns):
        f.identifiers.append(_text(entry))
    for contribute in root.iterfind(".//l:lifeCycle/l:contribute", ns):
        role = (first_in(contribute, "l:role/l:value", ns) or "").lower()
        if role in ("author", "creator", ""):
            for entity in contribute.iterfind("l:entity", ns):
                name = _vcard_name(_raw_text(entity))
                if name:
                    f.creators.append(name)
        date = first_in(contribute, "l:date/l:dateTime", ns)
        if date and not f.created:
            f.created = date
    f.formats += [_text(e) for e in root.iterfind(".//l:technical/l:format", ns) if _text(e)]
    for loc in root.iterfind(".//l:technical/l:location", ns):
        url = _text(loc)
        if url and FILE_URL_RE.search(url):
            f.files.append(FileRef(url=url, name=_file_name(url)))
        elif url:
            f.identifiers.append(url)
    for e in root.iterfind(".//l:rights/l:description/l:string", ns):
        text = _text(e)
        if text:
            f.rights.append(text)
            f.licence_urls += URL_RE.findall(text)
    restricted = first(".//l:rights/l:copyrightAndOtherRestrictions/l:value")
    if restricted:
        f.rights.append(f"copyright and other restrictions: {restricted}")
    f.type = f.type or first(".//l:educational/l:learningResourceType/l:value")
    for rel in root.iterfind(".//l:relation", ns):
        kind = first_in(rel, "l:kind/l:value", ns) or "relation"
        target = first_in(rel, "l:resource/l:identifier/l:entry", ns) or first_in(
            rel, "l:resource/l:description/l:string", ns)
        if target:
            f.relations.append(f"{kind}: {target}")


def first_in(el, path: str, ns: dict) -> str | None:
    found = el.find(path, ns)
    return _text(found) if found is not None else None


def _raw_text(el) -> str:
    return "".join(el.itertext())


def _vcard_name(text: str) -> str | None:
    """The FN of a LOM vCard entity, or the text itself when it is a plain name."""
    text = text.strip()
    if "BEGIN:VCARD" not in text.upper():
        return text or None
    for line in text.splitlines():
        key, _, value = line.strip().partition(":")
        if key.upper().split(";")[0] == "FN" and value.strip():
            return value.strip()
    return None


def _ore(root, f: _Fields) -> None:
    for link in root.iter(f"{{{ATOM}}}link"):
        if link.get("rel") == ORE_AGGREGATES and link.get("href"):
            f.files.append(FileRef(url=link.get("href"), name=link.get("title") or _file_name(link.get("href")),
                                   media_type=link.get("type"), size=_int(link.get("length"))))
        elif link.get("rel") == "alternate" and link.get("href"):
            f.landing = f.landing or link.get("href")
    title = root.find(f"{{{ATOM}}}title")
    if title is not None and not f.title:
        f.title = _text(title)
    for name in root.iterfind(f"{{{ATOM}}}author/{{{ATOM}}}name"):
        if _text(name):
            f.creators.append(_text(name))


def _didl(root, f: _Fields) -> None:
    for res in root.iter(f"{{{DIDL}}}Resource"):
        ref = res.get("ref")
        if ref:
            f.files.append(FileRef(url=ref, name=_file_name(ref), media_type=res.get("mimeType")))


def _mets(root, f: _Fields) -> None:
    groups = list(root.iter(f"{{{METS}}}fileGrp"))
    wanted = [g for g in groups if (g.get("USE") or "").upper() in ("ORIGINAL", "CONTENT")] or groups
    for group in wanted:
        for file_el in group.iter(f"{{{METS}}}file"):
            for loc in file_el.iter(f"{{{METS}}}FLocat"):
                href = loc.get(f"{{{XLINK}}}href")
                if href:
                    f.files.append(FileRef(url=href, name=loc.get(f"{{{XLINK}}}title") or _file_name(href),
                                           media_type=file_el.get("MIMETYPE"), size=_int(file_el.get("SIZE"))))
    m = {"m": MODS}
    for title in root.iterfind(".//m:titleInfo/m:title", m):
        f.title = f.title or _text(title)
    for name in root.iterfind(".//m:name", m):
        parts = [_text(p) for p in name.iterfind("m:namePart", m) if _text(p)]
        if parts:
            f.creators.append(", ".join(parts))
    for e in root.iterfind(".//m:abstract", m):
        f.description = f.description or _text(e)
    for e in root.iterfind(".//m:subject/m:topic", m):
        f.subjects.append(_text(e))
    for e in root.iterfind(".//m:language/m:languageTerm", m):
        f.language = f.language or _text(e)
    for e in root.iterfind(".//m:accessCondition", m):
        if _text(e):
            f.rights.append(_text(e))
            f.licence_urls += URL_RE.findall(_text(e))
        href = e.get(f"{{{XLINK}}}href")
        if href:
            f.licence_urls.append(href)
    for e in root.iterfind(".//m:identifier", m):
        f.identifiers.append(_text(e))
    for e in root.iterfind(".//m:genre", m):
        f.type = f.type or _text(e)


def _dcat(root, f: _Fields) -> None:
    for dist in root.iter(f"{{{DCAT}}}Distribution"):
        url_el = dist.find(f"{{{DCAT}}}downloadURL")
        if url_el is None:
            url_el = dist.find(f"{{{DCAT}}}accessURL")
        url = url_el.get(f"{{{RDF}}}resource") or _text(url_el) if url_el is not None else None
        if not url:
            continue
        media = dist.find(f"{{{DCAT}}}mediaType")
        media_type = (media.get(f"{{{RDF}}}resource") or _text(media)) if media is not None else None
        if media_type and "/media-types/" in media_type:
            media_type = media_type.split("/media-types/", 1)[1]
        size = dist.find(f"{{{DCAT}}}byteSize")
        f.files.append(FileRef(url=url, name=_file_name(url), media_type=media_type,
                               size=_int(_text(size)) if size is not None else None))
    for kw in root.iter(f"{{{DCAT}}}keyword"):
        if _text(kw):
            f.subjects.append(_text(kw))
    for page in root.iter(f"{{{DCAT}}}landingPage"):
        f.landing = f.landing or page.get(f"{{{RDF}}}resource") or _text(page)


def _int(value) -> int | None:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


def _file_name(url: str) -> str:
    path = url.split("?", 1)[0].rstrip("/")
    name = path.rsplit("/", 1)[-1]
    if name in ("download", "content") and "/files/" not in path:
        return ""
    return name


def _dedupe(items: Iterable[str]) -> list[str]:
    seen: dict[str, None] = {}
    for item in items:
        if item and item not in seen:
            seen[item] = None
    return list(seen)


_EXTRA_MAPPERS = (
    (DATACITE_NS, _datacite),
    ((LOM_NS,), _lom),
    ((ATOM,), _ore),
    ((DIDL,), _didl),
    ((METS,), _mets),
    ((RDF, DCAT), _dcat),
)


def metadata_fields(root) -> _Fields:
    f = _Fields()
    _dc_pass(root, f)
    ns = _local(root.tag)[0]
    for prefixes, mapper in _EXTRA_MAPPERS:
        if ns.startswith(prefixes):
            mapper(root, f)
    return f


def header_values(header) -> tuple[str, str | None, list[str], bool]:
    """(identifier, datestamp, setSpecs, deleted) of an OAI <header>."""
    identifier, datestamp, sets = "", None, []
    for child in header:
        tag = child.tag
        if tag == OAI + "identifier":
            identifier = (child.text or "").strip()
        elif tag == OAI + "datestamp":
            datestamp = (child.text or "").strip() or None
        elif tag == OAI + "setSpec" and child.text:
            sets.append(child.text.strip())
    return identifier, datestamp, sets, header.get("status") == "deleted"


def to_record(source: str, header, metadata, prefix: str, values=None) -> ResourceRecord:
    """Map one OAI record (its <header> and the first element inside <metadata>).

    `values` are header_values(header) when the caller has them already."""
    identifier, datestamp, sets, deleted = values or header_values(header)
    record = ResourceRecord(identifier=identifier, source=source, datestamp=datestamp, sets=sets,
                            deleted=deleted, openness="open", extra={"metadata_prefix": prefix})
    if deleted or metadata is None:
        return record
    f = metadata_fields(metadata)
    files = {ref.url: ref for ref in f.files}
    landing = f.landing
    for value in f.identifiers:
        for url in ([value] if value.startswith(("http://", "https://")) else []):
            if FILE_URL_RE.search(url):
                files.setdefault(url, FileRef(url=url, name=_file_name(url)))
            elif not landing:
                landing = url
    if not landing:
        landing = next(("https://doi.org/" + m.group(1) for v in f.identifiers if (m := DOI_RE.match(v))), None)
    record.title = f.title
    record.description = f.description
    record.creators = _dedupe(f.creators)
    record.subjects = _dedupe(f.subjects)
    record.language = f.language
    record.created = f.created or (f.dates[0] if f.dates else None)
    record.modified = f.modified
    record.licence_statements = _dedupe(f.rights)
    record.licence_urls = _dedupe(u.rstrip(".,;)") for u in f.licence_urls)
    record.resource_type = f.type
    record.formats = _dedupe(f.formats)
    record.landing_page = landing
    record.files = list(files.values())
    record.relations = _dedupe(f.relations)
    return record


def parse_metadata_xml(data: bytes):
    """Parse a metadata fragment without entities or network (for tests and tools)."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, remove_blank_text=True)
    return etree.fromstring(data, parser)
