"""Licence policy as configuration: which licences are recommended, allowed, discouraged, not open.

The seed disagrees with itself (its platform section recommends CC BY / CC BY-SA 4.0 and advises
against NC and ND; its Annex 3 asks for CC BY-NC-SA 4.0), so the policy is a YAML profile, not a
constant. Shipped profiles live in `rules/policies/` (`platform`, the default, and `annex3`); any
other file with the same keys can be given by path.
"""
from __future__ import annotations

import fnmatch
import functools
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from checkers.licence_detect import LicenceMatch, spdx_id
from rules import yamlfile

POLICY_DIR = Path(__file__).resolve().parent.parent / "rules" / "policies"
DEFAULT_POLICY = "platform"
LISTS = ("recommended", "not_open", "discouraged", "allowed")  # the order a licence is tried in
RECOMMENDED, NOT_OPEN, DISCOURAGED, ALLOWED, UNLISTED = (*LISTS, "unlisted")


class PolicyError(ValueError):
    """A policy that cannot be found or does not follow the format."""


@dataclass(frozen=True)
class Policy:
    name: str
    title: str
    source: str
    recommended: tuple[str, ...]
    not_open: tuple[str, ...]
    discouraged: tuple[str, ...]
    allowed: tuple[str, ...]
    path: str = ""

    def classify(self, match: LicenceMatch) -> str:
        """recommended | not_open | discouraged | allowed | unlisted."""
        names = {match.spdx.upper(), match.family.upper()}
        for list_name in LISTS:
            for pattern in getattr(self, list_name):
                if any(fnmatch.fnmatchcase(n, pattern.upper()) for n in names):
                    return list_name
        return UNLISTED

    def recommended_labels(self) -> str:
        return ", ".join(_label(p) for p in self.recommended) or "none"


def _label(ident: str) -> str:
    if ident.startswith("CC-") and "*" not in ident:
        code, _, version = ident[3:].rpartition("-")
        return f"CC {code} {version}"
    return ident


def available_policies() -> list[str]:
    return list(_shipped(POLICY_DIR, _mtime_ns(POLICY_DIR)))


@functools.lru_cache(maxsize=4)
def _shipped(folder: Path, folder_mtime_ns: int) -> tuple[str, ...]:
    """The shipped profiles, listed once per version of the folder (a profile added or removed
    changes its modification time): sweeps ask for the policy once per resource."""
    return tuple(sorted(p.stem for p in folder.glob("*.yaml")))


def _mtime_ns(path: Path | str) -> int:
    return os.stat(path).st_mtime_ns


def _entry_ok(entry: Any) -> bool:
    if not isinstance(entry, str) or not entry.strip():
        return False
    if any(ch in entry for ch in "*?["):
        return True
    return entry.startswith("LicenseRef-") or spdx_id(entry) is not None


def _parse(data: Any, path: Path) -> Policy:
    if not isinstance(data, dict):
        raise PolicyError(f"{path.name}: a policy must be a mapping with the lists {', '.join(LISTS)}")
    unknown = sorted(set(data) - {"name", "title", "source", *LISTS})
    if unknown:
        raise PolicyError(f"{path.name}: unknown field(s): {', '.join(unknown)}")
    lists: dict[str, tuple[str, ...]] = {}
    for key in LISTS:
        value = data.get(key) or []
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list):
            raise PolicyError(f"{path.name}: {key} must be a list of licence ids or patterns")
        bad = [str(v) for v in value if not _entry_ok(v)]
        if bad:
            raise PolicyError(f"{path.name}: {key}: not an SPDX id, LicenseRef-… or pattern: {', '.join(bad)}")
        lists[key] = tuple(v.strip() for v in value)
    if not lists["recommended"] and not lists["allowed"]:
        raise PolicyError(f"{path.name}: a policy must recommend or allow at least one licence")
    return Policy(name=str(data.get("name") or path.stem), title=str(data.get("title") or path.stem),
                  source=str(data.get("source") or ""), path=str(path), **lists)


@functools.lru_cache(maxsize=32)
def _parse_file(path: str, mtime_ns: int) -> Policy:
    """Parsed once per version of the file (the modification time is part of the key)."""
    p = Path(path)
    try:
        data = yamlfile.load(p.read_text(encoding="utf-8"))
    except OSError as exc:
        raise PolicyError(f"cannot read policy file {p}: {exc.strerror or exc}") from None
    except yaml.YAMLError as exc:
        raise PolicyError(f"{p.name}: not valid YAML: {exc}") from None
    return _parse(data, p)


def _load_file(path: str) -> Policy:
    try:
        mtime = _mtime_ns(path)
    except OSError as exc:
        raise PolicyError(f"cannot read policy file {path}: {exc.strerror or exc}") from None
    return _parse_file(path, mtime)


def load_policy(name_or_path: str | Path | None = None) -> Policy:
    """A shipped profile by name (`platform`, `annex3`) or a policy YAML file by path."""
    value = str(name_or_path or DEFAULT_POLICY).strip()
    if value in available_policies():
        return _load_file(str(POLICY_DIR / f"{value}.yaml"))
    path = Path(value).expanduser()
    if path.suffix in (".yaml", ".yml") or path.exists():
        return _load_file(str(path.resolve()))
    raise PolicyError(f"unknown licence policy {value!r}: use one of {', '.join(available_policies())} "
                      "or the path of a policy YAML file")
