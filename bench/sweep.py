"""End-to-end sweep of a generated mixed corpus served on 127.0.0.1 (demo/): resources/s
in-process (SQLite) and on Celery with 2 workers (Redis + PostgreSQL), and the time of a
no-change re-sweep, incremental and full (conditional GETs). Aims: >= 80 resources/s, <= 10 s.

    .venv/bin/python -m bench sweep                        # 10,000 resources
    .venv/bin/python -m bench.sweep --resources 1000 [--no-celery]

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
    """CPU seconds spent by this process and by its descendants (checker pools, Celery workers),
    the repository server's process excepted. Descendants are sampled every half second, so a
    checker worker replaced between two samples loses at most half a second of its time."""

    def __init__(self, exclude: set[int]):
        import psutil
        self.me = psutil.Process()
        self.exclude = set(exclude)
        self.seen: dict[int, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def _sample(self) -> None:
        import psutil
        for child in self.me.children(recursive=True):
            if child.pid in self.exclude:
                continue
            try:
                if child.ppid() in self.exclude:
                    continue
                t = child.cpu_times()
                self.seen[child.pid] = max(self.seen.get(child.pid, 0.0), t.user + t.system)
            except psutil.Error:
                pass

    def _loop(self) -> None:
        while not self._stop.wait(0.5):
            self._sample()

    def __enter__(self) -> "CpuMeter":
        self._sample()
        self.start_children = sum(self.seen.values())
        self.start_self = time.process_time()
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self._sample()
        self.main = time.process_time() - self.start_self
        self.children = sum(self.seen.values()) - self.start_children


EXCLUDE: set[int] = set()   # the repository server's pid


def timed(label: str, fn, resources_key: str = "checked") -> dict:
    start = time.perf_counter()
    with CpuMeter(EXCLUDE) as cpu:
        summary = fn()
    elapsed = time.perf_counter() - start
    done = summary.get(resources_key, 0) or 0
    rate = f" {done / elapsed:6.1f} res/s" if done else ""
    per = (f"; CPU/resource {1000 * cpu.main / done:5.1f} ms here + {1000 * cpu.children / done:5.1f} ms "
           f"in workers" if done else "")
    print(f"  {label:<36} {elapsed:7.1f} s{rate}  ({resources_key} {done}, downloads "
          f"{summary.get('downloads', 0)}; CPU {cpu.main:.1f} s here + {cpu.children:.1f} s workers{per})",
          flush=True)
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
           "OERLINT_VISIBILITY_TIMEOUT": "300", "PYTHONPATH": str(ROOT)}
    os.environ.update({k: env[k] for k in ("OERLINT_BROKER_URL", "OERLINT_DATABASE_URL", "OERLINT_SOURCES",
                                           "OERLINT_DATA_DIR")})
    source = source_for(url, tmp)
    workers = [subprocess.Popen([str(ROOT / ".venv" / "bin" / "oerlint"), "worker", "-c", "4", "-l", "WARNING"],
                                env=env, cwd=tmp, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                start_new_session=True) for _ in range(2)]
    try:
        from sweeps import tasks
        tasks.app.conf.broker_url = REDIS
        print("celery (Redis, PostgreSQL, 2 workers x 4 threads, isolated checker pools):", flush=True)
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
