"""PowerPoint and Word checker throughput: PPTX/s and DOCX/s on generated course material, and
peak memory. Aim: at least 30 files per CPU second each (issue 3).

Run: `.venv/bin/python -m bench documents_office`.

Files per CPU second (time.process_time) is the figure to compare: the machine may be shared,
and wall-clock rates then fall with the load while CPU rates hold. Each rate is the median of
several rounds, with the best round beside it.

The Word sample carries python-docx's template styles.xml (350 KB, 100 table styles), which real
Word files rarely have. The checker keeps the resolved styles of the last few styles parts it saw,
so a batch of documents made from one template reads them once: "repeat" checks the same file
again and again (styles cached), "cold" empties that cache before every check (a batch in which
every document has its own styles part).
"""
from __future__ import annotations

import resource
import statistics
import time
import tracemalloc

from pptx.util import Inches

from checkers import docx_styles
from checkers.docx import check_docx
from checkers.engine import Context
from checkers.pptx import check_pptx
from tests import office_factory as f

SLIDES = 20
DOC_SECTIONS = 10
ROUNDS = 7
ROUND_SECONDS = 0.5


def lecture_deck() -> bytes:
    """20 slides: title, bullet text, a picture, a table every 4th slide, a link, speaker notes."""
    prs = f.deck()
    prs.core_properties.title = "Photosynthesis lecture"
    for n in range(SLIDES):
        s = f.slide(prs, f"Topic {n + 1}", body=f.LOREM * 2)
        f.picture(s, "A chloroplast" if n % 2 else None, left=Inches(6), top=Inches(2))
        if n % 4 == 0:
            f.table(s, rows=4, cols=3, header=n % 8 == 0, top=Inches(4.5))
        f.link(s, "Reading list" if n % 3 else "click here", "https://example.org/reading", top=Inches(6))
        s.notes_slide.notes_text_frame.text = f.LOREM
    return f.save(prs)


def course_document() -> bytes:
    """About 10 pages: headings, ~3,000 words, pictures (one floating), tables, links, a typed list."""
    doc = f.document("Photosynthesis handbook")
    for n in range(DOC_SECTIONS):
        doc.add_paragraph(f"Section {n + 1}", style="Heading 1" if n % 3 else "Heading 2")
        f.body(doc, 300)
        pr = f.doc_picture(doc, "Leaf cross-section" if n % 2 else None)
        if n == 5:
            f.make_floating(pr)
        if n % 3 == 0:
            f.doc_table(doc, rows=5, cols=4, header=n % 2 == 0)
        f.doc_link(doc, "the lab manual", "https://example.org/manual")
        doc.add_paragraph("• first point")
        doc.add_paragraph("• second point")
    return f.save(doc)


def check_cold(data: bytes, ctx: Context):
    docx_styles.clear_cache()
    return check_docx(data, ctx)


def throughput(check, data: bytes) -> dict[str, float]:
    """Files per CPU second and per wall-clock second: median and best of ROUNDS rounds."""
    ctx = Context(name="bench")
    check(data, ctx)  # warm up imports, the catalogue and the lexicon
    cpu_rates, wall_rates, total = [], [], 0
    for _ in range(ROUNDS):
        n, wall, cpu = 0, time.perf_counter(), time.process_time()
        while time.perf_counter() - wall < ROUND_SECONDS:
            findings, _ = check(data, ctx)
            assert findings and findings[0].rule != "unreadable", findings[0].message
            n += 1
        cpu_rates.append(n / max(time.process_time() - cpu, 1e-9))
        wall_rates.append(n / (time.perf_counter() - wall))
        total += n
    return {"cpu": statistics.median(cpu_rates), "cpu_best": max(cpu_rates),
            "wall": statistics.median(wall_rates), "checks": total}


def peak_traced(check, data: bytes) -> float:
    """Peak Python-allocated memory (MB) during one check. libxml2 allocates the parsed trees
    outside tracemalloc: the process peak RSS printed at the end bounds those."""
    check(data, Context(name="bench"))
    tracemalloc.start()
    check(data, Context(name="bench"))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 1e6


def run() -> None:
    deck, document = lecture_deck(), course_document()
    cases = (("PPTX", check_pptx, deck, f"{len(deck) // 1024} KB, {SLIDES} slides"),
             ("DOCX repeat", check_docx, document, f"{len(document) // 1024} KB, {DOC_SECTIONS} sections"),
             ("DOCX cold", check_cold, document, "styles cache emptied before each check"))
    for label, check, data, what in cases:
        r = throughput(check, data)
        print(f"{label:11s} {r['cpu']:6.1f} files per CPU second (best round {r['cpu_best']:.1f}), "
              f"{r['wall']:6.1f} files/s wall; peak traced memory per check {peak_traced(check, data):.1f} MB "
              f"[{r['checks']} checks; {what}]", flush=True)
    print(f"process peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB "
          "(Python, lxml and the test-fixture libraries)")


if __name__ == "__main__":
    run()
