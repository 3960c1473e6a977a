"""PDF checker throughput: PDFs per second for documents of 1 to 20 pages (aim: at least 100/s)
and peak memory. The corpus is generated with tests/pdf_factory.py: tagged course texts with
headings, about 2,400 characters of text per page (an embedded Type 3 font with a /ToUnicode map),
a figure, a table, a list and a link per page, plus untagged copies (one in five). Run: `.venv/bin/python -m bench documents_pdf`.

Text is extracted from the first five pages (more while under 10,000 characters) and the last
two (checkers.pdf_limits.Caps), so pages 6 to n-2 of these dense documents cost only their page
load and structure elements.

Two rates are printed. "per CPU-second" divides by the process's CPU time (time.process_time):
it is the checker's own cost and the fair figure on a shared machine. "wall" divides by elapsed
time and also counts time spent waiting for a core.
"""
from __future__ import annotations

import gc
import os
import resource
import statistics
import time

from checkers.engine import Context
from checkers.pdf import check_pdf
from tests.pdf_factory import E, bullet_list, make_pdf, table

SENTENCE = ("Thermodynamics describes how energy moves between a system and its surroundings, "
            "and why some processes happen only in one direction. ")
PAGE_COUNTS = (1, 2, 5, 10, 15, 20)


def course_text(pages: int, tagged: bool = True) -> bytes:
    paragraph = SENTENCE * 3  # about 400 characters
    spec = []
    for n in range(pages):
        content = [E("H1" if n == 0 else "H2", f"Section {n + 1}: energy and entropy")]
        content += [E("P", paragraph) for _ in range(5)]
        content += [E("Figure", image=True, alt=f"Diagram {n + 1}: a heat engine between two reservoirs"),
                    table([["Quantity", "Symbol", "Unit"], ["Energy", "E", "J"], ["Entropy", "S", "J/K"]]),
                    bullet_list(["The first law", "The second law", "The third law"]),
                    E("Link", "Chapter in the open textbook", uri=f"https://example.org/book/{n}",
                      contents=f"Open textbook, chapter {n + 1}")]
        spec.append(content)
    return make_pdf(spec, tagged=tagged, authors=["Ada Lovelace"],
                    web_statement="https://creativecommons.org/licenses/by-sa/4.0/",
                    modified="2025-03-01T10:00:00Z")


def corpus() -> list[bytes]:
    docs = []
    for pages in range(1, 21):
        docs.append(course_text(pages))
        if pages % 5 == 0:
            docs.append(course_text(pages, tagged=False))
    return docs


def _rate(docs: list[bytes], rounds: int) -> tuple[float, float, list[float]]:
    """(PDFs per wall-clock second, PDFs per CPU second, CPU seconds per PDF)."""
    ctx = Context(name="bench.pdf")
    per_doc: list[float] = []
    start, cpu_start = time.perf_counter(), time.process_time()
    for _ in range(rounds):
        for data in docs:
            t = time.process_time()
            check_pdf(data, ctx)
            per_doc.append(time.process_time() - t)
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu_start
    n = rounds * len(docs)
    return n / elapsed, n / max(cpu, 1e-9), per_doc


def _pooled_rate(docs: list[bytes], rounds: int) -> tuple[int, float]:
    """PDFs/s on every core, as a sweep checks them: the isolated worker pool (one process per
    core, memory/CPU/time caps) fed by twice as many threads. Returns (workers, PDFs/s wall)."""
    from concurrent.futures import ThreadPoolExecutor

    from checkers.isolation import WorkerPool
    size = os.cpu_count() or 1
    ctx = Context(name="bench.pdf")
    work = [d for _ in range(rounds) for d in docs]
    with WorkerPool(size) as pool, ThreadPoolExecutor(size * 2) as threads:
        list(threads.map(lambda d: pool.run("pdf", d, ctx), docs))        # start and warm the workers
        start = time.perf_counter()
        list(threads.map(lambda d: pool.run("pdf", d, ctx), work))
        return size, len(work) / (time.perf_counter() - start)


def run() -> None:
    docs = corpus()
    check_pdf(docs[0], Context())  # warm up: imports, rule catalogue
    gc.collect()
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    rate, cpu_rate, per_doc = _rate(docs, rounds=3)
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    size_kb = sum(map(len, docs)) / len(docs) / 1024
    print(f"pdf: mixed corpus, {len(docs)} documents of 1-20 pages (mean {size_kb:.0f} KB, "
          f"one in five untagged), 3 rounds:")
    print(f"pdf:   {cpu_rate:6.0f} PDFs per CPU-second   {rate:6.0f} PDFs/s wall   "
          f"CPU per PDF: median {statistics.median(per_doc) * 1000:.1f} ms, "
          f"p95 {sorted(per_doc)[int(len(per_doc) * 0.95)] * 1000:.1f} ms")
    workers, pooled = _pooled_rate(docs, rounds=3)
    print(f"pdf:   {pooled:6.0f} PDFs/s wall through the isolated pool on all {workers} cores "
          f"({workers} worker processes, as a sweep runs them)")
    print("pdf: by page count (20 rounds each; on a busy machine the best round is the checker's "
          "own cost):")
    cases = [(f"{pages:>2} pages", course_text(pages)) for pages in PAGE_COUNTS]
    cases.append(("20 pages, untagged", course_text(20, tagged=False)))
    for label, data in cases:
        one_rate, one_cpu, one = _rate([data], rounds=20)
        print(f"pdf:   {label:<18} {one_cpu:6.0f} PDFs per CPU-second   {one_rate:6.0f} PDFs/s wall   "
              f"CPU per PDF: median {statistics.median(one) * 1000:5.1f} ms, best {min(one) * 1000:5.1f} ms")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"pdf: peak RSS {peak / 1024:.0f} MB (before the timed runs {rss_before / 1024:.0f} MB, "
          f"after the mixed corpus {rss_after / 1024:.0f} MB)")


if __name__ == "__main__":
    run()
