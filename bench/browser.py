"""Browser pass throughput on generated 10 KB course pages (axe-core in headless Chromium, merged
with the static findings). Target: >= 3 pages/s per driver.

For 1 and 2 drivers: pages/s (wall clock, drivers started before timing, so the figures are for
reused drivers), CPU seconds per page (Chromium: chromedriver and every Chromium process under it,
including processes that ended; Python: this process — static pass, page server, WebDriver
client), and memory per driver (PSS). On a shared machine the wall-clock rate follows the load;
CPU seconds per page hardly do: `1 / CPU s per page` (pages per CPU-second) compares runs taken
under different loads. (Chromium's processes work in parallel, so one driver on an idle machine
can do better than one page per CPU-second.)
A per-phase line (navigation, axe run and transfer, reset, merge) shows where the time goes.
"""
from __future__ import annotations

import os
import threading
import time
from collections import Counter

from bench.html import make_page
from checkers import browser
from checkers.browser import check_html_with_browser
from checkers.browser_pool import CHROMIUM, DriverPool, browser_installed
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


def _tree_cpu(pools: list[DriverPool]) -> float:
    """CPU seconds of every live driver's process tree, counting children that have ended (their
    time is added to the parent that reaped them)."""
    import psutil
    total = 0.0
    for pool in pools:
        for d in list(pool._all):
            for pid in d.pid_tree():
                try:
                    t = psutil.Process(pid).cpu_times()
                    total += t.user + t.system + t.children_user + t.children_system
                except psutil.Error:
                    continue
    return total


def _own_cpu() -> float:
    t = os.times()
    return t.user + t.system


class _Phases:
    """Wall-clock seconds per phase of the browser pass, summed over pages (bench only: wraps the
    module's functions while measuring)."""

    def __init__(self) -> None:
        self.seconds: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._saved: list[tuple[object, str, object]] = []

    def _wrap(self, owner, name: str, phase: str, when=None) -> None:
        original = getattr(owner, name)

        def timed(*args, **kwargs):
            if when is not None and not when(args):
                return original(*args, **kwargs)
            start = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                with self._lock:
                    self.seconds[phase] += time.perf_counter() - start
        self._saved.append((owner, name, original))
        setattr(owner, name, timed)

    def __enter__(self) -> "_Phases":
        from selenium.webdriver.remote.webdriver import WebDriver
        self._wrap(WebDriver, "get", "navigate")
        self._wrap(browser.browser_axe, "run", "axe run + transfer")
        self._wrap(browser, "_reset", "reset")
        self._wrap(browser, "merge", "merge")
        self._wrap(browser, "render_and_run", "browser total")
        return self

    def __exit__(self, *exc) -> None:
        for owner, name, original in reversed(self._saved):
            setattr(owner, name, original)


def _one(pool: DriverPool, i: int) -> None:
    data = make_page(PAGE_BYTES, seed=i)
    ctx = Context(name=f"page{i}.html", base_url=f"https://moodle.example/mod/page/view.php?id={i}")
    check_html_with_browser(data, ctx, check_html(data, ctx), pool=pool)


def measure(drivers: int) -> dict:
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

        with _Phases() as phases:
            cpu0, own0, began = _tree_cpu([pool]), _own_cpu(), time.perf_counter()
            threads = [threading.Thread(target=worker, args=(k,)) for k in range(drivers)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            wall = time.perf_counter() - began
            cpu, own = _tree_cpu([pool]) - cpu0, _own_cpu() - own0
        memory = [_pss_mb(d.pid_tree()) for d in list(pool._all)]
    pages = max(done[0], 1)
    rate = done[0] / wall
    print(f"  {drivers} driver(s): {rate:.2f} pages/s ({rate / drivers:.2f} per driver), {done[0]} pages; "
          f"CPU per page: Chromium {cpu / pages:.2f} s + Python {own / pages:.2f} s "
          f"({1 / max((cpu + own) / pages, 1e-9):.1f} pages per CPU-second); "
          f"first pages incl. start {startup:.1f} s")
    print("    per page, wall: " + ", ".join(f"{name} {secs / pages * 1000:.0f} ms"
                                             for name, secs in phases.seconds.items()))
    return {"rate": rate, "memory": memory, "cpu": cpu / pages, "own": own / pages}


def run() -> None:
    if not browser_installed():
        print("  skipped: Debian's chromium and chromium-driver are not installed (tools/install-browser)")
        return
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"  {os.path.basename(CHROMIUM)}, {PAGE_BYTES // 1000} KB pages, {SECONDS:g} s per setting, "
          f"{os.cpu_count()} core(s), load average {load:.1f}")
    one = measure(1)
    measure(2)
    if one["memory"]:
        print(f"  memory per driver (PSS, chromedriver + Chromium): "
              f"{sum(one['memory']) / len(one['memory']):.0f} MB")


if __name__ == "__main__":
    run()
