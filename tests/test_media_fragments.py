"""Fragmented MP4 (DASH/HLS/CMAF, recorders): the duration is read from mehd, from the movie
fragments' sample durations (trun, tfhd or trex defaults) or from sidx, so caption coverage can be
judged. Files are written by tests/test_media_builders.fmp4 (an empty moov, as packagers write).
"""
from __future__ import annotations

import pytest

from checkers import media_boxes, media_mp4_samples
from checkers.engine import Context
from checkers.media import check_media, probe
from tests.test_media import COVERAGE, CAPTIONS, TRANSCRIPT, check, finding, outcomes
from tests.test_media_builders import cues_until, fmp4, full_box, vtt


@pytest.mark.parametrize("mode", ["trun", "tfhd", "trex"])
@pytest.mark.parametrize("mehd", [True, False])
def test_duration_of_a_fragmented_file(mode, mehd):
    info = probe(fmp4(30, 2, mehd=mehd, mode=mode))
    assert info.duration == pytest.approx(60.0)
    assert (info.video_tracks, info.audio_tracks, info.caption_tracks) == (1, 1, [])


@pytest.mark.parametrize("mehd", [True, False])
def test_captions_covering_the_fragmented_video_pass(mehd):
    result = check(fmp4(mehd=mehd), "lecture.mp4", {"lecture.vtt": vtt(cues_until(57))})
    assert outcomes(result, CAPTIONS) == ["passed"]
    assert outcomes(result, COVERAGE) == ["passed"]


@pytest.mark.parametrize("mehd,mode", [(True, "trex"), (False, "trun"), (False, "tfhd"), (False, "trex")])
def test_captions_stopping_early_in_a_fragmented_video_fail(mehd, mode):
    result = check(fmp4(mehd=mehd, mode=mode), "lecture.mp4", {"lecture.vtt": vtt(cues_until(6))})
    assert "0:06 of 1:00 (10%)" in finding(result, COVERAGE, "failed").message


def test_mehd_is_what_the_file_declares():
    """mehd counts in the movie timescale (mvhd: 1000 a second here) and wins over the sum."""
    data = fmp4(30, 2, mehd=True)
    at = data.index(b"mehd") + 8
    data = data[:at] + (90_000).to_bytes(4, "big") + data[at + 4:]
    assert probe(data).duration == pytest.approx(90.0)


def test_too_many_fragments_fall_back_to_sidx(monkeypatch):
    monkeypatch.setattr(media_mp4_samples, "MAX_FRAGMENTS", 5)
    assert probe(fmp4(30, 2, sidx=True)).duration == pytest.approx(60.0)
    result = check(fmp4(30, 2), "lecture.mp4", {"lecture.vtt": vtt(cues_until(57))})
    assert "not stored" in finding(result, COVERAGE, "cantTell").message


def test_too_many_trun_entries_fall_back_to_sidx(monkeypatch):
    monkeypatch.setattr(media_mp4_samples, "MAX_RUN_ENTRIES", 500)
    assert probe(fmp4(30, 2, sidx=True)).duration == pytest.approx(60.0)
    assert probe(fmp4(30, 2)).duration is None


def test_more_top_level_boxes_than_the_cap_still_checks_the_tracks(monkeypatch):
    """Thousands of fragments (one per frame in low-latency files) stop the walk, not the check."""
    monkeypatch.setattr(media_boxes, "MAX_ELEMENTS", 40)
    result = check(fmp4(30, 2, sidx=True), "lecture.mp4", {"lecture.vtt": vtt(cues_until(6))})
    assert "0:06 of 1:00" in finding(result, COVERAGE, "failed").message
    assert probe(fmp4(30, 2)).duration is None


def test_fragmented_audio_only_is_audio():
    result = check(fmp4(30, 2, video=False), "podcast.m4a")
    assert outcomes(result, CAPTIONS) == ["inapplicable"]
    assert "MP4 audio (1:00)" in finding(result, TRANSCRIPT, "failed").message


def test_a_trun_claiming_more_samples_than_it_holds_is_damaged():
    data = fmp4(3, 2)
    at = data.index(b"trun") + 8                  # sample_count after version+flags
    data = data[:at] + (10 ** 6).to_bytes(4, "big") + data[at + 4:]
    findings, _ = check_media(data, Context(name="x.mp4", media_type="video/mp4"))
    assert [(f.rule, f.outcome) for f in findings] == [("unreadable", "failed")]
    assert "trun" in findings[0].message


def test_a_traf_without_tfhd_is_damaged():
    data = fmp4(2, 2)
    data = data.replace(b"tfhd", b"free")
    findings, _ = check_media(data, Context(name="x.mp4", media_type="video/mp4"))
    assert "tfhd" in findings[0].message and findings[0].outcome == "failed"


def test_the_fragment_sum_wins_over_a_sidx_that_disagrees():
    """All fragments read: their 2 s count, not the 12.5 s a stale segment index claims."""
    refs = (0).to_bytes(4, "big") + (12_800 * 25 // 2).to_bytes(4, "big") + bytes(4)
    sidx = full_box(b"sidx", (1).to_bytes(4, "big") + (12_800).to_bytes(4, "big") + bytes(8)
                    + bytes(2) + (1).to_bytes(2, "big") + refs)
    data = fmp4(1, 2)
    at = data.index(b"moof") - 4
    data = data[:at] + sidx + data[at:]
    assert probe(data).duration == pytest.approx(2.0)
