"""Run format checkers in worker processes with memory, CPU and wall-clock caps.

Parsing untrusted files (PDF, Office, media) is where a hostile or simply broken file can hang,
eat all memory or crash a C extension. `WorkerPool.run(fmt, data, ctx)` has the signature of
`checkers.engine.run_format_checker`, so a sweep passes `runner=pool.run` to `check_bytes`:

- each worker has an address-space cap (RLIMIT_AS, `memory_mb`) and a CPU-time cap per file
  (RLIMIT_CPU, `cpu_seconds`); the parent enforces a wall-clock timeout (`wall_seconds`);
- a worker that breaks a cap, dies or times out is killed and replaced, and the file gets one
  `unreadable` cantTell finding naming the cap ("stopped after 60 s wall clock", "needed more
  than 1 GiB of memory", "worker died: signal 9"); the pool carries on with the next file;
- workers are started lazily from a forkserver (never forked from a threaded parent), preload the
  checker modules and are reused across files; `run` is safe to call from many threads.

Data goes to the worker through the pipe; files above `FILE_THRESHOLD` go through a private
temporary file instead, so a big PDF is not pickled into the pipe.
"""
from __future__ import annotations

import importlib
import logging
import multiprocessing
import os
import pickle
import resource
import shutil
import signal
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any, Iterable

from checkers.facts import ContentFacts
from checkers.findings import CANT_TELL, UNREADABLE, Finding, unreadable

log = logging.getLogger(__name__)

DEFAULT_MEMORY_MB = 1024
DEFAULT_CPU_SECONDS = 30
DEFAULT_WALL_SECONDS = 60
DEFAULT_MAX_TASKS = 500              # a worker is replaced after this many files (slow leaks)
FILE_THRESHOLD = 4 * 1024 * 1024     # bytes above this travel through a temporary file
CHECKER_MODULES = ("checkers.engine", "checkers.html", "checkers.pdf", "checkers.pptx",
                   "checkers.docx", "checkers.media", "checkers.licence", "checkers.oer")
_MEMORY_WORDS = ("memory",)          # run_format_checker's message for a MemoryError says "memory"


def _size_text(megabytes: int) -> str:
    return f"{megabytes // 1024} GiB" if megabytes % 1024 == 0 else f"{megabytes} MiB"


def _import_quietly(modules: Iterable[str]) -> list[str]:
    """Import what imports cleanly; a checker that is missing or broken is skipped, not fatal."""
    loaded = []
    for name in modules:
        try:
            importlib.import_module(name)
            loaded.append(name)
        except Exception as exc:
            log.debug("not preloading %s: %s", name, exc)
    return loaded


# ---------------------------------------------------------------- worker process side

def _serve(conn, memory_mb: int, cpu_seconds: int, extra_paths: tuple[str, ...],
           modules: tuple[str, ...]) -> None:
    """A worker's loop: receive (fmt, spec, data or path, ctx), answer (findings, facts, memory_hit)."""
    for path in reversed(extra_paths):
        if path not in sys.path:
            sys.path.insert(0, path)
    signal.signal(signal.SIGINT, signal.SIG_IGN)     # Ctrl-C is the parent's to handle
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # a worker killed by a cap leaves no core file
    _import_quietly(modules)
    from checkers.engine import FORMAT_CHECKERS, run_format_checker
    from rules.catalogue import catalogue
    try:
        catalogue()          # load the rule files once per worker, not on its first file
    except Exception as exc:
        log.warning("rule catalogue failed to load in a worker: %s", exc)
    if memory_mb:
        cap = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    conn.send("ready")   # the parent starts a file's wall clock only once the worker can take it
    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError):
            return
        if task is None:
            return
        fmt, spec, payload, ctx = task
        memory_hit = False
        try:
            data = Path(payload).read_bytes() if isinstance(payload, str) else payload
            if spec is not None:
                FORMAT_CHECKERS[fmt] = spec            # the parent's registry is the reference
            if cpu_seconds:
                usage = resource.getrusage(resource.RUSAGE_SELF)
                used = int(usage.ru_utime + usage.ru_stime) + 1
                hard = resource.getrlimit(resource.RLIMIT_CPU)[1]
                resource.setrlimit(resource.RLIMIT_CPU, (used + cpu_seconds, hard))
            findings, facts = run_format_checker(fmt, data, ctx)
            memory_hit = any(f.rule == UNREADABLE and any(w in f.message for w in _MEMORY_WORDS)
                             for f in findings)
        except MemoryError:
            findings, facts, memory_hit = [], ContentFacts(fmt), True
        data = payload = None
        try:
            conn.send((findings, facts, memory_hit))
        except MemoryError:
            conn.send(([], ContentFacts(fmt), True))
        except Exception as exc:   # an unpicklable result is a checker bug; say so, keep serving
            conn.send(([unreadable(f"the {fmt} checker returned an unusable result: {type(exc).__name__}",
                                   outcome=CANT_TELL)], ContentFacts(fmt), False))


# ---------------------------------------------------------------- parent side

class _Worker:
    START_SECONDS = 120   # a worker that cannot import the checkers in this long is broken

    def __init__(self, mp_context, args: tuple):
        self.conn, child = mp_context.Pipe(duplex=True)
        self.proc = mp_context.Process(target=_serve, args=(child, *args), daemon=True,
                                       name="oerlint-checker")
        self.proc.start()
        child.close()
        self.tasks = 0
        # Wait for the worker's start-up (imports, rule catalogue) so that it does not count
        # against the first file's wall clock on a busy machine.
        try:
            ready = self.conn.poll(self.START_SECONDS) and self.conn.recv() == "ready"
        except (EOFError, OSError):
            ready = False
        if not ready:
            self.kill()
            raise OSError("a checker worker process did not start")

    def kill(self) -> None:
        try:
            self.proc.kill()
            self.proc.join(5)
        except (OSError, ValueError, AssertionError):
            pass
        self.conn.close()

    def stop(self) -> None:
        try:
            self.conn.send(None)
            self.proc.join(2)
        except (OSError, ValueError):
            pass
        if self.proc.is_alive():
            self.kill()
        else:
            self.conn.close()


class PoolClosed(RuntimeError):
    """run() was called on a closed pool."""


class WorkerPool:
    """Isolated checker processes; `run` has the signature of engine.run_format_checker."""

    def __init__(self, size: int | None = None, *, memory_mb: int = DEFAULT_MEMORY_MB,
                 cpu_seconds: int = DEFAULT_CPU_SECONDS, wall_seconds: float = DEFAULT_WALL_SECONDS,
                 max_tasks: int = DEFAULT_MAX_TASKS, extra_paths: Iterable[str] = (),
                 preload: Iterable[str] = CHECKER_MODULES, start_method: str = "forkserver"):
        self.size = max(1, size or os.cpu_count() or 1)
        self.memory_mb, self.cpu_seconds, self.wall_seconds = memory_mb, cpu_seconds, wall_seconds
        self.max_tasks = max_tasks
        self._extra_paths = tuple(str(p) for p in extra_paths)
        self._preload = tuple(preload)
        self._start_method = start_method
        self._mp = None
        self._cond = threading.Condition()
        self._start_lock = threading.Lock()
        self._idle: list[_Worker] = []
        self._busy: set[_Worker] = set()
        self._starting = 0
        self._closed = False
        self._tmpdir: str | None = None
        self.stats = {"files": 0, "stopped": 0, "workers_started": 0}

    # -- lifecycle

    def __enter__(self) -> "WorkerPool":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def close(self) -> None:
        """Stop idle workers now; busy ones are killed as soon as their file is done."""
        with self._cond:
            self._closed = True
            idle, self._idle = self._idle, []
            self._cond.notify_all()
        for worker in idle:
            worker.stop()
        if self._tmpdir:
            shutil.rmtree(self._tmpdir, ignore_errors=True)

    def _context(self):
        if self._mp is None:
            self._mp = multiprocessing.get_context(self._start_method)
            if self._start_method == "forkserver":
                # Effective only if no forkserver runs yet in this process; workers import the
                # same modules themselves anyway. Only modules that import cleanly here are
                # named, because a module failing in the forkserver would take it down.
                self._mp.set_forkserver_preload(_import_quietly(self._preload))
        return self._mp

    def _acquire(self) -> _Worker:
        with self._cond:
            while True:
                if self._closed:
                    raise PoolClosed("the worker pool is closed")
                if self._idle:
                    worker = self._idle.pop()
                    self._busy.add(worker)
                    return worker
                if len(self._busy) + self._starting < self.size:
                    self._starting += 1
                    break
                self._cond.wait()
        try:
            with self._start_lock:   # Process.start is not meant to race with itself
                worker = _Worker(self._context(), (self.memory_mb, self.cpu_seconds,
                                                   self._extra_paths, self._preload))
        except BaseException as exc:
            with self._cond:
                self._starting -= 1
                self._cond.notify()
            if isinstance(exc, (AssertionError, OSError)):
                # e.g. "daemonic processes are not allowed to have children", or no more pids
                raise RuntimeError(f"cannot start checker worker processes ({exc}); set "
                                   f"OERLINT_NO_ISOLATION=1 to run checkers in-process") from exc
            raise
        with self._cond:
            self._starting -= 1
            self._busy.add(worker)
            self.stats["workers_started"] += 1
        return worker

    def _release(self, worker: _Worker, reusable: bool) -> None:
        worker.tasks += 1
        with self._cond:
            self._busy.discard(worker)
            keep = reusable and not self._closed and worker.tasks < self.max_tasks
            if keep:
                self._idle.append(worker)
            self._cond.notify()
        if not keep:
            if reusable:
                worker.stop()
            else:
                worker.kill()

    def worker_pids(self) -> list[int]:
        """Process ids of the live workers (for monitoring and benchmarks)."""
        with self._cond:
            return [w.proc.pid for w in (*self._idle, *self._busy) if w.proc.pid]

    # -- running one file

    def _payload(self, data: bytes) -> tuple[bytes | str, str | None]:
        if len(data) <= FILE_THRESHOLD:
            return data, None
        with self._cond:
            if self._tmpdir is None:
                self._tmpdir = tempfile.mkdtemp(prefix="oerlint-pool-")
        fd, path = tempfile.mkstemp(dir=self._tmpdir)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        return path, path

    def _stopped(self, fmt: str, reason: str) -> tuple[list[Finding], ContentFacts]:
        with self._cond:
            self.stats["stopped"] += 1
        return [unreadable(f"The {fmt} check was stopped: {reason}", outcome=CANT_TELL)], ContentFacts(fmt)

    def _death_reason(self, worker: _Worker) -> str:
        worker.proc.join(5)
        code = worker.proc.exitcode
        if code is not None and code < 0:
            if -code == signal.SIGXCPU:
                return f"stopped after {self.cpu_seconds} s of CPU time"
            return f"worker died: signal {-code}"
        return f"worker died: exit code {code}" if code is not None else "worker died"

    def run(self, fmt: str, data: bytes, ctx: Any) -> tuple[list[Finding], ContentFacts]:
        """Check one file in a worker; never raises for what the file or checker does."""
        from checkers.engine import FORMAT_CHECKERS
        spec = FORMAT_CHECKERS.get(fmt)
        payload, tmp = self._payload(data)
        worker = self._acquire()
        reusable = False
        try:
            with self._cond:
                self.stats["files"] += 1
            try:
                worker.conn.send((fmt, spec, payload, ctx))
            except (BrokenPipeError, ConnectionResetError, EOFError):
                return self._stopped(fmt, self._death_reason(worker))
            except (pickle.PicklingError, TypeError, AttributeError) as exc:
                # Pickling happens before anything is written: the worker is untouched.
                reusable = True
                return self._stopped(fmt, f"its context could not be sent to a worker ({type(exc).__name__})")
            if not worker.conn.poll(self.wall_seconds):
                return self._stopped(fmt, f"stopped after {self.wall_seconds:g} s wall clock")
            try:
                findings, facts, memory_hit = worker.conn.recv()
            except (EOFError, ConnectionResetError, OSError):
                return self._stopped(fmt, self._death_reason(worker))
            if memory_hit:
                # The worker survived a MemoryError; replace it anyway (its heap may be fragmented).
                return self._stopped(fmt, f"needed more than {_size_text(self.memory_mb)} of memory")
            reusable = True
            return findings, facts
        finally:
            self._release(worker, reusable)
            if tmp:
                try:
                    os.unlink(tmp)
                except OSError:
                    pass
