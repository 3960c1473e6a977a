"""Helpers for the HTML checker tests: run the checker on a snippet and pick findings out."""
from __future__ import annotations

from checkers.engine import Context
from checkers.html import check_html


def page(body: str, head: str = "<title>Test page</title>", lang: str = "en") -> bytes:
    """A complete page around `body` (so page-level rules apply)."""
    return (f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">{head}</head>'
            f"<body>{body}</body></html>").encode()


def run(html: str | bytes, base_url: str | None = None, **options):
    data = html.encode() if isinstance(html, str) else html
    return check_html(data, Context(name="t.html", base_url=base_url, options=options))


def outcomes(html: str | bytes, rule: str, **kw) -> list[str]:
    """The outcomes of one rule, one entry per finding (a passed finding counts its targets)."""
    findings, _ = run(html, **kw)
    out = []
    for f in findings:
        if f.rule == rule:
            out.extend([f.outcome] * (f.count if f.outcome == "passed" else 1))
    return out


def problems(html: str | bytes, rule: str, **kw):
    findings, _ = run(html, **kw)
    return [f for f in findings if f.rule == rule and f.outcome in ("failed", "cantTell")]


def only(html: str | bytes, rule: str, **kw) -> str:
    """The single outcome of a rule evaluated on one target (or 'inapplicable')."""
    got = outcomes(html, rule, **kw)
    assert len(got) == 1, f"{rule}: expected one outcome, got {got}"
    return got[0]
