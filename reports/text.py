"""The terminal report: scores first, then findings by severity, each with its fix.

Everything quoted from a checked file goes through `model.clean`, so a hostile page cannot
send escape sequences to the reader's terminal. Colours only when the caller asks (a tty).
"""
from __future__ import annotations

import textwrap

import click

from checkers.engine import CheckResult
from checkers.findings import CANT_TELL, FAILED, PASSED, UNREADABLE
from reports import model
from rules.catalogue import SEVERITIES, Catalogue

WIDTH = 100
SEVERITY_COLOUR = {"severe": "red", "major": "yellow", "minor": "cyan"}


class _Out:
    def __init__(self, color: bool):
        self.lines: list[str] = []
        self.color = color

    def style(self, text: str, **kw) -> str:
        return click.style(text, **kw) if self.color else text

    def add(self, line: str = "") -> None:
        self.lines.append(line)

    def wrapped(self, label: str, text: str, indent: int = 6) -> None:
        """A labelled paragraph wrapped to the terminal width, continuation lines indented."""
        pad = " " * indent
        first = f"{pad}{label}"
        body = textwrap.fill(text, width=WIDTH, initial_indent=first,
                             subsequent_indent=pad + " " * len(label), break_long_words=True)
        if self.color and label:
            body = body.replace(first, pad + self.style(label, dim=True), 1)
        self.lines.append(body)


def _scores(out: _Out, result: CheckResult) -> None:
    s = result.scores or {}
    acc = s.get("accessibility")
    # No score (an unreadable file, metadata only) has no band: "n/a (n/a)" said nothing twice.
    band = f"  ({s['band']})" if acc is not None and s.get("band") else ""
    out.add(f"  Accessibility  {model.score_text(acc)}{'/100' if acc is not None else ''}{band}")
    oer = s.get("oer") or {}
    dims = ", ".join(f"{label.lower()} {model.score_text(oer.get(key))}"
                     for key, label in model.DIMENSIONS)
    out.add(f"  Annex 3        {dims}")
    out.add(f"  Overall        {model.score_text(s.get('overall'))}")


def _finding(out: _Out, item: model.Item) -> None:
    f = item.finding
    label = "[needs checking]" if f.outcome == CANT_TELL else "[failed]"
    headline = textwrap.fill(model.clean(f.message) or model.clean(item.title), width=WIDTH,
                             initial_indent=f"  {label} ", subsequent_indent=" " * 6)
    styled = out.style(label, fg="yellow") if f.outcome == CANT_TELL else out.style(label, fg="red", bold=True)
    out.add(headline.replace(label, styled, 1))
    out.wrapped("rule:     ", f"{f.rule} - {model.clean(item.title)}")
    where = model.location_parts(f)
    if where:
        out.wrapped("where:    ", model.clean(", ".join(where)))
    if f.evidence:
        out.wrapped("evidence: ", model.clean(f.evidence))
    refs = model.refs_short(f.refs or {})
    if refs:
        out.wrapped("refs:     ", refs)
    if f.score_if_fixed is not None:
        out.wrapped("score if fixed: ", str(f.score_if_fixed))
    if item.fix:
        out.wrapped("fix:      ", model.clean(item.fix))
    out.add()


def _resource(out: _Out, result: CheckResult, cat: Catalogue, show_passed: bool) -> None:
    out.add(out.style(model.clean(result.resource), bold=True) + f"  ({model.clean(result.media_type)})")
    _scores(out, result)
    n = model.counts(result, cat)
    out.add(f"  {n['failed']} failed ({n['failed_accessibility']} accessibility, {n['failed_oer']} OER "
            f"quality/licence), {n['verify']} to check, {n['review']} for a reviewer, "
            f"{n['passed_rules']} rule(s) passed")
    out.add()
    listed, review = model.split_for_reviewer(model.items(result, cat))
    for severity in SEVERITIES:
        group = [it for it in listed if it.finding.severity == severity]
        if group:
            out.add(out.style(f"{severity.upper()} ({len(group)})", fg=SEVERITY_COLOUR[severity], bold=True))
            for item in group:
                _finding(out, item)
    other = [it for it in listed if it.finding.severity not in SEVERITIES]
    for item in other:
        _finding(out, item)
    if review:
        out.add(out.style(f"FOR A REVIEWER ({len(review)})", bold=True))
        for item in review:
            annex = (item.finding.refs or {}).get("annex", "")
            out.wrapped("- ", f"{model.clean(item.title)} [{annex}]: {model.clean(item.finding.message)}",
                        indent=2)
        out.add()
    if show_passed:
        passed = model.items(result, cat, outcomes=(PASSED,))
        if passed:
            out.add(out.style(f"PASSED ({len(passed)} rules)", fg="green", bold=True))
            for item in passed:
                out.wrapped("- ", f"{item.finding.rule} - {model.clean(item.title)} "
                                  f"({item.finding.count} target(s))", indent=2)
            out.add()
    if not listed and not review:
        out.add("  No problems found.")
        out.add()


def render_text(results: list[CheckResult], cat: Catalogue, *, many: bool, color: bool = False,
                show_passed: bool = False) -> str:
    out = _Out(color)
    for result in results:
        _resource(out, result, cat, show_passed)
    if many:
        failed = sum(model.counts(r, cat)["failed"] for r in results)
        unread = sum(any(f.rule == UNREADABLE and f.outcome in (FAILED, CANT_TELL) for f in r.findings)
                     for r in results)
        out.add(f"{len(results)} resources checked, {failed} failed finding(s)"
                + (f", {unread} could not be read." if unread else "."))
    return "\n".join(out.lines).rstrip("\n") + "\n"
