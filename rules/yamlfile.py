"""YAML reading for every data file oerlint ships or reads (rules, lexicons, policies, sources).

Safe loading only (no Python objects), through libyaml's C parser when PyYAML has it: the pure
Python parser takes most of a second for the rule catalogue, paid by every worker process.
"""
from __future__ import annotations

from typing import Any

import yaml

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load(text: str) -> Any:
    return yaml.load(text, Loader=_LOADER)  # noqa: S506 - a safe loader, C or Python
