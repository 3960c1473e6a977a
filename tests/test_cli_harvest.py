"""`oerlint harvest`: JSONL output, state, summary, exit codes, and a SIGKILL in the middle."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from harvester import open_harvester
from harvester.sources import Source
from sweeps.cli import main
from tests.oai_server import OAITestServer, StoredRecord, make_records

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def server():
    with OAITestServer(make_records(240, deleted_every=10), batch_size=50) as srv:
        yield srv


def sources_file(tmp_path: Path, srv, name="test-repo", **extra) -> Path:
    lines = [f"  - name: {name}", "    institution: Test", "    kind: oai", f"    base_url: {srv.url}",
             "    allow_private: [127.0.0.1]"]
    lines += [f"    {k}: {json.dumps(v)}" for k, v in extra.items()]
    path = tmp_path / "sources.yaml"
    path.write_text("sources:\n" + "\n".join(lines) + "\n", encoding="utf-8")
    return path


def run_cli(tmp_path, srv, *args, **extra):
    sources = sources_file(tmp_path, srv, **extra)
    return CliRunner().invoke(main, ["harvest", "test-repo", "--sources", str(sources),
                                     "--state", str(tmp_path / "state"), *args])


def lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def truth(records) -> set[tuple[str, str, bool]]:
    return {(r.identifier, r.datestamp.strftime("%Y-%m-%dT%H:%M:%SZ"), r.deleted) for r in records}


def keys(rows) -> list[tuple[str, str, bool]]:
    return [(r["identifier"], r["datestamp"], r["deleted"]) for r in rows]


def assert_exactly_once(rows, expected):
    got = keys(rows)
    assert [k for k, n in Counter(got).items() if n > 1] == []
    assert set(got) == expected


def test_harvest_writes_jsonl_and_a_summary(tmp_path, server):
    out = tmp_path / "out.jsonl"
    result = run_cli(tmp_path, server, "-o", str(out))
    assert result.exit_code == 0, result.output
    rows = lines(out)
    assert_exactly_once(rows, truth(server.records))
    assert rows[1]["title"] == "Open course unit 1" and rows[1]["files"][0]["name"] == "unit-1.pdf"
    assert "harvest test-repo (run 1): new 216, updated 0, unchanged 0, deleted 24, skipped 0, errors 0, " \
           "lost pages 0 (records lost 0), retries 0" in result.stderr
    state = json.loads((tmp_path / "state" / "test-repo.json").read_text())
    assert state["complete"] is True and state["offset"] == out.stat().st_size and state["run"] == 1


def test_second_run_is_incremental_and_says_what_changed(tmp_path, server):
    out = tmp_path / "out.jsonl"
    assert run_cli(tmp_path, server, "-o", str(out)).exit_code == 0
    changed = list(server.records)
    later = max(r.datestamp for r in changed) + timedelta(minutes=1)
    changed[5] = StoredRecord(changed[5].identifier, later, changed[5].sets, False, 5)
    changed[6] = StoredRecord(changed[6].identifier, later, changed[6].sets, True, 6)
    changed.append(StoredRecord("oai:test.example.org:brand-new", later, ["oer"], False, 999))
    server.load(changed)

    result = run_cli(tmp_path, server, "-o", str(out))
    assert result.exit_code == 0, result.output
    assert "harvest test-repo (run 2): new 1, updated 1, unchanged 0, deleted 1, skipped 1," in result.stderr
    assert "skipped 1: already received (overlap window)" in result.stderr
    assert len(lines(out)) == 240 + 3                        # the output is appended to

    result = run_cli(tmp_path, server, "-o", str(tmp_path / "again.jsonl"), "--since", "2024-01-01")
    assert result.exit_code == 0, result.output
    assert "(run 3): new 0, updated 0, unchanged 216, deleted 25," in result.stderr
    assert len(lines(tmp_path / "again.jsonl")) == 241


def test_records_go_to_standard_output_without_output_option(tmp_path, server):
    result = run_cli(tmp_path, server, "--limit", "7")
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(rows) == 7 and rows[0]["source"] == "test-repo"
    assert "not finished: the next `oerlint harvest test-repo` resumes" in result.stderr


def test_resume_cuts_what_was_written_after_the_last_checkpoint(tmp_path, server):
    out = tmp_path / "out.jsonl"
    assert run_cli(tmp_path, server, "-o", str(out), "--limit", "75").exit_code == 0
    with open(out, "ab") as fh:                 # a killed run wrote half a page, then half a line
        fh.write(b'{"identifier": "oai:test.example.org:rec-000075", "datestamp": "2024-01-01T09:15:00Z"}\n{"ident')
    result = run_cli(tmp_path, server, "-o", str(out))
    assert result.exit_code == 0, result.output
    assert "(run 1, resumed)" in result.stderr
    assert_exactly_once(lines(out), truth(server.records))


def test_records_sent_again_after_a_restart_are_written_once(tmp_path):
    with OAITestServer(make_records(120), batch_size=50, ordered=False) as srv:
        srv.add_fault("expire", cursor=50)
        out = tmp_path / "out.jsonl"
        result = run_cli(tmp_path, srv, "-o", str(out))
        assert result.exit_code == 0, result.output
        assert_exactly_once(lines(out), truth(srv.records))
        # one caught by the harvester's overlap window, the rest by the seen-index
        assert "new 120, updated 0, unchanged 0, deleted 0, skipped 50," in result.stderr
        assert "skipped 49: already written in this run" in result.stderr


def test_errors_and_lost_pages_exit_1(tmp_path, server):
    server.add_fault("malformed", cursor=100)
    result = run_cli(tmp_path, server, "-o", str(tmp_path / "out.jsonl"), "--raw-dir", str(tmp_path / "raw"))
    assert result.exit_code == 1
    assert "lost pages 1" in result.stderr and "raw page kept at" in result.stderr
    assert len(list((tmp_path / "raw").iterdir())) == 1

    server.faults.clear()
    server.add_fault("503", cursor=0, times=50, retry_after="seconds", seconds=0)
    result = run_cli(tmp_path, server, "-o", str(tmp_path / "b.jsonl"), "--since", "2024-01-01")
    assert result.exit_code == 1
    assert "errors 1" in result.stderr and "HTTP 503" in result.stderr


def test_bad_source_name_and_bad_date_exit_2(tmp_path, server):
    result = run_cli(tmp_path, server, "--since", "yesterday")
    assert result.exit_code == 2 and "--since" in result.output
    sources = sources_file(tmp_path, server)
    result = CliRunner().invoke(main, ["harvest", "nope", "--sources", str(sources)])
    assert result.exit_code == 2 and "no source named 'nope' (configured: test-repo)" in result.stderr


def test_open_harvester_dispatches_on_kind(server):
    oai = open_harvester(Source("a", "I", "oai", server.url, options={"allow_private": ["127.0.0.1"]}), limit=1)
    assert type(oai).__name__ == "OAIHarvester" and len(list(oai)) == 1
    with pytest.raises(ValueError, match="unknown kind 'ftp'"):
        open_harvester(Source("b", "I", "ftp", server.url))


def test_moodle_sources_go_to_the_moodle_harvester(monkeypatch):
    moodle = pytest.importorskip("harvester.moodle")
    monkeypatch.setenv("M_TOKEN", "t0ken")
    source = Source("m", "U", "moodle", "https://moodle.example.org",
                    options={"token_env": "M_TOKEN", "courses": [2]})
    assert isinstance(open_harvester(source, limit=3), moodle.MoodleHarvester)


def test_sigkill_in_the_middle_then_resume_gives_every_record_exactly_once(tmp_path):
    records = make_records(600, deleted_every=9)
    with OAITestServer(records, batch_size=40, page_delay=0.04) as srv:
        sources = sources_file(tmp_path, srv)
        state = tmp_path / "state" / "test-repo.json"
        out = tmp_path / "out.jsonl"
        command = [sys.executable, "-c", "from sweeps.cli import main; main()", "harvest", "test-repo",
                   "--sources", str(sources), "--state", str(tmp_path / "state"), "-o", str(out)]
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        kills = 0
        for wait_for_seq in (3, 4):          # kill twice, at different depths, then let it finish
            proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                                    stderr=subprocess.DEVNULL)
            start = _seq(state)
            deadline = time.monotonic() + 60
            while _seq(state) < start + wait_for_seq and proc.poll() is None and time.monotonic() < deadline:
                time.sleep(0.01)
            time.sleep(0.02 * wait_for_seq)   # land somewhere inside the next page
            if proc.poll() is None:
                proc.send_signal(signal.SIGKILL)
                kills += 1
            proc.wait()
        assert kills == 2
        assert not json.loads(state.read_text())["complete"]
        done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr[-2000:]
        assert "resumed" in done.stderr
        assert_exactly_once(lines(out), truth(records))


def _seq(state: Path) -> int:
    try:
        return json.loads(state.read_text())["seq"]
    except (FileNotFoundError, ValueError, KeyError):
        return 0
