"""Small real media files written byte by byte (no ffmpeg needed): MP4 boxes, Matroska/WebM EBML,
WAV, MP3 and Ogg, plus WebVTT and SubRip text. Used by the media and isolation tests; the
layouts follow ISO/IEC 14496-12, RFC 8794/9559 and the WAV/MPEG/Ogg headers, and were checked
once against ffprobe (it reads these files with the same tracks and durations). The fragmented
MP4s (all three ways of giving durations) were checked with ffmpeg 7.0: remuxed, they last 60 s;
an H.264 stream from libx264 with cc_sei(CC_TEXT) in each frame decodes (ffmpeg's ccaption
decoder) to the caption "Hello.", and with the padding triplets to nothing.
"""
from __future__ import annotations

import struct

# ---------------------------------------------------------------- MP4 / QuickTime


def box(kind: bytes, payload: bytes = b"") -> bytes:
    return struct.pack(">I4s", 8 + len(payload), kind) + payload


def full_box(kind: bytes, payload: bytes, version: int = 0, flags: int = 0) -> bytes:
    return box(kind, struct.pack(">I", (version << 24) | flags) + payload)


def _lang(code: str) -> int:
    return sum((ord(c) - 0x60) << shift for c, shift in zip(code, (10, 5, 0)))


def trak(track_id: int, handler: bytes, sample_entry: bytes, duration_ms: int,
         language: str = "und", chapter_of: int | None = None, *, timescale: int = 1000,
         entry: bytes | None = None, table: bytes = b"") -> bytes:
    """A track; `entry` is a whole sample entry box (else an empty one of type sample_entry),
    `table` the sample table boxes (stsz, stsc, stco) after stsd."""
    duration = duration_ms * timescale // 1000
    tkhd = full_box(b"tkhd", struct.pack(">IIIII", 0, 0, track_id, 0, duration_ms) + bytes(60), flags=3)
    mdhd = full_box(b"mdhd", struct.pack(">IIIIHH", 0, 0, timescale, duration, _lang(language), 0))
    hdlr = full_box(b"hdlr", struct.pack(">I4s12s", 0, handler, bytes(12)) + b"handler\0")
    stsd = full_box(b"stsd", struct.pack(">I", 1) + (entry or box(sample_entry, bytes(8))))
    minf = box(b"minf", box(b"stbl", stsd + table))
    tref = box(b"tref", box(b"chap", struct.pack(">I", chapter_of))) if chapter_of else b""
    return box(b"trak", tkhd + tref + box(b"mdia", mdhd + hdlr + minf))


def mvhd(duration_ms: int) -> bytes:
    return full_box(b"mvhd", struct.pack(">IIII", 0, 0, 1000, duration_ms) + struct.pack(">IH", 0x10000, 0x100)
                    + bytes(10) + bytes(36) + bytes(24) + struct.pack(">I", 4))


FTYP = box(b"ftyp", b"isom" + struct.pack(">I", 0x200) + b"isomiso2avc1mp41")


def mp4(duration_ms: int = 60_000, *, audio: bool = True, video: bool = True,
        text: bytes | None = None, text_handler: bytes = b"sbtl", title: str | None = None,
        language: str = "eng", moov_first: bool = False, text_is_chapters: bool = False,
        video_samples: list[bytes] | None = None, video_entry: bytes | None = None) -> bytes:
    """An MP4 with a video track (avc1), an audio track (mp4a) and optionally a text track.
    `video_samples` go into mdat as one chunk that the video track's sample table points to."""
    ftyp = FTYP
    table = b""
    if video_samples:      # mdat comes right after ftyp, so its first byte is known
        first = len(ftyp) + 8
        table = (full_box(b"stsz", struct.pack(f">II{len(video_samples)}I", 0, len(video_samples),
                                               *map(len, video_samples)))
                 + full_box(b"stts", struct.pack(">III", 1, len(video_samples), duration_ms // len(video_samples)))
                 + full_box(b"stsc", struct.pack(">IIII", 1, 1, len(video_samples), 1))
                 + full_box(b"stco", struct.pack(">II", 1, first)))
    tracks = b""
    if video:
        tracks += trak(1, b"vide", b"avc1", duration_ms, chapter_of=3 if text_is_chapters else None,
                       entry=video_entry or avc1(), table=table)
    if audio:
        tracks += trak(2, b"soun", b"mp4a", duration_ms, language=language, entry=mp4a())
    if text:
        tracks += trak(3, text_handler, text, duration_ms, language=language)
    udta = b""
    if title:
        data = box(b"data", struct.pack(">II", 1, 0) + title.encode())
        meta = full_box(b"meta", full_box(b"hdlr", struct.pack(">I4s12s", 0, b"mdir", bytes(12)) + b"\0")
                        + box(b"ilst", box(b"\xa9nam", data)))
        udta = box(b"udta", meta)
    moov = box(b"moov", mvhd(duration_ms) + tracks + udta)
    mdat = box(b"mdat", b"".join(video_samples or ()) + bytes(4096))
    assert not (moov_first and video_samples)
    return ftyp + (moov + mdat if moov_first else mdat + moov)


def avc1(length_size: int = 4, kind: bytes = b"avc1") -> bytes:
    """An H.264 sample entry: VisualSampleEntry fields (1280x720) and an avcC without parameter
    sets, enough to say how long the NAL length prefixes are (ISO/IEC 14496-15 5.3.3)."""
    visual = bytes(6) + struct.pack(">H", 1) + bytes(16) + struct.pack(">HH", 1280, 720) + bytes(50)
    avcc = box(b"avcC", bytes([1, 0x64, 0, 0x1F, 0xFC | (length_size - 1), 0xE0, 0]))
    return box(kind, visual + avcc)


def mp4a() -> bytes:
    """An AudioSampleEntry (stereo, 16 bit, 48 kHz) without decoder configuration."""
    return box(b"mp4a", bytes(6) + struct.pack(">H", 1) + bytes(8) + struct.pack(">HHHHI", 2, 16, 0, 0, 48_000 << 16))


def hvc1(length_size: int = 4) -> bytes:
    """An HEVC sample entry whose hvcC says the NAL length size (byte 21, ISO/IEC 14496-15 8.3.3)."""
    visual = bytes(6) + struct.pack(">H", 1) + bytes(16) + struct.pack(">HH", 1280, 720) + bytes(50)
    hvcc = bytearray(23)
    hvcc[0], hvcc[21] = 1, 0x0C | (length_size - 1)
    return box(b"hvc1", visual + box(b"hvcC", bytes(hvcc)))


# ---------------------------------------------------------------- H.264/HEVC with CEA-608/708

# A pop-on caption "Hello." on CC1 (CTA-608 bytes with odd parity): resume caption loading (twice,
# as commands are sent), row 15, the text, end of caption (twice). ffmpeg's ccaption decoder
# shows it.
CC_TEXT = [(0xFC, 0x94, 0x20), (0xFC, 0x94, 0x20), (0xFC, 0x94, 0x70), (0xFC, 0x94, 0x70),
           (0xFC, 0xC8, 0xE5), (0xFC, 0xEC, 0xEC), (0xFC, 0xEF, 0xAE), (0xFC, 0x94, 0x2F), (0xFC, 0x94, 0x2F)]
CC_608_PADDING = [(0xFC, 0x80, 0x80), (0xFD, 0x80, 0x80)]        # valid null pairs
CC_INVALID = [(0xFA, 0x00, 0x00), (0xFA, 0x00, 0x00)]            # cc_valid = 0
# CTA-708 DTVCC packets (cc_type 3 starts one, 2 continues it): header (sequence, size code 2:
# four bytes), then a service block header. Service 1 with "Hi"; the null service (0) is padding.
CC_708 = [(0xFF, 0x02, 0x22), (0xFE, 0x48, 0x69)]
CC_708_NULL = [(0xFF, 0x02, 0x00), (0xFE, 0x00, 0x00)]
# Field 2 carrying only XDS (programme data: class 0x01, type 0x03 title "AB", end 0x0F)
CC_XDS = [(0xFD, 0x01, 0x83), (0xFD, 0xC1, 0xC2), (0xFD, 0x8F, 0x40)]


def _escape(rbsp: bytes) -> bytes:
    """Emulation prevention (H.264 7.4.1): no 00 00 0x (x <= 3) inside a NAL unit."""
    out, zeros = bytearray(), 0
    for byte in rbsp:
        if zeros >= 2 and byte <= 3:
            out.append(3)
            zeros = 0
        out.append(byte)
        zeros = zeros + 1 if byte == 0 else 0
    return bytes(out)


def cc_sei(triplets: list[tuple[int, int, int]], *, hevc: bool = False, before: bytes = b"") -> bytes:
    """An SEI NAL unit with a user_data_registered_itu_t_t35 message carrying ATSC A/53 cc_data:
    country 0xB5, provider 0x0031, 'GA94', type 0x03, flags (process_cc_data_flag + cc_count),
    0xFF, the (marker|cc_valid|cc_type, byte 1, byte 2) triplets, marker 0xFF. `before`: other
    SEI messages (type, size, payload) in front of it."""
    cc = bytes([0xC0 | len(triplets), 0xFF]) + b"".join(bytes(t) for t in triplets) + b"\xff"
    payload = b"\xb5\x00\x31GA94\x03" + cc
    message = before + bytes([4, len(payload)]) + payload + b"\x80"
    header = bytes([39 << 1, 1]) if hevc else b"\x06"
    return header + _escape(message)


def sample(*nal_units: bytes, length_size: int = 4) -> bytes:
    """One access unit: NAL units each prefixed by its length."""
    return b"".join(len(n).to_bytes(length_size, "big") + n for n in nal_units)


def slice_nal(hevc: bool = False) -> bytes:
    """A stand-in coded slice (IDR): only its header is ever read."""
    return (bytes([19 << 1, 1]) if hevc else b"\x65") + bytes(range(1, 40))


def captioned_frames(triplets, count: int = 30, *, hevc: bool = False, length_size: int = 4,
                     from_frame: int = 0) -> list[bytes]:
    """Frames with a cc_data SEI each from `from_frame` on; padding-only SEI before it."""
    return [sample(cc_sei(triplets if i >= from_frame else CC_INVALID, hevc=hevc), slice_nal(hevc),
                   length_size=length_size) for i in range(count)]


# ---------------------------------------------------------------- fragmented MP4 (14496-12 8.8)

VIDEO_SCALE, FRAME = 12_800, 512            # 25 frames a second
AUDIO_SCALE, AUDIO_FRAME = 48_000, 960       # 20 ms audio frames


def _traf(track_id: int, count: int, duration: int, sizes: list[int], data_offset: int, mode: str,
          decode_time: int) -> bytes:
    """A track fragment. mode: 'trun' (durations and sizes per sample), 'tfhd' (defaults in the
    track fragment header), 'trex' (defaults from mvex/trex: the trun lists sizes only)."""
    tf_flags = 0x020000 | (0x08 if mode == "tfhd" else 0)
    tfhd = full_box(b"tfhd", struct.pack(">I", track_id) + (struct.pack(">I", duration) if mode == "tfhd" else b""),
                    flags=tf_flags)
    tfdt = full_box(b"tfdt", struct.pack(">I", decode_time))
    if mode == "trun":
        entries = b"".join(struct.pack(">II", duration, s) for s in sizes)
        trun = full_box(b"trun", struct.pack(">Ii", count, data_offset) + entries, flags=0x301)
    else:
        entries = b"".join(struct.pack(">I", s) for s in sizes)
        trun = full_box(b"trun", struct.pack(">Ii", count, data_offset) + entries, flags=0x201)
    return box(b"traf", tfhd + tfdt + trun)


def fmp4(fragments: int = 30, fragment_s: int = 2, *, audio: bool = True, video: bool = True,
         mehd: bool = False, mode: str = "trun", sidx: bool = False,
         video_samples: list[bytes] | None = None, video_entry: bytes | None = None) -> bytes:
    """A fragmented MP4 as DASH/CMAF packagers write it: moov with empty sample tables and
    mvex (trex per track, mehd when asked), then moof + mdat per fragment, video 25 fps and
    audio in 20 ms frames. The moov says duration 0, as ffmpeg's empty_moov does."""
    total_ms = fragments * fragment_s * 1000
    frames, audio_frames = 25 * fragment_s if video else 0, 50 * fragment_s if audio else 0
    empty = full_box(b"stsz", bytes(8)) + full_box(b"stsc", bytes(4)) + full_box(b"stco", bytes(4))
    tracks = trex = b""
    if video:
        tracks = trak(1, b"vide", b"avc1", 0, timescale=VIDEO_SCALE, entry=video_entry or avc1(), table=empty)
        trex = full_box(b"trex", struct.pack(">IIIII", 1, 1, FRAME, 0, 0))
    if audio:
        tracks += trak(2, b"soun", b"mp4a", 0, language="eng", timescale=AUDIO_SCALE, entry=mp4a(), table=empty)
        trex += full_box(b"trex", struct.pack(">IIIII", 2, 1, AUDIO_FRAME, 0, 0))
    mvex = (full_box(b"mehd", struct.pack(">I", total_ms)) if mehd else b"") + trex
    moov = box(b"moov", mvhd(0) + tracks + box(b"mvex", mvex))
    body = b""
    video_samples = list(video_samples or [])
    for n in range(fragments):
        picture = [video_samples.pop(0) if video_samples else sample(slice_nal()) for _ in range(frames)]
        sound = [bytes(12)] * audio_frames
        offset = 0
        for _ in range(2):       # the data offsets depend on the moof's size, which does not
            video_traf = _traf(1, frames, FRAME, list(map(len, picture)), offset, mode,
                               n * frames * FRAME) if video else b""
            audio_traf = _traf(2, audio_frames, AUDIO_FRAME, list(map(len, sound)), offset + sum(map(len, picture)),
                               mode, n * audio_frames * AUDIO_FRAME) if audio else b""
            moof = box(b"moof", full_box(b"mfhd", struct.pack(">I", n + 1)) + video_traf + audio_traf)
            offset = len(moof) + 8
        body += moof + box(b"mdat", b"".join(picture + sound))
    index = b""
    if sidx:
        refs = b"".join(struct.pack(">III", 0, FRAME * 25 * fragment_s, 0x90000000) for _ in range(fragments))
        index = full_box(b"sidx", struct.pack(">IIIIHH", 1, VIDEO_SCALE, 0, 0, 0, fragments) + refs)
    return FTYP + moov + index + body


# ---------------------------------------------------------------- Matroska / WebM


def el(eid: int, payload: bytes) -> bytes:
    """An EBML element with an 8-byte size (always valid)."""
    return eid.to_bytes((eid.bit_length() + 7) // 8, "big") + b"\x01" + len(payload).to_bytes(7, "big") + payload


def uint(value: int) -> bytes:
    return value.to_bytes(max(1, (value.bit_length() + 7) // 8), "big")


def track_entry(number: int, kind: int, codec: str, language: str | None = None) -> bytes:
    body = el(0xD7, uint(number)) + el(0x83, uint(kind)) + el(0x86, codec.encode())
    if language:
        body += el(0x22B59C, language.encode())
    return el(0xAE, body)


def webm(duration_ms: float = 60_000, *, subtitles: str | None = None, audio: bool = True,
         doctype: str = "webm", title: str | None = None) -> bytes:
    header = el(0x1A45DFA3, el(0x4286, uint(1)) + el(0x42F7, uint(1)) + el(0x4282, doctype.encode())
                + el(0x4287, uint(4)) + el(0x4285, uint(2)))
    info = el(0x2AD7B1, uint(1_000_000)) + el(0x4489, struct.pack(">d", duration_ms))
    if title:
        info += el(0x7BA9, title.encode())
    tracks = track_entry(1, 1, "V_VP9")
    if audio:
        tracks += track_entry(2, 2, "A_OPUS", "fin")
    if subtitles:
        tracks += track_entry(3, 0x11, subtitles, "fin")
    cluster = el(0x1F43B675, el(0xE7, uint(0)) + el(0xA3, bytes(64)))
    return header + el(0x18538067, el(0x1549A966, info) + el(0x1654AE6B, tracks) + cluster)


# ---------------------------------------------------------------- audio


def wav(seconds: float = 2.0, rate: int = 8000) -> bytes:
    samples = bytes(int(seconds * rate) * 2)
    fmt = struct.pack("<HHIIHH", 1, 1, rate, rate * 2, 2, 16)
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt + b"data" + struct.pack("<I", len(samples)) + samples
    return b"RIFF" + struct.pack("<I", len(body)) + body


def mp3(frames: int = 100) -> bytes:
    """MPEG-1 Layer III, 128 kbit/s, 44.1 kHz, constant bit rate: 417-byte frames of 1152 samples."""
    frame = b"\xff\xfb\x90\x64" + bytes(413)
    return b"ID3\x03\x00\x00\x00\x00\x00\x00" + frame * frames


# ---------------------------------------------------------------- caption text


def vtt(cues: list[tuple[float, float, str]], header: str = "WEBVTT") -> bytes:
    def ts(t: float) -> str:
        h, rest = divmod(t, 3600)
        m, s = divmod(rest, 60)
        return f"{int(h):02d}:{int(m):02d}:{s:06.3f}"
    blocks = [header, ""] + [f"{ts(a)} --> {ts(b)}\n{text}\n" for a, b, text in cues]
    return "\n".join(blocks).encode()


def srt(cues: list[tuple[float, float, str]]) -> bytes:
    def ts(t: float) -> str:
        h, rest = divmod(t, 3600)
        m, s = divmod(rest, 60)
        return f"{int(h):02d}:{int(m):02d}:{int(s):02d},{int(round((s % 1) * 1000)):03d}"
    return "\n".join(f"{i}\n{ts(a)} --> {ts(b)}\n{text}\n" for i, (a, b, text) in enumerate(cues, 1)).encode()


def cues_until(end: float, step: float = 5.0) -> list[tuple[float, float, str]]:
    out, t = [], 0.0
    while t < end:
        out.append((t, min(t + step, end), f"Line at {t:.0f} seconds"))
        t += step
    return out
