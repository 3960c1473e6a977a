"""Where an MP4 track's samples are, and how long a fragmented MP4 is (ISO/IEC 14496-12).

A plain MP4 lists its samples in the sample table (stbl: stsz sizes, stco/co64 chunk offsets,
stsc samples per chunk). A fragmented MP4 (DASH/HLS/CMAF packagers, OBS and many recorders)
keeps an empty table in moov, announces fragments with mvex (mehd: the whole duration, trex: each
track's default sample duration and size) and describes its samples in movie fragments: moof
boxes, one track fragment (traf) per track, whose tfhd may override the defaults and whose trun
boxes list the samples (count, data offset, per-sample duration and size when not the default).

The bytes are read in place (struct.unpack_from, media data is never copied) and the work is
capped: moof boxes read, boxes inside them, and per-sample trun entries, all fragments together.
A file over a cap is not an error: its fragment sum is marked incomplete, and the duration comes
from sidx, or stays unknown.
"""
from __future__ import annotations

import struct
from dataclasses import dataclass, field

from checkers.media_boxes import Box, flags, full_box, name, read_boxes, version
from checkers.media_info import MAX_ELEMENTS, MediaError, MediaLimit

MAX_FRAGMENTS = 20_000           # moof boxes read (two hours of 0.4 s fragments)
MAX_RUN_ENTRIES = 2_000_000      # per-sample trun entries read, all fragments together
MAX_SIDX = 4_096
_CHUNK = 4_096                   # trun entries unpacked at once

# tfhd flags (8.8.7.1) and trun flags (8.8.8.1)
BASE_DATA_OFFSET, SAMPLE_DESCRIPTION, DEFAULT_DURATION, DEFAULT_SIZE = 0x01, 0x02, 0x08, 0x10
DEFAULT_BASE_IS_MOOF = 0x020000
DATA_OFFSET, FIRST_SAMPLE_FLAGS = 0x001, 0x004
SAMPLE_DURATION, SAMPLE_SIZE, SAMPLE_FLAGS, SAMPLE_CTO = 0x100, 0x200, 0x400, 0x800


class _Stop(Exception):
    """A cap was reached: stop reading fragments."""


@dataclass
class Fragments:
    ticks: dict[int, int] = field(default_factory=dict)            # track ID: sum of durations
    samples: list[tuple[int, int]] = field(default_factory=list)   # (offset, size), one track
    complete: bool = True                                          # every fragment was read


def trex_defaults(data: bytes, mvex: Box) -> dict[int, tuple[int, int]]:
    """Track ID: (default sample duration, default sample size) from mvex/trex."""
    out = {}
    for trex in mvex.all(b"trex")[:256]:
        track_id, _, duration, size, _ = full_box(data, trex, "IIIII")
        out[track_id] = (duration, size)
    return out


def mehd_ticks(data: bytes, mvex: Box) -> int:
    """The whole presentation's duration in the movie timescale (0: not given)."""
    mehd = mvex.find(b"mehd")
    return full_box(data, mehd, "I", "Q")[0] if mehd is not None else 0


def sidx_seconds(data: bytes, root: Box) -> float | None:
    """From the segment indexes: the end of the last subsegment minus the start of the first."""
    starts, ends = [], []
    for sidx in root.all(b"sidx")[:MAX_SIDX]:
        _, timescale, earliest, _ = full_box(data, sidx, "IIII", "IIQQ")
        pos = sidx.start + (24 if version(data, sidx) == 0 else 32)
        if not timescale or pos > sidx.end:
            continue
        count = min(struct.unpack_from(">H", data, pos - 2)[0], (sidx.end - pos) // 12)
        words = struct.unpack_from(f">{count * 3}I", data, pos)
        starts.append(earliest / timescale)
        ends.append((earliest + sum(words[1::3])) / timescale)
    if not ends or max(ends) <= min(starts):
        return None
    return max(ends) - min(starts)


def table_samples(data: bytes, stbl: Box | None, limit: int) -> list[tuple[int, int]]:
    """(offset, size) of a track's first samples from its sample table (8.7)."""
    stsz, stsc = (stbl.find(b"stsz"), stbl.find(b"stsc")) if stbl else (None, None)
    stco = stbl.find(b"stco") or stbl.find(b"co64") if stbl else None
    if stsz is None or stsc is None or stco is None:
        return []
    fixed, count = full_box(data, stsz, "II")
    count = min(count, limit) if fixed else min(count, limit, (stsz.end - stsz.start - 12) // 4)
    sizes = [fixed] * count if fixed else struct.unpack_from(f">{count}I", data, stsz.start + 12)
    width, code = (8, "Q") if stco.type == b"co64" else (4, "I")
    chunks = min(full_box(data, stco, "I")[0], count, (stco.end - stco.start - 8) // width)
    offsets = struct.unpack_from(f">{chunks}{code}", data, stco.start + 8)
    # stsc runs start at increasing chunks, so the first `chunks` runs are all that matter
    n_runs = min(full_box(data, stsc, "I")[0], chunks, (stsc.end - stsc.start - 8) // 12)
    runs = [struct.unpack_from(">II", data, stsc.start + 8 + 12 * i) for i in range(n_runs)]
    out, run = [], -1
    for chunk, pos in enumerate(offsets, 1):
        while run + 1 < len(runs) and runs[run + 1][0] <= chunk:
            run += 1
        for _ in range(runs[run][1] if run >= 0 else 0):
            if len(out) >= count:
                return out
            out.append((pos, sizes[len(out)]))
            pos += out[-1][1]
    return out


def read_fragments(data: bytes, root: Box, defaults: dict[int, tuple[int, int]], *,
                   track: int | None = None, want: int = 0, whole: bool = True) -> Fragments:
    """Sum each track's sample durations over the movie fragments, and collect the first `want`
    samples of `track`. With whole=False, stop once those samples are found."""
    out = Fragments(complete=not root.cut)
    budget, entries = [MAX_ELEMENTS], [MAX_RUN_ENTRIES]
    try:
        for number, moof in enumerate(b for b in root.children if b.type == b"moof"):
            if not whole and len(out.samples) >= want:
                out.complete = False
                break
            if number >= MAX_FRAGMENTS:
                raise _Stop
            _read_moof(data, moof, defaults, budget, entries, out, track, want)
    except _Stop:
        out.complete = False
    return out


def _read_moof(data: bytes, moof: Box, defaults: dict, budget: list[int], entries: list[int],
               out: Fragments, track: int | None, want: int) -> None:
    holder = Box(b"moof", moof.start, moof.end)
    _children(data, holder, budget)
    next_base = moof.head        # without flags, the first traf's data is counted from the moof
    for traf in holder.all(b"traf"):
        _children(data, traf, budget)
        tfhd = traf.find(b"tfhd")
        if tfhd is None:
            raise MediaError("a track fragment has no 'tfhd' header")
        tf_flags = flags(data, tfhd)
        track_id = full_box(data, tfhd, "I")[0]
        duration, size = defaults.get(track_id, (0, 0))
        fields, _ = _fields(data, tfhd, tfhd.start + 8, tf_flags, (
            (BASE_DATA_OFFSET, "Q"), (SAMPLE_DESCRIPTION, "I"), (DEFAULT_DURATION, "I"), (DEFAULT_SIZE, "I")))
        base = moof.head if tf_flags & DEFAULT_BASE_IS_MOOF else next_base
        base = fields.get(BASE_DATA_OFFSET, base)
        duration = fields.get(DEFAULT_DURATION, duration)
        size = fields.get(DEFAULT_SIZE, size)
        pos = base
        for trun in traf.all(b"trun"):
            wanted = want - len(out.samples) if track_id == track else 0
            ticks, offset, total, sizes = _run(data, trun, duration, size, entries, wanted)
            out.ticks[track_id] = out.ticks.get(track_id, 0) + ticks
            pos = base + offset if offset is not None else pos
            for sample_size in sizes:
                out.samples.append((pos, sample_size))
                pos += sample_size
            pos += total - sum(sizes)
        next_base = pos


def _children(data: bytes, box: Box, budget: list[int]) -> None:
    try:
        read_boxes(data, box.start, box.end, box, budget)
    except MediaLimit:
        raise _Stop from None


def _fields(data: bytes, box: Box, pos: int, present: int, layout) -> tuple[dict[int, int], int]:
    """The optional fields a full box's flags say are present, in order; the position after them."""
    out = {}
    for flag, code in layout:
        if present & flag:
            width = struct.calcsize(">" + code)
            if pos + width > box.end:
                raise MediaError(f"box '{name(box.type)}' is too short for its flags")
            out[flag] = struct.unpack_from(">" + code, data, pos)[0]
            pos += width
    return out, pos


def _run(data: bytes, trun: Box, duration: int, size: int, entries: list[int],
         want: int) -> tuple[int, int | None, int, list[int]]:
    """One trun: (sum of durations, data offset or None, sum of sizes, first `want` sizes)."""
    tr_flags = flags(data, trun)
    count = full_box(data, trun, "I")[0]
    head, pos = _fields(data, trun, trun.start + 8, tr_flags, ((DATA_OFFSET, "i"), (FIRST_SAMPLE_FLAGS, "I")))
    per_sample = [f for f in (SAMPLE_DURATION, SAMPLE_SIZE, SAMPLE_FLAGS, SAMPLE_CTO) if tr_flags & f]
    width = len(per_sample)
    if not width:
        return count * duration, head.get(DATA_OFFSET), count * size, [size] * min(want, count)
    if count * width * 4 > trun.end - pos:
        raise MediaError(f"a 'trun' box lists {count:,} samples but holds fewer")
    entries[0] -= count
    if entries[0] < 0:
        raise _Stop
    d_at = per_sample.index(SAMPLE_DURATION) if SAMPLE_DURATION in per_sample else None
    s_at = per_sample.index(SAMPLE_SIZE) if SAMPLE_SIZE in per_sample else None
    ticks = total = 0
    sizes: list[int] = []
    for first in range(0, count, _CHUNK):
        n = min(_CHUNK, count - first)
        words = struct.unpack_from(f">{n * width}I", data, pos + first * width * 4)
        ticks += sum(words[d_at::width]) if d_at is not None else n * duration
        chunk_sizes = words[s_at::width] if s_at is not None else (size,) * n
        total += sum(chunk_sizes)
        sizes.extend(chunk_sizes[:max(0, want - len(sizes))])
    return ticks, head.get(DATA_OFFSET), total, sizes
