"""The sweep on Celery: real Redis (db 7, flushed), real PostgreSQL, real `oerlint worker` and
`oerlint beat` processes started here and stopped by PID, the demo repository on 127.0.0.1."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from store.db import engine_for, migrate, session
from store.models import Sweep, SweepItem
from tests.services import services_required
from tests.sweep_fixtures import make_source, stored, units

ROOT = Path(__file__).resolve().parent.parent
OERLINT = ROOT / ".venv" / "bin" / "oerlint"
BROKER = os.environ.get("OERLINT_TEST_BROKER", "redis://127.0.0.1:6379/7")
VISIBILITY = 4      # seconds before Redis hands a dead worker's unacknowledged chunk to another


def _empty_broker() -> None:
    """Flush the test's Redis database (or purge the RabbitMQ queues: OERLINT_TEST_BROKER=amqp://...)."""
    try:
        if BROKER.startswith("redis"):
            import redis
            redis.Redis.from_url(BROKER, socket_connect_timeout=2).flushdb()
            return
        from kombu import Connection
        with Connection(BROKER, connect_timeout=2) as conn:
            for queue in ("harvest", "check"):
                conn.SimpleQueue(queue).clear()
    except Exception as exc:
        if services_required():
            raise
        pytest.skip(f"broker not reachable at {BROKER}: {type(exc).__name__}: {exc}")


@pytest.fixture
def pg(postgres_url):
    with engine_for(postgres_url).begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    migrate(postgres_url)
    return postgres_url


@pytest.fixture
def celery_env(tmp_path, server, pg, monkeypatch):
    """Environment for the worker processes and for this one (which sends the tasks)."""
    _empty_broker()
    sources = tmp_path / "sources.yaml"
    from demo.server import sources_yaml
    sources.write_text(sources_yaml(server.url, schedule="0 3 * * *"))
    env = {**os.environ, "OERLINT_BROKER_URL": BROKER, "OERLINT_DATABASE_URL": pg,
           "OERLINT_SOURCES": str(sources), "OERLINT_DATA_DIR": str(tmp_path / "data"),
           "OERLINT_VISIBILITY_TIMEOUT": str(VISIBILITY), "OERLINT_CHUNK": "4",
           "OERLINT_BEAT_SECONDS": "1", "PYTHONPATH": str(ROOT)}
    for key in ("OERLINT_BROKER_URL", "OERLINT_DATABASE_URL", "OERLINT_SOURCES", "OERLINT_DATA_DIR"):
        monkeypatch.setenv(key, env[key])
    from sweeps import tasks
    monkeypatch.setattr(tasks.app.conf, "broker_url", BROKER)
    yield env
    _empty_broker()


class Processes:
    """Processes started by a test, each stopped by its PID (TERM, then KILL) at the end."""

    def __init__(self, env: dict, tmp_path: Path):
        self.env, self.tmp_path, self.procs = env, tmp_path, []

    def start(self, *args: str) -> subprocess.Popen:
        log = open(self.tmp_path / f"{args[0]}-{len(self.procs)}.log", "wb")
        proc = subprocess.Popen([str(OERLINT), *args], env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                cwd=self.tmp_path, start_new_session=True)
        self.procs.append(proc)
        return proc

    def stop_all(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                os.kill(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + 10
        for proc in self.procs:
            try:
                proc.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.kill(proc.pid, signal.SIGKILL)
                proc.wait(5)
            try:   # the worker's checker processes too (same session, started by it)
                os.killpg(proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass

    def logs(self) -> str:
        """Each log's tail, and every check_chunk line of it (which worker took which chunk)."""
        out = []
        for path in sorted(self.tmp_path.glob("*.log")):
            text_ = path.read_text(errors="replace")
            chunks = [line for line in text_.splitlines() if "check_chunk" in line]
            out += [f"== {path.name}: check_chunk lines", *chunks, f"== {path.name}: tail", text_[-3000:]]
        return "\n".join(out)


@pytest.fixture
def procs(celery_env, tmp_path):
    p = Processes(celery_env, tmp_path)
    try:
        yield p
    finally:
        p.stop_all()


def _wait(condition, timeout: float, what: str, procs: Processes):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    pytest.fail(f"timed out waiting for {what}\n{procs.logs()}")


def _done_items(db_url: str) -> int:
    with session(db_url) as s:
        return s.scalar(select(func.count()).select_from(SweepItem).where(SweepItem.state != "pending"))


def _broker_state() -> str:
    """What Redis holds: queued and unacknowledged messages, and kombu's restore lock."""
    if not BROKER.startswith("redis"):
        return ""
    import redis
    r = redis.Redis.from_url(BROKER)
    return (f"broker: check={r.llen('check')} harvest={r.llen('harvest')} unacked={r.zcard('unacked_index')} "
            f"restore-lock ttl={r.ttl('unacked_mutex')}")


def _sweep_killing_a_worker(server, procs, pg) -> tuple[dict, int, int]:
    """Two workers sweep; one is killed with SIGKILL once a quarter is done. Returns the sweep's
    outcome, the number of items and how many were done at the kill."""
    from sweeps.tasks import run_on_celery
    server.file_delay = 0.04          # slow enough that the kill lands in the middle of the sweep
    victim = procs.start("worker", "-c", "2", "-l", "INFO")
    procs.start("worker", "-c", "2", "-l", "INFO")
    outcome: dict = {}
    runner = threading.Thread(target=lambda: outcome.update(
        run_on_celery(make_source(server.url), poll=0.3, timeout=120)), daemon=True)
    runner.start()
    total = units(server)
    _wait(lambda: _done_items(pg) >= total // 4, 60, "a quarter of the sweep", procs)
    os.kill(victim.pid, signal.SIGKILL)
    victim.wait(5)
    killed_at = _done_items(pg)
    runner.join(130)
    assert outcome.get("status") == "succeeded", f"{_broker_state()}\n{procs.logs()}"
    return outcome, total, killed_at


@pytest.mark.timeout(150)
def test_a_worker_killed_mid_sweep_its_chunk_finishes_on_the_other(server, celery_env, procs, pg):
    outcome, total, killed_at = _sweep_killing_a_worker(server, procs, pg)
    assert killed_at < total               # the kill did land in the middle
    assert outcome["checked"] == total and outcome["pending"] == 0 and outcome["errors"] == 0, outcome
    after = stored(pg)
    assert after.live == after.current == total        # exactly one current result each
    assert after.per_version_ruleset == 1 and after.results == total and after.crossed == 0
    with session(pg) as s:
        sweep = s.scalars(select(Sweep)).one()
        assert sweep.executor == "celery" and sweep.finished_at is not None


@pytest.mark.timeout(90)
def test_two_beats_start_one_sweep(server, celery_env, procs, pg):
    # Two processes call the beat task at the same moment, twice over, with no worker running
    # (the sweep they start stays "running" and holds its lease) ...
    race = ("import sys, time; from sweeps.tasks import start_due\n"
            "at = float(sys.argv[1])\n"
            "time.sleep(max(0, at - time.time()))\n"
            "print(start_due(), start_due(), flush=True)\n")
    at = time.time() + 3
    racers = [subprocess.Popen([sys.executable, "-c", race, str(at)], env=celery_env, cwd=ROOT,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outs = [p.communicate(timeout=60) for p in racers]
    assert all(p.returncode == 0 for p in racers), outs
    with session(pg) as s:
        sweeps = s.scalars(select(Sweep)).all()
    assert len(sweeps) == 1 and sweeps[0].trigger == "schedule" and sweeps[0].status == "running"

    # ... then two real beats tick every second while a worker runs that sweep to its end:
    # the source is no longer due, and nothing starts it again.
    procs.start("beat", "-l", "INFO", "--schedule", "beat-a")
    procs.start("beat", "-l", "INFO", "--schedule", "beat-b")
    procs.start("worker", "-c", "2", "-l", "INFO")

    def finished() -> bool:
        with session(pg) as s:
            return s.scalars(select(Sweep.status)).all() == ["succeeded"]
    _wait(finished, 60, "the scheduled sweep to finish", procs)
    time.sleep(3)                                  # a few more beat ticks
    with session(pg) as s:
        assert len(s.scalars(select(Sweep)).all()) == 1, procs.logs()
    assert "oerlint.start_due" in procs.logs()     # the beats did tick


@pytest.mark.timeout(150)
@pytest.mark.skipif(not BROKER.startswith("redis"), reason="blocks Redis's restore of unacknowledged messages")
def test_a_chunk_that_never_comes_back_is_sent_again(server, celery_env, procs, pg):
    # A worker killed while it held kombu's restore lock leaves its chunk unacknowledged and
    # never restored (the lock is held here for the whole test): the finalising step sees that
    # nothing moves and sends the pending items again.
    import redis
    redis.Redis.from_url(BROKER).set("unacked_mutex", "a-dead-worker", ex=600)
    celery_env["OERLINT_REDISPATCH_SECONDS"] = "6"
    outcome, total, _ = _sweep_killing_a_worker(server, procs, pg)
    assert outcome["checked"] == total and outcome["pending"] == 0, outcome
    after = stored(pg)
    assert after.live == after.current == total and after.crossed == 0
    assert redis.Redis.from_url(BROKER).zcard("unacked_index") >= 1   # the dead worker's chunk was never restored


def test_an_overdue_finalising_step_is_started_again_and_a_live_one_is_left(server, celery_env, pg):
    # Celery keeps a countdown task in the worker that received it: if that worker dies, the
    # sweep's finalising chain stops. Beat's tick (and a waiting `oerlint sweep`) starts it again.
    import redis
    from datetime import datetime, timedelta, timezone

    from sweeps.pipeline import Sweeper, SweepSettings
    from sweeps.tasks import revive_stalled_finalizers
    from store.models import Lease
    sweeps = [Sweeper(make_source(server.url, name=name), SweepSettings()).start(executor="celery")
              for name in ("stalled", "alive")]
    now = datetime.now(timezone.utc)
    with session(pg) as s:
        s.add(Lease(name=f"finalize:{sweeps[0]}", holder="lost-step", expires_at=now - timedelta(seconds=1)))
        s.add(Lease(name=f"finalize:{sweeps[1]}", holder="coming-step", expires_at=now + timedelta(minutes=5)))
        s.commit()
    assert revive_stalled_finalizers() == [sweeps[0]]
    with session(pg) as s:
        assert s.get(Lease, f"finalize:{sweeps[0]}").holder != "lost-step"     # a new chain
        assert s.get(Lease, f"finalize:{sweeps[1]}").holder == "coming-step"
    assert redis.Redis.from_url(BROKER).llen("harvest") == 1                   # its first step, sent
    assert revive_stalled_finalizers() == []                                   # and not twice
