"""`oerlint check` wall time for one small file, as an author runs it (`python -m bench cli_check`):
an HTML page (checked in-process, no worker pool) and a one-slide deck (checked in a worker of
the capped pool), each also with OERLINT_NO_ISOLATION=1, to show what starting the pool costs."""
from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.office_factory import deck, save, slide

OERLINT = Path(sys.executable).with_name("oerlint")
PAGE = (b"<!DOCTYPE html><html lang='en'><head><title>Statics, week 1</title></head><body>"
        b"<h1>Statics</h1><p>Read the <a href='notes.pdf'>lecture notes (PDF)</a> first.</p></body></html>")
RUNS = 3


def _seconds(path: Path, isolated: bool) -> float:
    env = {k: v for k, v in os.environ.items() if k != "OERLINT_NO_ISOLATION"}
    if not isolated:
        env["OERLINT_NO_ISOLATION"] = "1"
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        subprocess.run([str(OERLINT), "check", str(path)], env=env, stdout=subprocess.DEVNULL, check=False)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def run() -> None:
    prs = deck()
    slide(prs, "Statics", body="Forces in a truss")
    with tempfile.TemporaryDirectory() as tmp:
        page, slides = Path(tmp) / "page.html", Path(tmp) / "slides.pptx"
        page.write_bytes(PAGE)
        slides.write_bytes(save(prs))
        for path, how in ((page, "in-process (HTML never starts the pool)"), (slides, "worker pool")):
            isolated, plain = _seconds(path, True), _seconds(path, False)
            print(f"  oerlint check {path.name:<12} {isolated:6.2f} s  {how}; "
                  f"{plain:.2f} s with OERLINT_NO_ISOLATION=1 (median of {RUNS})", flush=True)
    print(f"  load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores", flush=True)


if __name__ == "__main__":
    run()
