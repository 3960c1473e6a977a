"""The count-drop alert for incremental sweeps (whole harvests: Sweeper._suspicion).

An incremental harvest rightly brings only what changed, often nothing, so its size says little.
Two signals do: a reconciliation listing far smaller than the store (sweeps.reconcile), and a
source that used to change but has brought no record for longer than `quiet_days` (per source,
default 30; `false` turns it off) - an endpoint that went stale (a frozen cache, a broken
`from` filter, an emptied set) looks exactly like that.
"""
from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from store.models import Sweep

DEFAULT_QUIET_DAYS = 30


def quiet_source(s, sweep: Sweep, counts: dict[str, Any], days: float | bool | None) -> str | None:
    """The reason to flag an incremental sweep that harvested nothing, else None.

    "Used to change" = an earlier successful incremental sweep harvested records; the quiet time
    runs from the last such sweep. A source that never changed after its first harvest is not
    judged: nothing says it should.
    """
    if days is False or counts.get("full") or counts.get("harvested", 0):
        return None
    days = DEFAULT_QUIET_DAYS if days is None or days is True else days
    earlier = s.execute(select(Sweep.id, Sweep.started_at, Sweep.counts).where(
        Sweep.source_id == sweep.source_id, Sweep.id < sweep.id, Sweep.status == "succeeded")
        .order_by(Sweep.id.desc()))
    last = next((w for w in earlier if not (w.counts or {}).get("full")
                 and (w.counts or {}).get("harvested", 0) > 0), None)
    if last is None:
        return None
    quiet = sweep.started_at - last.started_at
    if quiet <= timedelta(days=days):
        return None
    return (f"no record harvested for {quiet.days} days (the last change came in sweep {last.id} on "
            f"{last.started_at:%Y-%m-%d}); the source used to change (alert after {days:g} days, quiet_days)")
