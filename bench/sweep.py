"""End-to-end sweep of a generated mixed corpus served on 127.0.0.1 (demo/): resources/s
in-process (SQLite) and on Celery with 2 workers (Redis + PostgreSQL), and the time of a
no-change re-sweep, incremental and full (conditional GETs). Aims: >= 80 resources/s, <= 10 s.

Each line is followed by the CPU spent per resource — in the sweeping process, the Celery worker
processes and the checker pools — and the throughput that CPU cost allows on idle cores: on a
shared machine the wall-clock figures follow its load, the CPU figures hardly.

    .venv/bin/python -m bench sweep                        # 10,000 resources
    .venv/bin/python -m bench.sweep --resources 1000 [--no-celery] [--no-inprocess]

The repository runs in its own process (its rendering must not share this one's GIL).
"""
from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REDIS = os.environ.get("OERLINT_BENCH_BROKER", "redis://127.0.0.1:6379/8")
PG_ADMIN = os.environ.get("OERLINT_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


def serve(n: int) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen([sys.executable, "-m", "demo.server", "--resources", str(n), "--batch", "500"],
                            cwd=ROOT, stdout=subprocess.PIPE, text=True)
    return proc, proc.stdout.readline().strip()


def source_for(url: str, tmp: Path):
    import yaml

    from demo.server import sources_yaml
    from harvester.sources import parse_sources
    (tmp / "sources.yaml").write_text(sources_yaml(url))
    return parse_sources(yaml.safe_load((tmp / "sources.yaml").read_text()))[0]


class CpuMeter:
    """CPU seconds spent by this process and by its descendants — the checkers' isolated pools
    ("pool") and Celery worker processes ("celery") — the repository server excepted. PostgreSQL
    and Redis are not counted. Descendants are sampled twice a second, so a checker process
    replaced between two samples loses at most half a second of its time."""

    def __init__(self, exclude: set[int]):
        import psutil
        self.me = psutil.Process()
        self.exclude = set(exclude)
        self.seen: dict[int, tuple[str, float]] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def _sample(self) -> None:
        import psutil
        for child in self.me.children(recursive=True):
            try:
                if child.pid in self.exclude or child.ppid() in self.exclude:
                    continue
                kind = self.seen.get(child.pid, ("",))[0] or (
                    "celery" if "worker" in child.cmdline() and "multiprocessing" not in " ".join(child.cmdline())
                    else "pool")
                t = child.cpu_times()
                self.seen[child.pid] = (kind, max(self.seen.get(child.pid, ("", 0.0))[1], t.user + t.system))
            except psutil.Error:
                pass

    def _loop(self) -> None:
        while not self._stop.wait(0.5):
            self._sample()

    def _by_kind(self) -> dict[str, float]:
        out = {"pool": 0.0, "celery": 0.0}
        for kind, seconds in self.seen.values():
            out[kind] += seconds
        return out

    def _server(self) -> float:
        import psutil
        try:
            return sum(sum(psutil.Process(pid).cpu_times()[:2]) for pid in self.exclude)
        except psutil.Error:
            return 0.0

    def __enter__(self) -> "CpuMeter":
        self._server_start = self._server()
        self._sample()
        self._start = self._by_kind()
        self._start_self = time.process_time()
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self._sample()
        self.main = time.process_time() - self._start_self
        end = self._by_kind()
        self.pool, self.celery = (end[k] - self._start[k] for k in ("pool", "celery"))
        self.server = self._server() - self._server_start


EXCLUDE: set[int] = set()   # the repository server's pid
CORES = os.cpu_count() or 1


def timed(label: str, fn, resources_key: str = "checked") -> dict:
    """Run one sweep; print wall time, resources/s, and CPU per resource by process kind with the
    throughput that CPU cost allows on idle cores (the machine may be shared: wall figures vary
    with its load, CPU figures much less)."""
    start = time.perf_counter()
    with CpuMeter(EXCLUDE) as cpu:
        summary = fn()
    elapsed = time.perf_counter() - start
    done = summary.get(resources_key, 0) or 0
    rate = f"{done / elapsed:6.1f} res/s" if done else " " * 12
    print(f"  {label:<34} {elapsed:6.1f} s {rate}  ({resources_key} {done}, downloads "
          f"{summary.get('downloads', 0)}, errors {summary.get('errors', 0)})", flush=True)
    if done:
        ms = {k: 1000 * v / done for k, v in (("main", cpu.main), ("celery", cpu.celery), ("pool", cpu.pool))}
        total = sum(ms.values())
        # the sweep process's threads share one GIL; Celery workers are separate processes
        ceiling = min(CORES * 1000 / total, 1000 / ms["main"] if not cpu.celery else float("inf"))
        parts = [f"{ms['main']:.1f} ms sweep process"] + ([f"{ms['celery']:.1f} ms Celery workers"] if cpu.celery
                                                          else []) + [f"{ms['pool']:.1f} ms checker pools"]
        print(f"  {'':<34}   CPU per resource {total:.1f} ms = {' + '.join(parts)}; "
              f"CPU-bound ceiling on {CORES} idle cores ~{ceiling:.0f} res/s (the repository server "
              f"used {1000 * cpu.server / done:.1f} ms more)", flush=True)
    return summary


def in_process(url: str, tmp: Path) -> None:
    from sweeps.inprocess import run_sweep
    from sweeps.pipeline import SweepSettings
    os.environ["OERLINT_DATA_DIR"] = str(tmp / "inprocess")
    source = source_for(url, tmp)
    settings = SweepSettings(db_url=f"sqlite:///{tmp / 'inprocess.sqlite3'}")
    print("in-process (SQLite, 4 threads, isolated checker pool):", flush=True)
    timed("first sweep", lambda: run_sweep(source, settings, threads=4))
    timed("no-change re-sweep (incremental)", lambda: run_sweep(source, settings, threads=4), "unchanged")
    timed("no-change re-sweep (--full, 304s)", lambda: run_sweep(source, settings, threads=4, full=True),
          "unchanged")


def celery(url: str, tmp: Path) -> None:
    import redis
    from sqlalchemy import create_engine, text
    try:
        redis.Redis.from_url(REDIS, socket_connect_timeout=2).flushdb()
        admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
        name = f"oerlint_bench_{uuid.uuid4().hex[:8]}"
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:
        print(f"celery: skipped (Redis at {REDIS} or PostgreSQL not reachable: {type(exc).__name__})")
        return
    db_url = PG_ADMIN.rsplit("/", 1)[0] + "/" + name
    env = {**os.environ, "OERLINT_BROKER_URL": REDIS, "OERLINT_DATABASE_URL": db_url,
           "OERLINT_SOURCES": str(tmp / "sources.yaml"), "OERLINT_DATA_DIR": str(tmp / "celery"),
           "OERLINT_VISIBILITY_TIMEOUT": "300", "PYTHONPATH": str(ROOT),
           # two workers on this machine: one checker process each, not one per core each
           "OERLINT_CHECKER_PROCESSES": str(max(1, CORES // 2))}
    os.environ.update({k: env[k] for k in ("OERLINT_BROKER_URL", "OERLINT_DATABASE_URL", "OERLINT_SOURCES",
                                           "OERLINT_DATA_DIR")})
    source = source_for(url, tmp)
    workers = [subprocess.Popen([str(ROOT / ".venv" / "bin" / "oerlint"), "worker", "-c", "4", "-l", "WARNING"],
                                env=env, cwd=tmp, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                start_new_session=True) for _ in range(2)]
    try:
        from sweeps import tasks
        tasks.app.conf.broker_url = REDIS
        print(f"celery (Redis, PostgreSQL, 2 workers x 4 threads, {env['OERLINT_CHECKER_PROCESSES']} checker "
              f"process(es) each):", flush=True)
        timed("first sweep", lambda: tasks.run_on_celery(source, poll=0.5))
        timed("no-change re-sweep (incremental)", lambda: tasks.run_on_celery(source, poll=0.2), "unchanged")
        timed("no-change re-sweep (--full, 304s)", lambda: tasks.run_on_celery(source, full=True, poll=0.5),
              "unchanged")
    finally:
        for worker in workers:
            os.killpg(worker.pid, signal.SIGTERM)
        for worker in workers:
            try:
                worker.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(worker.pid, signal.SIGKILL)
        from store.db import engine_for
        engine_for(db_url).dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        redis.Redis.from_url(REDIS).flushdb()


def run(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--resources", type=int, default=int(os.environ.get("OERLINT_BENCH_SWEEP_N", 10_000)))
    parser.add_argument("--no-celery", action="store_true")
    parser.add_argument("--no-inprocess", action="store_true")
    args = parser.parse_args([] if argv is None else argv)
    proc, url = serve(args.resources)
    EXCLUDE.add(proc.pid)
    try:
        with tempfile.TemporaryDirectory(prefix="oerlint-bench-sweep-") as tmp:
            print(f"corpus: {args.resources} records (HTML, PDF, PPTX, DOCX, MP4/WebM +/- captions, "
                  f"metadata only) at {url}; {os.cpu_count()} cores", flush=True)
            if not args.no_inprocess:
                in_process(url, Path(tmp))
            if not args.no_celery:
                celery(url, Path(tmp))
    finally:
        proc.kill()
        proc.wait()


if __name__ == "__main__":
    run(sys.argv[1:])
