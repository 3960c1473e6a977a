"""The SARIF 2.1.0 report, for code-scanning dashboards and editors.

One run, the rules the results use in `tool.driver.rules`, and one result per failed or
cantTell finding. Severity maps to SARIF's level (severe → error, major → warning,
minor → note). A cantTell finding is `kind: "review"` — and SARIF 2.1.0 §3.27.10 says a result
whose kind is not "fail" SHALL have level "none", so review results carry level "none" and keep
the rule's severity in `properties.severity`.
"""
from __future__ import annotations

import json
import re
from importlib import metadata
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from checkers.engine import CheckResult
from checkers.findings import CANT_TELL, FAILED
from reports import model
from rules.catalogue import Catalogue, Rule

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
LEVEL = {"severe": "error", "major": "warning", "minor": "note"}
# The project has no web page of its own yet; the alliance's site is where it belongs.
INFORMATION_URI = "https://ingenium-university.eu/"


def tool_version() -> str:
    try:
        return metadata.version("oerlint")
    except metadata.PackageNotFoundError:
        return "0.0.0"


# A URI scheme of two or more characters (one letter would be a Windows drive, "C:").
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]+:")
_URI_CHARACTERS = ":/?#[]@!$&'()*+,;=%-._~"


def artifact_uri(resource: str) -> str:
    """A URI reference for the checked resource: the URL itself, a harvested identifier that is
    a URI of its own (`oai:repo:12#unit-0.html`, `moodle:…`) with only unsafe characters escaped,
    or the file path as a relative reference (absolute paths become file:// URIs)."""
    if urlsplit(resource).scheme in ("http", "https", "file"):
        return resource
    path = Path(resource)
    if _SCHEME.match(resource) and not path.exists():   # a local "week:1.html" stays a path
        return quote(resource, safe=_URI_CHARACTERS)
    if path.is_absolute():
        return path.as_uri()
    return quote(path.as_posix())


def _tags(refs: dict[str, Any], rule: Rule | None) -> list[str]:
    tags = ["accessibility" if str(refs.get("annex", "")).startswith("A2") else "oer-quality"]
    tags += [f"wcag{sc}" for sc in refs.get("wcag") or ()]
    tags += [f"act:{a}" for a in refs.get("act") or ()]
    tags += [f"pdfua:{c}" for c in refs.get("pdfua") or ()]
    if refs.get("annex"):
        tags.append(f"annex:{refs['annex']}")
    if rule:
        tags.append(f"mode:{rule.mode}")
    return tags


def _descriptor(rule_id: str, rule: Rule | None, refs: dict[str, Any], severity: str) -> dict[str, Any]:
    title = rule.title if rule else rule_id
    help_text = rule.help if rule else title
    fixes = dict(rule.fix) if rule else {}
    ref_lines = model.reference_list(refs)
    markdown = [help_text, ""]
    if fixes:
        markdown.append("**How to fix**")
        markdown += [f"- *{fmt}*: {text}" for fmt, text in fixes.items()]
        markdown.append("")
    if ref_lines:
        markdown.append("**References**")
        markdown += [f"- [{label}]({link})" if link else f"- {label}" for label, link in ref_lines]
    text = help_text + ("\n\nHow to fix: " + " ".join(fixes.values()) if fixes else "")
    descriptor: dict[str, Any] = {
        "id": rule_id,
        "name": "".join(part.capitalize() for part in rule_id.split("-")),
        "shortDescription": {"text": title},
        "fullDescription": {"text": help_text},
        "help": {"text": text, "markdown": "\n".join(markdown).strip()},
        "defaultConfiguration": {"level": LEVEL.get(severity, "warning")},
        "properties": {"tags": _tags(refs, rule), "severity": severity},
    }
    act = refs.get("act") or ()
    if act:
        descriptor["helpUri"] = model.ACT_RULE_URL.format(act[0])
    return descriptor


def _locations(uri: str, artifact: int, finding) -> list[dict[str, Any]]:
    physical: dict[str, Any] = {"artifactLocation": {"uri": uri, "index": artifact}}
    loc = finding.location
    if loc.line is not None and loc.line >= 1:
        physical["region"] = {"startLine": int(loc.line)}
    location: dict[str, Any] = {"physicalLocation": physical}
    logical = []
    if loc.selector:
        logical.append({"fullyQualifiedName": loc.selector, "kind": "element"})
    if loc.page is not None:
        logical.append({"name": f"page {loc.page}", "kind": "page"})
    if loc.slide is not None:
        logical.append({"name": f"slide {loc.slide}", "kind": "slide"})
    if logical:
        location["logicalLocations"] = logical
    return [location]


def build_sarif(results: list[CheckResult], cat: Catalogue) -> dict[str, Any]:
    rules: list[dict[str, Any]] = []
    index: dict[str, int] = {}
    sarif_results = []
    for artifact, result in enumerate(results):
        uri = artifact_uri(result.resource)
        for item in model.items(result, cat, outcomes=(FAILED, CANT_TELL)):
            f = item.finding
            if f.rule not in index:
                index[f.rule] = len(rules)
                rules.append(_descriptor(f.rule, item.rule, f.refs or {}, f.severity))
            entry: dict[str, Any] = {"ruleId": f.rule, "ruleIndex": index[f.rule]}
            if f.outcome == FAILED:
                entry["kind"] = "fail"
                entry["level"] = LEVEL.get(f.severity, "warning")
            else:
                entry["kind"] = "review"
                entry["level"] = "none"
            entry["message"] = {"text": f.message or item.title}
            entry["locations"] = _locations(uri, artifact, f)
            props: dict[str, Any] = {"outcome": f.outcome, "severity": f.severity,
                                     "resource": result.resource}
            if f.evidence:
                props["evidence"] = f.evidence
            if f.score_if_fixed is not None:
                props["scoreIfFixed"] = f.score_if_fixed
            if item.fix:
                props["fix"] = item.fix
            entry["properties"] = props
            sarif_results.append(entry)
    driver = {"name": "oerlint", "version": tool_version(), "semanticVersion": tool_version(),
              "informationUri": INFORMATION_URI, "rules": rules}
    run = {"tool": {"driver": driver}, "results": sarif_results,
           "artifacts": [{"location": {"uri": artifact_uri(r.resource)},
                          "mimeType": r.media_type} for r in results],
           "properties": {"rulesetVersion": results[0].ruleset_version if results else cat.version,
                          "scores": {r.resource: r.scores for r in results}}}
    return {"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}


def render_sarif(results: list[CheckResult], cat: Catalogue) -> str:
    return json.dumps(build_sarif(results, cat), ensure_ascii=False, indent=2) + "\n"
