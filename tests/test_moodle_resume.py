"""Kill a Moodle harvest with SIGKILL half-way, resume from its checkpoint, compare with the truth."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from harvester.fetch import Fetcher
from harvester.moodle import MoodleHarvester
from harvester.sources import Source
from tests.moodle_sim import MoodleSim

ROOT = Path(__file__).resolve().parents[1]

# The child harvests, writing each record's identifier as it gets it and the checkpoint (atomically)
# whenever one is handed over, and dawdles over each record so the parent can kill it mid-way.
CHILD = r"""
import json, os, sys, time
from harvester.moodle import MoodleHarvester
from harvester.sources import Source

url, out, state = sys.argv[1], sys.argv[2], sys.argv[3]
source = Source(name="campus", institution="T", kind="moodle", base_url=url,
                options={"token_env": "SIM_MOODLE_TOKEN", "courses": [2, 3], "allow_private": ["127.0.0.1"]})

def save(checkpoint):
    with open(state + ".tmp", "w") as fh:
        json.dump(checkpoint, fh)
    os.replace(state + ".tmp", state)

with open(out, "a") as fh:
    for record in MoodleHarvester(source, on_checkpoint=save):
        fh.write(record.identifier + "\n")
        fh.flush()
        time.sleep(0.2)
"""


def test_sigkill_then_resume_gives_every_record_and_repeats_none_of_finished_courses(tmp_path, monkeypatch):
    with MoodleSim() as sim:
        monkeypatch.setenv("SIM_MOODLE_TOKEN", sim.token)
        source = Source(name="campus", institution="T", kind="moodle", base_url=sim.url,
                        options={"token_env": "SIM_MOODLE_TOKEN", "courses": [2, 3]})
        with Fetcher(allowlist=["127.0.0.1"]) as fetcher:
            truth = [r.identifier for r in MoodleHarvester(source, fetcher=fetcher)]
        assert len(truth) == 12

        out, state = tmp_path / "out.txt", tmp_path / "state.json"
        env = dict(os.environ, PYTHONPATH=str(ROOT))
        child = subprocess.Popen([sys.executable, "-c", CHILD, sim.url, str(out), str(state)], env=env)
        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                lines = out.read_text().split() if out.exists() else []
                if len(lines) >= 10:          # course 2 done (9 records), course 3 begun
                    break
                assert child.poll() is None, "the harvest ended before it could be killed"
                time.sleep(0.02)
            child.send_signal(signal.SIGKILL)
        finally:
            child.wait(timeout=30)
        assert child.returncode == -signal.SIGKILL
        before = out.read_text().split()
        assert 10 <= len(before) < len(truth)

        with Fetcher(allowlist=["127.0.0.1"]) as fetcher:
            checkpoint = json.loads(state.read_text())
            after = [r.identifier for r in MoodleHarvester(source, fetcher=fetcher, checkpoint=checkpoint)]

    assert set(before) | set(after) == set(truth)                 # nothing missing
    assert len(before) == len(set(before)) and len(after) == len(set(after))
    repeated = set(before) & set(after)
    # only the course that was in progress is harvested again (same identifiers, so idempotent)
    assert repeated and all(":course3" in i for i in repeated)
    assert not any(":course2" in i for i in after)
