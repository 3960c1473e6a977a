"""Shared by the licence and Annex 3 checks: one verdict per rule and resource, and what there is
to judge (a metadata record? content that was read?)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Mapping

from checkers.facts import ContentFacts
from checkers.findings import (CANT_TELL, FAILED, INAPPLICABLE, PASSED, UNREADABLE, Finding,
                               make_finding)

# Keys of a ResourceRecord that are always filled and say nothing about the resource.
_BOOKKEEPING = {"openness", "deleted", "extra", "source", "datestamp", "sets"}


def as_list(value: Any) -> list[Any]:
    """A metadata field as a list: a user's JSON may give one string where a list is expected."""
    if value is None or value == "":
        return []
    if isinstance(value, (list, tuple)):
        return list(value)
    return [value]


def field_text(value: Any) -> str:
    """A metadata field as text ("" for anything that is not text)."""
    if isinstance(value, str):
        return value
    if isinstance(value, (list, tuple)):
        return " ".join(v for v in value if isinstance(v, str))
    return ""


def has_metadata(metadata: Mapping[str, Any] | None) -> bool:
    """True when a metadata record was given (not `{}` or a record with only bookkeeping keys)."""
    return any(v not in (None, "", [], {}) for k, v in (metadata or {}).items() if k not in _BOOKKEEPING)


@dataclass(frozen=True)
class Subject:
    """What one resource offers to judge."""
    metadata: Mapping[str, Any]
    facts: ContentFacts
    has_metadata: bool
    has_content: bool        # a file or page was checked (not a metadata-only record)
    content_readable: bool   # ... and its checker could read it
    has_text: bool           # ... and it has text to search

    @classmethod
    def of(cls, metadata: Mapping[str, Any] | None, facts: ContentFacts | None,
           found: Iterable[Finding]) -> "Subject":
        metadata = metadata or {}
        facts = facts or ContentFacts("metadata")
        has_content = facts.format != "metadata"
        readable = has_content and not any(f.rule == UNREADABLE and f.outcome in (FAILED, CANT_TELL)
                                           for f in found)
        return cls(metadata, facts, has_metadata(metadata), has_content, readable,
                   readable and bool(facts.text.strip()))

    @property
    def nothing(self) -> bool:
        return not self.has_metadata and not self.has_content


def begin(metadata: Mapping[str, Any] | None, facts: ContentFacts | None, found: Iterable[Finding],
          rule_ids: Iterable[str]) -> tuple["Subject", "Verdicts"]:
    """The opening both the licence and the Annex 3 checks share: what there is to judge, and
    every rule inapplicable when there is nothing at all (the caller then returns at once)."""
    subject = Subject.of(metadata, facts, found)
    v = Verdicts(rule_ids)
    if subject.nothing:
        v.all_inapplicable("there is neither a metadata record nor content to check")
    return subject, v


class Verdicts:
    """Findings for rules judged once per resource (or once per licence).

    Unlike checkers.findings.Recorder, a passed or inapplicable finding keeps its own message,
    because here the message says what was found ("CC BY 4.0 in licence_urls[0]") or why nothing
    could be judged — what an author needs to hear.
    """

    def __init__(self, rule_ids: Iterable[str]):
        self._order = list(rule_ids)
        self._problems: dict[str, list[Finding]] = {r: [] for r in self._order}
        self._passed: dict[str, list[str]] = {r: [] for r in self._order}
        self._why_not: dict[str, str] = {}

    def passed(self, rule: str, message: str) -> None:
        self._passed[rule].append(message)

    def failed(self, rule: str, message: str, evidence: str | None = None) -> None:
        self._problems[rule].append(make_finding(rule, FAILED, message, evidence=evidence))

    def cant_tell(self, rule: str, message: str, evidence: str | None = None) -> None:
        self._problems[rule].append(make_finding(rule, CANT_TELL, message, evidence=evidence))

    def inapplicable(self, rule: str, why: str) -> None:
        self._why_not.setdefault(rule, why)

    def all_inapplicable(self, why: str) -> None:
        for rule in self._order:
            self.inapplicable(rule, why)

    def findings(self) -> list[Finding]:
        out: list[Finding] = []
        for rule in self._order:
            out.extend(self._problems[rule])
            if self._passed[rule]:
                msgs = self._passed[rule]
                out.append(make_finding(rule, PASSED, "; ".join(dict.fromkeys(msgs)), count=len(msgs)))
            elif not self._problems[rule]:
                out.append(make_finding(rule, INAPPLICABLE, self._why_not.get(rule, "nothing to check")))
        return out


def quote_list(items: Iterable[str], limit: int = 12) -> str:
    items = list(dict.fromkeys(items))
    shown = ", ".join(f"“{i}”" for i in items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")


def authors_of(metadata: Mapping[str, Any], facts: ContentFacts) -> list[str]:
    """Authors named by the metadata (creators, per-file authors, Moodle author) or the content."""
    names = [c for c in as_list(metadata.get("creators")) if isinstance(c, str) and c.strip()]
    names += [str(f.get("author")) for f in as_list(metadata.get("files"))
              if isinstance(f, Mapping) and str(f.get("author") or "").strip()]
    moodle = metadata.get("moodle") or {}
    if isinstance(moodle, Mapping) and str(moodle.get("author") or "").strip():
        names.append(str(moodle["author"]))
    names += [a for a in facts.authors if isinstance(a, str) and a.strip()]
    return list(dict.fromkeys(n.strip() for n in names))
