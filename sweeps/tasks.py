"""The sweep on Celery: a harvest task per source fans out check tasks in chunks, a finalising
task records the counts, and one periodic beat task starts whatever sources are due.

Broker: `OERLINT_BROKER_URL` (Redis, e.g. redis://127.0.0.1:6379/0; RabbitMQ amqp:// works too —
it redelivers a dead worker's tasks as soon as the connection drops, where Redis waits for the
visibility timeout). Tasks are acknowledged late and rejected when their worker is lost, so a
worker killed in the middle of a chunk has that chunk redelivered; processing is idempotent
(sweeps.pipeline).

Redis keeps a delivered, unacknowledged message in its "unacked" index; a live worker puts it
back in the queue once it is older than `OERLINT_VISIBILITY_TIMEOUT` seconds (default 600),
looking every `unacked_restore_interval` seconds. The timeout must be longer than a chunk takes
(a slower chunk would be delivered twice — harmless, but wasted work) and short enough that a
dead worker's chunk comes back soon. The look is guarded by a lock in Redis; a worker killed while
holding it would block every other worker's look for kombu's default 300 s, so the lock expires
after one visibility timeout instead. As a last resort the finalising step re-sends the pending
items when none has moved for `OERLINT_REDISPATCH_SECONDS` (default twice the visibility timeout,
at least a minute).
"""
from __future__ import annotations

import logging
import os
import threading
import time
import uuid
from datetime import datetime, timedelta, timezone
from typing import Any, Callable

from celery import Celery
from sqlalchemy import select

from sweeps.pipeline import Sweeper, SweepSettings

log = logging.getLogger(__name__)

CHUNK = int(os.environ.get("OERLINT_CHUNK", "25"))
SUB_BATCH = 8          # resources read in one query and stored in one transaction
FINALIZE_EVERY = 2.0  # seconds between checks for the last pending items
VISIBILITY_TIMEOUT = int(os.environ.get("OERLINT_VISIBILITY_TIMEOUT", "600"))
REDISPATCH_SECONDS = float(os.environ.get("OERLINT_REDISPATCH_SECONDS") or max(60, 2 * VISIBILITY_TIMEOUT))


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
    broker_transport_options={"visibility_timeout": VISIBILITY_TIMEOUT,
                              # look for a dead worker's messages often enough for the timeout
                              "unacked_restore_interval": max(1, min(10, VISIBILITY_TIMEOUT // 5)),
                              "unacked_restore_throttle": 1,
                              # a worker killed while holding the look's lock must not block the
                              # others' looks for kombu's default five minutes
                              "unacked_mutex_expire": max(1, min(300, VISIBILITY_TIMEOUT))},
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
        from sweeps.inprocess import checker_processes
        _pool = WorkerPool(checker_processes())
    return _pool.run


def _source(name: str):
    from harvester.sources import find_source, load_sources
    return find_source(load_sources(), name)


_sweepers: dict[tuple[str, bool], Sweeper] = {}
_sweepers_lock = threading.Lock()


def _sweeper(name: str, *, with_fetcher: bool = True) -> Sweeper:
    """One Sweeper per source and worker process, shared by its threads (so is its fetcher)."""
    from sweeps.inprocess import make_fetcher
    with _sweepers_lock:
        if (name, with_fetcher) not in _sweepers:
            source = _source(name)
            _sweepers[name, with_fetcher] = Sweeper(
                source, SweepSettings(), fetcher=make_fetcher(source) if with_fetcher else None,
                runner=_runner())
        return _sweepers[name, with_fetcher]


HARVEST_LEASE = 30.0   # seconds; renewed while the harvest runs, so a dead worker's expires soon


@app.task(name="oerlint.harvest", bind=True, acks_late=True, max_retries=None)
def harvest_task(self, source_name: str, sweep_id: int, full: bool = False, limit: int | None = None) -> None:
    """Harvest, sending check chunks as records arrive, then start the finalising steps.

    Redis may deliver this task twice (a harvest longer than the visibility timeout, or a dead
    worker): a lease lets one delivery harvest; another one waits while that lease is renewed,
    and takes over when it is not (its worker died).
    """
    from store.db import acquire_lease, release_lease, session
    from store.models import Sweep
    holder = f"{self.request.id}-{os.getpid()}-{threading.get_ident()}"
    with session() as s:
        sweep = s.get(Sweep, sweep_id)
        if sweep is None or sweep.status != "running":
            return
        if (sweep.counts or {}).get("harvest_done"):
            _schedule_finalize(source_name, sweep_id)   # in case the first delivery died just now
            return
        if not acquire_lease(s, f"harvest:{sweep_id}", holder, HARVEST_LEASE):
            raise self.retry(countdown=HARVEST_LEASE)
    stop = threading.Event()

    def heartbeat() -> None:
        while not stop.wait(HARVEST_LEASE / 3):
            with session() as s2:
                acquire_lease(s2, f"harvest:{sweep_id}", holder, HARVEST_LEASE)

    threading.Thread(target=heartbeat, daemon=True, name=f"harvest-lease-{sweep_id}").start()
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
        stop.set()
        # at once: a sweep with nothing to check (a no-change re-sweep) finishes now
        _schedule_finalize(source_name, sweep_id, countdown=0)
        with session() as s:
            release_lease(s, f"harvest:{sweep_id}", holder)


@app.task(name="oerlint.check_chunk", bind=True, acks_late=True, max_retries=5,
          autoretry_for=(Exception,), retry_backoff=True, retry_backoff_max=60)
def check_chunk(self, source_name: str, sweep_id: int, resource_ids: list[int]) -> None:
    """Process a chunk of resources. Idempotent, so any failure is simply retried.

    The chunk is stored a few resources at a time (`SUB_BATCH`), so a redelivered chunk skips
    what a dead worker already stored (Sweeper.process_many skips items that are not pending).
    """
    sweeper = _sweeper(source_name)
    for i in range(0, len(resource_ids), SUB_BATCH):
        sweeper.process_many(sweep_id, resource_ids[i:i + SUB_BATCH])


def _schedule_finalize(source_name: str, sweep_id: int, *args, countdown: float = FINALIZE_EVERY) -> None:
    """Schedule the next finalising step and record its task id: a step that was delivered
    twice (Redis redelivers unacknowledged messages) finds another id recorded and stops, so
    there is only ever one chain of finalising steps per sweep.

    The record expires REDISPATCH_SECONDS after the step is due: a worker that dies holding the
    step (Celery keeps a countdown task in the worker that received it) ends the chain, and
    `revive_stalled_finalizers` starts it again once the record has expired."""
    from store.db import session
    from store.models import Lease
    task_id = uuid.uuid4().hex
    with session() as s:
        s.merge(Lease(name=f"finalize:{sweep_id}", holder=task_id, expires_at=datetime.now(timezone.utc)
                      + timedelta(seconds=countdown + REDISPATCH_SECONDS)))
    finalize.apply_async((source_name, sweep_id, *args), countdown=countdown, task_id=task_id)


def revive_stalled_finalizers() -> list[int]:
    """Start again the finalising chain of running Celery sweeps whose next step is overdue
    (see `_schedule_finalize`). Called by beat's tick and by a waiting `oerlint sweep`; a late
    step that comes back after all finds another task id recorded and stops."""
    from sqlalchemy import String, cast, literal

    from store.db import session
    from store.models import Lease, Source, Sweep
    chain_name = literal("finalize:", String) + cast(Sweep.id, String)
    with session() as s:
        stalled = s.execute(
            select(Sweep.id, Source.name).join(Source, Source.id == Sweep.source_id)
            .join(Lease, Lease.name == chain_name)
            .where(Sweep.status == "running", Sweep.executor == "celery",
                   Lease.expires_at < datetime.now(timezone.utc))).all()
    for sweep_id, source_name in stalled:
        log.warning("sweep %s: its finalising step is overdue, starting it again", sweep_id)
        _schedule_finalize(source_name, sweep_id, countdown=0)
    return [sweep_id for sweep_id, _ in stalled]


@app.task(name="oerlint.finalize", bind=True, max_retries=None)
def finalize(self, source_name: str, sweep_id: int, waited: float = 0.0, done_before: int = -1) -> None:
    """Finish the sweep once no item is pending; re-send the pending items when nothing has
    moved for REDISPATCH_SECONDS (a chunk lost for good)."""
    from sqlalchemy import delete, func

    from store.db import session
    from store.models import Lease, SweepItem
    with session() as s:
        chain = s.get(Lease, f"finalize:{sweep_id}")
        if chain is not None and chain.holder != self.request.id:
            return  # a duplicate delivery of an earlier step
        done = s.scalar(select(func.count()).select_from(SweepItem).where(
            SweepItem.sweep_id == sweep_id, SweepItem.state != "pending"))
    sweeper = _sweeper(source_name, with_fetcher=False)
    pending = sweeper.pending(sweep_id)
    if pending:
        waited = 0.0 if done != done_before else waited + FINALIZE_EVERY
        if waited >= REDISPATCH_SECONDS:
            for i in range(0, len(pending), CHUNK):   # idempotent, so sending again is safe
                check_chunk.delay(source_name, sweep_id, pending[i:i + CHUNK])
            waited = 0.0
        _schedule_finalize(source_name, sweep_id, waited, done)
        return
    sweeper.finish(sweep_id)
    with session() as s:
        s.execute(delete(Lease).where(Lease.name == f"finalize:{sweep_id}"))


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
    """Beat's one periodic task: start every source whose cron schedule is due.

    Two leases keep it single: the tick's own (two beats ticking at once: one of them looks,
    the other skips) and each source's (`Sweeper.start` returns None while a sweep of that source
    runs, so an overrunning sweep is not started again).
    """
    from store.db import acquire_lease, release_lease, session
    holder = f"beat-{os.getpid()}-{time.time_ns()}"
    with session() as s:
        if not acquire_lease(s, "beat:start_due", holder, 300):
            return []
    started = []
    try:
        revive_stalled_finalizers()
        for source in due_sources():
            sweeper = Sweeper(source, SweepSettings())
            sweep_id = sweeper.start(trigger="schedule", executor="celery",
                                     holder=f"celery-sweep-{source.name}-{time.time_ns()}")
            if sweep_id is not None:
                harvest_task.delay(source.name, sweep_id)
                started.append(sweep_id)
    finally:
        with session() as s:
            release_lease(s, "beat:start_due", holder)
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
        revive_stalled_finalizers()
        time.sleep(poll)
