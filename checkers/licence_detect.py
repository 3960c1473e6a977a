"""Find licences in metadata and content and normalise them to SPDX ids (or `LicenseRef-…`).

`normalise_licence(value)` reads one statement: a Creative Commons URL in any form (deed, legal
code, country port, badge image), a licence name in the alliance's languages ("CC BY-NC-SA 4.0",
"Creative Commons Attribution-ShareAlike 4.0 International", "Namensnennung 4.0 International"),
an SPDX id or a Moodle licence shortname. `detect_licences(metadata, facts)` gathers what the
harvested metadata and the content say, each with where it was found.

Ids are derived from the structure of CC URLs and names (`by-nc-sa` + `3.0` + `de` →
`CC-BY-NC-SA-3.0-DE`) and kept only when the `license-expression` package knows them as SPDX ids;
anything else (an unknown country port, public domain, all rights reserved) gets a `LicenseRef-…`
id, so an SPDX id is never invented. The word lists live in `licence_table.yaml`.
"""
from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping

from checkers.oer_common import as_list
from rules import yamlfile

TABLE_FILE = Path(__file__).with_name("licence_table.yaml")
ELEMENT_ORDER = ("by", "nc", "nd", "sa")
VERSIONS = ("1.0", "2.0", "2.1", "2.5", "3.0", "4.0")
NAME_WINDOW = 160  # characters after "Creative Commons" that may hold the licence's name
SHORT_VALUE = 120  # a value this short may be a bare licence name ("Namensnennung 4.0 International")


@functools.cache
def table() -> dict[str, Any]:
    return yamlfile.load(TABLE_FILE.read_text(encoding="utf-8"))


@functools.cache
def _spdx_keys() -> frozenset[str]:
    from license_expression import get_spdx_licensing
    return frozenset(str(k) for k in get_spdx_licensing().known_symbols)


@functools.cache
def _spdx_by_upper() -> dict[str, str]:
    return {k.upper(): k for k in _spdx_keys()}


def spdx_id(candidate: str) -> str | None:
    """The SPDX id spelled as SPDX spells it, or None if SPDX has no such licence."""
    return _spdx_by_upper().get(candidate.upper())


def _fold(text: str) -> str:
    """Case-folded NFC text with typographic variants unified (’ → ', ş/ţ → ș/ț)."""
    text = unicodedata.normalize("NFC", text).casefold()
    return (text.replace("’", "'").replace("ş", "ș").replace("ţ", "ț")
            .replace("\u00a0", " "))


@dataclass(frozen=True)
class LicenceMatch:
    """One recognised licence."""
    spdx: str                         # SPDX id, or LicenseRef-… when SPDX has none
    family: str                       # the id without a country port ("CC-BY-SA-3.0"); policies match it too
    label: str                        # for people: "CC BY-SA 3.0 DE", "all rights reserved"
    kind: str                         # cc | cc0 | pdm | public-domain | all-rights-reserved | unknown | spdx
    elements: frozenset[str] = frozenset()   # by, nc, nd, sa
    version: str | None = None
    port: str | None = None

    @property
    def is_spdx(self) -> bool:
        return not self.spdx.startswith("LicenseRef-")

    @property
    def is_cc(self) -> bool:
        """A Creative Commons licence or tool (it has a CC logo)."""
        return self.kind in ("cc", "cc0", "pdm")

    @property
    def requires_attribution(self) -> bool:
        return "by" in self.elements

    @property
    def is_known(self) -> bool:
        """False for "licence unknown" (Moodle's `unknown`): a statement that no licence was chosen."""
        return self.kind != "unknown"

    def compatible_with(self, other: "LicenceMatch") -> bool:
        """Same licence; a CC name without a version agrees with any version of that licence."""
        if self.spdx == other.spdx:
            return True
        if self.kind == other.kind == "cc" and self.elements == other.elements:
            if self.version is None or other.version is None:
                return True
            return self.version == other.version and (self.port is None or other.port is None)
        return False


def _cc_match(elements: Iterable[str], version: str | None, port: str | None = None) -> LicenceMatch | None:
    els = frozenset(elements)
    if "by" not in els and els not in ({"sa"}, {"nc"}, {"nd"}, {"nc", "sa"}, {"nd", "nc"}):
        return None  # only the 1.0 licences came without BY
    if {"nd", "sa"} <= els:
        return None  # no such licence
    ordered = [e for e in ELEMENT_ORDER if e in els]
    code = "-".join(e.upper() for e in ordered)
    if version is None:
        ident = f"LicenseRef-CC-{code}"
        return LicenceMatch(ident, f"CC-{code}", f"CC {code} (version not stated)", "cc", els)
    if version not in VERSIONS:
        return None
    family = f"CC-{code}-{version}"
    port = port.upper() if port and version != "4.0" else None  # 4.0 has no ports
    label = f"CC {code} {version}" + (f" {port}" if port else "")
    wanted = f"{family}-{port}" if port else family
    ident = spdx_id(wanted) or f"LicenseRef-{wanted}"
    return LicenceMatch(ident, family, label, "cc", els, version, port)


def _named(ident: str) -> LicenceMatch:
    """A match for an id of the table (Moodle shortnames) or a bare SPDX id."""
    m = re.fullmatch(r"CC-((?:BY|NC|ND|SA)(?:-(?:NC|ND|SA))*)-(\d\.\d)(?:-([A-Z]+))?", ident)
    if m:
        found = _cc_match(m.group(1).lower().split("-"), m.group(2), m.group(3))
        if found:
            return found
    kind = {"CC0-1.0": "cc0", "CC-PDM-1.0": "pdm", "LicenseRef-PublicDomain": "public-domain",
            "LicenseRef-AllRightsReserved": "all-rights-reserved",
            "LicenseRef-Unknown": "unknown"}.get(ident, "spdx")
    label = table()["labels"].get(ident, ident)
    return LicenceMatch(ident, ident, label, kind)


def _pdm() -> LicenceMatch:
    return _named(spdx_id("CC-PDM-1.0") or "LicenseRef-PublicDomainMark-1.0")


# --- URLs --------------------------------------------------------------------------------------

_CC_URL = re.compile(
    r"(?:https?:)?(?://)?(?:www\.)?creativecommons\.org/licenses/"
    r"(?P<type>[a-z]+(?:-[a-z]+)*)/(?P<version>\d\.\d)"
    r"(?:/(?P<port>(?!legalcode|deed)[a-z]{2,10})(?=/|$|[^a-z.]))?", re.IGNORECASE)
_CC_PD_URL = re.compile(r"creativecommons\.org/(?:publicdomain/(?P<tool>zero|mark)/1\.0|"
                        r"licenses/(?P<old>publicdomain))", re.IGNORECASE)
_BADGE_URL = re.compile(
    r"(?:licensebuttons\.net|i\.creativecommons\.org)/(?P<lp>[lp])/(?P<type>[a-z]+(?:-[a-z]+)*)/"
    r"(?P<version>\d\.\d)/(?:(?P<port>[a-z]{2,10})/)?[\w.\-]*", re.IGNORECASE)
_PRESSKIT = re.compile(r"mirrors\.creativecommons\.org/presskit/buttons/[\w.\-]+/\w+/"
                       r"(?P<name>by(?:-(?:nc|nd|sa))*|cc-zero|publicdomain)\.\w+", re.IGNORECASE)


def _from_type(type_: str, version: str | None, port: str | None) -> LicenceMatch | None:
    parts = type_.lower().split("-")
    if type_.lower() == "zero":
        return _named("CC0-1.0")
    if type_.lower() == "mark":
        return _pdm()
    if not set(parts) <= set(ELEMENT_ORDER) or len(set(parts)) != len(parts):
        return None
    return _cc_match(parts, version, port)


def _urls(text: str) -> list[tuple[int, LicenceMatch]]:
    found: list[tuple[int, LicenceMatch]] = []
    for m in _CC_URL.finditer(text):
        match = _from_type(m.group("type"), m.group("version"), m.group("port"))
        if match:
            found.append((m.start(), match))
    for m in _CC_PD_URL.finditer(text):
        tool = (m.group("tool") or "").lower()
        ident = {"zero": "CC0-1.0", "mark": None}.get(tool, "LicenseRef-PublicDomain")
        found.append((m.start(), _named(ident) if ident else _pdm()))
    return found


def badge_licences(text: str) -> list[LicenceMatch]:
    """Licences named by CC badge image URLs in text (empty when there is no badge URL)."""
    found = []
    for m in _BADGE_URL.finditer(text):
        match = _from_type(m.group("type"), m.group("version"), m.group("port"))
        if match:
            found.append(match)
    for m in _PRESSKIT.finditer(text):
        name = m.group("name").lower()
        if name == "cc-zero":
            found.append(_named("CC0-1.0"))
        elif name == "publicdomain":
            found.append(_pdm())
        else:
            found.append(_cc_match(name.split("-"), None))
    return [f for f in found if f]


def is_badge_url(value: str) -> bool:
    return bool(_BADGE_URL.search(value or "") or _PRESSKIT.search(value or ""))


# --- names -------------------------------------------------------------------------------------

_ABBREV = re.compile(
    r"(?<![\w])cc[\s_\-]*(?P<els>by(?:[\s_\-]*(?:nc|nd|sa)(?![a-z])){0,2})(?![a-z])"
    r"(?:[\s_\-]*(?:v(?:ersion)?\s*)?(?P<version>[1-4](?:\.\d)?)(?![\d.]*\d))?"
    r"(?:[\s_\-]+(?P<port>[A-Za-z]{2,3})(?![\w]))?", re.IGNORECASE)
_VERSION = re.compile(r"(?<![\d.])([1-4]\.\d)(?![\d.]*\d)")
_CC_MARKER = re.compile(r"creative[\s\-]*commons", re.IGNORECASE)


def _phrase_regex(phrases: Iterable[str]) -> re.Pattern[str]:
    alternatives = sorted({_fold(p) for p in phrases}, key=len, reverse=True)
    return re.compile(r"(?<![\w])(?:" + "|".join(re.escape(a) for a in alternatives) + r")", re.UNICODE)


@functools.cache
def _element_regexes() -> dict[str, re.Pattern[str]]:
    return {el: _phrase_regex(words) for el, words in table()["cc_elements"].items()}


@functools.cache
def _regex(key: str) -> re.Pattern[str]:
    return _phrase_regex(table()[key])


def _version(text: str) -> str | None:
    m = _VERSION.search(text)
    return m.group(1) if m else None


def _abbreviations(text: str) -> list[tuple[int, LicenceMatch]]:
    found = []
    for m in _ABBREV.finditer(text):
        els = re.findall(r"by|nc|nd|sa", m.group("els").lower())
        version = m.group("version")
        if version and "." not in version:
            version += ".0"
        port = m.group("port")
        # A port is a code written in capitals right after the version ("CC BY-SA 3.0 DE");
        # lower-case words ("4.0 or later", "3.0 in") and SPDX operators ("3.0 OR MIT") are not.
        if not (version and port and port.isupper() and port not in ("OR", "AND", "WITH")):
            port = None
        match = _cc_match(els, version, port)
        if match:
            found.append((m.start(), match))
    return found


def _long_names(folded: str) -> list[tuple[int, LicenceMatch]]:
    """'Creative Commons Attribution-ShareAlike 4.0 International' and its translations."""
    segments: list[tuple[int, str]] = []
    for m in _CC_MARKER.finditer(folded):
        segments.append((m.start(), folded[m.end(): m.end() + NAME_WINDOW]))
    if not segments and len(folded) <= SHORT_VALUE:
        segments.append((0, folded))
    found = []
    for start, segment in segments:
        nxt = _CC_MARKER.search(segment)
        if nxt:
            segment = segment[: nxt.start()]
        hits = {el: rx.search(segment) for el, rx in _element_regexes().items()}
        els = {el for el, hit in hits.items() if hit}
        if "by" not in els:
            continue
        first = min(hit.start() for hit in hits.values() if hit)
        version = _version(segment[first:])
        if version is None and start == 0 and not _CC_MARKER.search(folded):
            continue  # a bare "Attribution" with no version and no "Creative Commons" is not a name
        match = _cc_match(els, version)
        if match:
            found.append((start, match))
    return found


def _phrases(folded: str) -> list[tuple[int, LicenceMatch]]:
    found = []
    for key, ident in (("cc0_names", "CC0-1.0"), ("pdm_names", None),
                       ("all_rights_reserved", "LicenseRef-AllRightsReserved")):
        m = _regex(key).search(folded)
        if m:
            found.append((m.start(), _named(ident) if ident else _pdm()))
    if not any(match.kind in ("cc0", "pdm") for _, match in found):
        m = _regex("public_domain_phrases").search(folded)
        if m:
            found.append((m.start(), _named("LicenseRef-PublicDomain")))
    return found


def _whole_value(value: str) -> LicenceMatch | None:
    """A bare Moodle shortname or SPDX id."""
    key = value.strip().lower()
    ident = table()["moodle_shortnames"].get(key)
    if ident:
        return _named(ident)
    if re.fullmatch(r"[A-Za-z0-9.+\-]+", value.strip()):
        ident = spdx_id(value.strip())
        if ident:
            return _named(ident)
    return None


def find_licences(value: str | None) -> list[LicenceMatch]:
    """Every licence a statement names, in order of appearance, each once."""
    if not value or not value.strip():
        return []
    value = value[:20_000]
    whole = _whole_value(value)
    if whole:
        return [whole]
    folded = _fold(value)
    hits = _urls(value) + [(0, b) for b in badge_licences(value)] + _abbreviations(value)
    hits += _long_names(folded) + _phrases(folded)
    out: list[LicenceMatch] = []
    for _, match in sorted(hits, key=lambda h: h[0]):
        if any(o.spdx == match.spdx or (o.compatible_with(match) and o.version) for o in out):
            continue
        # a versionless name after a versioned one of the same licence adds nothing
        out = [o for o in out if not (o.version is None and o.compatible_with(match))]
        out.append(match)
    return out


def normalise_licence(value: str | None) -> LicenceMatch | None:
    """The licence one statement names (the first, if it names several), or None."""
    found = find_licences(value)
    return found[0] if found else None


def is_access_term(value: str) -> bool:
    """'info:eu-repo/semantics/openAccess', 'Open Access': access status, not a licence."""
    return _fold(value).strip() in {_fold(t) for t in table()["access_terms"]}


# --- the report --------------------------------------------------------------------------------

@dataclass
class LicenceEvidence:
    raw: str
    where: str                  # "metadata licence_urls[0]", "html:rel=license", …
    side: str                   # metadata | content
    kind: str = "text"          # url | text | badge | shortname
    match: LicenceMatch | None = None
    file: str | None = None     # the file this statement belongs to (Moodle per-file licences)

    def describe(self) -> str:
        what = self.match.label if self.match else repr(self.raw[:80])
        return f"{what} ({self.where})"

    def to_dict(self) -> dict[str, Any]:
        return {"raw": self.raw, "where": self.where, "side": self.side, "kind": self.kind,
                "spdx": self.match.spdx if self.match else None,
                "label": self.match.label if self.match else None, "file": self.file}


@dataclass
class LicenceReport:
    """What the metadata and the content say about the licence."""
    metadata: list[LicenceEvidence] = field(default_factory=list)
    content: list[LicenceEvidence] = field(default_factory=list)
    unrecognised: list[LicenceEvidence] = field(default_factory=list)

    @property
    def files(self) -> dict[str, list[LicenceEvidence]]:
        """Per-file licences (Moodle), by file name."""
        out: dict[str, list[LicenceEvidence]] = {}
        for ev in self.metadata:
            if ev.file:
                out.setdefault(ev.file, []).append(ev)
        return out

    @property
    def badges(self) -> list[LicenceEvidence]:
        return [e for e in self.content if e.kind == "badge"]

    @property
    def declared_content(self) -> list[LicenceEvidence]:
        """Machine-readable or badge statements of the content (rel=license, XMP, a badge).

        Visible text may also credit third-party parts ("Photo: CC BY 2.0"), so it counts only
        when the content declares nothing else."""
        declared = [e for e in self.content if e.kind in ("url", "badge")]
        return declared or list(self.content)

    def judged(self) -> list[LicenceEvidence]:
        """The statements that decide the resource's licence: metadata plus declared content."""
        return self.metadata + self.declared_content if self.metadata else self.declared_content

    def to_dict(self) -> dict[str, Any]:
        return {"metadata": [e.to_dict() for e in self.metadata],
                "content": [e.to_dict() for e in self.content],
                "unrecognised": [e.to_dict() for e in self.unrecognised]}


def _same_file(name: str | None, ref: Mapping[str, Any]) -> bool:
    if not name:
        return False
    base = name.rstrip("/").rsplit("/", 1)[-1].split("?")[0]
    return bool(base) and base in {str(ref.get("name") or ""),
                                   str(ref.get("url") or "").split("?")[0].rsplit("/", 1)[-1]}


def _add(report: LicenceReport, raw: Any, where: str, side: str, kind: str, file: str | None = None) -> None:
    if not isinstance(raw, str) or not raw.strip():
        return
    if side == "metadata" and is_access_term(raw):
        return
    matches = find_licences(raw)
    if kind == "text" and matches and is_badge_url(raw):
        kind = "badge"
    if not matches:
        report.unrecognised.append(LicenceEvidence(raw.strip(), where, side, kind, None, file))
        return
    target = report.metadata if side == "metadata" else report.content
    for match in matches:
        target.append(LicenceEvidence(raw.strip(), where, side, kind, match, file))


def detect_licences(metadata: Mapping[str, Any] | None, facts: Any = None, *,
                    name: str | None = None) -> LicenceReport:
    """Licence statements of a record and its content, normalised, each with where it was found.

    `name` (the checked file's name or URL) picks that file's own licence out of a Moodle
    record's `files`; without it every file's licence counts.
    """
    metadata = metadata or {}
    report = LicenceReport()
    for i, url in enumerate(as_list(metadata.get("licence_urls"))):
        _add(report, url, f"metadata licence_urls[{i}]", "metadata", "url")
    for i, text in enumerate(as_list(metadata.get("licence_statements"))):
        _add(report, text, f"metadata licence_statements[{i}]", "metadata", "text")
    files = [f for f in as_list(metadata.get("files")) if isinstance(f, Mapping)]
    own = [f for f in files if _same_file(name, f)]
    for i, ref in enumerate(files):
        if own and ref not in own:
            continue
        label = str(ref.get("name") or ref.get("url") or f"file {i}")
        _add(report, ref.get("licence"), f"metadata files[{i}].licence ({label})", "metadata",
             "shortname", file=label)
    if facts is not None:
        for clue in getattr(facts, "licences", None) or []:
            kind = clue.kind if clue.kind in ("url", "text", "badge") else "text"
            if kind != "badge" and is_badge_url(clue.value):
                kind = "badge"
            _add(report, clue.value, clue.where, "content", kind)
    return report
