"""Hostile and damaged media files: each ends as one clear `unreadable` finding, quickly."""
from __future__ import annotations

import random
import struct

import pytest

from checkers.engine import Context
from checkers.media import check_caption_file, check_media
from checkers.media_info import MAX_ELEMENTS
from tests.test_media_builders import (CC_708, CC_TEXT, box, captioned_frames, el, fmp4, mp4, track_entry, uint,
                                       vtt, webm)

EBML_HEADER = el(0x1A45DFA3, el(0x4282, b"webm"))


def only_unreadable(data: bytes, name: str = "x.mp4", media_type: str = "video/mp4"):
    findings, facts = check_media(data, Context(name=name, media_type=media_type))
    assert [f.rule for f in findings] == ["unreadable"], [(f.rule, f.message) for f in findings]
    assert facts.format == "media"
    return findings[0]


def test_truncated_mp4():
    data = mp4()
    f = only_unreadable(data[: len(data) - 300])
    assert f.outcome == "failed" and "truncated" in f.message


def test_box_size_larger_than_the_file():
    data = mp4(moov_first=True)
    at = data.index(b"mdat") - 4
    f = only_unreadable(data[:at] + struct.pack(">I", 0xFFFFFFF0) + data[at + 4:])
    assert f.outcome == "failed" and "claims 4,294,967,280 bytes" in f.message


def test_64_bit_box_size_lying():
    ftyp = box(b"ftyp", b"isom\0\0\0\0")
    huge = struct.pack(">I4sQ", 1, b"moov", 2 ** 63) + bytes(32)
    assert "claims" in only_unreadable(ftyp + huge).message
    tiny = struct.pack(">I4sQ", 1, b"moov", 4) + bytes(32)
    assert "impossible size 4" in only_unreadable(ftyp + tiny).message


def test_zero_size_box_inside_moov_swallows_the_tracks():
    ftyp = box(b"ftyp", b"isom\0\0\0\0")
    moov = box(b"moov", struct.pack(">I4s", 0, b"free") + bytes(64))
    assert "no video or audio track" in only_unreadable(ftyp + moov).message


def test_100000_nested_boxes():
    depth = 100_000
    total = 8 * depth           # each header's size covers every header after it
    headers = b"".join(struct.pack(">I4s", total - 8 * i, b"trak") for i in range(depth))
    data = box(b"ftyp", b"isom\0\0\0\0") + struct.pack(">I4s", 8 + total, b"moov") + headers
    f = only_unreadable(data)
    assert f.outcome == "cantTell" and "nested deeper" in f.message


def test_too_many_boxes():
    children = box(b"free") * (MAX_ELEMENTS + 10)
    data = box(b"ftyp", b"isom\0\0\0\0") + box(b"moov", children)
    f = only_unreadable(data)
    assert f.outcome == "cantTell" and "more than" in f.message


def test_ebml_with_an_absurd_segment_size():
    segment = bytes.fromhex("18538067") + b"\x01" + (2 ** 56 - 2).to_bytes(7, "big") + bytes(16)
    f = only_unreadable(EBML_HEADER + segment, "x.webm", "video/webm")
    assert f.outcome == "failed" and "claims" in f.message


def test_ebml_with_an_invalid_size_byte():
    tracks = bytes.fromhex("1654AE6B") + b"\x00" + bytes(8)
    data = EBML_HEADER + el(0x18538067, tracks)
    assert "invalid element header" in only_unreadable(data, "x.webm", "video/webm").message


def test_ebml_track_entry_with_unknown_size():
    entry = bytes([0xAE, 0xFF]) + track_entry(1, 1, "V_VP9")
    data = EBML_HEADER + el(0x18538067, el(0x1654AE6B, entry))
    assert "unknown size" in only_unreadable(data, "x.webm", "video/webm").message


def test_ebml_with_too_many_elements():
    void = el(0xEC, b"") * (MAX_ELEMENTS + 10)
    data = EBML_HEADER + el(0x18538067, void)
    assert only_unreadable(data, "x.webm", "video/webm").outcome == "cantTell"


def test_ebml_integer_longer_than_8_bytes():
    info = el(0x1549A966, el(0x2AD7B1, bytes(12)))
    data = EBML_HEADER + el(0x18538067, info + el(0x1654AE6B, track_entry(1, 1, "V_VP9")))
    assert "longer than 8 bytes" in only_unreadable(data, "x.webm", "video/webm").message


def test_webm_without_tracks():
    data = EBML_HEADER + el(0x18538067, el(0x1549A966, el(0x2AD7B1, uint(1_000_000))))
    assert "no Tracks" in only_unreadable(data, "x.webm", "video/webm").message


def _captioned_fragments() -> bytes:
    return fmp4(3, 1, video_samples=captioned_frames(CC_TEXT, 25))


def _captioned_mp4() -> bytes:
    return mp4(video_samples=captioned_frames(CC_708 + CC_TEXT, 10))


@pytest.mark.parametrize("make,name,mtype", [(mp4, "x.mp4", "video/mp4"), (webm, "x.webm", "video/webm"),
                                             (_captioned_fragments, "x.mp4", "video/mp4"),
                                             (_captioned_mp4, "x.mp4", "video/mp4")])
def test_random_damage_never_escapes(make, name, mtype):
    """Flip and cut bytes of valid files: every result is findings, never an exception."""
    rng = random.Random(1234)
    original = make()
    for _ in range(300):
        data = bytearray(original)
        for _ in range(rng.randint(1, 8)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        data = bytes(data[: rng.randint(8, len(data))])
        findings, _ = check_media(data, Context(name=name, media_type=mtype))
        assert findings and all(f.outcome in ("failed", "cantTell", "passed", "inapplicable") for f in findings)


def test_huge_caption_file_is_refused_without_parsing():
    data = b"WEBVTT\n\n" + b"x" * (21 * 1024 * 1024)
    findings, _ = check_caption_file(data, Context(name="big.vtt"))
    assert findings[0].outcome == "failed" and "MiB" in findings[0].message


def test_caption_file_with_nul_bytes_and_crlf_still_parses():
    data = vtt([(0, 2, "a\0b")]).replace(b"\n", b"\r\n")
    findings, facts = check_caption_file(data, Context(name="x.vtt"))
    assert [f.outcome for f in findings] == ["passed"]
    assert "a\ufffdb" in facts.text
