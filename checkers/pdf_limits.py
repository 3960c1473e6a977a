"""Bounds for checking untrusted PDFs: every loop over file content runs inside these caps.

The isolated worker pool (checkers.isolation) adds memory and CPU limits around the process; these
caps make the checker safe in-process too. A file that breaks a cap ends as one `unreadable`
finding (cantTell) naming the cap, never as a hang, a crash or an exception.
"""
from __future__ import annotations

import time
import zlib
from dataclasses import dataclass, fields, replace
from typing import Any, Mapping

import pikepdf


@dataclass(frozen=True)
class Caps:
    max_bytes: int = 256 * 2**20        # the file itself
    max_objects: int = 1_000_000        # the cross-reference table's /Size
    max_depth: int = 256                # structure tree depth (real documents stay below ~40)
    max_struct_items: int = 300_000     # structure elements and content items visited
    max_stream_bytes: int = 32 * 2**20  # one content stream, decoded
    max_total_stream_bytes: int = 256 * 2**20
    max_forms: int = 2_000              # form XObjects inspected per document
    max_fonts: int = 10_000             # distinct fonts read from the pages' resources
    max_page_objects: int = 100_000     # page objects (text runs, images...) per page
    max_pages: int = 2_000              # pages whose content is inspected
    # Text for the Annex 3 heuristics (authors, learning objectives, how to use it, sources,
    # licence, update date): the first `text_head_pages` pages, then further pages until
    # `text_min_chars` characters are in hand, plus the last `text_tail_pages` (references,
    # licence, dates); at most `text_pages` pages and `text_chars` characters. Extracting text is
    # PDFium's dearest step (~1.2 ms for a page of 2,400 characters; a sparse page costs little).
    text_pages: int = 50
    text_head_pages: int = 5
    text_min_chars: int = 10_000
    text_tail_pages: int = 2
    text_chars: int = 200_000
    time_budget: float = 20.0           # seconds for the whole check

    @classmethod
    def from_options(cls, options: Mapping[str, Any] | None) -> "Caps":
        """Caps with overrides from `Context.options["pdf_caps"]` (a mapping of field → value)."""
        given = dict((options or {}).get("pdf_caps") or {})
        known = {f.name for f in fields(cls)}
        return replace(cls(), **{k: v for k, v in given.items() if k in known})


class CapExceeded(Exception):
    """A bound was reached; `cap` names it for the finding."""

    def __init__(self, cap: str, detail: str):
        super().__init__(f"{cap}: {detail}")
        self.cap, self.detail = cap, detail


class Budget:
    """The time budget plus the running total of decoded stream bytes."""

    def __init__(self, caps: Caps):
        self.caps = caps
        self.deadline = time.monotonic() + caps.time_budget
        self.stream_bytes = 0

    def check(self) -> None:
        if time.monotonic() > self.deadline:
            raise CapExceeded("time budget", f"checking took longer than {self.caps.time_budget:g} s")

    def add_stream(self, size: int, where: str) -> None:
        if size > self.caps.max_stream_bytes:
            raise CapExceeded("stream size", f"{where} decodes to more than "
                                             f"{self.caps.max_stream_bytes // 2**20} MB")
        self.stream_bytes += size
        if self.stream_bytes > self.caps.max_total_stream_bytes:
            raise CapExceeded("stream size", f"content streams decode to more than "
                                             f"{self.caps.max_total_stream_bytes // 2**20} MB in total")


# Worst expansion of a filter chain we do not decode ourselves (Flate tops out near 1:1032).
_OPAQUE_RATIO = 1100


def _filters(stream: pikepdf.Object) -> list[str]:
    value = stream.get("/Filter")
    if value is None:
        return []
    if isinstance(value, pikepdf.Array):
        return [str(v) for v in value]
    return [str(value)]


def decoded_size(stream: pikepdf.Object, cap: int) -> int | None:
    """Decoded size of a stream, learnt without ever holding more than `cap` bytes of it;
    None when it would exceed the cap.

    Flate (what nearly every producer writes) is inflated in bounded steps, so a small
    compressed "bomb" stops at the cap. Other filter chains count only when even the worst
    expansion of their raw bytes stays under the cap.
    """
    raw = stream.read_raw_bytes()
    chain = _filters(stream)
    if not chain:
        return len(raw) if len(raw) <= cap else None
    if chain == ["/FlateDecode"]:
        inflater = zlib.decompressobj()
        size, pending = 0, raw
        try:
            while size <= cap:
                chunk = inflater.decompress(pending, 2**20)
                size += len(chunk)
                pending = inflater.unconsumed_tail
                if not chunk and not pending:
                    break
        except zlib.error:
            return len(raw)  # damaged data: the viewer shows little; nothing to bound
        return size if size <= cap else None
    if len(raw) * _OPAQUE_RATIO <= cap:
        return len(raw)  # bounded by the check above; counted at its raw size
    return None


def stream_size(stream: pikepdf.Object, budget: Budget, where: str) -> int:
    """Decoded size of a content stream, within the per-stream and total caps."""
    cap = budget.caps.max_stream_bytes
    size = decoded_size(stream, cap)
    if size is None:
        filters = " ".join(_filters(stream)) or "no filter"
        raise CapExceeded("stream size", f"{where} ({filters}) decodes to more than "
                                         f"{cap // 2**20} MB")
    budget.add_stream(size, where)
    return size
