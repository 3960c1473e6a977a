"""The HTML report: one self-contained, accessible page (inline CSS, no scripts).

Jinja2 autoescaping is on for every template, so whatever a checked resource makes us quote
(its name, evidence, messages) is text, never markup. The colours live in PALETTE so that a test
can hold every foreground/background pair to WCAG contrast.
"""
from __future__ import annotations

import functools
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from checkers.engine import CheckResult
from checkers.findings import PASSED
from reports import model
from reports.sarif import tool_version
from rules.catalogue import SEVERITIES, Catalogue

TEMPLATES = Path(__file__).resolve().parent / "templates"

# name: (foreground, background). Text pairs need 4.5:1; "bar" is a graphic (3:1, WCAG 1.4.11).
PALETTE: dict[str, tuple[str, str]] = {
    "text": ("#1b1b1b", "#ffffff"),
    "muted": ("#4a4a4a", "#ffffff"),
    "link": ("#0a4fa8", "#ffffff"),
    "banner": ("#ffffff", "#1f2d3d"),
    "severe": ("#ffffff", "#9b1c1c"),
    "major": ("#ffffff", "#7a4100"),
    "minor": ("#ffffff", "#1f5f8b"),
    "failed": ("#9b1c1c", "#ffffff"),
    "verify": ("#1b1b1b", "#fff3c4"),
    "evidence": ("#1b1b1b", "#f2f2f2"),
    "bar": ("#1f5f8b", "#ffffff"),
}
CHART_WIDTH = 300  # pixels for a score of 100


@functools.cache
def environment() -> Environment:
    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=True,
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["score"] = model.score_text
    return env


def _safe_link(resource: str) -> str | None:
    """Only http(s) resources become links; a `javascript:` name stays plain text."""
    return resource if urlsplit(resource).scheme in ("http", "https") else None


def _chart(result: CheckResult) -> list[dict[str, Any]]:
    oer = (result.scores or {}).get("oer") or {}
    bars = []
    for i, (key, label) in enumerate(model.DIMENSIONS):
        value = oer.get(key)
        bars.append({"label": label, "value": value, "y": 8 + i * 30,
                     "width": 0 if value is None else round(CHART_WIDTH * max(0, min(100, value)) / 100)})
    return bars


def _chart_name(result: CheckResult, bars: list[dict[str, Any]]) -> str:
    values = "; ".join(f"{b['label']} {model.score_text(b['value'])}" for b in bars)
    return f"Annex 3 scores out of 100 for {result.resource}: {values}"


def _resource_view(n: int, result: CheckResult, cat: Catalogue, show_passed: bool) -> dict[str, Any]:
    listed, review = model.split_for_reviewer(model.items(result, cat))
    groups = [(sev, [it for it in listed if it.finding.severity == sev]) for sev in SEVERITIES]
    other = [it for it in listed if it.finding.severity not in SEVERITIES]
    if other:
        groups.append(("other", other))
    bars = _chart(result)
    return {"n": n, "result": result, "link": _safe_link(result.resource),
            "scores": result.scores or {}, "counts": model.counts(result, cat),
            "groups": [(sev, items) for sev, items in groups if items], "review": review,
            "passed": model.items(result, cat, outcomes=(PASSED,)) if show_passed else [],
            "bars": bars, "chart_name": _chart_name(result, bars)}


def render_html(results: list[CheckResult], cat: Catalogue, *, many: bool, show_passed: bool = False) -> str:
    template = environment().get_template("report.html.j2")
    views = [_resource_view(i + 1, r, cat, show_passed) for i, r in enumerate(results)]
    title = f"{len(results)} resources" if many else results[0].resource
    page = template.render(
        title=title, many=many, resources=views, palette=PALETTE, chart_width=CHART_WIDTH,
        dimensions=model.DIMENSIONS, version=tool_version(), ruleset=cat.version,
        generated=datetime.now(timezone.utc).isoformat(timespec="seconds"),
        location_parts=model.location_parts, reference_list=model.reference_list,
        outcome_label=model.OUTCOME_LABEL)
    return page.rstrip("\n") + "\n"
