"""`oerlint check`, `oerlint rules` and `oerlint explain`: the author-facing commands.

Exit codes: 0 when the check ran, 1 when `--fail-on` is met, 2 on a usage or I/O error (a
one-line message on stderr, never a traceback).
"""
from __future__ import annotations

import difflib
import json
import re
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import click

from checkers.engine import CheckResult, check_bytes
from checkers.findings import FAILED
from harvester.record import ResourceRecord
from reports import FORMATS, model, render
from rules.catalogue import FORMATS as RULE_FORMATS
from rules.catalogue import SEVERITIES, Catalogue, catalogue
from sweeps.cli import main

PROGRESS_FROM = 4          # inputs from which a progress bar is shown on stderr
MAX_SIBLINGS = 1000        # files beside a media file that are named to the media checker
CAPTION_MAX_BYTES = 5 * 2**20
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")


class UsageOrIOError(click.ClickException):
    """A one-line error and exit status 2 (click's own usage errors also exit 2)."""
    exit_code = 2


@dataclass(frozen=True)
class Input:
    resource: str            # what the report calls it: the path or URL as the user typed it
    path: Path | None = None
    url: str | None = None


# ---------------------------------------------------------------- inputs

def _check_url(text: str) -> str:
    parts = urlsplit(text)
    if parts.scheme.lower() not in ("http", "https"):
        raise UsageOrIOError(f"{text}: only http and https URLs can be checked")
    if not parts.hostname:
        raise UsageOrIOError(f"{text}: not a valid URL (no host name)")
    try:
        parts.port
    except ValueError:
        raise UsageOrIOError(f"{text}: not a valid URL (bad port)") from None
    return text


def _directory_files(directory: Path) -> list[Path]:
    """Every file under a directory, sorted, skipping hidden files and folders (.git...)."""
    try:
        found = [p for p in directory.rglob("*")
                 if p.is_file() and not any(part.startswith(".") for part in p.relative_to(directory).parts)]
    except OSError as exc:
        raise UsageOrIOError(f"{directory}: cannot read the directory ({exc.strerror or exc})") from None
    if not found:
        raise UsageOrIOError(f"{directory}: the directory holds no files to check")
    return sorted(found)


def expand_inputs(raw: tuple[str, ...]) -> list[Input]:
    """Paths and URLs as typed → the list of resources to check (directories expanded)."""
    out: list[Input] = []
    for text in raw:
        if _SCHEME.match(text):
            out.append(Input(resource=text, url=_check_url(text)))
            continue
        path = Path(text)
        if path.is_dir():
            out.extend(Input(resource=str(p), path=p) for p in _directory_files(path))
        elif path.is_file():
            out.append(Input(resource=text, path=path))
        elif path.exists():
            raise UsageOrIOError(f"{text}: not a regular file or directory")
        else:
            raise UsageOrIOError(f"{text}: no such file or directory")
    return out


# ---------------------------------------------------------------- options

def load_metadata(path: str | None) -> dict[str, Any]:
    """--metadata FILE: one JSON object with ResourceRecord keys, applied to every input."""
    if path is None:
        return {}
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise UsageOrIOError(f"--metadata {path}: cannot read the file ({exc.strerror or exc})") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UsageOrIOError(f"--metadata {path}: not valid JSON ({exc})") from None
    if not isinstance(data, dict):
        raise UsageOrIOError(f"--metadata {path}: must hold one JSON object with resource record keys")
    known = {f for f in ResourceRecord.__dataclass_fields__}
    unknown = sorted(set(data) - known)
    if unknown:
        raise UsageOrIOError(f"--metadata {path}: unknown key(s) {', '.join(unknown)} "
                             f"(known: {', '.join(sorted(known))})")
    values = {"identifier": "cli", "source": "cli", **data}
    try:
        return ResourceRecord.from_dict(values).to_dict()
    except (TypeError, ValueError) as exc:
        raise UsageOrIOError(f"--metadata {path}: {exc}") from None


def resolve_policy(value: str) -> str:
    """--policy: a shipped profile name (platform, annex3) or a policy YAML file, validated now so
    that a typo stops the run before any work."""
    from checkers.licence_policy import PolicyError, load_policy
    try:
        load_policy(value)
    except PolicyError as exc:
        raise UsageOrIOError(f"--policy: {exc}") from None
    return value


# ---------------------------------------------------------------- checking

def _siblings(path: Path) -> tuple[tuple[str, ...], dict[str, bytes]]:
    """For a video or audio file: the names of the files beside it, and the bytes of the caption
    files among them (lecture.vtt next to lecture.mp4), which the media checker judges."""
    from checkers.media import CAPTION_EXTS, MEDIA_EXTS
    if path.suffix.lower() not in MEDIA_EXTS:
        return (), {}
    try:
        names = sorted(p.name for p in path.parent.iterdir() if p.is_file() and p != path)[:MAX_SIBLINGS]
    except OSError:
        return (), {}
    data = {}
    for name in names:
        sibling = path.parent / name
        try:
            if sibling.suffix.lower() in CAPTION_EXTS and sibling.stat().st_size <= CAPTION_MAX_BYTES:
                data[name] = sibling.read_bytes()
        except OSError:
            continue  # an unreadable caption file is as good as none
    return tuple(names), data


def _url_name(url: str) -> str:
    return unquote(urlsplit(url).path.rsplit("/", 1)[-1])


class _Loader:
    """Reads local files and fetches URLs (one fetcher, opened only if a URL is given)."""

    def __init__(self) -> None:
        self._fetcher = None

    def load(self, item: Input) -> dict[str, Any]:
        if item.url is None:
            try:
                data = item.path.read_bytes()
            except OSError as exc:
                raise UsageOrIOError(f"{item.resource}: cannot read the file ({exc.strerror or exc})") from None
            siblings, sibling_data = _siblings(item.path)
            return {"data": data, "name": item.path.name, "media_type": None,
                    "base_url": item.path.resolve().as_uri(), "siblings": siblings,
                    "sibling_data": sibling_data}
        from harvester.fetch import FetchError
        try:
            fetched = self._fetch(item.url)
        except FetchError as exc:
            raise UsageOrIOError(f"cannot fetch {item.url}: {exc}") from None
        try:
            data = fetched.read_bytes()
        except OSError as exc:
            raise UsageOrIOError(f"cannot read the download of {item.url}: {exc}") from None
        finally:
            fetched.discard()
        return {"data": data, "name": _url_name(fetched.url or item.url),
                "media_type": fetched.media_type, "base_url": fetched.url or item.url}

    def _fetch(self, url: str):
        if self._fetcher is None:
            from harvester.fetch import Fetcher
            # The user typed this URL, so loopback and private hosts are allowed (not in sweeps).
            self._fetcher = Fetcher(allow_private=True)
        return self._fetcher.fetch(url)

    def close(self) -> None:
        if self._fetcher is not None:
            self._fetcher.close()


def run_checks(inputs: list[Input], metadata: dict[str, Any], policy: str,
               options: dict[str, Any] | None = None) -> list[CheckResult]:
    from tqdm import tqdm

    loader = _Loader()
    results = []
    try:
        with tqdm(inputs, file=sys.stderr, unit="file", disable=len(inputs) < PROGRESS_FROM,
                  leave=False) as bar:
            for item in bar:
                loaded = loader.load(item)
                results.append(check_bytes(loaded["data"], resource=item.resource, name=loaded["name"],
                                           media_type=loaded["media_type"], metadata=dict(metadata),
                                           base_url=loaded["base_url"], policy=policy,
                                           siblings=loaded.get("siblings", ()),
                                           sibling_data=loaded.get("sibling_data"), options=options))
    finally:
        loader.close()
    return results


def fail_on_met(results: list[CheckResult], threshold: str | None) -> bool:
    """True when a failed finding is of the threshold severity or worse."""
    if threshold is None:
        return False
    worst_allowed = SEVERITIES.index(threshold)
    return any(f.outcome == FAILED and f.severity in SEVERITIES and SEVERITIES.index(f.severity) <= worst_allowed
               for r in results for f in r.findings)


@main.command()
@click.argument("inputs", nargs=-1, required=True, metavar="PATH_OR_URL...")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True,
              help="Report format.")
@click.option("--metadata", "metadata_file", type=str, metavar="FILE",
              help="JSON object with resource record keys (title, creators, licence_statements, ...) "
                   "applied to every input.")
@click.option("--policy", default="platform", show_default=True, metavar="NAME_OR_FILE",
              help="Licence policy: platform, annex3, or a policy file.")
@click.option("--output", "-o", type=str, metavar="FILE", help="Write the report to FILE instead of stdout.")
@click.option("--fail-on", type=click.Choice(SEVERITIES),
              help="Exit 1 when a failed finding of this severity or worse is found.")
@click.option("--show-passed", is_flag=True, help="Also list the rules that passed.")
@click.option("--browser", is_flag=True, help="Also check HTML pages with axe-core in headless Chromium "
                                              "(contrast from real styles, hidden and scripted content).")
def check(inputs: tuple[str, ...], fmt: str, metadata_file: str | None, policy: str,
          output: str | None, fail_on: str | None, show_passed: bool, browser: bool) -> None:
    """Check files, directories (every file in them) and http(s) pages; print a report.

    Exit status: 0 when the check ran, 1 when --fail-on is met, 2 on a usage or I/O error.
    """
    items = expand_inputs(inputs)
    metadata = load_metadata(metadata_file)
    policy = resolve_policy(policy)
    results = run_checks(items, metadata, policy, {"browser": True} if browser else None)
    many = len(inputs) > 1 or len(items) > 1
    color = fmt == "text" and output is None and sys.stdout.isatty()
    report = render(results, fmt, many=many, color=color, show_passed=show_passed)
    if output:
        try:
            Path(output).write_text(report, encoding="utf-8", newline="")
        except OSError as exc:
            raise UsageOrIOError(f"--output {output}: cannot write ({exc.strerror or exc})") from None
    else:
        click.echo(report, nl=False, color=color)
    if fail_on_met(results, fail_on):
        sys.exit(1)


# ---------------------------------------------------------------- rules and explain

def _annex_prefix_ok(prefix: str, cat: Catalogue) -> None:
    if not any(a.startswith(prefix) for a in cat.annexes):
        close = difflib.get_close_matches(prefix, list(cat.annexes), n=3, cutoff=0.5)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise UsageOrIOError(f"--annex {prefix}: no annex item starts with it{hint}")


def annex_counts(rules: list, cat: Catalogue) -> list[tuple[str, int]]:
    """(annex item, rule count) in the order of rules/annexes.yaml, items with rules only."""
    counts: dict[str, int] = {}
    for rule in rules:
        counts[rule.annex] = counts.get(rule.annex, 0) + 1
    return [(a, counts[a]) for a in cat.annexes if a in counts]


@main.command("rules")
@click.option("--format", "fmt", type=click.Choice(("text", "json")), default="text", show_default=True)
@click.option("--annex", "annex_prefix", metavar="PREFIX", help="Only rules of annex items starting with PREFIX "
                                                                "(A2, A2.images, A3.findability.3...).")
@click.option("--format-filter", "format_filter", type=click.Choice(RULE_FORMATS), multiple=True,
              help="Only rules for this file format (repeatable).")
def rules_command(fmt: str, annex_prefix: str | None, format_filter: tuple[str, ...]) -> None:
    """List the rule catalogue."""
    cat = catalogue()
    if annex_prefix:
        _annex_prefix_ok(annex_prefix, cat)
    chosen = [r for r in cat
              if (not annex_prefix or r.annex.startswith(annex_prefix))
              and (not format_filter or set(r.formats) & set(format_filter))]
    if fmt == "json":
        click.echo(json.dumps([r.to_dict() for r in chosen], ensure_ascii=False, indent=2))
        return
    width = max([len(r.id) for r in chosen] + [4])
    click.echo(f"{'id':<{width}}  {'severity':<8}  {'mode':<9}  {'annex':<17}  {'formats':<22}  title")
    for r in chosen:
        click.echo(f"{r.id:<{width}}  {r.severity:<8}  {r.mode:<9}  {r.annex:<17}  "
                   f"{','.join(r.formats):<22}  {r.title}")
    click.echo(f"\n{len(chosen)} rule(s). Per annex item:")
    for annex, n in annex_counts(chosen, cat):
        click.echo(f"  {annex:<17} {n}")
    for label, prefix in (("Annex 2", "A2."), ("Annex 3", "A3.")):
        click.echo(f"  {label + ' total':<17} {sum(1 for r in chosen if r.annex.startswith(prefix))}")


def _paragraph(text: str, indent: str = "  ") -> str:
    return textwrap.fill(" ".join(text.split()), width=96, initial_indent=indent, subsequent_indent=indent)


@main.command()
@click.argument("rule_id", metavar="RULE")
def explain(rule_id: str) -> None:
    """Explain one rule: why it matters, how to fix it, its references."""
    cat = catalogue()
    if rule_id not in cat:
        close = difflib.get_close_matches(rule_id, list(cat.rules), n=3, cutoff=0.6)
        hint = f" Did you mean: {', '.join(close)}?" if close else " See `oerlint rules`."
        raise UsageOrIOError(f"unknown rule {rule_id!r}.{hint}")
    rule = cat[rule_id]
    lines = [f"{rule.id}: {rule.title}", "",
             f"  severity {rule.severity} (weight {rule.weight:g}), {rule.mode}, "
             f"formats: {', '.join(rule.formats)}",
             f"  annex {rule.annex}: {cat.annexes.get(rule.annex, '')}", "",
             "Why it matters", _paragraph(rule.help), "", "How to fix"]
    for fmt, text in rule.fix.items():
        lines.append(f"  {fmt}:")
        lines.append(_paragraph(text, indent="    "))
    lines += ["", "References"]
    for label, link in model.reference_list(rule.finding_refs() | {"other": list(rule.refs.get("other", ()))}):
        lines.append(f"  - {label}" + (f"  {link}" if link else ""))
    click.echo("\n".join(lines))
