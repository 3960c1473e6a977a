"""Check one resource: detect its format, run that format's checker, then the licence and Annex 3
checks on what it found plus the harvested metadata, then score. Never raises for bad content.

Format checkers are pure functions `check(data: bytes, ctx: Context) -> (findings, facts)`,
registered in FORMAT_CHECKERS by module path so that a format's dependencies load only when used.
"""
from __future__ import annotations

import importlib
import logging
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable, Mapping

from checkers.facts import ContentFacts
from checkers.findings import CANT_TELL, Finding, unreadable
from checkers.formats import detect
from rules.catalogue import catalogue
from rules.scoring import compute_scores

log = logging.getLogger(__name__)

# format -> "module:function"
FORMAT_CHECKERS: dict[str, str] = {
    "html": "checkers.html:check_html",
    "pdf": "checkers.pdf:check_pdf",
    "pptx": "checkers.pptx:check_pptx",
    "docx": "checkers.docx:check_docx",
    "media": "checkers.media:check_media",
    "caption": "checkers.media:check_caption_file",
}


@dataclass
class Context:
    """What a checker may know besides the bytes. Checkers never fetch anything themselves."""
    name: str = ""                               # file name or URL path, for messages
    base_url: str | None = None                  # to resolve relative links of a page
    media_type: str | None = None                # as detected
    metadata: Mapping[str, Any] = field(default_factory=dict)   # harvested record (dict form)
    siblings: tuple[str, ...] = ()               # names of files beside this one (caption files)
    sibling_data: Mapping[str, bytes] = field(default_factory=dict)  # caption/transcript bytes
    policy: str = "platform"                     # licence policy profile name
    options: Mapping[str, Any] = field(default_factory=dict)   # e.g. browser: True (checkers.browser)


@dataclass
class CheckResult:
    resource: str
    media_type: str
    checked_at: str
    ruleset_version: str
    findings: list[Finding]
    scores: dict[str, Any]
    facts: ContentFacts | None = None  # not part of the JSON contract; for reports and reviews

    def to_dict(self) -> dict[str, Any]:
        return {"resource": self.resource, "media_type": self.media_type,
                "checked_at": self.checked_at, "ruleset_version": self.ruleset_version,
                "findings": [f.to_dict() for f in self.findings], "scores": self.scores}


def _load(spec: str) -> Callable[[bytes, Context], tuple[list[Finding], ContentFacts]] | None:
    module, func = spec.split(":")
    try:
        return getattr(importlib.import_module(module), func)
    except (ImportError, AttributeError):
        return None


def run_format_checker(fmt: str, data: bytes, ctx: Context) -> tuple[list[Finding], ContentFacts]:
    """Run one format's checker in this process; any exception becomes an `unreadable` finding."""
    checker = _load(FORMAT_CHECKERS[fmt])
    if checker is None:
        return [unreadable(f"no checker is installed for {fmt} files", outcome=CANT_TELL)], ContentFacts(fmt)
    try:
        return checker(data, ctx)
    except MemoryError:
        return [unreadable("the file needs more memory than the checker may use", outcome=CANT_TELL)], ContentFacts(fmt)
    except RecursionError:
        return [unreadable("the file is nested too deeply to check")], ContentFacts(fmt)
    except Exception as exc:  # a checker bug or a hostile file must not stop a sweep
        log.warning("checker for %s failed on %s: %s", fmt, ctx.name, type(exc).__name__)
        return [unreadable(f"the {fmt} file could not be read: {type(exc).__name__}: {str(exc)[:200]}")], ContentFacts(fmt)


def check_bytes(data: bytes | None, *, resource: str, name: str = "", media_type: str | None = None,
                metadata: Mapping[str, Any] | None = None, base_url: str | None = None,
                policy: str = "platform", siblings: tuple[str, ...] = (),
                sibling_data: Mapping[str, bytes] | None = None,
                runner: Callable[[str, bytes, Context], tuple[list[Finding], ContentFacts]] | None = None,
                options: Mapping[str, Any] | None = None) -> CheckResult:
    """Check one resource. `data` None means metadata only (a record without a file).

    `runner` runs the format checker; the default runs it in this process, sweeps pass the
    isolated worker pool (checkers.isolation) so that a hostile file cannot take the sweep down.
    """
    metadata = dict(metadata or {})
    ctx = Context(name=name or resource, base_url=base_url, media_type=media_type, metadata=metadata,
                  siblings=tuple(siblings), sibling_data=dict(sibling_data or {}), policy=policy,
                  options=dict(options or {}))
    findings: list[Finding] = []
    if data is None:
        detected_type, facts = media_type or "application/octet-stream", ContentFacts("metadata")
    else:
        det = detect(data, name, media_type)
        detected_type = det.media_type
        ctx.media_type = det.media_type
        if det.format is None:
            # content there was, but not in a format we read: the quality checks say cantTell
            # (content unreadable), not inapplicable as for a metadata-only record
            facts = ContentFacts("unknown")
            findings.append(unreadable(f"Not a format oerlint can check: {det.why}",
                                       outcome=CANT_TELL))
        else:
            format_findings, facts = (runner or run_format_checker)(det.format, data, ctx)
            if det.format == "html" and ctx.options.get("browser"):
                format_findings, facts = _browser_pass(data, ctx, (format_findings, facts))
            findings.extend(format_findings)

    findings.extend(_quality_findings(metadata, facts, findings, ctx))
    cat = catalogue()
    scores = compute_scores(findings, cat)
    return CheckResult(resource=resource, media_type=detected_type,
                       checked_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
                       ruleset_version=cat.version, findings=findings, scores=scores, facts=facts)


def _browser_pass(data: bytes, ctx: Context,
                  static: tuple[list[Finding], ContentFacts]) -> tuple[list[Finding], ContentFacts]:
    """axe-core in Chromium, merged with the static HTML findings (checkers.browser). Runs in this
    process, after the static pass (which may have run in an isolated worker): the pass starts
    Chromium processes of its own, which a worker's memory cap would not allow."""
    try:
        from checkers.browser import check_html_with_browser
        return check_html_with_browser(data, ctx, static)
    except Exception as exc:  # a bug in the browser pass must not lose the static findings
        log.warning("browser pass failed on %s: %s", ctx.name, type(exc).__name__)
        return static


def _quality_findings(metadata: Mapping[str, Any], facts: ContentFacts, found: list[Finding],
                      ctx: Context) -> list[Finding]:
    """Licence and Annex 3 checks, which read metadata plus what the format checker found."""
    out: list[Finding] = []
    for spec in ("checkers.licence:check_licence", "checkers.oer:check_oer"):
        check = _load(spec)
        if check is None:
            continue
        try:
            out.extend(check(metadata, facts, found, ctx))
        except Exception as exc:
            log.warning("%s failed on %s: %s", spec, ctx.name, type(exc).__name__)
            out.append(unreadable(f"{spec.split(':')[1]} failed: {type(exc).__name__}", outcome=CANT_TELL))
    return out
