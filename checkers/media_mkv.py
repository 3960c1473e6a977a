"""Matroska and WebM (EBML, RFC 8794 / RFC 9559): tracks, subtitle tracks, duration, title.

Reads the EBML header, then the Segment's Info and Tracks elements; clusters (the media data) are
skipped by their size, and the walk stops at the first cluster once Info and Tracks are known
(muxers write them first). Every element size is checked against its parent before use; an
"unknown" size is accepted only for the Segment and clusters, as in live WebM streams.
"""
from __future__ import annotations

import struct

from checkers.media_info import (MAX_ELEMENTS, MAX_TRACKS, MediaError, MediaInfo, MediaLimit,
                                 language_tag)

EBML, DOCTYPE = 0x1A45DFA3, 0x4282
SEGMENT, INFO, TRACKS, CLUSTER = 0x18538067, 0x1549A966, 0x1654AE6B, 0x1F43B675
TIMESTAMP_SCALE, DURATION, TITLE = 0x2AD7B1, 0x4489, 0x7BA9
TRACK_ENTRY, TRACK_TYPE, CODEC_ID, LANGUAGE, LANGUAGE_BCP47, NAME = 0xAE, 0x83, 0x86, 0x22B59C, 0x22B59D, 0x536E
VIDEO, AUDIO, SUBTITLE = 1, 2, 0x11
UNKNOWN = -1
# WebM marks the kind of a WebVTT track in its codec id; descriptions and metadata are not captions.
NOT_CAPTIONS = ("D_WEBVTT/DESCRIPTIONS", "D_WEBVTT/METADATA")
MAX_STRING = 4096


def _vint(data: bytes, pos: int, end: int, keep_marker: bool) -> tuple[int, int]:
    """An EBML variable-size integer at pos: (value, length). UNKNOWN for an all-ones size."""
    if pos >= end:
        raise MediaError("an element header is cut off")
    first = data[pos]
    if first == 0:
        raise MediaError(f"invalid element header at byte {pos:,}")
    length = 8 - first.bit_length() + 1
    if pos + length > end:
        raise MediaError("an element header is cut off")
    value = first if keep_marker else first & (0xFF >> length)
    for b in data[pos + 1:pos + length]:
        value = (value << 8) | b
    if not keep_marker and value == (1 << (7 * length)) - 1:
        return UNKNOWN, length
    return value, length


def _elements(data: bytes, start: int, end: int, budget: list[int], unknown_ok=()):
    """Yield (id, payload_start, payload_end) for the elements between start and end."""
    pos = start
    while pos < end:
        eid, id_len = _vint(data, pos, end, keep_marker=True)
        if id_len > 4:
            raise MediaError(f"invalid element id at byte {pos:,}")
        size, size_len = _vint(data, pos + id_len, end, keep_marker=False)
        body = pos + id_len + size_len
        budget[0] -= 1
        if budget[0] < 0:
            raise MediaLimit(f"more than {MAX_ELEMENTS:,} elements")
        if size == UNKNOWN:
            if eid not in unknown_ok:
                raise MediaError(f"element 0x{eid:X} has an unknown size where one is required")
            yield eid, body, end
            return
        if size > end - body:
            raise MediaError(f"element 0x{eid:X} claims {size:,} bytes but only {end - body:,} "
                             f"remain: the file is truncated or damaged")
        yield eid, body, body + size
        pos = body + size


def _uint(data: bytes, start: int, end: int) -> int:
    if end - start > 8:
        raise MediaError("an integer element is longer than 8 bytes")
    return int.from_bytes(data[start:end], "big")


def _float(data: bytes, start: int, end: int) -> float:
    if end - start == 4:
        return struct.unpack_from(">f", data, start)[0]
    if end - start == 8:
        return struct.unpack_from(">d", data, start)[0]
    if end == start:
        return 0.0
    raise MediaError("a float element is not 4 or 8 bytes long")


def _text(data: bytes, start: int, end: int) -> str:
    return data[start:min(end, start + MAX_STRING)].decode("utf-8", errors="replace").rstrip("\0").strip()


def parse_matroska(data: bytes) -> MediaInfo:
    budget = [MAX_ELEMENTS]
    top = _elements(data, 0, len(data), budget, unknown_ok=(SEGMENT,))
    eid, start, end = next(top, (None, 0, 0))
    if eid != EBML:
        raise MediaError("no EBML header")
    doctype = next((_text(data, s, e) for i, s, e in _elements(data, start, end, budget) if i == DOCTYPE),
                   "matroska")
    info = MediaInfo("WebM" if doctype == "webm" else "Matroska")
    segment = next(((s, e) for i, s, e in top if i == SEGMENT), None)
    if segment is None:
        raise MediaError("no Segment element")
    scale, duration, seen_tracks = 1_000_000, None, False
    for eid, s, e in _elements(data, *segment, budget, unknown_ok=(CLUSTER,)):
        if eid == INFO:
            for child, cs, ce in _elements(data, s, e, budget):
                if child == TIMESTAMP_SCALE:
                    scale = _uint(data, cs, ce) or 1_000_000
                elif child == DURATION:
                    duration = _float(data, cs, ce)
                elif child == TITLE:
                    info.title = _text(data, cs, ce) or None
        elif eid == TRACKS:
            seen_tracks = True
            _read_tracks(data, s, e, budget, info)
        elif eid == CLUSTER and seen_tracks:
            break
    if not seen_tracks:
        raise MediaError("no Tracks element before the media data")
    if duration and duration > 0 and duration == duration:     # not NaN
        info.duration = duration * scale / 1e9
    return info


def _read_tracks(data: bytes, start: int, end: int, budget: list[int], info: MediaInfo) -> None:
    entries = 0
    for eid, s, e in _elements(data, start, end, budget):
        if eid != TRACK_ENTRY:
            continue
        entries += 1
        if entries > MAX_TRACKS:
            raise MediaLimit(f"more than {MAX_TRACKS} tracks")
        kind, codec, language, name = 0, "", None, ""
        for child, cs, ce in _elements(data, s, e, budget):
            if child == TRACK_TYPE:
                kind = _uint(data, cs, ce)
            elif child == CODEC_ID:
                codec = _text(data, cs, ce)
            elif child == LANGUAGE_BCP47:
                language = _text(data, cs, ce)
            elif child == LANGUAGE and language is None:
                language = _text(data, cs, ce)
            elif child == NAME:
                name = _text(data, cs, ce)
        if kind == VIDEO:
            info.video_tracks += 1
        elif kind == AUDIO:
            info.audio_tracks += 1
            info.language = info.language or language_tag(language)
        elif kind == SUBTITLE and codec.upper() not in NOT_CAPTIONS:
            tag = language_tag(language)
            label = f"{codec or 'subtitle'} track" + (f" '{name}'" if name else "") + (f" ({tag})" if tag else "")
            info.caption_tracks.append(label)
