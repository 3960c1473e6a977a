"""PDF checker throughput: PDFs/s for documents of 1 to 20 pages (aim: at least 100/s) and peak
memory. The corpus is generated with tests/pdf_factory.py: tagged course texts with headings,
about 2,400 characters of text per page, a figure, a table, a list and a link per page, plus
untagged copies (one in five). Run: `.venv/bin/python -m bench documents_pdf`.
"""
from __future__ import annotations

import gc
import resource
import statistics
import time

from checkers.engine import Context
from checkers.pdf import check_pdf
from tests.pdf_factory import E, bullet_list, make_pdf, table

SENTENCE = ("Thermodynamics describes how energy moves between a system and its surroundings, "
            "and why some processes happen only in one direction. ")


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
    """(PDFs per wall-clock second, PDFs per CPU second, wall seconds per PDF). The CPU rate
    is the fairer figure on a shared machine: it does not count time spent waiting for a core."""
    ctx = Context(name="bench.pdf")
    per_doc: list[float] = []
    start, cpu_start = time.perf_counter(), time.process_time()
    for _ in range(rounds):
        for data in docs:
            t = time.perf_counter()
            check_pdf(data, ctx)
            per_doc.append(time.perf_counter() - t)
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu_start
    n = rounds * len(docs)
    return n / elapsed, n / cpu, per_doc


def run() -> None:
    docs = corpus()
    check_pdf(docs[0], Context())  # warm up: imports, rule catalogue
    gc.collect()
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    rate, cpu_rate, per_doc = _rate(docs, rounds=3)
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    size_mb = sum(map(len, docs)) / len(docs) / 2**20
    print(f"pdf: {rate:.0f} PDFs/s wall, {cpu_rate:.0f} PDFs per CPU-second, over {len(docs)} "
          f"documents of 1-20 pages (mean {size_mb:.2f} MB); median "
          f"{statistics.median(per_doc) * 1000:.1f} ms, p95 "
          f"{sorted(per_doc)[int(len(per_doc) * 0.95)] * 1000:.1f} ms per PDF")
    for pages in (1, 10, 20):
        one_rate, one_cpu, _ = _rate([course_text(pages)], rounds=20)
        print(f"pdf: {pages:>2}-page tagged document: {one_rate:.0f} PDFs/s wall, {one_cpu:.0f} per CPU-second")
    print(f"pdf: peak RSS {rss_after / 1024:.0f} MB (before the run {rss_before / 1024:.0f} MB)")


if __name__ == "__main__":
    run()
