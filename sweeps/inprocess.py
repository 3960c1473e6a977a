"""The embedded executor: one process, threads for I/O, the checkers' worker pool for parsing."""
from __future__ import annotations

import logging
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable

from sweeps.pipeline import Sweeper, SweepSettings

log = logging.getLogger(__name__)

# Threads fetch and check; each takes a batch of resources, read in one query and stored in one
# transaction (SQLite has a single writer anyway).
THREADS = 4
BATCH = 8


def checker_processes() -> int | None:
    """Size of a checker pool: OERLINT_CHECKER_PROCESSES, else one process per core. Several
    Celery workers on one machine each have a pool: give each a share of the cores."""
    value = os.environ.get("OERLINT_CHECKER_PROCESSES")
    return max(1, int(value)) if value else None


def make_fetcher(source: Any):
    from harvester.fetch import fetcher_for
    return fetcher_for(source.options)


def make_pool():
    from checkers.isolation import WorkerPool
    return WorkerPool(checker_processes())


def run_sweep(source: Any, settings: SweepSettings | None = None, *, full: bool = False,
              limit: int | None = None, since: str | None = None, threads: int = THREADS,
              batch_size: int = BATCH,
              trigger: str = "manual", isolate: bool | None = None,
              progress: Callable[[str, int], None] | None = None) -> dict[str, Any]:
    """Run one whole sweep of `source` here; returns the finished sweep's counts.

    `progress(kind, n)` is told of each harvested record ("harvested") and of processed resources
    ("processed", a batch at a time), for a progress bar.
    """
    if isolate is None:  # checkers in isolated processes unless OERLINT_NO_ISOLATION is set
        isolate = not os.environ.get("OERLINT_NO_ISOLATION")
    fetcher = make_fetcher(source)
    pool = make_pool() if isolate else None
    try:
        sweeper = Sweeper(source, settings, fetcher=fetcher, runner=pool.run if pool else None)
        sweep_id = sweeper.start(trigger=trigger, executor="inprocess", full=full)
        if sweep_id is None:
            return {"status": "skipped", "reason": f"a sweep of {source.name} is already running"}
        submitted: set[int] = set()
        batch: list[int] = []
        lock = threading.Lock()
        slots = threading.BoundedSemaphore(threads * 2)  # keeps memory flat on huge harvests

        with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="sweep") as executor:
            def done(future) -> None:
                slots.release()
                if future.exception() is not None:  # the items stay pending; finish() counts them
                    log.error("resources not processed: %r", future.exception())
                if progress:
                    progress("processed", future.size)

            def send() -> None:
                with lock:
                    ids = batch[:]
                    batch.clear()
                if ids:
                    slots.acquire()
                    future = executor.submit(sweeper.process_many, sweep_id, ids)
                    future.size = len(ids)
                    future.add_done_callback(done)

            def submit(resource_id: int) -> None:
                with lock:
                    if resource_id in submitted:
                        return
                    submitted.add(resource_id)
                    batch.append(resource_id)
                    full_batch = len(batch) >= batch_size
                if full_batch:
                    send()

            for rid in sweeper.pending(sweep_id):
                submit(rid)
            send()
            sweeper.harvest(sweep_id, full=full, limit=limit, since=since, on_queued=submit,
                            on_stored=send,
                            on_record=(lambda: progress("harvested", 1)) if progress else None)
            for rid in sweeper.pending(sweep_id):  # anything queued outside the callbacks
                submit(rid)
            send()
        return sweeper.finish(sweep_id)
    finally:
        if pool is not None:
            pool.close()
        if hasattr(fetcher, "close"):
            fetcher.close()
