"""Caption files beside a video across records of one source (issue 3 item 5, sweeps.siblings):
a caption module in the same Moodle course section, a page's <track>, an OAI record's landing
page. Whole sweeps (run_sweep) on SQLite and PostgreSQL."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from demo.corpus import DemoFile, describe
from harvester.sources import parse_sources
from store.db import session
from store.models import Resource, Result
from sweeps.inprocess import run_sweep
from tests.moodle_sim import MoodleSim
from tests.sweep_fixtures import FaultyDemoServer, make_source, quick_settings
from tests.test_media_builders import cues_until, mp4, vtt

VIDEO = mp4(60_000)                     # a minute, with sound, no caption track
CAPTIONS = vtt(cues_until(60))          # covers it
MEDIA_RULES = ("media-video-captions", "media-caption-file-valid", "media-caption-coverage")


@pytest.fixture(autouse=True)
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("OERLINT_DATA_DIR", str(tmp_path / "data"))


@pytest.fixture
def sim(monkeypatch):
    """Course 6: week 1 holds lecture.mp4 and lecture.vtt as two resource modules; week 2 holds
    talk.mp4, whose talk.vtt sits in week 3; week 4 holds clip.mp4 and a clip.vtt that is no
    WebVTT; week 5 holds intro.mp4, and the course's welcome page plays it with a <track> of
    week1-subtitles.vtt, a module of week 3."""
    with MoodleSim() as sim:
        monkeypatch.setenv("SIM_MOODLE_TOKEN", sim.token)
        sim.course(6, "MEDIA-1", "Media course", 1, "<p>Videos.</p>", guest=True, lang="en")
        track = (f'<video controls src="{sim.file_url("/171/mod_resource/content/1/intro.mp4")}">'
                 f'<track kind="captions" srclang="en" '
                 f'src="{sim.file_url("/172/mod_resource/content/1/week1-subtitles.vtt")}"></video>')
        sim.contents[6] = [
            sim.section(60, 0, "General", "", [sim.page(6, 60, 60, "Welcome", f"<p>Watch:</p>{track}", "", 1_700_000_500)]),
            sim.section(61, 1, "Week 1", "", [sim.resource(61, "Lecture", "lecture.mp4", VIDEO, "video/mp4"),
                                              sim.resource(62, "Lecture captions", "lecture.vtt", CAPTIONS, "text/vtt")]),
            sim.section(62, 2, "Week 2", "", [sim.resource(63, "Talk", "talk.mp4", VIDEO, "video/mp4")]),
            sim.section(63, 3, "Week 3", "", [sim.resource(64, "Talk captions", "talk.vtt", CAPTIONS, "text/vtt"),
                                              sim.resource(72, "Subtitles", "week1-subtitles.vtt", CAPTIONS, "text/vtt")]),
            sim.section(64, 4, "Week 4", "", [sim.resource(65, "Clip", "clip.mp4", VIDEO, "video/mp4"),
                                              sim.resource(66, "Clip captions", "clip.vtt", b"just some notes", "text/vtt")]),
            sim.section(65, 5, "Week 5", "", [sim.resource(71, "Intro", "intro.mp4", VIDEO, "video/mp4")]),
        ]
        yield sim


def moodle(sim):
    return parse_sources([{"name": "campus", "institution": "Test University", "kind": "moodle",
                           "base_url": sim.url, "token_env": "SIM_MOODLE_TOKEN", "courses": [6],
                           "allow_private": True}])[0]


def outcomes(db_url: str, ending: str) -> dict[str, str]:
    """rule -> outcome (the worst when a rule has several findings) of the current result of the
    resource whose identifier ends with `ending`."""
    order = ("failed", "cantTell", "passed", "inapplicable")
    out: dict[str, str] = {}
    for f in findings(db_url, ending):
        if f["rule"] in MEDIA_RULES:
            known = out.get(f["rule"], "inapplicable")
            out[f["rule"]] = min(known, f["outcome"], key=order.index)
    return out


def findings(db_url: str, ending: str) -> list[dict]:
    with session(db_url) as s:
        return s.scalars(select(Result.findings).join(Resource, Resource.current_result_id == Result.id)
                         .where(Resource.identifier.endswith(ending))).one()


def test_caption_module_in_the_same_section_captions_the_video(sim, db_url, tmp_path):
    summary = run_sweep(moodle(sim), quick_settings(db_url, tmp_path), isolate=False)
    assert summary["status"] == "succeeded" and summary["errors"] == 0
    assert outcomes(db_url, "cm61#lecture.mp4") == {"media-video-captions": "passed",
                                                    "media-caption-file-valid": "passed",
                                                    "media-caption-coverage": "passed"}
    # talk.vtt is in another section: not beside talk.mp4
    assert outcomes(db_url, "cm63#talk.mp4")["media-video-captions"] == "failed"
    # a caption module that does not parse: the video is not captioned, and the rule says why
    clip = outcomes(db_url, "cm65#clip.mp4")
    assert clip["media-video-captions"] == clip["media-caption-file-valid"] == "failed"
    assert any("clip.vtt" in f["message"] for f in findings(db_url, "cm65#clip.mp4")
               if f["rule"] == "media-caption-file-valid")


def test_a_pages_track_captions_the_video_it_plays(sim, db_url, tmp_path):
    run_sweep(moodle(sim), quick_settings(db_url, tmp_path), isolate=False)
    # week1-subtitles.vtt has neither intro.mp4's name nor its section: the page's <track> gives it
    assert outcomes(db_url, "cm71#intro.mp4") == {"media-video-captions": "passed",
                                                  "media-caption-file-valid": "passed",
                                                  "media-caption-coverage": "passed"}


def test_without_the_page_the_same_video_fails(sim, db_url, tmp_path):
    sim.contents[6][0]["modules"].clear()
    sim.pages.clear()
    run_sweep(moodle(sim), quick_settings(db_url, tmp_path), isolate=False)
    assert outcomes(db_url, "cm71#intro.mp4")["media-video-captions"] == "failed"


def test_a_caption_module_or_track_added_later_checks_the_video_again(sim, db_url, tmp_path):
    source, settings = moodle(sim), quick_settings(db_url, tmp_path)
    run_sweep(source, settings, isolate=False)
    assert outcomes(db_url, "cm63#talk.mp4")["media-video-captions"] == "failed"
    sim.add_module(6, 62, sim.resource(67, "Talk subtitles", "talk.en.srt",
                                       b"1\n00:00:00,000 --> 00:00:59,000\nHello\n", "application/x-subrip"))
    sim.add_module(6, 64, sim.module(68, "label", "Player", instance=68, description=(
        f'<video src="{sim.file_url("/165/mod_resource/content/1/clip.mp4")}">'
        f'<track src="{sim.file_url("/164/mod_resource/content/1/talk.vtt")}"></video>')))
    second = run_sweep(source, settings, isolate=False)     # incremental: only the new modules came
    assert second["harvested"] == 2 and second["errors"] == 0
    assert outcomes(db_url, "cm63#talk.mp4") == {"media-video-captions": "passed",
                                                 "media-caption-file-valid": "passed",
                                                 "media-caption-coverage": "passed"}
    # the label's <track> gives clip.mp4 talk.vtt beside its broken clip.vtt: captioned now
    assert outcomes(db_url, "cm65#clip.mp4")["media-video-captions"] == "passed"
    third = run_sweep(source, settings, isolate=False, full=True)
    assert (third["checked"], third["rechecked"]) == (0, 0)  # the outside siblings are stable


def test_an_oai_landing_page_track_captions_the_video_of_its_record(db_url, tmp_path, monkeypatch):
    import demo.server
    page = (b'<!doctype html><html lang="en"><title>Intro</title><video controls src="intro.mp4">'
            b'<track kind="subtitles" srclang="en" src="week1-subtitles.vtt"></video></html>')
    plain = demo.server.body_of
    monkeypatch.setattr(demo.server, "body_of", lambda res, f: page if f.name == "index.html" else plain(res, f))
    with FaultyDemoServer(2) as srv:
        res = describe(2)
        res.kind = "media"
        res.files = [DemoFile("index.html", "html", 0), DemoFile("intro.mp4", "mp4", 0),
                     DemoFile("week1-subtitles.vtt", "vtt", 1)]
        srv.resources.append(res)
        srv.load()
        run_sweep(make_source(srv.url), quick_settings(db_url, tmp_path), isolate=False)
    assert outcomes(db_url, "#intro.mp4") == {"media-video-captions": "passed",
                                              "media-caption-file-valid": "passed",
                                              "media-caption-coverage": "passed"}
