"""The sweep on Celery: a harvest task per source fans out check tasks in chunks, a finalising
task records the counts, and one periodic beat task starts whatever sources are due.

Broker: `OERLINT_BROKER_URL` (Redis, e.g. redis://127.0.0.1:6379/0; RabbitMQ amqp:// works too —
it redelivers a dead worker's tasks at once, where Redis waits for the visibility timeout).
Tasks are acknowledged late and rejected when their worker is lost, so a worker killed in the
middle of a chunk has that chunk redelivered; processing is idempotent (sweeps.pipeline).
"""
from __future__ import annotations

import logging
import os
import time
from datetime import datetime, timezone
from typing import Any, Callable

from celery import Celery
from sqlalchemy import select

from sweeps.pipeline import Sweeper, SweepSettings

log = logging.getLogger(__name__)

CHUNK = int(os.environ.get("OERLINT_CHUNK", "25"))
FINALIZE_EVERY = 2.0  # seconds between checks for the last pending items


def _broker() -> str:
    return os.environ.get("OERLINT_BROKER_URL", "redis://127.0.0.1:6379/0")


app = Celery("oerlint", broker=_broker(), backend=os.environ.get("OERLINT_RESULT_BACKEND") or None)
app.conf.update(
    task_acks_late=True,                 # a task is done when it finished, not when it started
    task_reject_on_worker_lost=True,     # ... and goes back to the queue if its worker dies
    worker_prefetch_multiplier=1,        # a dead worker holds at most one chunk per thread
    task_serializer="json", accept_content=["json"], result_serializer="json",
    task_ignore_result=True,
    broker_connection_retry_on_startup=True,
    broker_transport_options={"visibility_timeout": int(os.environ.get("OERLINT_VISIBILITY_TIMEOUT", "600"))},
    task_routes={"oerlint.harvest": {"queue": "harvest"}, "oerlint.start_due": {"queue": "harvest"},
                 "oerlint.check_chunk": {"queue": "check"}, "oerlint.finalize": {"queue": "harvest"}},
    beat_schedule={"start-due-sweeps": {"task": "oerlint.start_due",
                                        "schedule": float(os.environ.get("OERLINT_BEAT_SECONDS", "60"))}},
    timezone="UTC",
)

_pool = None


def _runner():
    """One isolated parsing pool per worker process, started on first use."""
    global _pool
    if os.environ.get("OERLINT_NO_ISOLATION"):
        return None
    if _pool is None:
        from checkers.isolation import WorkerPool
        _pool = WorkerPool()
    return _pool.run


def _source(name: str):
    from harvester.sources import find_source, load_sources
    return find_source(load_sources(), name)


def _sweeper(name: str, *, with_fetcher: bool = True) -> Sweeper:
    from sweeps.inprocess import make_fetcher
    source = _source(name)
    return Sweeper(source, SweepSettings(), fetcher=make_fetcher(source) if with_fetcher else None,
                   runner=_runner())


@app.task(name="oerlint.harvest", bind=True, acks_late=True, max_retries=3)
def harvest_task(self, source_name: str, sweep_id: int, full: bool = False, limit: int | None = None) -> None:
    sweeper = _sweeper(source_name)
    chunk: list[int] = []
    sent: set[int] = set()

    def queue(resource_id: int) -> None:
        if resource_id in sent:
            return
        sent.add(resource_id)
        chunk.append(resource_id)
        if len(chunk) >= CHUNK:
            check_chunk.delay(source_name, sweep_id, list(chunk))
            chunk.clear()

    try:
        for rid in sweeper.pending(sweep_id):
            queue(rid)
        sweeper.harvest(sweep_id, full=full, limit=limit, on_queued=queue)
        for rid in sweeper.pending(sweep_id):
            queue(rid)
        if chunk:
            check_chunk.delay(source_name, sweep_id, list(chunk))
    finally:  # whatever happened, the sweep gets finished and its lease released
        finalize.apply_async((source_name, sweep_id), countdown=FINALIZE_EVERY)


@app.task(name="oerlint.check_chunk", bind=True, acks_late=True, max_retries=5,
          autoretry_for=(ConnectionError, OSError), retry_backoff=True, retry_backoff_max=60)
def check_chunk(self, source_name: str, sweep_id: int, resource_ids: list[int]) -> None:
    from store.db import session
    from store.models import SweepItem
    sweeper = _sweeper(source_name)
    with session(sweeper.db_url) as s:
        todo = set(s.scalars(select(SweepItem.resource_id).where(
            SweepItem.sweep_id == sweep_id, SweepItem.state == "pending",
            SweepItem.resource_id.in_(resource_ids))))
    for rid in resource_ids:
        if rid in todo:  # a redelivered chunk skips what the dead worker already stored
            sweeper.process(sweep_id, rid)


@app.task(name="oerlint.finalize", bind=True, max_retries=None)
def finalize(self, source_name: str, sweep_id: int, waited: float = 0.0) -> None:
    """Finish the sweep once no item is pending; re-send items that seem lost."""
    sweeper = _sweeper(source_name, with_fetcher=False)
    pending = sweeper.pending(sweep_id)
    if pending:
        stall = float(os.environ.get("OERLINT_REDISPATCH_SECONDS", "900"))
        if waited >= stall:  # idempotent, so sending again is safe
            for i in range(0, len(pending), CHUNK):
                check_chunk.delay(source_name, sweep_id, pending[i:i + CHUNK])
            waited = 0.0
        finalize.apply_async((source_name, sweep_id, waited + FINALIZE_EVERY), countdown=FINALIZE_EVERY)
        return
    sweeper.finish(sweep_id)


def due_sources(now: datetime | None = None) -> list[Any]:
    """Configured sources whose cron schedule has come round since their last sweep started."""
    from croniter import croniter

    from harvester.sources import load_sources
    from store.db import session
    from store.models import Source, Sweep
    now = now or datetime.now(timezone.utc)
    due = []
    with session() as s:
        for source in load_sources():
            if not source.schedule:
                continue
            row = s.scalars(select(Source).where(Source.name == source.name)).first()
            last = None
            if row is not None:
                last = s.scalars(select(Sweep.started_at).where(Sweep.source_id == row.id)
                                 .order_by(Sweep.started_at.desc())).first()
                last = last or row.created_at
            if last is None:
                due.append(source)
                continue
            if croniter(source.schedule, last).get_next(datetime) <= now:
                due.append(source)
    return due


@app.task(name="oerlint.start_due")
def start_due() -> list[int]:
    """Beat's one periodic task. The source's lease makes a second beat (or an overrunning
    sweep) a no-op: `Sweeper.start` returns None while another sweep of that source runs."""
    started = []
    for source in due_sources():
        sweeper = Sweeper(source, SweepSettings())
        sweep_id = sweeper.start(trigger="schedule", executor="celery",
                                 holder=f"celery-sweep-{source.name}-{time.time_ns()}")
        if sweep_id is not None:
            harvest_task.delay(source.name, sweep_id)
            started.append(sweep_id)
    return started


def run_on_celery(source: Any, *, full: bool = False, limit: int | None = None, trigger: str = "manual",
                  progress: Callable[[str, int], None] | None = None, poll: float = 1.0,
                  timeout: float | None = None) -> dict[str, Any]:
    """Start a sweep on the workers and wait for it, reporting progress from the database."""
    from sqlalchemy import func

    from store.db import session
    from store.models import Sweep, SweepItem
    sweeper = Sweeper(source, SweepSettings())
    sweep_id = sweeper.start(trigger=trigger, executor="celery", full=full,
                             holder=f"celery-sweep-{source.name}-{time.time_ns()}")
    if sweep_id is None:
        return {"status": "skipped", "reason": f"a sweep of {source.name} is already running"}
    harvest_task.delay(source.name, sweep_id, full, limit)
    seen_done = 0
    deadline = None if timeout is None else time.monotonic() + timeout
    while True:
        with session(sweeper.db_url) as s:
            sweep = s.get(Sweep, sweep_id)
            done = s.scalar(select(func.count()).where(SweepItem.sweep_id == sweep_id,
                                                       SweepItem.state != "pending"))
            if progress and done > seen_done:
                progress("processed", done - seen_done)
                seen_done = done
            if sweep.status != "running":
                counts = dict(sweep.counts or {})
                return {"sweep": sweep_id, "status": sweep.status,
                        "suspicious": sweep.suspicious_reason, **counts}
        if deadline is not None and time.monotonic() > deadline:
            return {"sweep": sweep_id, "status": "running", "reason": "still running on the workers"}
        time.sleep(poll)
