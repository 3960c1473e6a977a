"""Small real media files written byte by byte (no ffmpeg needed): MP4 boxes, Matroska/WebM EBML,
WAV, MP3 and Ogg, plus WebVTT and SubRip text. Used by the media and isolation tests; the
layouts follow ISO/IEC 14496-12, RFC 8794/9559 and the WAV/MPEG/Ogg headers, and were checked
once against ffprobe (it reads these files with the same tracks and durations).
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
         language: str = "und", chapter_of: int | None = None) -> bytes:
    tkhd = full_box(b"tkhd", struct.pack(">IIIII", 0, 0, track_id, 0, duration_ms) + bytes(60), flags=3)
    mdhd = full_box(b"mdhd", struct.pack(">IIIIHH", 0, 0, 1000, duration_ms, _lang(language), 0))
    hdlr = full_box(b"hdlr", struct.pack(">I4s12s", 0, handler, bytes(12)) + b"handler\0")
    stsd = full_box(b"stsd", struct.pack(">I", 1) + box(sample_entry, bytes(8)))
    minf = box(b"minf", box(b"stbl", stsd))
    tref = box(b"tref", box(b"chap", struct.pack(">I", chapter_of))) if chapter_of else b""
    return box(b"trak", tkhd + tref + box(b"mdia", mdhd + hdlr + minf))


def mp4(duration_ms: int = 60_000, *, audio: bool = True, video: bool = True,
        text: bytes | None = None, text_handler: bytes = b"sbtl", title: str | None = None,
        language: str = "eng", moov_first: bool = False, text_is_chapters: bool = False) -> bytes:
    """An MP4 with a video track (avc1), an audio track (mp4a) and optionally a text track."""
    ftyp = box(b"ftyp", b"isom" + struct.pack(">I", 0x200) + b"isomiso2avc1mp41")
    mvhd = full_box(b"mvhd", struct.pack(">IIII", 0, 0, 1000, duration_ms) + struct.pack(">IH", 0x10000, 0x100)
                    + bytes(10) + bytes(36) + bytes(24) + struct.pack(">I", 4))
    tracks = b""
    if video:
        tracks += trak(1, b"vide", b"avc1", duration_ms, chapter_of=3 if text_is_chapters else None)
    if audio:
        tracks += trak(2, b"soun", b"mp4a", duration_ms, language=language)
    if text:
        tracks += trak(3, text_handler, text, duration_ms, language=language)
    udta = b""
    if title:
        data = box(b"data", struct.pack(">II", 1, 0) + title.encode())
        meta = full_box(b"meta", full_box(b"hdlr", struct.pack(">I4s12s", 0, b"mdir", bytes(12)) + b"\0")
                        + box(b"ilst", box(b"\xa9nam", data)))
        udta = box(b"udta", meta)
    moov = box(b"moov", mvhd + tracks + udta)
    mdat = box(b"mdat", bytes(4096))
    return ftyp + (moov + mdat if moov_first else mdat + moov)


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
