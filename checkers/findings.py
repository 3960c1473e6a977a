"""Findings, the contract every checker produces (ARCHITECTURE.md, "Finding").

Outcomes use the EARL vocabulary. A checker records, per rule it evaluates, one outcome per test
target (an image, a link, a page...). `Recorder.findings()` then emits the failed and cantTell
findings one by one, one `passed` finding per rule whose `count` says how many targets passed,
and one `inapplicable` finding for a rule that found nothing to test. The score is computed from
these findings alone, so nothing else needs to travel with them.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable

from rules.catalogue import Catalogue, catalogue

FAILED, CANT_TELL, PASSED, INAPPLICABLE = "failed", "cantTell", "passed", "inapplicable"
OUTCOMES = (FAILED, CANT_TELL, PASSED, INAPPLICABLE)
_OUTCOME_SET = frozenset(OUTCOMES)
UNREADABLE = "unreadable"
EVIDENCE_MAX = 300


def clip(text: str | None, limit: int = EVIDENCE_MAX) -> str | None:
    """Evidence is quoted, never whole: cut long text with an ellipsis."""
    if text is None:
        return None
    text = str(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass
class Location:
    page: int | None = None
    selector: str | None = None
    slide: int | None = None
    line: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"page": self.page, "selector": self.selector, "slide": self.slide, "line": self.line}

    def is_empty(self) -> bool:
        return not any((self.page, self.selector, self.slide, self.line))


@dataclass
class Finding:
    rule: str
    outcome: str
    severity: str
    refs: dict[str, Any]
    location: Location = field(default_factory=Location)
    evidence: str | None = None
    message: str = ""
    score_if_fixed: int | None = None
    count: int = 1  # test targets this finding stands for (a `passed` finding sums them)

    def to_dict(self) -> dict[str, Any]:
        data = {"rule": self.rule, "outcome": self.outcome, "severity": self.severity,
                "refs": self.refs, "location": self.location.to_dict(),
                "evidence": self.evidence, "message": self.message,
                "score_if_fixed": self.score_if_fixed}
        if self.count != 1:
            data["count"] = self.count
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Finding":
        loc = data.get("location") or {}
        return cls(rule=data["rule"], outcome=data["outcome"], severity=data["severity"],
                   refs=data.get("refs") or {}, location=Location(**{k: loc.get(k) for k in
                                                                     ("page", "selector", "slide", "line")}),
                   evidence=data.get("evidence"), message=data.get("message", ""),
                   score_if_fixed=data.get("score_if_fixed"), count=data.get("count", 1))


def make_finding(rule_id: str, outcome: str, message: str, *, evidence: str | None = None,
                 count: int = 1, cat: Catalogue | None = None, **location: Any) -> Finding:
    """A finding for a catalogue rule; severity and refs come from the catalogue."""
    if outcome not in _OUTCOME_SET:
        raise ValueError(f"bad outcome {outcome!r}")
    rule = (cat if cat is not None else catalogue()).rules.get(rule_id) or (cat or catalogue())[rule_id]
    return Finding(rule_id, outcome, rule.severity, rule.finding_refs(),
                   Location(**location) if location else Location(),
                   evidence if evidence is None or (type(evidence) is str and len(evidence) <= EVIDENCE_MAX)
                   else clip(evidence),
                   message, None, count)


def unreadable(reason: str, *, outcome: str = FAILED, evidence: str | None = None) -> Finding:
    """The one finding for a resource that could not be read (corrupt, encrypted, over a cap).

    `failed` when the file itself is broken (students cannot open it either); `cantTell` when
    one of our own caps stopped the check (time, memory, size).
    """
    return make_finding(UNREADABLE, outcome, reason, evidence=evidence)


class Recorder:
    """Collects per-target outcomes for the rules one checker evaluates."""

    def __init__(self, rule_ids: Iterable[str] = (), cat: Catalogue | None = None):
        self._cat = cat or catalogue()
        self._order: list[str] = []
        self._passed: dict[str, int] = {}
        self._problems: list[Finding] = []
        for rid in rule_ids:
            self.evaluate(rid)

    def evaluate(self, rule_id: str) -> None:
        """Declare that this rule was evaluated (inapplicable unless it gets a target)."""
        if rule_id not in self._passed:
            self._cat[rule_id]  # fail fast on a typo: unknown ids raise KeyError
            self._order.append(rule_id)
            self._passed[rule_id] = 0

    def passed(self, rule_id: str, n: int = 1) -> None:
        if rule_id not in self._passed:
            self.evaluate(rule_id)
        self._passed[rule_id] += n

    def failed(self, rule_id: str, message: str, *, evidence: str | None = None, **location: Any) -> None:
        self.evaluate(rule_id)
        self._problems.append(make_finding(rule_id, FAILED, message, evidence=evidence,
                                           cat=self._cat, **location))

    def cant_tell(self, rule_id: str, message: str, *, evidence: str | None = None, **location: Any) -> None:
        self.evaluate(rule_id)
        self._problems.append(make_finding(rule_id, CANT_TELL, message, evidence=evidence,
                                           cat=self._cat, **location))

    def outcome(self, rule_id: str, ok: bool | None, message: str, *, evidence: str | None = None,
                **location: Any) -> None:
        """Record one target: True passed, False failed, None cantTell."""
        if ok is True:
            self.passed(rule_id)
        elif ok is False:
            self.failed(rule_id, message, evidence=evidence, **location)
        else:
            self.cant_tell(rule_id, message, evidence=evidence, **location)

    def add(self, finding: Finding) -> None:
        """Take a finding made elsewhere (e.g. by a shared helper)."""
        self.evaluate(finding.rule)
        if finding.outcome == PASSED:
            self._passed[finding.rule] += finding.count
        elif finding.outcome in (FAILED, CANT_TELL):
            self._problems.append(finding)

    def findings(self) -> list[Finding]:
        out = list(self._problems)
        with_problems = {f.rule for f in self._problems}
        for rid in self._order:
            n = self._passed[rid]
            if n:
                out.append(make_finding(rid, PASSED, f"{n} checked target(s) passed", count=n,
                                        cat=self._cat))
            elif rid not in with_problems:
                out.append(make_finding(rid, INAPPLICABLE, "nothing to check for this rule",
                                        cat=self._cat))
        return out
