"""One entry point for a sweep, whatever runs it: Celery when OERLINT_BROKER_URL is set, else here."""
from __future__ import annotations

import os
from typing import Any, Callable


def celery_enabled() -> bool:
    return bool(os.environ.get("OERLINT_BROKER_URL"))


def run(source: Any, *, full: bool = False, limit: int | None = None, threads: int = 4,
        trigger: str = "manual", progress: Callable[[str, int], None] | None = None) -> dict[str, Any]:
    if celery_enabled():
        from sweeps.tasks import run_on_celery
        return run_on_celery(source, full=full, limit=limit, trigger=trigger, progress=progress)
    from sweeps.inprocess import run_sweep
    return run_sweep(source, full=full, limit=limit, threads=threads, trigger=trigger, progress=progress)
