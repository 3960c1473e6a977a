"""Video and audio captions, caption files and transcripts (checkers/media.py, rules/media.yaml).

Each rule gets inputs that must pass, must fail and are inapplicable, in the manner of ACT test
cases; the media files are written byte by byte by tests/test_media_builders.py.
"""
from __future__ import annotations

import pytest

from checkers.engine import check_bytes
from tests.test_media_builders import cues_until, mp3, mp4, srt, vtt, wav, webm

CAPTIONS, VALID, COVERAGE = "media-video-captions", "media-caption-file-valid", "media-caption-coverage"
TRANSCRIPT, VIDEO_ONLY = "media-audio-transcript", "media-video-only-alternative"


def check(data: bytes, name: str, siblings: dict[str, bytes | None] | None = None):
    siblings = siblings or {}
    return check_bytes(data, resource=name, name=name, siblings=tuple(siblings),
                       sibling_data={k: v for k, v in siblings.items() if v is not None})


def outcomes(result, rule: str) -> list[str]:
    return [f.outcome for f in result.findings if f.rule == rule]


def finding(result, rule: str, outcome: str):
    return next(f for f in result.findings if f.rule == rule and f.outcome == outcome)


# ---------------------------------------------------------------- embedded caption tracks

@pytest.mark.parametrize("entry,handler", [(b"tx3g", b"sbtl"), (b"tx3g", b"text"), (b"wvtt", b"text"),
                                           (b"stpp", b"subt"), (b"c608", b"clcp")])
def test_mp4_with_a_caption_track_passes(entry, handler):
    result = check(mp4(text=entry, text_handler=handler), "lecture.mp4")
    assert result.media_type == "video/mp4"
    assert outcomes(result, CAPTIONS) == ["passed"]
    assert outcomes(result, VALID) == ["inapplicable"]
    assert outcomes(result, TRANSCRIPT) == ["inapplicable"]
    assert result.scores["accessibility"] == 100


def test_mp4_without_captions_fails_on_the_file():
    result = check(mp4(60_000), "lecture.mp4")
    f = finding(result, CAPTIONS, "failed")
    assert "no captions" in f.message and "(1:00)" in f.message
    assert f.location.is_empty()
    assert f.refs["wcag"] == ["1.2.2"] and f.refs["annex"] == "A2.videos" and "f51b46" in f.refs["act"]
    assert result.scores["accessibility"] == 0


def test_a_chapter_text_track_is_not_captions():
    result = check(mp4(text=b"text", text_handler=b"text", text_is_chapters=True), "lecture.mp4")
    assert outcomes(result, CAPTIONS) == ["failed"]


@pytest.mark.parametrize("codec", ["D_WEBVTT/SUBTITLES", "D_WEBVTT/CAPTIONS", "S_TEXT/WEBVTT"])
def test_webm_with_a_subtitle_track_passes(codec):
    result = check(webm(subtitles=codec), "talk.webm")
    assert result.media_type == "video/webm"
    assert outcomes(result, CAPTIONS) == ["passed"]


def test_matroska_with_vobsub_passes():
    result = check(webm(subtitles="S_VOBSUB", doctype="matroska"), "talk.mkv")
    assert result.media_type == "video/x-matroska"
    assert outcomes(result, CAPTIONS) == ["passed"]


@pytest.mark.parametrize("subtitles", [None, "D_WEBVTT/DESCRIPTIONS", "D_WEBVTT/METADATA"])
def test_webm_without_captions_fails(subtitles):
    result = check(webm(subtitles=subtitles), "talk.webm")
    assert outcomes(result, CAPTIONS) == ["failed"]


def test_title_and_language_come_from_the_container():
    result = check(mp4(text=b"tx3g", title="Fotosynteesi", language="fin"), "lecture.mp4")
    assert (result.facts.format, result.facts.title, result.facts.language) == ("media", "Fotosynteesi", "fi")
    result = check(webm(title="Photosynthesis"), "talk.webm")
    assert (result.facts.title, result.facts.language) == ("Photosynthesis", "fi")


# ---------------------------------------------------------------- caption files beside the video

def test_sibling_vtt_covering_95_percent_passes():
    result = check(mp4(60_000), "lecture.mp4", {"lecture.vtt": vtt(cues_until(57))})
    assert outcomes(result, CAPTIONS) == ["passed"]
    assert outcomes(result, VALID) == ["passed"]
    assert outcomes(result, COVERAGE) == ["passed"]
    assert "Line at 0 seconds" in result.facts.text and result.facts.word_count > 0


def test_sibling_vtt_covering_10_percent_fails_with_the_figures():
    result = check(mp4(60_000), "lecture.mp4", {"lecture.vtt": vtt(cues_until(6))})
    assert outcomes(result, CAPTIONS) == ["passed"]
    f = finding(result, COVERAGE, "failed")
    assert "0:06 of 1:00 (10%)" in f.message and f.evidence == "lecture.vtt"


def test_captions_running_far_past_the_end_are_cant_tell():
    result = check(mp4(60_000), "lecture.mp4", {"lecture.vtt": vtt(cues_until(300))})
    assert outcomes(result, COVERAGE) == ["cantTell"]
    assert "5:00 of 1:00" in finding(result, COVERAGE, "cantTell").message


def test_garbage_vtt_does_not_parse_and_leaves_the_video_uncaptioned():
    result = check(mp4(), "lecture.mp4", {"lecture.vtt": b"\x89PNG this is not a caption file"})
    assert "does not parse" in finding(result, VALID, "failed").message
    assert "cannot be used: lecture.vtt" in finding(result, CAPTIONS, "failed").message
    assert outcomes(result, COVERAGE) == ["inapplicable"]


@pytest.mark.parametrize("content,why", [(b"", "empty"), (b"\n\n", "empty"),
                                         (b"WEBVTT\n\nNOTE nothing yet\n", "no caption cues")])
def test_empty_vtt_fails(content, why):
    result = check(mp4(), "lecture.mp4", {"lecture.vtt": content})
    assert why in finding(result, VALID, "failed").message
    assert outcomes(result, CAPTIONS) == ["failed"]


def test_srt_beside_the_video_passes():
    result = check(mp4(60_000), "lecture.mp4", {"lecture.srt": srt(cues_until(58))})
    assert outcomes(result, CAPTIONS) == ["passed"]
    assert outcomes(result, VALID) == ["passed"]
    assert outcomes(result, COVERAGE) == ["passed"]


def test_srt_content_in_a_vtt_file_fails_with_a_hint():
    result = check(mp4(60_000), "lecture.mp4", {"lecture.vtt": srt(cues_until(58))})
    assert "looks like SubRip" in finding(result, VALID, "failed").message


def test_a_bad_cue_timing_is_reported_with_its_line():
    text = b"WEBVTT\n\n00:00.000 --> 00:30.000\nfine\n\n00:30.000 -> 00:58.000\nbroken arrow\n\n" \
           b"00:58.000 --> 00:59.000\nlast\n"
    result = check(mp4(60_000), "lecture.mp4", {"lecture.vtt": text})
    f = finding(result, VALID, "failed")
    assert f.location.line == 6 and "1 problem" in f.message
    assert outcomes(result, CAPTIONS) == ["passed"]     # the other cues still show


def test_a_caption_file_not_fetched_is_trusted_by_name_but_not_checked():
    result = check(mp4(), "lecture.mp4", {"lecture.vtt": None})
    assert outcomes(result, CAPTIONS) == ["passed"]
    assert outcomes(result, VALID) == ["cantTell"] and outcomes(result, COVERAGE) == ["cantTell"]


@pytest.mark.parametrize("sibling,others,matches", [
    ("lecture.vtt", (), True),
    ("Lecture.VTT", (), True),
    ("lecture.en.vtt", (), True),
    ("lecture_fi-FI.srt", (), True),
    ("lecture.captions.vtt", (), True),
    ("lecture-2.vtt", ("lecture-2.mp4",), False),
    ("lecture-de.vtt", ("lecture-de.mp4",), False),
    ("other.vtt", (), False),
    ("lecture-notes.vtt", (), False),
])
def test_caption_files_match_the_video_by_base_name(sibling, others, matches):
    siblings = {sibling: vtt(cues_until(58)), **{o: None for o in others}}
    result = check(mp4(60_000), "course/files/lecture.mp4", siblings)
    assert outcomes(result, CAPTIONS) == (["passed"] if matches else ["failed"])


def test_unknown_duration_makes_coverage_cant_tell():
    result = check(mp4(0), "lecture.mp4", {"lecture.vtt": vtt(cues_until(10))})
    assert "not stored" in finding(result, COVERAGE, "cantTell").message


# ---------------------------------------------------------------- silent video, audio

def test_video_without_sound_needs_no_captions_but_a_description():
    result = check(mp4(audio=False), "screen.mp4")
    assert outcomes(result, CAPTIONS) == ["inapplicable"]
    assert outcomes(result, VIDEO_ONLY) == ["cantTell"]
    result = check(mp4(audio=False), "screen.mp4", {"screen.html": None})
    assert outcomes(result, VIDEO_ONLY) == ["passed"]


def test_audio_without_transcript_fails():
    result = check(wav(2.0), "talk.wav", {"slides.pdf": None})
    f = finding(result, TRANSCRIPT, "failed")
    assert "WAV audio (0:02)" in f.message and f.refs["wcag"] == ["1.2.1"] and "2eb176" in f.refs["act"]
    assert outcomes(result, CAPTIONS) == ["inapplicable"]


@pytest.mark.parametrize("transcript", ["talk.txt", "talk.docx", "Transkript zum Vortrag.pdf",
                                        "transcripción.html", "litteraatti.txt", "talk.fi.vtt"])
def test_audio_with_a_transcript_passes(transcript):
    result = check(mp3(100), "talk.mp3", {transcript: None, "talk.mp3": None})
    assert result.media_type == "audio/mpeg"
    assert outcomes(result, TRANSCRIPT) == ["passed"]


def test_another_recordings_transcript_does_not_count():
    siblings = {"episode2.mp3": None, "episode2-transcript.pdf": None}
    result = check(mp3(), "episode1.mp3", siblings)
    assert outcomes(result, TRANSCRIPT) == ["failed"]


def test_audio_only_mp4_is_audio():
    result = check(mp4(video=False), "podcast.m4a")
    assert outcomes(result, TRANSCRIPT) == ["failed"] and outcomes(result, CAPTIONS) == ["inapplicable"]


def test_mp3_duration_is_computed_from_the_frames():
    result = check(mp3(100), "talk.mp3")
    assert "MP3 audio (0:03)" in finding(result, TRANSCRIPT, "failed").message


# ---------------------------------------------------------------- caption files on their own

def test_a_caption_file_alone_is_checked_for_validity():
    result = check(vtt(cues_until(20)), "lecture.vtt")
    assert result.media_type == "text/vtt"
    assert outcomes(result, VALID) == ["passed"]
    assert not outcomes(result, COVERAGE)
    assert "Line at 5 seconds" in result.facts.text


def test_a_broken_srt_alone_fails():
    result = check(b"1\n00:00:01,000 --> 00:00:00,500\nbackwards\n", "lecture.srt")
    assert result.media_type == "application/x-subrip"
    message = finding(result, VALID, "failed").message
    assert "no usable SubRip cue" in message and "line 2: the cue ends before it starts" in message
