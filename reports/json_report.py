"""The JSON report: exactly the check-result contract of ARCHITECTURE.md.

One object for one input, a list for several (`many`), so that `oerlint check a.html --format
json` can be piped straight into tools that expect the API's shape.
"""
from __future__ import annotations

import json

from checkers.engine import CheckResult


def render_json(results: list[CheckResult], *, many: bool) -> str:
    data = [r.to_dict() for r in results]
    return json.dumps(data if many else data[0], ensure_ascii=False, indent=2) + "\n"
