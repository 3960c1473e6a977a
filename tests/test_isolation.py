"""The isolated worker pool (checkers/isolation.py) with real processes and misbehaving checkers."""
from __future__ import annotations

import threading
from pathlib import Path

import pytest

from checkers import isolation
from checkers.engine import FORMAT_CHECKERS, Context, check_bytes
from checkers.isolation import PoolClosed, WorkerPool
from tests.test_media_builders import cues_until, vtt

ROOT = str(Path(__file__).resolve().parent.parent)
HELPERS = "tests.test_isolation_checkers"
BEHAVIOURS = ("echo", "hog_memory", "spin", "sleep", "exit_now", "kill_self", "unpicklable_result")


@pytest.fixture
def formats(monkeypatch):
    """Register the misbehaving checkers as test-only formats named test-<behaviour>."""
    for name in BEHAVIOURS:
        monkeypatch.setitem(FORMAT_CHECKERS, f"test-{name}", f"{HELPERS}:{name}")


@pytest.fixture(scope="module")
def pool():
    with WorkerPool(2, memory_mb=512, cpu_seconds=2, wall_seconds=20, extra_paths=[ROOT],
                    preload=("checkers.engine", "checkers.media")) as p:
        yield p


def stopped_message(findings) -> str:
    assert len(findings) == 1 and findings[0].rule == "unreadable", findings
    assert findings[0].outcome == "cantTell"
    return findings[0].message


def echo(pool, text: str = "hello"):
    findings, facts = pool.run("test-echo", text.encode(), Context(name="x"))
    assert findings == [] and facts.text == text
    return int(facts.title)


def test_a_normal_file_runs_in_a_reused_worker(pool, formats):
    pids = {echo(pool, f"file {i}") for i in range(6)}
    assert len(pids) <= 2
    assert threading.get_native_id() not in pids


def test_memory_cap(pool, formats):
    message = stopped_message(pool.run("test-hog_memory", b"x", Context())[0])
    assert "needed more than 512 MiB of memory" in message
    echo(pool)


def test_cpu_cap(pool, formats):
    message = stopped_message(pool.run("test-spin", b"x", Context())[0])
    assert "stopped after 2 s of CPU time" in message
    echo(pool)


def test_wall_clock_cap(formats):
    with WorkerPool(1, wall_seconds=1, extra_paths=[ROOT], preload=()) as pool:
        before = echo(pool)
        message = stopped_message(pool.run("test-sleep", b"x", Context())[0])
        assert "stopped after 1 s wall clock" in message
        assert echo(pool) != before          # the sleeping worker was killed and replaced


@pytest.mark.parametrize("behaviour,reason", [("exit_now", "worker died: exit code 3"),
                                              ("kill_self", "worker died: signal 9")])
def test_a_dying_worker_is_replaced(pool, formats, behaviour, reason):
    message = stopped_message(pool.run(f"test-{behaviour}", b"x", Context())[0])
    assert reason in message
    echo(pool)


def test_an_unpicklable_result_is_reported_and_the_worker_kept(pool, formats):
    message = stopped_message(pool.run("test-unpicklable_result", b"x", Context())[0])
    assert "unusable result" in message
    echo(pool)


def test_large_data_goes_through_a_temporary_file(pool, formats, monkeypatch):
    monkeypatch.setattr(isolation, "FILE_THRESHOLD", 1000)
    findings, facts = pool.run("test-echo", b"a" * 5000, Context())
    assert findings == [] and facts.word_count == 5000
    assert not any(Path(pool._tmpdir).iterdir())     # the temporary file is gone


def test_concurrent_callers_share_the_pool(pool, formats):
    results: list[tuple[str, str]] = []
    lock = threading.Lock()

    def work(thread: int) -> None:
        for i in range(4):
            if (thread + i) % 3 == 0:
                outcome = pool.run("test-kill_self", b"x", Context())[0][0].message
            else:
                findings, facts = pool.run("test-echo", f"{thread}-{i}".encode(), Context())
                outcome = facts.text
            with lock:
                results.append((f"{thread}-{i}", outcome))

    threads = [threading.Thread(target=work, args=(t,)) for t in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert len(results) == 16
    for key, outcome in results:
        thread, i = map(int, key.split("-"))
        expected = "worker died: signal 9" if (thread + i) % 3 == 0 else key
        assert expected in outcome


def test_pool_as_the_runner_of_check_bytes(pool):
    data = vtt(cues_until(20))
    result = check_bytes(data, resource="r", name="lecture.vtt", runner=pool.run)
    assert [(f.rule, f.outcome) for f in result.findings][:1] == [("media-caption-file-valid", "passed")]
    assert "Line at 5 seconds" in result.facts.text


def test_a_closed_pool_refuses_work(formats):
    pool = WorkerPool(1, extra_paths=[ROOT], preload=())
    echo(pool)
    pool.close()
    with pytest.raises(PoolClosed):
        pool.run("test-echo", b"x", Context())
