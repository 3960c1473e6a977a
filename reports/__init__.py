"""Report renderers: one check result or many, as text, JSON, HTML, CSV or SARIF.

`render(results, fmt, many=...)` is the one entry point the CLI and the API use. `many` says
whether the caller was given several inputs (JSON then prints a list, HTML adds a contents list);
`cat` is the rule catalogue that gives titles and fixes (the shipped one by default).
"""
from __future__ import annotations

from checkers.engine import CheckResult
from rules.catalogue import Catalogue, catalogue

FORMATS = ("text", "json", "html", "csv", "sarif")


def render(results: list[CheckResult], fmt: str, *, many: bool, cat: Catalogue | None = None,
           color: bool = False, show_passed: bool = False) -> str:
    if fmt not in FORMATS:
        raise ValueError(f"unknown report format {fmt!r} (one of {', '.join(FORMATS)})")
    if not results:
        raise ValueError("nothing to report: no check results")
    if not many and len(results) != 1:
        raise ValueError("many=False needs exactly one check result")
    cat = cat or catalogue()
    if fmt == "text":
        from reports.text import render_text
        return render_text(results, cat, many=many, color=color, show_passed=show_passed)
    if fmt == "json":
        from reports.json_report import render_json
        return render_json(results, many=many)
    if fmt == "html":
        from reports.html import render_html
        return render_html(results, cat, many=many, show_passed=show_passed)
    if fmt == "csv":
        from reports.csv_report import render_csv
        return render_csv(results, cat, show_passed=show_passed)
    from reports.sarif import render_sarif
    return render_sarif(results, cat)
