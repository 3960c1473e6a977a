"""MP4 / QuickTime (ISO/IEC 14496-12 boxes): tracks, caption tracks, duration, title, language.

Only the boxes that describe tracks are read (moov and what it contains); media data (mdat) is
skipped by its size. Each box's size is checked against its parent before anything is sliced, so a
size that lies ends as a MediaError, and counts and depth are capped (media_info limits).
"""
from __future__ import annotations

import struct
from dataclasses import dataclass, field

from checkers.media_info import (MAX_DEPTH, MAX_ELEMENTS, MAX_TRACKS, MediaError, MediaInfo,
                                 MediaLimit, language_tag)

# Boxes whose payload is a list of boxes we may need.
CONTAINERS = {b"moov", b"trak", b"mdia", b"minf", b"stbl", b"udta", b"edts", b"dinf", b"tref",
              b"meta", b"ilst", b"mvex", b"\xa9nam"}
# Handler types of timed-text tracks: ISO 'subt' and 'text', Apple 'sbtl', QuickTime closed
# captions 'clcp' (CEA-608/708), DVD subpictures 'subp'.
TEXT_HANDLERS = {b"text", b"sbtl", b"subt", b"clcp", b"subp"}
# Sample entries of caption/subtitle formats (3GPP timed text, WebVTT, TTML, CEA-608/708).
TEXT_SAMPLE_ENTRIES = {b"tx3g", b"wvtt", b"stpp", b"sbtt", b"c608", b"c708", b"text"}


@dataclass
class Box:
    type: bytes
    start: int          # first byte of the payload
    end: int            # one past the last byte of the payload
    children: list["Box"] = field(default_factory=list)

    def find(self, *path: bytes) -> "Box | None":
        box: Box | None = self
        for kind in path:
            box = next((c for c in box.children if c.type == kind), None) if box else None
        return box

    def all(self, kind: bytes) -> list["Box"]:
        return [c for c in self.children if c.type == kind]


def _read_boxes(data: bytes, start: int, end: int, parent: Box, budget: list[int]) -> list[Box]:
    """Add the boxes between start and end to parent; return the containers among them."""
    pos, containers = start, []
    while pos < end:
        if end - pos < 8:
            if parent.type == b"root":
                break          # a few stray bytes after the last box: players ignore them
            raise MediaError(f"a box inside '{_name(parent.type)}' is cut off")
        size, kind = struct.unpack_from(">I4s", data, pos)
        header = 8
        if size == 1:          # a 64-bit size follows the type
            if end - pos < 16:
                raise MediaError(f"box '{_name(kind)}' is cut off")
            size = struct.unpack_from(">Q", data, pos + 8)[0]
            header = 16
        elif size == 0:
            size = end - pos   # "to the end of the enclosing box / file"
        if size < header:
            raise MediaError(f"box '{_name(kind)}' has an impossible size {size}")
        if size > end - pos:
            raise MediaError(f"box '{_name(kind)}' claims {size:,} bytes but only {end - pos:,} "
                             f"remain: the file is truncated or damaged")
        budget[0] -= 1
        if budget[0] < 0:
            raise MediaLimit(f"more than {MAX_ELEMENTS:,} boxes")
        box = Box(kind, pos + header, pos + size)
        parent.children.append(box)
        if kind in CONTAINERS:
            containers.append(box)
        pos += size
    return containers


def _name(kind: bytes) -> str:
    return kind.decode("latin-1").replace("\xa9", "©")


def parse_boxes(data: bytes) -> Box:
    """The box tree with containers expanded; an explicit stack, so depth is checked, not recursed."""
    root = Box(b"root", 0, len(data))
    budget = [MAX_ELEMENTS]
    stack: list[tuple[Box, int]] = [(root, 0)]
    while stack:
        box, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise MediaLimit(f"boxes nested deeper than {MAX_DEPTH} levels")
        start = box.start
        if box.type == b"meta" and box.end - start >= 8 and data[start + 4:start + 8] != b"hdlr":
            start += 4         # ISO 'meta' is a full box (version+flags); QuickTime's is not
        elif box.type == b"\xa9nam" and data[start + 4:start + 8] != b"data":
            continue           # a QuickTime user-data string, not an iTunes-style item
        for child in _read_boxes(data, start, box.end, box, budget):
            stack.append((child, depth + 1))
    return root


def _full_box(data: bytes, box: Box, v0: str, v1: str) -> tuple:
    """Unpack a full box's fields after version+flags, by version."""
    if box.end - box.start < 4:
        raise MediaError(f"box '{_name(box.type)}' is too short")
    version = data[box.start]
    fmt = ">" + (v1 if version == 1 else v0)
    if box.end - box.start - 4 < struct.calcsize(fmt):
        raise MediaError(f"box '{_name(box.type)}' is too short")
    return struct.unpack_from(fmt, data, box.start + 4)


def _version(data: bytes, box: Box) -> int:
    return data[box.start] if box.end > box.start else 0


def _duration(data: bytes, box: Box | None) -> float | None:
    """mvhd / mdhd: timescale and duration (all ones means unknown)."""
    if box is None:
        return None
    _, _, timescale, duration = _full_box(data, box, "IIII", "QQIQ")
    unknown = 0xFFFFFFFFFFFFFFFF if _version(data, box) == 1 else 0xFFFFFFFF
    if not timescale or not duration or duration == unknown:
        return None
    return duration / timescale


def _mdhd_language(data: bytes, mdhd: Box | None) -> str | None:
    if mdhd is None:
        return None
    offset = mdhd.start + (4 + 8 + 8 + 4 + 8 if _version(data, mdhd) == 1 else 4 + 16)
    if offset + 2 > mdhd.end:
        return None
    packed = struct.unpack_from(">H", data, offset)[0]
    if packed < 0x400:
        return None            # a Macintosh language code, not ISO 639-2
    code = "".join(chr(((packed >> shift) & 0x1F) + 0x60) for shift in (10, 5, 0))
    return code if code.isalpha() else None


def _track_id(data: bytes, tkhd: Box | None) -> int | None:
    if tkhd is None:
        return None
    return _full_box(data, tkhd, "III", "QQI")[2]


def _handler(data: bytes, hdlr: Box | None) -> bytes:
    if hdlr is None or hdlr.end - hdlr.start < 12:
        return b""
    return data[hdlr.start + 8:hdlr.start + 12]


def _sample_entries(data: bytes, stsd: Box | None) -> list[bytes]:
    """The format codes of a track's sample descriptions (stsd entries are boxes)."""
    if stsd is None or stsd.end - stsd.start < 8:
        return []
    count = min(struct.unpack_from(">I", data, stsd.start + 4)[0], 64)
    pos, kinds = stsd.start + 8, []
    for _ in range(count):
        if stsd.end - pos < 8:
            break
        size, kind = struct.unpack_from(">I4s", data, pos)
        kinds.append(kind)
        if size < 8:
            break
        pos += size
    return kinds


def _title(data: bytes, moov: Box) -> str | None:
    item = moov.find(b"udta", b"meta", b"ilst", b"\xa9nam", b"data")
    if item is not None and item.end - item.start > 8:
        text = data[item.start + 8:min(item.end, item.start + 8 + 2000)]
        return text.decode("utf-8", errors="replace").strip() or None
    qt = moov.find(b"udta", b"\xa9nam")
    if qt is not None and qt.end - qt.start > 4:
        length = struct.unpack_from(">H", data, qt.start)[0]
        text = data[qt.start + 4:min(qt.end, qt.start + 4 + length, qt.start + 2004)]
        return text.decode("utf-8", errors="replace").strip() or None
    return None


def parse_mp4(data: bytes) -> MediaInfo:
    root = parse_boxes(data)
    brand = data[8:12] if data[4:8] == b"ftyp" else b""
    info = MediaInfo("QuickTime" if brand == b"qt  " else "MP4")
    moov = root.find(b"moov")
    if moov is None:
        raise MediaError("no 'moov' box: the file has no track descriptions (truncated or not finished)")
    tracks = moov.all(b"trak")
    if len(tracks) > MAX_TRACKS:
        raise MediaLimit(f"more than {MAX_TRACKS} tracks")
    chapters: set[int] = set()
    for trak in tracks:
        chap = trak.find(b"tref", b"chap")
        if chap is not None:
            n = (chap.end - chap.start) // 4
            chapters.update(struct.unpack_from(f">{min(n, 64)}I", data, chap.start))
    track_durations = []
    for trak in tracks:
        mdia = trak.find(b"mdia")
        if mdia is None:
            continue
        handler = _handler(data, mdia.find(b"hdlr"))
        entries = _sample_entries(data, mdia.find(b"minf", b"stbl", b"stsd"))
        mdhd = mdia.find(b"mdhd")
        language = _mdhd_language(data, mdhd)
        track_durations.append(_duration(data, mdhd))
        if handler == b"vide":
            info.video_tracks += 1
        elif handler == b"soun":
            info.audio_tracks += 1
            info.language = info.language or language_tag(language)
        elif handler in TEXT_HANDLERS or any(e in TEXT_SAMPLE_ENTRIES for e in entries):
            if _track_id(data, trak.find(b"tkhd")) in chapters:
                continue       # a chapter list (tref 'chap'), not captions
            fmt = next((e for e in entries if e in TEXT_SAMPLE_ENTRIES), handler)
            label = f"{_name(fmt).strip()} {_name(handler) or 'text'} track"
            info.caption_tracks.append(label + (f" ({language})" if language_tag(language) else ""))
    info.duration = _duration(data, moov.find(b"mvhd"))
    if info.duration is None:  # fragmented files may leave mvhd empty: take the longest track
        info.duration = max((d for d in track_durations if d), default=None)
    info.title = _title(data, moov)
    return info
