"""`oerlint check`, `oerlint rules` and `oerlint explain`: the author-facing commands.

Exit codes: 0 when the check ran, 1 when `--fail-on` is met, 2 on a usage or I/O error (a
one-line message on stderr, never a traceback). An input that cannot be read among others gets a
result with an `unreadable` finding; the others are still reported, and the exit status is 2.

Format checkers run in the capped worker pool (checkers.isolation), as in sweeps, except HTML:
starting the pool costs seconds, a page is checked in milliseconds, and the HTML checker (lxml)
refuses pages over its own size cap. The pool starts with the first non-HTML input.
"""
from __future__ import annotations

import difflib
import json
import os
import re
import sys
import textwrap
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any, get_args, get_origin, get_type_hints
from urllib.parse import parse_qsl, unquote, urlsplit

import click

from checkers.engine import CheckResult, check_bytes, run_format_checker
from checkers.findings import CANT_TELL, FAILED, unreadable
from harvester.record import FileRef, ResourceRecord
from reports import FORMATS, model, render
from rules.catalogue import FORMATS as RULE_FORMATS
from rules.catalogue import SEVERITIES, Catalogue, catalogue
from sweeps.cli import main

PROGRESS_FROM = 4          # inputs from which a progress bar is shown on stderr
MAX_SIBLINGS = 1000        # files beside a media file that are named to the media checker
MAX_DIRECTORY_FILES = int(os.environ.get("OERLINT_MAX_DIRECTORY_FILES", "10000"))  # one directory typed
CAPTION_MAX_BYTES = 5 * 2**20
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")


class UsageOrIOError(click.ClickException):
    """A one-line error and exit status 2 (click's own usage errors also exit 2)."""
    exit_code = 2


class InputError(Exception):
    """One input could not be read; the message names it and why (already free of secrets)."""


@dataclass(frozen=True)
class Input:
    resource: str            # what the report calls it: the path or URL as the user typed it
    path: Path | None = None
    url: str | None = None
    problem: str | None = None   # why it cannot be read, found while expanding the inputs


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
    found: list[Path] = []
    try:
        for p in directory.rglob("*"):
            if p.is_file() and not any(part.startswith(".") for part in p.relative_to(directory).parts):
                found.append(p)
                if len(found) > MAX_DIRECTORY_FILES:   # a typo such as `oerlint check /`
                    raise InputError(f"{directory}: more than {MAX_DIRECTORY_FILES:,} files; check a "
                                     "smaller folder (or set OERLINT_MAX_DIRECTORY_FILES)")
    except OSError as exc:
        raise InputError(f"{directory}: cannot read the directory ({exc.strerror or exc})") from None
    if not found:
        raise InputError(f"{directory}: the directory holds no files to check")
    return sorted(found)


def expand_inputs(raw: tuple[str, ...]) -> list[Input]:
    """Paths and URLs as typed → the list of resources to check (directories expanded)."""
    out: list[Input] = []
    for text in raw:
        if _SCHEME.match(text):
            out.append(Input(resource=text, url=_check_url(text)))
            continue
        path = Path(text)
        try:
            if path.is_dir():
                out.extend(Input(resource=str(p), path=p) for p in _directory_files(path))
            elif path.is_file():
                out.append(Input(resource=text, path=path))
            elif path.exists():
                raise InputError(f"{text}: not a regular file or directory")
            else:
                raise InputError(f"{text}: no such file or directory")
        except InputError as exc:
            out.append(Input(resource=text, problem=str(exc)))
    return out


# ---------------------------------------------------------------- options

DATE_KEYS = frozenset({"created", "modified", "datestamp"})
# ISO 8601 as repositories write it: a year, a month, a day, or a date and time.
_ISO_DATE = re.compile(r"\d{4}(-\d{2}(-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?)?)?")
_WANTED = {str: "a string", bool: "true or false", int: "a whole number", dict: "a JSON object",
           FileRef: "a file object (url, name, media_type, ...)"}
_PLURAL = {str: "strings", FileRef: "file objects"}


def _iso_date(text: str) -> bool:
    if not _ISO_DATE.fullmatch(text):
        return False
    try:
        if len(text) >= 10:
            date.fromisoformat(text[:10])   # a real day: no 2024-02-30
    except ValueError:
        return False
    return True


def _json_kind(value: Any) -> str:
    if value is None:
        return "null"
    names = ((bool, "true/false"), ((int, float), "a number"), (str, "a string"), (list, "a list"),
             (dict, "a JSON object"))
    return next((name for kinds, name in names if isinstance(value, kinds)), type(value).__name__)


def _value_problems(key: str, value: Any, wanted: Any) -> list[str]:
    """What is wrong with `value` for a record field annotated `wanted` (str | None, list[str],
    list[FileRef], bool, ...), as `key must be ..., not ...` lines."""
    args = [a for a in get_args(wanted) if a is not type(None)]
    if type(None) in get_args(wanted):          # optional: null is fine
        if value is None:
            return []
        wanted = args[0]
    origin = get_origin(wanted) or wanted
    if origin is list:
        item = get_args(wanted)[0]
        if not isinstance(value, list):
            return [f"{key} must be a list of {_PLURAL[item]}, not {_json_kind(value)}"]
        return [p for i, v in enumerate(value) for p in _value_problems(f"{key}[{i}]", v, item)]
    if origin is FileRef:
        if not isinstance(value, dict):
            return [f"{key} must be {_WANTED[FileRef]}, not {_json_kind(value)}"]
        return _record_problems(value, FileRef, f"{key}.")
    ok = isinstance(value, origin) and not (origin is int and isinstance(value, bool))
    if ok and key.rsplit(".", 1)[-1] in DATE_KEYS and not _iso_date(value):
        return [f"{key} must be an ISO 8601 date (2024-05-31 or 2024-05-31T12:00:00Z), not {value[:40]!r}"]
    return [] if ok else [f"{key} must be {_WANTED.get(origin, origin.__name__)}, not {_json_kind(value)}"]


def _record_problems(data: dict[str, Any], cls: type, prefix: str = "") -> list[str]:
    """Unknown keys and values of the wrong type for the dataclass `cls` (ResourceRecord, FileRef)."""
    hints = get_type_hints(cls)
    unknown = sorted(set(data) - set(hints))
    if unknown:
        return [f"unknown key(s) {', '.join(prefix + k for k in unknown)} (known: {', '.join(sorted(hints))})"]
    return [p for key, value in data.items() for p in _value_problems(prefix + key, value, hints[key])]


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
    problems = _record_problems(data, ResourceRecord)
    if problems:
        raise UsageOrIOError(f"--metadata {path}: {'; '.join(problems[:5])}")
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


def _register_url_secrets(url: str) -> None:
    """A password or token in a typed URL (user:pass@, ?token=) is masked in every message."""
    from harvester.fetch import register_secret
    from harvester.sources import SECRET_KEYS
    parts = urlsplit(url)
    register_secret(parts.password)
    for key, value in parse_qsl(parts.query):
        if key.lower() in SECRET_KEYS:
            register_secret(value)


class _Loader:
    """Reads local files and fetches URLs (a fetcher per typed host, opened only if a URL is given)."""

    def __init__(self) -> None:
        self._fetchers: dict[str, Any] = {}
        self._lock = threading.Lock()

    def load(self, item: Input) -> dict[str, Any]:
        if item.problem is not None:
            raise InputError(item.problem)
        if item.url is None:
            try:
                data = item.path.read_bytes()
            except OSError as exc:
                raise InputError(f"{item.resource}: cannot read the file ({exc.strerror or exc})") from None
            siblings, sibling_data = _siblings(item.path)
            return {"data": data, "name": item.path.name, "media_type": None,
                    "base_url": item.path.resolve().as_uri(), "siblings": siblings,
                    "sibling_data": sibling_data}
        from harvester.fetch import FetchError, redact
        _register_url_secrets(item.url)
        try:
            fetched = self._fetch(item.url)
        except FetchError as exc:
            raise InputError(redact(f"cannot fetch {item.url}: {exc}")) from None
        try:
            data = fetched.read_bytes()
        except OSError as exc:
            raise InputError(redact(f"cannot read the download of {item.url}: {exc}")) from None
        finally:
            fetched.discard()
        return {"data": data, "name": _url_name(fetched.url or item.url),
                "media_type": fetched.media_type, "base_url": fetched.url or item.url}

    def _fetch(self, url: str):
        # The user typed this URL, so its own host may be loopback or private; a redirect to any
        # other host meets the guard as in sweeps (a public page redirecting to 169.254.169.254 or
        # 10.x is refused). The allowlist is by host, whatever the port.
        host = (urlsplit(url).hostname or "").lower()
        with self._lock:   # shared by the checking threads, as in sweeps
            fetcher = self._fetchers.get(host)
            if fetcher is None:
                from harvester.fetch import Fetcher
                fetcher = self._fetchers[host] = Fetcher(allowlist=[host] if host else ())
        return fetcher.fetch(url)

    def close(self) -> None:
        for fetcher in self._fetchers.values():
            fetcher.close()


class _Runner:
    """Runs format checkers: HTML here, other formats in the capped worker pool, which starts on
    the first such file (OERLINT_NO_ISOLATION=1: all here, as in sweeps)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._pool = None
        self._lock = threading.Lock()

    def run(self, fmt: str, data: bytes, ctx: Any):
        if fmt == "html" or os.environ.get("OERLINT_NO_ISOLATION"):
            return run_format_checker(fmt, data, ctx)
        with self._lock:
            if self._pool is None:
                from checkers.isolation import WorkerPool
                self._pool = WorkerPool(self.size, preload=("checkers.engine",))
        try:
            return self._pool.run(fmt, data, ctx)
        except RuntimeError as exc:   # no worker process could start (no pids, a daemon parent)
            raise UsageOrIOError(str(exc)) from None

    def close(self) -> None:
        if self._pool is not None:
            self._pool.close()


def unreadable_result(item: Input, reason: str) -> CheckResult:
    """The result of an input that could not be read: one `unreadable` finding, nothing else
    (not checked, so cantTell)."""
    from rules.scoring import compute_scores
    findings = [unreadable(reason, outcome=CANT_TELL)]
    cat = catalogue()
    return CheckResult(resource=item.resource, media_type="application/octet-stream",
                       checked_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
                       ruleset_version=cat.version, findings=findings, scores=compute_scores(findings, cat))


def run_checks(inputs: list[Input], metadata: dict[str, Any], policy: str,
               options: dict[str, Any] | None = None) -> tuple[list[CheckResult], list[str]]:
    """The results in input order, and the problems of the inputs that could not be read.

    Inputs are checked by as many threads as the pool has processes: min(inputs, cores)."""
    from tqdm import tqdm

    loader = _Loader()
    size = max(1, min(len(inputs), os.cpu_count() or 1))
    runner = _Runner(size)
    threads = ThreadPoolExecutor(size, thread_name_prefix="check")

    def check_one(item: Input) -> tuple[CheckResult, str | None]:
        try:
            loaded = loader.load(item)
        except InputError as exc:
            return unreadable_result(item, str(exc)), str(exc)
        return check_bytes(loaded["data"], resource=item.resource, name=loaded["name"],
                           media_type=loaded["media_type"], metadata=dict(metadata),
                           base_url=loaded["base_url"], policy=policy,
                           siblings=loaded.get("siblings", ()), sibling_data=loaded.get("sibling_data"),
                           options=options, runner=runner.run), None

    results, problems = [], []
    try:
        with tqdm(total=len(inputs), file=sys.stderr, unit="file", disable=len(inputs) < PROGRESS_FROM,
                  leave=False) as bar:
            for result, problem in threads.map(check_one, inputs):
                results.append(result)
                problems += [problem] if problem else []
                bar.update()
    finally:
        threads.shutdown(cancel_futures=True)   # Ctrl-C: no new input starts
        runner.close()
        loader.close()
    return results, problems


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

    Exit status: 0 when the check ran, 1 when --fail-on is met, 2 on a usage or I/O error
    (an input that could not be read; the others are still reported).
    """
    items = expand_inputs(inputs)
    metadata = load_metadata(metadata_file)
    policy = resolve_policy(policy)
    results, problems = run_checks(items, metadata, policy, {"browser": True} if browser else None)
    if len(items) == 1 and problems:   # nothing else to report: the one-line error alone
        raise UsageOrIOError(problems[0])
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
    for problem in problems:   # also in the report; here for whoever reads only the terminal
        click.echo(f"Error: {problem}", err=True)
    if problems:
        sys.exit(2)
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
