"""MP4 / QuickTime (ISO/IEC 14496-12 boxes): tracks, caption tracks, duration, title, language.

The boxes that describe tracks are read (moov and what it contains, media_boxes); media data
(mdat) is skipped by its size. Two things need more: the duration of a fragmented file (summed
over its movie fragments, media_mp4_samples) and captions carried inside an H.264/HEVC video
stream, for which the first samples of the video track are read (media_cc).
"""
from __future__ import annotations

import struct

from checkers.media_boxes import Box, full_box, name, parse_boxes, read_boxes, version
from checkers.media_cc import HEVC_ENTRIES, MAX_CC_SAMPLES, CcScan, nal_length_size
from checkers.media_info import MAX_TRACKS, MediaError, MediaInfo, MediaLimit, language_tag
from checkers.media_mp4_samples import (Fragments, mehd_ticks, read_fragments, sidx_seconds,
                                        table_samples, trex_defaults)

# Handler types of timed-text tracks: ISO 'subt' and 'text', Apple 'sbtl', QuickTime closed
# captions 'clcp' (CEA-608/708), DVD subpictures 'subp'.
TEXT_HANDLERS = {b"text", b"sbtl", b"subt", b"clcp", b"subp"}
# Sample entries of caption/subtitle formats (3GPP timed text, WebVTT, TTML, CEA-608/708).
TEXT_SAMPLE_ENTRIES = {b"tx3g", b"wvtt", b"stpp", b"sbtt", b"c608", b"c708", b"text"}
VISUAL_ENTRY_FIELDS = 78         # bytes of a VisualSampleEntry before its child boxes (12.1.3)


def _duration(data: bytes, box: Box | None) -> float | None:
    """mvhd / mdhd: timescale and duration (all ones means unknown)."""
    if box is None:
        return None
    _, _, timescale, duration = full_box(data, box, "IIII", "QQIQ")
    unknown = 0xFFFFFFFFFFFFFFFF if version(data, box) == 1 else 0xFFFFFFFF
    if not timescale or not duration or duration == unknown:
        return None
    return duration / timescale


def _mdhd_language(data: bytes, mdhd: Box | None) -> str | None:
    if mdhd is None:
        return None
    offset = mdhd.start + (4 + 8 + 8 + 4 + 8 if version(data, mdhd) == 1 else 4 + 16)
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
    return full_box(data, tkhd, "III", "QQI")[2]


def _handler(data: bytes, hdlr: Box | None) -> bytes:
    if hdlr is None or hdlr.end - hdlr.start < 12:
        return b""
    return data[hdlr.start + 8:hdlr.start + 12]


def _sample_entries(data: bytes, stsd: Box | None) -> list[Box]:
    """A track's sample descriptions (stsd entries are boxes named by their format code)."""
    if stsd is None or stsd.end - stsd.start < 8:
        return []
    count = min(struct.unpack_from(">I", data, stsd.start + 4)[0], 64)
    pos, entries = stsd.start + 8, []
    for _ in range(count):
        if stsd.end - pos < 8:
            break
        size, kind = struct.unpack_from(">I4s", data, pos)
        entries.append(Box(kind, pos + 8, min(pos + max(size, 8), stsd.end), head=pos))
        if size < 8:
            break
        pos += size
    return entries


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
    track_durations, timescales, video = [], {}, None
    for trak in tracks:
        mdia = trak.find(b"mdia")
        if mdia is None:
            continue
        handler = _handler(data, mdia.find(b"hdlr"))
        stbl = mdia.find(b"minf", b"stbl")
        entries = _sample_entries(data, stbl.find(b"stsd") if stbl else None)
        kinds = [e.type for e in entries]
        mdhd = mdia.find(b"mdhd")
        language = _mdhd_language(data, mdhd)
        track_id = _track_id(data, trak.find(b"tkhd"))
        track_durations.append(_duration(data, mdhd))
        if mdhd is not None:
            timescales[track_id] = full_box(data, mdhd, "III", "QQI")[2]
        if handler == b"vide":
            info.video_tracks += 1
            video = video or (track_id, entries[0] if entries else None, stbl)
        elif handler == b"soun":
            info.audio_tracks += 1
            info.language = info.language or language_tag(language)
        elif handler in TEXT_HANDLERS or any(k in TEXT_SAMPLE_ENTRIES for k in kinds):
            if track_id in chapters:
                continue       # a chapter list (tref 'chap'), not captions
            fmt = next((k for k in kinds if k in TEXT_SAMPLE_ENTRIES), handler)
            label = f"{name(fmt).strip()} {name(handler) or 'text'} track"
            info.caption_tracks.append(label + (f" ({language})" if language_tag(language) else ""))
    mvhd = moov.find(b"mvhd")
    info.duration = _duration(data, mvhd)
    if info.duration is None:  # fragmented files may leave mvhd empty: take the longest track
        info.duration = max((d for d in track_durations if d), default=None)
    fragments = None
    mvex = moov.find(b"mvex")
    if mvex is not None:
        fragments = _fragmented(data, root, mvex, mvhd, timescales, video, info)
    if video and info.audio_tracks and not info.caption_tracks:
        _embedded_captions(data, info, video, fragments.samples if fragments else [])
    info.title = _title(data, moov)
    return info


def _fragmented(data: bytes, root: Box, mvex: Box, mvhd: Box | None, timescales: dict,
                video: tuple | None, info: MediaInfo) -> Fragments:
    """The duration of a fragmented file: mehd when given, else each track's fragment durations
    summed (or the segment index when there were too many fragments to read them all)."""
    movie_scale = full_box(data, mvhd, "III", "QQI")[2] if mvhd is not None else 0
    declared = mehd_ticks(data, mvex) if movie_scale else 0
    fragments = read_fragments(data, root, trex_defaults(data, mvex), track=video[0] if video else None,
                               want=MAX_CC_SAMPLES, whole=not declared)
    if declared:
        info.duration = declared / movie_scale
        return fragments
    summed = max((ticks / timescales[track] for track, ticks in fragments.ticks.items()
                  if timescales.get(track)), default=0) if fragments.complete else 0
    seconds = summed or sidx_seconds(data, root)
    if seconds:        # an empty moov says 0; one that also counts the fragments says as much
        info.duration = max(seconds, info.duration or 0)
    return fragments


def _embedded_captions(data: bytes, info: MediaInfo, video: tuple, fragment_samples: list) -> None:
    """CEA-608/708 captions in the SEI messages of the video track's first samples."""
    _, entry, stbl = video
    if entry is None:
        return
    try:
        read_boxes(data, min(entry.start + VISUAL_ENTRY_FIELDS, entry.end), entry.end, entry, [64])
    except MediaError:
        return         # a codec configuration we cannot read: captions stay unknown, as before
    config = entry.find(b"avcC") or entry.find(b"hvcC")
    length_size = nal_length_size(entry.type, data[config.start:config.end] if config else b"")
    if length_size is None:
        return
    samples = (table_samples(data, stbl, MAX_CC_SAMPLES) + fragment_samples)[:MAX_CC_SAMPLES]
    scan = CcScan(hevc=entry.type in HEVC_ENTRIES).scan(data, samples, length_size)
    if scan.found:
        info.caption_tracks.append(f"{' and '.join(sorted(scan.found))} captions in the {scan.codec} video")
    elif scan.carriers:
        info.caption_note = (f"its {scan.codec} video carries CEA-608/708 caption data, but in the "
                             f"{scan.samples:,} frames read it is only padding, no caption text")
