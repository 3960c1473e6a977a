"""The source configuration: `sources.yaml`, one entry per OAI-PMH repository or Moodle site.

    sources:
      - name: odr                      # used in state file names: letters, digits, . _ -
        institution: Alliance ODR
        kind: oai                      # oai | moodle
        base_url: https://repo.example.org/oai
        schedule: "0 2 * * *"          # cron, checked with croniter
        metadata_prefix: [lom, oai_dc] # preference list (default: richest offered)
        sets: [oer]
        reconcile_days: 7              # list every identifier to find deletions (default 7)
        max_page_mb: 50                # refuse a protocol page larger than this (default 50)
        total_timeout: 300             # seconds for one whole protocol answer (default 300)
        quiet_days: 30                 # flag a source that used to change and went quiet (false: off)
      - name: campus-moodle
        institution: Example University
        kind: moodle
        base_url: https://moodle.example.org
        token_env: CAMPUS_MOODLE_TOKEN # the NAME of the variable holding the token, never the token
        courses: [12, 15]
        categories: [3]

`sources` may also be a mapping from name to fields. Every problem is reported at once, naming the
source and the field, so a broken file is fixed in one go.
"""
from __future__ import annotations

import difflib
import ipaddress
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from rules import yamlfile

DEFAULT_PATH = "sources.yaml"
ENV_PATH = "OERLINT_SOURCES"
KINDS = ("oai", "moodle")

NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$")
ENV_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
HOST_RE = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$")

COMMON_KEYS = {"name", "institution", "kind", "base_url", "schedule",
               "rate", "max_concurrency", "allow_private", "browser", "policy", "timeout", "quiet_days"}
KIND_KEYS = {"oai": {"metadata_prefix", "sets", "reconcile_days", "max_page_mb", "total_timeout"},
             "moodle": {"token_env", "courses", "categories"}}
SECRET_KEYS = {"token", "wstoken", "password", "secret", "api_key"}


@dataclass
class Source:
    name: str
    institution: str
    kind: str                    # "oai" | "moodle"
    base_url: str
    schedule: str | None = None  # cron expression; None = harvested only on demand
    options: dict[str, Any] = field(default_factory=dict)

    def describe(self) -> str:
        """One line for `oerlint sources`; shows a token's variable name, never a token."""
        parts = [f"{self.name} [{self.kind}] {self.base_url}", f"institution={self.institution!r}"]
        if self.schedule:
            parts.append(f"schedule={self.schedule!r}")
        for key in sorted(self.options):
            parts.append(f"{key}={self.options[key]!r}")
        return "  ".join(parts)


class SourcesError(ValueError):
    """The configuration is wrong; `problems` lists every problem found, one line each."""

    def __init__(self, path: str, problems: list[str]):
        self.path = path
        self.problems = problems
        super().__init__(f"{path}: " + "; ".join(problems))


def sources_path(explicit: str | os.PathLike | None = None) -> Path:
    """--sources FILE, else $OERLINT_SOURCES, else ./sources.yaml."""
    return Path(explicit or os.environ.get(ENV_PATH) or DEFAULT_PATH)


def load_sources(path: str | os.PathLike | None = None) -> list[Source]:
    path = sources_path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SourcesError(str(path), [f"cannot read the file: {exc.strerror or exc}"]) from None
    try:
        data = yamlfile.load(text)
    except yaml.YAMLError as exc:
        raise SourcesError(str(path), [f"not valid YAML: {exc}"]) from None
    return parse_sources(data, str(path))


def find_source(sources: list[Source], name: str) -> Source:
    for source in sources:
        if source.name == name:
            return source
    known = ", ".join(s.name for s in sources) or "none"
    raise KeyError(f"no source named {name!r} (configured: {known})")


def parse_sources(data: Any, origin: str = "sources.yaml") -> list[Source]:
    if isinstance(data, dict) and "sources" in data:
        data = data["sources"]
    entries: list[tuple[str, Any]] = []
    if isinstance(data, dict):
        for name, body in data.items():
            if isinstance(body, dict) and "name" not in body:
                body = {"name": name, **body}
            entries.append((str(name), body))
    elif isinstance(data, list):
        entries = [(f"#{i + 1}", body) for i, body in enumerate(data)]
    else:
        raise SourcesError(origin, ["expected a list of sources under the key 'sources'"])

    problems: list[str] = []
    sources: list[Source] = []
    seen: set[str] = set()
    for label, body in entries:
        if not isinstance(body, dict):
            problems.append(f"source {label}: expected a mapping of fields, got {type(body).__name__}")
            continue
        name = body.get("name")
        label = repr(name) if isinstance(name, str) and name else label
        source, errs = _parse_one(body)
        if isinstance(name, str) and name in seen:
            errs.append("field 'name': duplicate name")
        seen.add(name if isinstance(name, str) else label)
        problems.extend(f"source {label}: {e}" for e in errs)
        if source is not None:
            sources.append(source)
    if problems:
        raise SourcesError(origin, problems)
    return sources


def _parse_one(body: dict[str, Any]) -> tuple[Source | None, list[str]]:
    errs: list[str] = []
    for key in sorted(SECRET_KEYS & set(body)):
        errs.append(f"field '{key}': secrets must not be written in sources.yaml; put the token in an "
                    f"environment variable and give its NAME as token_env (e.g. token_env: MOODLE_TOKEN)")

    name = body.get("name")
    if not isinstance(name, str) or not NAME_RE.match(name):
        errs.append("field 'name': required; letters, digits, '.', '_' or '-' (it names state files)")
    institution = body.get("institution")
    if not isinstance(institution, str) or not institution.strip():
        errs.append("field 'institution': required text")
    kind = body.get("kind")
    if kind not in KINDS:
        errs.append(f"field 'kind': must be one of {', '.join(KINDS)} (got {kind!r})")
    base_url = body.get("base_url")
    url_err = _check_url(base_url)
    if url_err:
        errs.append(f"field 'base_url': {url_err}")
    schedule = body.get("schedule")
    if schedule is not None:
        sched_err = _check_cron(schedule)
        if sched_err:
            errs.append(f"field 'schedule': {sched_err}")

    allowed = COMMON_KEYS | KIND_KEYS.get(kind, set()) | SECRET_KEYS
    for key in sorted(set(body) - allowed):
        hint = difflib.get_close_matches(key, sorted(allowed - SECRET_KEYS), n=1)
        other = [k for k, keys in KIND_KEYS.items() if key in keys]
        why = (f"only for kind {other[0]}" if other else
               f"did you mean '{hint[0]}'?" if hint else "unknown field")
        errs.append(f"field '{key}': {why}")

    options: dict[str, Any] = {}
    for key, check in _OPTION_CHECKS.items():
        if key in body and key in allowed:
            value, err = check(body[key])
            if err:
                errs.append(f"field '{key}': {err}")
            else:
                options[key] = value
    if kind == "moodle" and "token_env" not in body and not (SECRET_KEYS & set(body)):
        errs.append("field 'token_env': required for kind moodle (the NAME of the environment "
                    "variable holding the web-service token)")
    if errs:
        return None, errs
    return Source(name=name, institution=institution.strip(), kind=kind, base_url=base_url.rstrip("/")
                  if kind == "moodle" else base_url, schedule=schedule, options=options), []


def _check_url(value: Any) -> str | None:
    if not isinstance(value, str) or not value:
        return "required, an http(s) URL"
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return f"must be an http(s) URL with a host (got {value!r})"
    if parts.username or parts.password:
        return "must not carry credentials"
    if "token" in parts.query.lower():
        return "must not carry a token in its query; use token_env"
    return None


def _check_cron(value: Any) -> str | None:
    from croniter import croniter

    if not isinstance(value, str) or not croniter.is_valid(value):
        return f"not a valid cron expression: {value!r} (e.g. \"0 2 * * *\" for 02:00 every night)"
    return None


def _str_list(value: Any, what: str) -> tuple[list[str] | None, str | None]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value or not all(isinstance(v, str) and v.strip() for v in value):
        return None, f"expected {what} or a list of them"
    return [v.strip() for v in value], None


def _id_list(value: Any) -> tuple[list[int] | None, str | None]:
    if isinstance(value, int) and not isinstance(value, bool):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, int) and not isinstance(v, bool) and v > 0
                                              for v in value):
        return None, "expected a list of positive integer ids"
    return value, None


def _number(minimum: float, integer: bool = False):
    def check(value: Any) -> tuple[Any, str | None]:
        ok = isinstance(value, int) if integer else isinstance(value, (int, float))
        if not ok or isinstance(value, bool) or value < minimum:
            kind = "an integer" if integer else "a number"
            return None, f"expected {kind} >= {minimum} (got {value!r})"
        return value, None
    return check


def _bool(value: Any) -> tuple[bool | None, str | None]:
    if not isinstance(value, bool):
        return None, f"expected true or false (got {value!r})"
    return value, None


def _env_name(value: Any) -> tuple[str | None, str | None]:
    if not isinstance(value, str) or not ENV_NAME_RE.match(value):
        return None, ("expected the NAME of an environment variable (letters, digits, '_'), "
                      "not the token itself")
    return value, None


def _allow_private(value: Any) -> tuple[Any, str | None]:
    """true/false, or a list of addresses, networks (CIDR) or host names the fetcher may reach."""
    if isinstance(value, bool):
        return value, None
    items, err = _str_list(value, "an address, network or host name")
    if err:
        return None, "expected true, false, or a list of addresses/networks/host names"
    for item in items:
        try:
            ipaddress.ip_network(item, strict=False)
        except ValueError:
            if not HOST_RE.match(item):
                return None, f"{item!r} is neither an IP address, a network nor a host name"
    return items, None


def _days_or_off(value: Any) -> tuple[Any, str | None]:
    if value is False:
        return value, None
    value, err = _number(1)(value)
    return value, err and err.replace("expected a number", "expected false or a number of days")


def _policy(value: Any) -> tuple[Any, str | None]:
    if isinstance(value, (str, dict)):
        return value, None
    return None, "expected a policy name or a mapping"


_OPTION_CHECKS = {
    "metadata_prefix": lambda v: _str_list(v, "a metadata prefix"),
    "sets": lambda v: _str_list(v, "a setSpec"),
    "token_env": _env_name,
    "courses": _id_list,
    "categories": _id_list,
    "rate": _number(0),
    "timeout": _number(0.1),
    "max_concurrency": _number(1, integer=True),
    "allow_private": _allow_private,
    "browser": _bool,
    "policy": _policy,
    "reconcile_days": _number(0),
    "quiet_days": _days_or_off,
    "max_page_mb": _number(0.1),
    "total_timeout": _number(1),
}
