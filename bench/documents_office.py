"""PowerPoint and Word checker throughput: PPTX/s and DOCX/s on generated course material, and
peak memory. Aim: at least 30 files a second each on one core.

Run: `.venv/bin/python -m bench documents_office`.
"""
from __future__ import annotations

import resource
import time
import tracemalloc

from pptx.util import Inches

from checkers.docx import check_docx
from checkers.engine import Context
from checkers.pptx import check_pptx
from tests import office_factory as f

SLIDES = 20
DOC_SECTIONS = 10


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


def throughput(check, data: bytes, seconds: float = 3.0) -> tuple[float, float, int]:
    """Files per wall-clock second and per CPU second (the latter holds on a shared machine)."""
    ctx = Context(name="bench")
    check(data, ctx)  # warm up imports and the catalogue
    n, start, cpu = 0, time.perf_counter(), time.process_time()
    while time.perf_counter() - start < seconds:
        findings, _ = check(data, ctx)
        assert findings and findings[0].rule != "unreadable", findings[0].message
        n += 1
    return n / (time.perf_counter() - start), n / max(time.process_time() - cpu, 1e-9), n


def peak_traced(check, data: bytes) -> float:
    tracemalloc.start()
    check(data, Context(name="bench"))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 1e6


def run() -> None:
    deck, document = lecture_deck(), course_document()
    for label, check, data, unit in (("PPTX", check_pptx, deck, f"{SLIDES} slides"),
                                     ("DOCX", check_docx, document, f"{DOC_SECTIONS} sections")):
        rate, cpu_rate, n = throughput(check, data)
        print(f"{label}: {rate:6.1f} files/s wall, {cpu_rate:6.1f} per CPU second "
              f"({n} checks of a {len(data) // 1024} KB file, {unit}); "
              f"peak traced memory per check {peak_traced(check, data):.1f} MB", flush=True)
    print(f"process peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    run()
