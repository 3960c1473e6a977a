"""HTML checker throughput: pages per second and peak memory on generated course pages of about
2 KB, 10 KB and 100 KB (one process, one core). Target: >= 500 pages/s on 10 KB pages."""
from __future__ import annotations

import random
import resource
import time

from checkers.engine import Context
from checkers.html import check_html

SIZES = (("small", 2_000), ("medium", 10_000), ("large", 100_000))
SECONDS_PER_SIZE = 3.0

_WORDS = ("learning objectives module bridge load structure student exercise assessment energy "
          "material design analysis method result chapter week reading lecture example data").split()


def _sentence(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(_WORDS) for _ in range(n)).capitalize() + "."


def _block(rng: random.Random, i: int) -> str:
    kind = i % 9
    if kind == 0:
        return f"<h{2 + i % 3}>{_sentence(rng, 4)}</h{2 + i % 3}>"
    if kind == 1:
        return f'<p>{_sentence(rng, 25)} See the <a href="/mod/page/view.php?id={i}">week {i} reading</a>.</p>'
    if kind == 2:
        return f'<p><img src="/pluginfile.php/{i}/figure_{i}.png" alt="{_sentence(rng, 6)}"> {_sentence(rng, 12)}</p>'
    if kind == 3:
        items = "".join(f"<li>{_sentence(rng, 6)}</li>" for _ in range(4))
        return f"<ul>{items}</ul>"
    if kind == 4:
        rows = "".join(f"<tr><th scope=\"row\">R{r}</th><td>{r * 3}</td><td>{_sentence(rng, 2)}</td></tr>"
                       for r in range(4))
        return f"<table><caption>Results {i}</caption><tr><th>Row</th><th>Value</th><th>Note</th></tr>{rows}</table>"
    if kind == 5:
        return f'<p style="color:#333">{_sentence(rng, 20)} <span style="color:#c00"><strong>Note</strong></span></p>'
    if kind == 6:
        return f'<p class="info">{_sentence(rng, 18)} <a href="files/notes{i}.pdf">Notes (PDF)</a></p>'
    if kind == 7:
        return f"<p>{_sentence(rng, 30)}</p>"
    return f'<div class="box"><p>{_sentence(rng, 15)}</p><p><em>{_sentence(rng, 5)}</em></p></div>'


def make_page(size: int, seed: int = 1) -> bytes:
    rng = random.Random(seed)
    head = ('<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Course page</title>'
            '<style>.info{color:#222;background:#f4f4f4} .box p{font-size:14px} h2{color:#0b3d91}</style>'
            '</head><body><main><h1>Statics and structures</h1>')
    parts, total, i = [head], len(head), 0
    while total < size:
        block = _block(rng, i)
        parts.append(block)
        total += len(block)
        i += 1
    parts.append("</main></body></html>")
    return "".join(parts).encode()


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run() -> None:
    ctx = Context(name="bench.html", base_url="https://moodle.example.org/course/view.php?id=1")
    for label, size in SIZES:
        pages = [make_page(size, seed) for seed in range(20)]
        check_html(pages[0], ctx)  # warm up imports and caches
        count, start, cpu_start = 0, time.perf_counter(), time.process_time()
        while time.perf_counter() - start < SECONDS_PER_SIZE:
            check_html(pages[count % len(pages)], ctx)
            count += 1
        elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu_start
        # CPU time is the per-core figure; wall time also counts waiting on a shared machine.
        print(f"html {label:6} ~{len(pages[0]) // 1000:>3} KB: {count / cpu:8.1f} pages/s per core "
              f"({cpu * 1000 / count:.2f} ms CPU/page; wall {count / elapsed:.1f} pages/s), "
              f"peak RSS {_peak_mb():.0f} MB", flush=True)

if __name__ == "__main__":
    run()
