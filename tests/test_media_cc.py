"""Closed captions inside the video stream: CEA-608/708 cc_data in H.264/HEVC SEI messages (ATSC
A/53 Part 4) and QuickTime/MP4 closed-caption tracks. The files are built by
tests/test_media_builders: real cc_data in front of a stand-in slice in each frame.
"""
from __future__ import annotations

import pytest

from checkers import media_mp4
from checkers.media import probe
from tests.test_media import CAPTIONS, COVERAGE, check, finding, outcomes
from tests.test_media_builders import (CC_608_PADDING, CC_708, CC_708_NULL, CC_INVALID, CC_TEXT, CC_XDS, avc1,
                                       captioned_frames, cc_sei, cues_until, fmp4, hvc1, mp4, sample, slice_nal,
                                       vtt)


def sei_mp4(triplets, **frames) -> bytes:
    return mp4(video_samples=captioned_frames(triplets, **frames))


# ---------------------------------------------------------------- must pass

@pytest.mark.parametrize("triplets,kind", [(CC_TEXT, "CEA-608"), (CC_708, "CEA-708"),
                                           (CC_708 + CC_TEXT, "CEA-608 and CEA-708")])
def test_h264_with_caption_data_in_sei_is_captioned(triplets, kind):
    data = sei_mp4(triplets)
    assert probe(data).caption_tracks == [f"{kind} captions in the H.264 video"]
    result = check(data, "lecture.mp4")
    assert outcomes(result, CAPTIONS) == ["passed"]
    assert outcomes(result, COVERAGE) == ["inapplicable"]


def test_hevc_prefix_sei_in_a_fragmented_file_is_captioned():
    frames = captioned_frames(CC_TEXT, hevc=True)
    data = fmp4(30, 2, video_samples=frames, video_entry=hvc1())
    assert probe(data).caption_tracks == ["CEA-608 captions in the HEVC video"]
    assert outcomes(check(data, "lecture.mp4"), CAPTIONS) == ["passed"]


@pytest.mark.parametrize("length_size", [1, 2, 4])
def test_nal_length_size_comes_from_avcc(length_size):
    frames = captioned_frames(CC_TEXT, length_size=length_size)
    data = mp4(video_samples=frames, video_entry=avc1(length_size))
    assert outcomes(check(data, "lecture.mp4"), CAPTIONS) == ["passed"]


def test_captions_starting_after_padding_frames_are_found():
    assert outcomes(check(sei_mp4(CC_TEXT, from_frame=25), "lecture.mp4"), CAPTIONS) == ["passed"]


def test_emulation_prevention_bytes_are_removed_before_reading_messages():
    """A user_data_unregistered message full of zeros in front: its escaped bytes (00 00 03)
    would shift the cc_data message if they were not removed."""
    unregistered = bytes([5, 20]) + bytes(16) + b"\x00\x00\x01\x02"
    frames = [sample(cc_sei(CC_TEXT, before=unregistered), slice_nal()) for _ in range(5)]
    assert b"\x00\x00\x03" in frames[0]
    assert outcomes(check(mp4(video_samples=frames), "lecture.mp4"), CAPTIONS) == ["passed"]


@pytest.mark.parametrize("entry,handler", [(b"c608", b"clcp"), (b"c708", b"clcp"), (b"c608", b"text")])
def test_a_closed_caption_track_is_captioned(entry, handler):
    assert outcomes(check(mp4(text=entry, text_handler=handler), "lecture.mp4"), CAPTIONS) == ["passed"]


# ---------------------------------------------------------------- must fail

@pytest.mark.parametrize("triplets", [CC_608_PADDING, CC_INVALID, CC_708_NULL, CC_XDS,
                                      CC_608_PADDING + CC_708_NULL + CC_INVALID])
def test_padding_only_cc_data_is_not_captions(triplets):
    data = sei_mp4(triplets)
    assert probe(data).caption_tracks == []
    f = finding(check(data, "lecture.mp4"), CAPTIONS, "failed")
    assert "carries CEA-608/708 caption data, but in the 30 frames read it is only padding" in f.message
    assert f.refs["wcag"] == ["1.2.2"] and f.refs["annex"] == "A2.videos"


def test_process_cc_data_flag_off_means_ignore():
    frame = sample(cc_sei(CC_TEXT).replace(b"GA94\x03\xc9", b"GA94\x03\x89"), slice_nal())
    assert b"GA94\x03\x89" in frame
    assert outcomes(check(mp4(video_samples=[frame] * 3), "lecture.mp4"), CAPTIONS) == ["failed"]


def test_captions_after_the_frames_read_are_not_seen(monkeypatch):
    monkeypatch.setattr(media_mp4, "MAX_CC_SAMPLES", 10)
    f = finding(check(sei_mp4(CC_TEXT, from_frame=20), "lecture.mp4"), CAPTIONS, "failed")
    assert "in the 10 frames read it is only padding" in f.message


@pytest.mark.parametrize("other", [b"\xb5\x00\x2fGA94\x03", b"\xb4\x00\x31GA94\x03", b"\xb5\x00\x31DTG1\x03"])
def test_other_t35_payloads_are_not_caption_data(other):
    frame = sample(cc_sei(CC_TEXT).replace(b"\xb5\x00\x31GA94\x03", other), slice_nal())
    f = finding(check(mp4(video_samples=[frame] * 3), "lecture.mp4"), CAPTIONS, "failed")
    assert "padding" not in f.message


def test_h264_without_sei_fails_as_before():
    frames = [sample(slice_nal()) for _ in range(30)]
    f = finding(check(mp4(video_samples=frames), "lecture.mp4"), CAPTIONS, "failed")
    assert f.message.endswith("with the same name beside it")


# ---------------------------------------------------------------- inapplicable, bounded

def test_audio_only_mp4_needs_no_video_captions():
    result = check(mp4(video=False), "podcast.m4a")
    assert outcomes(result, CAPTIONS) == ["inapplicable"]


def test_silent_video_with_caption_data_needs_no_captions():
    result = check(mp4(audio=False, video_samples=captioned_frames(CC_TEXT)), "screen.mp4")
    assert outcomes(result, CAPTIONS) == ["inapplicable"]


def test_caption_files_beside_a_captioned_stream_are_still_checked():
    result = check(sei_mp4(CC_TEXT), "lecture.mp4", {"lecture.vtt": vtt(cues_until(6))})
    assert outcomes(result, CAPTIONS) == ["passed"]
    assert outcomes(result, COVERAGE) == ["failed"]


def test_sample_table_pointing_past_the_end_is_skipped():
    data = sei_mp4(CC_TEXT)
    at = data.index(b"stco") + 12
    data = data[:at] + (len(data) + 10).to_bytes(4, "big") + data[at + 4:]
    assert outcomes(check(data, "lecture.mp4"), CAPTIONS) == ["failed"]


def test_nal_lengths_that_lie_end_the_sample():
    frames = [(0xFFFFFFF0).to_bytes(4, "big") + sample(cc_sei(CC_TEXT), slice_nal()) for _ in range(3)]
    assert outcomes(check(mp4(video_samples=frames), "lecture.mp4"), CAPTIONS) == ["failed"]
