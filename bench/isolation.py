"""What isolation costs: files/s through the worker pool versus in-process for a small HTML page,
worker start latency and memory; plus media files/s in-process (`python -m bench isolation`)."""
from __future__ import annotations

import os
import resource
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psutil

from checkers.engine import Context, run_format_checker
from checkers.isolation import WorkerPool

PAGE = (b"<!DOCTYPE html><html lang='en'><head><title>Statics, week 1</title></head><body>"
        b"<h1>Statics</h1><p>Read the <a href='notes.pdf'>lecture notes (PDF)</a> first.</p>"
        b"<img src='truss.png' alt='A truss with three loads'><table><tr><th>Load</th><th>kN</th></tr>"
        b"<tr><td>A</td><td>4</td></tr></table></body></html>")


def _rate(label: str, n: int, seconds: float, base: float | None = None) -> float:
    rate = n / seconds
    extra = f", overhead {1000 * (1 / rate - 1 / base):.2f} ms/file" if base else ""
    print(f"  {label:<44} {rate:8.0f} files/s ({1000 / rate:.2f} ms/file{extra})", flush=True)
    return rate


def _html(n: int) -> None:
    ctx = Context(name="page.html", media_type="text/html")
    run_format_checker("html", PAGE, ctx)                      # imports, catalogue
    started = time.perf_counter()
    for _ in range(n):
        run_format_checker("html", PAGE, ctx)
    base = _rate("in-process", n, time.perf_counter() - started)

    with WorkerPool(1) as pool:
        started = time.perf_counter()
        pool.run("html", PAGE, ctx)
        print(f"  first file through a new pool (worker start) {1000 * (time.perf_counter() - started):8.0f} ms")
        started = time.perf_counter()
        for _ in range(n):
            pool.run("html", PAGE, ctx)
        _rate("pool, 1 worker, one caller", n, time.perf_counter() - started, base)
        rss = psutil.Process(pool.worker_pids()[0]).memory_info().rss
        print(f"  worker RSS after {n + 1} files                  {rss / 2**20:8.0f} MiB")

    size = os.cpu_count() or 1
    with WorkerPool(size) as pool, ThreadPoolExecutor(size * 2) as threads:
        list(threads.map(lambda _: pool.run("html", PAGE, ctx), range(size * 2)))   # start workers
        started = time.perf_counter()
        list(threads.map(lambda _: pool.run("html", PAGE, ctx), range(n)))
        _rate(f"pool, {size} workers, {size * 2} caller threads", n, time.perf_counter() - started)
        pids = pool.worker_pids()
        total = sum(psutil.Process(pid).memory_info().rss for pid in pids)
        print(f"  {len(pids)} workers' RSS together                    {total / 2**20:8.0f} MiB")
    print(f"  parent peak RSS                               "
          f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:8.0f} MiB", flush=True)


def _media(n: int) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from tests.test_media_builders import CC_608_PADDING, captioned_frames, cues_until, fmp4, mp4, vtt, webm
    from checkers.media import check_media
    video, caption = mp4(600_000), vtt(cues_until(590))
    ctx = Context(name="lecture.mp4", media_type="video/mp4", siblings=("lecture.vtt",),
                  sibling_data={"lecture.vtt": caption})
    plain = Context(name="lecture.mp4", media_type="video/mp4")
    check_media(video, ctx)
    # The last two are the costliest MP4s: every fragment's trun summed (no mehd), and the whole
    # caption scan window read because the SEI cc_data is padding only.
    for label, data, context, files in (
            ("MP4 + 118-cue WebVTT beside it", video, ctx, n),
            ("WebM with a subtitle track", webm(subtitles="D_WEBVTT/SUBTITLES"),
             Context(name="x.webm", media_type="video/webm"), n),
            ("fMP4 2 h, 3,600 fragments", fmp4(3600, 2), plain, max(1, n // 30)),
            ("1,800 frames of cc padding", mp4(video_samples=captioned_frames(CC_608_PADDING, 1800)),
             plain, max(1, n // 10))):
        started = time.perf_counter()
        for _ in range(files):
            check_media(data, context)
        _rate(f"media in-process: {label}", files, time.perf_counter() - started)


def run() -> None:
    n = int(os.environ.get("BENCH_FILES", "300"))
    print("HTML page through the isolation pool:")
    _html(n)
    print("Media checker:")
    _media(n)


if __name__ == "__main__":
    run()
