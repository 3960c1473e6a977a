"""The rule catalogue: every `rules/*.yaml` file, validated on load.

A rule is data (see ARCHITECTURE.md, "Contracts"): checkers refer to rules by id and the catalogue
adds severity, references, help and fix. Loading fails with a `CatalogueError` that names the file
and the rule, so a typo in a YAML file never turns into a silently missing check.
"""
from __future__ import annotations

import functools
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping

import yaml

from rules import yamlfile

RULES_DIR = Path(__file__).resolve().parent
ANNEX_FILE = RULES_DIR / "annexes.yaml"

SEVERITIES = ("severe", "major", "minor")
SEVERITY_WEIGHT = {"severe": 3.0, "major": 2.0, "minor": 1.0}
MODES = ("automatic", "heuristic", "manual")
FORMATS = ("html", "pdf", "pptx", "docx", "media", "metadata")
WCAG_REMOVED = {"4.1.1"}   # Parsing: obsolete in WCAG 2.2
REF_KEYS = ("wcag", "act", "pdfua", "matterhorn", "axe", "other")
REQUIRED = ("id", "title", "annex", "formats", "severity", "mode", "refs", "help", "fix")
OPTIONAL = ("weight",)
ID_PATTERN = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
WCAG_PATTERN = re.compile(r"^[1-4]\.[0-9]{1,2}\.[0-9]{1,2}$")


class CatalogueError(ValueError):
    """A rule file that does not follow the catalogue's contract."""

    def __init__(self, path: Path | str, rule: str | None, problem: str):
        where = f"{Path(path).name}" + (f", rule {rule!r}" if rule else "")
        super().__init__(f"{where}: {problem}")
        self.path, self.rule, self.problem = str(path), rule, problem


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    annex: str
    formats: tuple[str, ...]
    severity: str
    mode: str
    refs: Mapping[str, tuple[str, ...]]
    help: str
    fix: Mapping[str, str]
    weight: float
    source: str = field(default="", compare=False)

    def fix_for(self, fmt: str | None = None) -> str:
        """The fix text for one format, falling back to the general one."""
        if fmt and fmt in self.fix:
            return self.fix[fmt]
        return self.fix.get("default") or next(iter(self.fix.values()), "")

    def finding_refs(self) -> dict[str, Any]:
        """The `refs` object a finding carries (contract: wcag, act, pdfua, annex). A new dict
        each call (callers may change it), copied from one built on first use."""
        template = self.__dict__.get("_finding_refs")
        if template is None:
            template = {"wcag": tuple(self.refs.get("wcag", ())), "act": tuple(self.refs.get("act", ())),
                        "pdfua": tuple(self.refs.get("pdfua", ()))}
            for extra in ("matterhorn", "axe"):
                if self.refs.get(extra):
                    template[extra] = tuple(self.refs[extra])
            object.__setattr__(self, "_finding_refs", template)  # a cache, not a field
        refs: dict[str, Any] = {key: list(value) for key, value in template.items()}
        refs["annex"] = self.annex
        return refs

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "title": self.title, "annex": self.annex,
                "formats": list(self.formats), "severity": self.severity, "weight": self.weight,
                "mode": self.mode, "refs": {k: list(v) for k, v in self.refs.items()},
                "help": self.help, "fix": dict(self.fix)}


@dataclass(frozen=True)
class Catalogue:
    rules: Mapping[str, Rule]
    annexes: Mapping[str, str]
    version: str

    def __getitem__(self, rule_id: str) -> Rule:
        try:
            return self.rules[rule_id]
        except KeyError:
            raise KeyError(f"unknown rule {rule_id!r} (not in rules/*.yaml)") from None

    def __contains__(self, rule_id: object) -> bool:
        return rule_id in self.rules

    def __iter__(self):
        return iter(self.rules.values())

    def __len__(self) -> int:
        return len(self.rules)


def _as_tuple(value: Any, path: Path, rule: str, name: str) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, (str, int, float)) for v in value):
        raise CatalogueError(path, rule, f"{name} must be a string or a list of strings")
    return tuple(str(v) for v in value)


def _validate(raw: Any, path: Path, annexes: Mapping[str, str]) -> Rule:
    if not isinstance(raw, dict):
        raise CatalogueError(path, None, f"each rule must be a mapping, got {type(raw).__name__}")
    rid = raw.get("id")
    if not isinstance(rid, str) or not ID_PATTERN.match(rid):
        raise CatalogueError(path, str(rid), "id must be kebab-case (a-z, 0-9, '-')")
    unknown = sorted(set(raw) - set(REQUIRED) - set(OPTIONAL))
    if unknown:
        raise CatalogueError(path, rid, f"unknown field(s): {', '.join(unknown)}")
    missing = [k for k in REQUIRED if raw.get(k) in (None, "", [], {})]
    if missing:
        raise CatalogueError(path, rid, f"missing field(s): {', '.join(missing)}")
    if raw["severity"] not in SEVERITIES:
        raise CatalogueError(path, rid, f"bad severity {raw['severity']!r} (one of {', '.join(SEVERITIES)})")
    if raw["mode"] not in MODES:
        raise CatalogueError(path, rid, f"bad mode {raw['mode']!r} (one of {', '.join(MODES)})")
    if raw["annex"] not in annexes:
        raise CatalogueError(path, rid, f"annex {raw['annex']!r} is not an item of rules/annexes.yaml")
    formats = _as_tuple(raw["formats"], path, rid, "formats")
    bad = [f for f in formats if f not in FORMATS]
    if bad:
        raise CatalogueError(path, rid, f"unknown format(s) {', '.join(bad)} (one of {', '.join(FORMATS)})")
    refs_raw = raw["refs"]
    if not isinstance(refs_raw, dict):
        raise CatalogueError(path, rid, "refs must be a mapping (wcag, act, pdfua, matterhorn, axe, other)")
    bad = sorted(set(refs_raw) - set(REF_KEYS))
    if bad:
        raise CatalogueError(path, rid, f"unknown reference kind(s): {', '.join(bad)}")
    refs = {k: _as_tuple(v, path, rid, f"refs.{k}") for k, v in refs_raw.items() if v}
    if not refs:
        raise CatalogueError(path, rid, "missing reference: refs needs at least one of "
                                        "wcag, act, pdfua, matterhorn, axe, other")
    for sc in refs.get("wcag", ()):
        if not WCAG_PATTERN.match(sc):
            raise CatalogueError(path, rid, f"bad WCAG success criterion {sc!r} (like 1.4.3)")
        if sc in WCAG_REMOVED:
            raise CatalogueError(path, rid, f"WCAG success criterion {sc} was removed in WCAG 2.2")
    fix = raw["fix"]
    if isinstance(fix, str):
        fix = {"default": fix}
    if not isinstance(fix, dict) or not all(isinstance(v, str) and v.strip() for v in fix.values()):
        raise CatalogueError(path, rid, "fix must be a text or a mapping of format to text")
    bad = sorted(set(fix) - set(FORMATS) - {"default"})
    if bad:
        raise CatalogueError(path, rid, f"fix names unknown format(s): {', '.join(bad)}")
    weight = raw.get("weight", SEVERITY_WEIGHT[raw["severity"]])
    if isinstance(weight, bool) or not isinstance(weight, (int, float)) or weight <= 0:
        raise CatalogueError(path, rid, f"weight must be a positive number, got {weight!r}")
    for text_field in ("title", "help"):
        if not isinstance(raw[text_field], str):
            raise CatalogueError(path, rid, f"{text_field} must be text")
    return Rule(id=rid, title=raw["title"].strip(), annex=raw["annex"], formats=formats,
                severity=raw["severity"], mode=raw["mode"], refs=refs, help=raw["help"].strip(),
                fix={k: v.strip() for k, v in fix.items()}, weight=float(weight), source=path.name)


def _load_yaml(path: Path) -> Any:
    try:
        return yamlfile.load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise CatalogueError(path, None, f"not valid YAML: {exc}") from None


def load_annexes(path: Path = ANNEX_FILE) -> dict[str, str]:
    data = _load_yaml(path)
    if not isinstance(data, dict):
        raise CatalogueError(path, None, "must map annex ids to their text")
    return {str(k): str(v) for k, v in data.items()}


def load_catalogue(paths: Iterable[Path] | None = None, annex_path: Path = ANNEX_FILE) -> Catalogue:
    """Load and validate rule files (default: every rules/*.yaml but annexes.yaml)."""
    annexes = load_annexes(annex_path)
    files = sorted(paths) if paths is not None else sorted(
        p for p in RULES_DIR.glob("*.yaml") if p.resolve() != Path(annex_path).resolve())
    rules: dict[str, Rule] = {}
    digest = hashlib.sha256()
    for path in files:
        path = Path(path)
        text = path.read_bytes()
        digest.update(path.name.encode() + b"\0" + text)
        data = _load_yaml(path)
        if data is None:
            continue
        if isinstance(data, dict) and "rules" in data:
            data = data["rules"]
        if not isinstance(data, list):
            raise CatalogueError(path, None, "must hold a list of rules (or a mapping with 'rules:')")
        for raw in data:
            rule = _validate(raw, path, annexes)
            if rule.id in rules:
                raise CatalogueError(path, rule.id, f"duplicate id (also in {rules[rule.id].source})")
            rules[rule.id] = rule
    version = "1-" + digest.hexdigest()[:12]
    return Catalogue(rules=rules, annexes=annexes, version=version)


@functools.cache
def catalogue() -> Catalogue:
    """The shipped catalogue, loaded once per process."""
    return load_catalogue()
