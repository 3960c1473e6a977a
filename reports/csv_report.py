"""The CSV report: a header row, then one finding per row, nothing else. New columns go at the
end (`fix`, the how-to-fix text for the resource's format, came last), so scripts that read the
columns by position keep working.

Spreadsheets run cells that start with = + - @ (or a tab or carriage return, which some of them
strip first) as formulas; quoted evidence from a checked page is untrusted, so such cells get a
leading apostrophe (OWASP's advice against CSV injection).
"""
from __future__ import annotations

import csv
import io

from checkers.engine import CheckResult
from checkers.findings import CANT_TELL, FAILED, PASSED
from reports import model
from rules.catalogue import Catalogue

COLUMNS = ("resource", "media_type", "rule", "title", "outcome", "severity", "wcag", "act", "pdfua",
           "annex", "page", "slide", "selector", "line", "message", "evidence", "score_if_fixed", "fix")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value) -> str:
    if value is None:
        return ""
    text = str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def render_csv(results: list[CheckResult], cat: Catalogue, *, show_passed: bool = False) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(COLUMNS)
    outcomes = (FAILED, CANT_TELL, PASSED) if show_passed else (FAILED, CANT_TELL)
    for result in results:
        for item in model.items(result, cat, outcomes=outcomes):
            f, refs, loc = item.finding, item.finding.refs or {}, item.finding.location
            row = (result.resource, result.media_type, f.rule, item.title, f.outcome, f.severity,
                   " ".join(refs.get("wcag") or ()), " ".join(refs.get("act") or ()),
                   " ".join(refs.get("pdfua") or ()), refs.get("annex"), loc.page, loc.slide,
                   loc.selector, loc.line, f.message, f.evidence, f.score_if_fixed, item.fix)
            writer.writerow([safe_cell(v) for v in row])
    return buf.getvalue()
