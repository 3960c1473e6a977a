"""Browser pass throughput: pages per second with 1 and 2 drivers (axe-core in headless Chromium,
merged with the static findings) on generated 10 KB course pages, and memory per driver (PSS of
chromedriver and every Chromium process under it). Target: >= 3 pages/s per driver.
Drivers are started before timing; the figures are for reused drivers."""
from __future__ import annotations

import os
import threading
import time

from bench.html import make_page
from checkers.browser import check_html_with_browser
from checkers.browser_pool import DriverPool, browser_installed
from checkers.engine import Context
from checkers.html import check_html

SECONDS = 12.0
PAGE_BYTES = 10_000


def _pss_mb(pids: list[int]) -> float:
    import psutil
    total = 0
    for pid in pids:
        try:
            info = psutil.Process(pid).memory_full_info()
            total += getattr(info, "pss", info.rss)
        except psutil.Error:
            continue
    return total / 2**20


def _one(pool: DriverPool, i: int) -> None:
    data = make_page(PAGE_BYTES, seed=i)
    ctx = Context(name=f"page{i}.html", base_url=f"https://moodle.example/mod/page/view.php?id={i}")
    check_html_with_browser(data, ctx, check_html(data, ctx), pool=pool)


def measure(drivers: int) -> tuple[float, list[float]]:
    with DriverPool(size=drivers) as pool:
        start = time.perf_counter()
        warm = [threading.Thread(target=_one, args=(pool, -k)) for k in range(drivers)]
        for t in warm:
            t.start()
        for t in warm:
            t.join()
        startup = time.perf_counter() - start
        done = [0]
        lock = threading.Lock()
        deadline = time.perf_counter() + SECONDS

        def worker(k: int) -> None:
            i = k
            while time.perf_counter() < deadline:
                _one(pool, i)
                with lock:
                    done[0] += 1
                i += drivers

        began = time.perf_counter()
        threads = [threading.Thread(target=worker, args=(k,)) for k in range(drivers)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        rate = done[0] / (time.perf_counter() - began)
        memory = [_pss_mb(d.pid_tree()) for d in list(pool._all)]
    print(f"  {drivers} driver(s): {rate:.2f} pages/s ({rate / drivers:.2f} per driver), "
          f"{done[0]} pages; first pages incl. start {startup:.1f} s")
    return rate, memory


def run() -> None:
    if not browser_installed():
        print("  skipped: Debian's chromium and chromium-driver are not installed (tools/install-browser)")
        return
    print(f"  {PAGE_BYTES // 1000} KB pages, {SECONDS:g} s per setting, {os.cpu_count()} core(s)")
    _, memory = measure(1)
    measure(2)
    if memory:
        print(f"  memory per driver (PSS, chromedriver + Chromium): {sum(memory) / len(memory):.0f} MB")


if __name__ == "__main__":
    run()
