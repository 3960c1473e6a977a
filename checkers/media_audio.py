"""Audio files (WAV, FLAC, Ogg, MP3): what they hold and how long they last.

Each reader looks at a few headers only: WAV's fmt/data chunks, FLAC's STREAMINFO, the first and
last Ogg pages, MP3's first frame (with its Xing/Info/VBRI frame count when present). A duration
that cannot be computed is None, and the checker says so instead of guessing.
"""
from __future__ import annotations

import struct

from checkers.media_info import MAX_ELEMENTS, MediaError, MediaInfo

_MP3_BITRATES = {  # kbit/s by (MPEG-1?, layer) for index 1..14
    (True, 3): (32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),
    (True, 2): (32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384),
    (True, 1): (32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448),
    (False, 3): (8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
    (False, 2): (8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
    (False, 1): (32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256),
}
_MP3_RATES = {3: (44100, 48000, 32000), 2: (22050, 24000, 16000), 0: (11025, 12000, 8000)}


def parse_wav(data: bytes) -> MediaInfo:
    info = MediaInfo("WAV", audio_tracks=1)
    pos, byte_rate, budget = 12, 0, MAX_ELEMENTS
    while pos + 8 <= len(data) and budget:
        budget -= 1
        chunk, size = struct.unpack_from("<4sI", data, pos)
        body = pos + 8
        if chunk == b"fmt " and size >= 16 and body + 16 <= len(data):
            byte_rate = struct.unpack_from("<I", data, body + 8)[0]
        elif chunk == b"data":
            available = min(size, len(data) - body)
            if byte_rate:
                info.duration = available / byte_rate
            return info
        pos = body + size + (size & 1)     # chunks are padded to an even length
    if not byte_rate:
        raise MediaError("no 'fmt ' chunk: the WAV file is damaged")
    raise MediaError("no 'data' chunk: the WAV file holds no sound")


def parse_flac(data: bytes, offset: int = 4) -> MediaInfo:
    info = MediaInfo("FLAC", audio_tracks=1)
    if offset + 4 + 18 > len(data) or data[offset] & 0x7F != 0:
        raise MediaError("the FLAC file has no STREAMINFO block")
    body = offset + 4
    packed = int.from_bytes(data[body + 10:body + 18], "big")
    rate = packed >> 44
    samples = packed & ((1 << 36) - 1)
    if rate and samples:
        info.duration = samples / rate
    return info


def parse_ogg(data: bytes) -> MediaInfo:
    if not data.startswith(b"OggS") or len(data) < 28:
        raise MediaError("no Ogg page")
    segments = data[26]
    packet = data[27 + segments:27 + segments + 64]
    rate, preskip = 0, 0
    if packet.startswith(b"\x80theora"):
        return MediaInfo("Ogg", video_tracks=1, tracks_known=False)   # audio/subtitle streams follow
    if packet.startswith(b"\x01vorbis") and len(packet) >= 16:
        rate = struct.unpack_from("<I", packet, 12)[0]
    elif packet.startswith(b"OpusHead") and len(packet) >= 12:
        rate, preskip = 48000, struct.unpack_from("<H", packet, 10)[0]
    elif packet.startswith(b"\x7fFLAC") and len(packet) >= 35:
        rate = int.from_bytes(packet[27:35], "big") >> 44   # STREAMINFO after the mapping header
    else:
        return MediaInfo("Ogg", audio_tracks=1, tracks_known=False)
    return MediaInfo("Ogg", audio_tracks=1, duration=_ogg_duration(data, rate, preskip))


def _ogg_duration(data: bytes, rate: int | None, preskip: int = 0) -> float | None:
    """The last page's granule position counts samples from the start."""
    if not rate:
        return None
    last = data.rfind(b"OggS", max(0, len(data) - 65_536 * 2))
    if last < 0 or last + 14 > len(data):
        return None
    granule = struct.unpack_from("<q", data, last + 6)[0]
    return (granule - preskip) / rate if granule > preskip else None


def _skip_id3(data: bytes) -> int:
    if data.startswith(b"ID3") and len(data) >= 10:
        size = 0
        for b in data[6:10]:
            size = (size << 7) | (b & 0x7F)
        return 10 + size + (10 if data[5] & 0x10 else 0)
    return 0


def mp3_header(data: bytes, pos: int) -> tuple[int, int, int, int] | None:
    """(bitrate bit/s, sample rate, samples per frame, MPEG version bits) of a frame at pos."""
    if pos + 4 > len(data):
        return None
    h = struct.unpack_from(">I", data, pos)[0]
    if h >> 21 != 0x7FF:
        return None
    version, layer = (h >> 19) & 3, 4 - ((h >> 17) & 3)
    bitrate_index, rate_index = (h >> 12) & 0xF, (h >> 10) & 3
    if version == 1 or layer == 4 or bitrate_index in (0, 15) or rate_index == 3:
        return None
    mpeg1 = version == 3
    bitrate = _MP3_BITRATES[(mpeg1, layer)][bitrate_index - 1] * 1000
    rate = _MP3_RATES[version][rate_index]
    samples = 384 if layer == 1 else 1152 if (layer == 2 or mpeg1) else 576
    return bitrate, rate, samples, version


def parse_mp3(data: bytes) -> MediaInfo:
    info = MediaInfo("MP3", audio_tracks=1)
    start = _skip_id3(data)
    header = mp3_header(data, start)
    if header is None:
        # Some files pad the tag; look a little further for the first frame.
        window = data[start:start + 8192]
        for i in range(len(window) - 3):
            if window[i] == 0xFF and mp3_header(data, start + i):
                start += i
                header = mp3_header(data, start)
                break
    if header is None:
        raise MediaError("no MPEG audio frame found")
    bitrate, rate, samples, version = header
    frame = data[start:start + 200]
    for tag in (b"Xing", b"Info"):
        at = frame.find(tag)
        if at >= 0 and at + 12 <= len(frame) and frame[at + 7] & 1:
            frames = struct.unpack_from(">I", frame, at + 8)[0]
            info.duration = frames * samples / rate
            return info
    at = frame.find(b"VBRI")
    if at >= 0 and at + 18 <= len(frame):
        info.duration = struct.unpack_from(">I", frame, at + 14)[0] * samples / rate
        return info
    info.duration = (len(data) - start) * 8 / bitrate     # constant bit rate: size / rate
    return info
