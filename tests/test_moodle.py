"""The Moodle harvester against the web-service simulator (a real HTTP server on 127.0.0.1)."""
from __future__ import annotations

import json
import logging

import pytest

from harvester import open_harvester
from harvester.fetch import Fetcher
from harvester.moodle import MoodleHarvester, to_epoch
from harvester.moodle_api import (MoodleAuthError, MoodleClient, MoodleConfigError, MoodleError,
                                  MoodleSetupError, flatten_params)
from harvester.moodle_records import file_identifier, html_text, without_token
from harvester.retry import RetryPolicy
from harvester.sources import Source
from tests.moodle_sim import PDF, PNG, T0, MoodleSim, parse_form

ENV = "SIM_MOODLE_TOKEN"
FAST = RetryPolicy(attempts=3, base_delay=0.01, max_delay=5, jitter=0)
OPTIONS = {"token_env": ENV, "courses": [2, 3, 4, 99], "categories": [2]}


@pytest.fixture
def sim():
    with MoodleSim() as server:
        yield server


@pytest.fixture
def fetcher(tmp_path):
    f = Fetcher(allowlist=["127.0.0.1"], retry=FAST, tmp_dir=tmp_path)
    yield f
    f.close()


@pytest.fixture
def source(sim, monkeypatch):
    monkeypatch.setenv(ENV, sim.token)
    return Source(name="campus", institution="Test University", kind="moodle", base_url=sim.url,
                  options=dict(OPTIONS))


def harvest(source, fetcher, **kwargs):
    harvester = MoodleHarvester(source, fetcher=fetcher, **kwargs)
    records = list(harvester)
    return {r.identifier: r for r in records}, harvester


def ident(sim, tail: str) -> str:
    return f"moodle:127.0.0.1:{sim.url.rsplit(':', 1)[1]}:{tail}"


EXPECTED = ["course2", "course2:section20", "course2:cm10", "course2:cm11", "course2:cm12", "course2:cm13",
            "course2:section21", "course2:cm15", "course2:cm16", "course3", "course3:cm40", "course3:cm42"]


# --- a full harvest ---

def test_full_harvest_yields_every_visible_resource_once(sim, source, fetcher):
    records, harvester = harvest(source, fetcher)
    assert list(records) == [ident(sim, t) for t in EXPECTED]
    stats = harvester.stats
    assert stats.records == len(EXPECTED) and stats.errors == 0
    assert stats.skipped_reasons == {"hidden module": 2, "hidden section": 1, "module without content": 1,
                                     "no access to course": 2, "course not found or not visible": 1}
    assert any("course 4 (PRIV-301)" in m and "errorcoursecontextnotvalid" in m for m in stats.messages)
    assert any("course 5" in m and "requireloginerror" in m for m in stats.messages)
    assert any("course 99" in m for m in stats.messages)


def test_calls_use_moodle_form_encoding_and_never_get_courses(sim, source, fetcher):
    harvest(source, fetcher)
    names = [name for name, _ in sim.calls]
    assert names[0] == "core_webservice_get_site_info"
    assert "core_course_get_courses" not in names
    listing = [params for name, params in sim.calls if name == "core_course_get_courses_by_field"]
    assert listing == [{"field": "ids", "value": "2,3,4,99"}, {"field": "category", "value": "2"}]
    assert [p for n, p in sim.calls if n == "core_course_get_contents"] == [
        {"courseid": "2"}, {"courseid": "3"}, {"courseid": "4"}, {"courseid": "5"}]
    # pages fetched only for courses that have page modules, ids sent as courseids[0]=…
    assert [p for n, p in sim.calls if n == "mod_page_get_pages_by_courses"] == [
        {"courseids": ["2"]}, {"courseids": ["3"]}]


def test_page_label_and_summaries_carry_html(sim, source, fetcher):
    records, _ = harvest(source, fetcher)
    page = records[ident(sim, "course2:cm10")]
    assert page.content_html.startswith("<h2>Welcome</h2>")
    assert page.description == "Start here"
    assert page.resource_type == "page"
    assert [f.name for f in page.files] == ["map.png"]          # index.html is the content, not a file
    assert page.files[0].licence == "cc-4.0" and page.files[0].author == "Ana Teacher"
    assert page.modified == "2023-11-14T22:15:00Z"                # T0 + 100
    label = records[ident(sim, "course2:cm11")]
    assert label.content_html == '<div class="no-overflow"><p>Bring a laptop.</p></div>'
    assert label.landing_page.endswith("/course/view.php?id=2#module-11")
    section = records[ident(sim, "course2:section20")]
    assert section.title == "General" and "Course overview" in section.content_html
    assert section.moodle["section"] == 0 and section.moodle["section_id"] == 20
    course = records[ident(sim, "course2")]
    assert course.title == "Open Pedagogy" and course.content_html.startswith("<p>Learn")
    assert course.creators == ["Ana Teacher"] and course.language == "en"
    assert course.landing_page == f"{sim.url}/course/view.php?id=2"


def test_files_keep_licence_author_path_and_no_token(sim, source, fetcher):
    records, _ = harvest(source, fetcher)
    folder = records[ident(sim, "course2:cm15")]
    got = [(f.filepath, f.name, f.licence, f.author, f.media_type, f.size) for f in folder.files]
    assert got == [("/", "intro.pdf", "cc-nc-sa-4.0", "Ben Author", "application/pdf", len(PDF)),
                   ("/sub/", "closed.pdf", "allrightsreserved", "Publisher Ltd", "application/pdf", len(PDF)),
                   ("/sub/", "old.png", "public", "Anonymous", "image/png", len(PNG)),
                   ("/", "mystery.pdf", "unknown", None, "application/pdf", len(PDF))]
    assert folder.licence_statements == ["cc-nc-sa-4.0", "allrightsreserved", "public", "unknown"]
    assert folder.files[1].url == f"{sim.url}/webservice/pluginfile.php/115/mod_folder/content/0/sub/closed.pdf" \
                                  "?forcedownload=1"
    assert folder.files[1].modified == "2023-11-14T22:20:10Z"     # T0 + 410
    assert file_identifier(folder.identifier, folder.files[1]) == folder.identifier + ":/sub/closed.pdf"
    old = records[ident(sim, "course3:cm40")]
    assert old.licence_statements == ["cc", "cc-sa"]              # Moodle < 4.1 shortnames, kept raw
    assert old.creators == ["Cy Data"] and old.moodle["author"] == "Cy Data"
    resource = records[ident(sim, "course2:cm12")]
    assert resource.formats == ["application/pdf"] and resource.description == "The syllabus."


def test_url_and_book_modules(sim, source, fetcher):
    records, _ = harvest(source, fetcher)
    link = records[ident(sim, "course2:cm13")]
    assert link.landing_page == "https://www.oercommons.org/" and link.files == []
    book = records[ident(sim, "course2:cm16")]
    assert [(f.filepath, f.name, f.media_type) for f in book.files] == [("/31/", "index.html", "text/html"),
                                                                       ("/32/", "index.html", "text/html")]
    assert book.extra["book_chapters"] == ["Intro", "Details"]


def test_context_openness_and_relations(sim, source, fetcher):
    records, _ = harvest(source, fetcher)
    resource = records[ident(sim, "course2:cm12")]
    assert resource.moodle == {"course_id": 2, "course_shortname": "OER-101", "course_fullname": "Open Pedagogy",
                               "section": 0, "section_id": 20, "section_name": "General", "module_id": 12,
                               "modname": "resource", "instance": 1,
                               "view_url": f"{sim.url}/mod/resource/view.php?id=12", "author": "Ana Teacher"}
    assert resource.relations == ["OER-101", "SM-OER-101"]
    assert {r.openness for i, r in records.items() if ":course2" in i} == {"open"}     # guest access
    assert {r.openness for i, r in records.items() if ":course3" in i} == {"login"}
    assert all(r.source == "campus" for r in records.values())


def test_all_courses_when_none_configured_skips_front_page(sim, source, fetcher):
    source.options = {"token_env": ENV}
    records, harvester = harvest(source, fetcher)
    assert ("core_course_get_courses_by_field", {"field": "", "value": ""}) in sim.calls
    assert ident(sim, "course1") not in records
    assert ident(sim, "course2") in records and ident(sim, "course3") in records


def test_limit_stops_early(source, fetcher):
    records, harvester = harvest(source, fetcher, limit=3)
    assert len(records) == 3 and harvester.stats.records == 3


def test_open_harvester_builds_moodle_harvester(source, fetcher):
    harvester = open_harvester(source, fetcher=fetcher, limit=1)
    assert isinstance(harvester, MoodleHarvester)
    assert len(list(harvester)) == 1


# --- the token ---

def test_token_never_in_records_stats_checkpoints_or_logs(sim, source, fetcher, caplog):
    caplog.set_level(logging.DEBUG)
    sim.unavailable = 1                                   # one retry, logged
    checkpoints = []
    records, harvester = harvest(source, fetcher, on_checkpoint=checkpoints.append)
    dumped = json.dumps([r.to_dict() for r in records.values()]) + json.dumps(harvester.stats.to_dict()) \
        + json.dumps(checkpoints) + repr(harvester) + repr(harvester.client)
    assert sim.token not in dumped
    assert caplog.text and sim.token not in caplog.text
    result = harvester.download(records[ident(sim, "course2:cm12")].files[0])
    assert sim.token in sim.downloads[-1]                 # the server got it…
    assert sim.token not in result.url + repr(result)     # …nobody else sees it
    assert sim.token not in caplog.text


def test_missing_token_variable_named_in_error(source, fetcher, monkeypatch):
    monkeypatch.delenv(ENV)
    with pytest.raises(MoodleConfigError, match=ENV):
        list(MoodleHarvester(source, fetcher=fetcher))
    monkeypatch.setenv(ENV, "  ")
    with pytest.raises(MoodleConfigError, match=f"{ENV} is not set or empty"):
        list(MoodleHarvester(source, fetcher=fetcher))


def test_invalid_token_is_fatal_and_not_echoed(source, fetcher, monkeypatch):
    wrong = "ffffffffffffffffffffffffffffffff"
    monkeypatch.setenv(ENV, wrong)
    with pytest.raises(MoodleAuthError) as err:
        list(MoodleHarvester(source, fetcher=fetcher))
    assert "invalidtoken" in str(err.value) and "Check the token" in str(err.value)
    assert wrong not in str(err.value)


@pytest.mark.parametrize("functions,downloadfiles,missing", [
    (["core_webservice_get_site_info", "core_course_get_courses_by_field", "core_course_get_contents"], 1,
     ["function mod_page_get_pages_by_courses"]),
    (["core_webservice_get_site_info", "core_course_get_contents", "mod_page_get_pages_by_courses"], 0,
     ["function core_course_get_courses_by_field", "file downloads"]),
])
def test_site_info_lists_what_the_service_lacks(source, fetcher, sim, functions, downloadfiles, missing):
    sim.functions, sim.downloadfiles = functions, downloadfiles
    with pytest.raises(MoodleSetupError) as err:
        list(MoodleHarvester(source, fetcher=fetcher))
    for item in missing:
        assert item in str(err.value)
    assert ENV in str(err.value)
    assert [name for name, _ in sim.calls] == ["core_webservice_get_site_info"]


@pytest.mark.parametrize("form", ["1", "date"])
def test_503_with_retry_after_is_retried(sim, source, fetcher, form):
    sim.unavailable, sim.retry_after = 2, form
    records, harvester = harvest(source, fetcher)
    assert len(records) == len(EXPECTED)
    assert harvester.stats.retries == 2 and harvester.stats.errors == 0


def test_course_failing_after_retries_is_counted_and_skipped(sim, source, tmp_path):
    checkpoints = []
    with Fetcher(allowlist=["127.0.0.1"], retry=RetryPolicy(attempts=1), tmp_dir=tmp_path) as f:
        harvester = MoodleHarvester(source, fetcher=f, on_checkpoint=checkpoints.append)
        it = iter(harvester)
        first = next(it)             # course 2's contents are already in hand
        sim.unavailable = 1          # so the next call, core_course_get_contents(3), fails
        rest = [r.identifier for r in it]
    assert first.identifier == ident(sim, "course2")
    assert harvester.stats.errors == 1
    assert any("course 3 (DATA-201)" in m and "HTTP 503" in m for m in harvester.stats.messages)
    assert not any(":course3" in i for i in rest)
    assert harvester.stats.skipped_reasons["no access to course"] == 2     # courses 4 and 5: it went on
    assert set(checkpoints[-1]["courses"]) == {"2"}                         # course 3 is retried next time


# --- downloads ---

def test_download_adds_token_and_checks_content_type(sim, source, fetcher):
    records, harvester = harvest(source, fetcher)
    pdf = records[ident(sim, "course2:cm12")].files[0]
    result = harvester.download(pdf)
    assert result.read_bytes() == PDF and result.media_type == "application/pdf"
    assert "token=" not in result.url
    bad = MoodleClient(sim.url, "0" * 32, fetcher)
    with pytest.raises(MoodleAuthError, match="invalidtoken"):        # JSON error with HTTP 200
        bad.download(pdf.url, expected_media_type=pdf.media_type)
    sim.downloadfiles = 0
    with pytest.raises(MoodleError, match="accessexception"):
        harvester.download(pdf)


def test_token_only_sent_to_this_sites_pluginfile(sim, fetcher):
    client = MoodleClient(sim.url, sim.token, fetcher)
    assert client.owns(f"{sim.url}/webservice/pluginfile.php/1/mod_resource/content/1/a.pdf")
    assert not client.owns("https://www.oercommons.org/webservice/pluginfile.php/1/a.pdf")
    assert not client.owns(f"{sim.url}/pluginfile.php/1/a.pdf")
    with MoodleSim(token="b" * 32) as other:
        with pytest.raises(MoodleAuthError):
            client.download(f"{other.url}/webservice/pluginfile.php/112/mod_resource/content/1/syllabus.pdf")
        assert sim.token not in other.downloads[-1] and "token=" not in other.downloads[-1]


# --- incremental harvests ---

def test_second_run_with_checkpoint_yields_nothing(source, fetcher):
    checkpoints = []
    first, _ = harvest(source, fetcher, on_checkpoint=checkpoints.append)
    assert len(checkpoints) == 4                                   # after each course, 4 and 5 included
    assert list(checkpoints[0]["courses"]) == ["2"]
    json.dumps(checkpoints[-1])                                    # JSON-serialisable
    again, harvester = harvest(source, fetcher, checkpoint=checkpoints[-1])
    assert again == {}
    assert harvester.stats.skipped_reasons["unchanged"] == len(first)


def test_changes_without_timestamps_and_deletions_are_found(sim, source, fetcher):
    checkpoints = []
    harvest(source, fetcher, on_checkpoint=checkpoints.append)
    sim.edit_label(11, "<p>Bring a laptop and a charger.</p>")    # no timemodified anywhere
    sim.touch_file(12, T0 + 9999)
    sim.add_file(15, "/115/mod_folder/content/0/new.pdf", "cc-sa-4.0", T0 + 5000)
    sim.delete_module(13)
    sim.hide_module(42)
    changed, harvester = harvest(source, fetcher, checkpoint=checkpoints[-1])
    assert sorted(changed) == sorted(ident(sim, t) for t in
                                     ["course2:cm11", "course2:cm12", "course2:cm15", "course2:cm13",
                                      "course3:cm42"])
    assert changed[ident(sim, "course2:cm11")].content_html == "<p>Bring a laptop and a charger.</p>"
    assert changed[ident(sim, "course2:cm12")].modified == "2023-11-15T00:59:59Z"
    assert changed[ident(sim, "course2:cm15")].licence_statements[-1] == "cc-sa-4.0"
    assert changed[ident(sim, "course2:cm13")].deleted and changed[ident(sim, "course3:cm42")].deleted
    assert harvester.stats.deleted == 2


def test_since_keeps_newer_and_undated_records(sim, source, fetcher):
    since = to_epoch("2023-11-14T22:20:30Z")                       # T0 + 430
    assert since == T0 + 430
    records, harvester = harvest(source, fetcher, since="2023-11-14T22:20:30Z")
    assert sorted(records) == sorted(ident(sim, t) for t in [
        "course2:section20", "course2:cm11", "course2:section21", "course2:cm15", "course2:cm16",
        "course3:cm40", "course3:cm42"])
    assert harvester.stats.skipped_reasons["unchanged"] == 5       # courses 2, 3 and cm10, cm12, cm13


def test_inaccessible_course_keeps_its_checkpoint(sim, source, fetcher):
    checkpoints = []
    harvest(source, fetcher, on_checkpoint=checkpoints.append)
    sim.denied[3] = ("moodle_exception", "nopermissions", "Sorry, but you do not currently have permissions")
    again, harvester = harvest(source, fetcher, checkpoint=checkpoints[-1], on_checkpoint=checkpoints.append)
    assert again == {}                                             # no false deletions for course 3
    assert "3" in checkpoints[-1]["courses"]
    assert harvester.stats.skipped_reasons["no access to course"] == 3


def test_resume_after_interruption_loses_nothing(sim, source, fetcher):
    ground_truth, _ = harvest(source, fetcher)
    checkpoints = []
    harvester = MoodleHarvester(source, fetcher=fetcher, on_checkpoint=checkpoints.append)
    got = []
    for record in harvester:
        got.append(record.identifier)
        if record.identifier == ident(sim, "course3"):            # stop inside course 3
            break
    resumed, _ = harvest(source, fetcher, checkpoint=checkpoints[-1])
    assert set(got) | set(resumed) == set(ground_truth)
    # course 2 was checkpointed: nothing of it comes twice; course 3 is redone from its start
    assert not any(":course2" in i for i in resumed)
    assert list(resumed) == [ident(sim, t) for t in ["course3", "course3:cm40", "course3:cm42"]]


# --- helpers and the simulator's fidelity ---

def test_flatten_params_matches_moodle_rest_encoding():
    params = {"courseids": [5, 6], "options": [{"name": "excludemodules", "value": True}], "field": "ids"}
    flat = flatten_params(params)
    assert flat == [("courseids[0]", "5"), ("courseids[1]", "6"), ("options[0][name]", "excludemodules"),
                    ("options[0][value]", "1"), ("field", "ids")]
    assert parse_form(flat) == {"courseids": ["5", "6"], "options": [{"name": "excludemodules", "value": "1"}],
                                "field": "ids"}


def test_record_helpers():
    assert without_token("http://m/webservice/pluginfile.php/1/a.pdf?forcedownload=1&token=abc") == \
        "http://m/webservice/pluginfile.php/1/a.pdf?forcedownload=1"
    assert without_token("http://m/x?WSTOKEN=abc") == "http://m/x"
    assert html_text("<p>a <b>b</b>\n c</p>") == "a b c"
    assert html_text("<p> </p>") is None
    assert to_epoch("2024-01-01") == 1704067200 and to_epoch(None) is None


# Field names of core_course_get_contents_returns (course/externallib.php).
SECTION_KEYS = {"id", "name", "visible", "summary", "summaryformat", "section", "hiddenbynumsections",
                "uservisible", "availabilityinfo", "modules"}
MODULE_KEYS = {"id", "url", "name", "instance", "contextid", "description", "visible", "uservisible",
               "availabilityinfo", "visibleoncoursepage", "modicon", "modname", "modplural", "availability",
               "indent", "onclick", "afterlink", "activitybadge", "customdata", "noviewlink", "completion",
               "completiondata", "downloadcontent", "dates", "groupmode", "contents", "contentsinfo"}
CONTENT_KEYS = {"type", "filename", "filepath", "filesize", "fileurl", "content", "timecreated", "timemodified",
                "sortorder", "mimetype", "isexternalfile", "repositorytype", "userid", "author", "license", "tags"}
CONTENT_REQUIRED = {"type", "filename", "filepath", "filesize", "timecreated", "timemodified", "sortorder",
                    "userid", "author", "license"}


def test_simulator_answers_use_moodles_field_names(sim):
    for sections in sim.contents.values():
        for section in sections:
            assert set(section) <= SECTION_KEYS
            assert {"id", "name", "summary", "summaryformat", "modules"} <= set(section)
            for module in section["modules"]:
                assert set(module) <= MODULE_KEYS, set(module) - MODULE_KEYS
                assert {"id", "name", "modicon", "modname", "modplural", "indent"} <= set(module)
                for item in module.get("contents", []):
                    assert set(item) <= CONTENT_KEYS and CONTENT_REQUIRED <= set(item)
    page_keys = {"id", "coursemodule", "course", "name", "intro", "introformat", "introfiles", "content",
                 "contentformat", "contentfiles", "legacyfiles", "legacyfileslast", "display", "displayoptions",
                 "revision", "timemodified", "section", "visible", "groupmode", "groupingid"}
    assert all(set(p) == page_keys for p in sim.pages.values())


# --- the safe fetcher's guards on web-service calls ---

def test_a_loopback_site_without_allow_private_is_refused_before_any_call(sim, source):
    from harvester.fetch import BlockedAddress
    harvester = MoodleHarvester(source)                 # its own fetcher, from the source's options
    with pytest.raises(BlockedAddress, match="refusing to connect to 127.0.0.1") as err:
        list(harvester)
    assert sim.token not in str(err.value)
    assert sim.calls == []
    harvester.close()


def test_an_api_answer_over_its_cap_is_refused_by_the_fetcher(sim, fetcher, monkeypatch):
    from harvester import moodle_api
    from harvester.fetch import TooLarge
    client = MoodleClient(sim.url, sim.token, fetcher)
    assert client.call("core_webservice_get_site_info")["siteid"] == 1
    monkeypatch.setattr(moodle_api, "MAX_API_BYTES", 100)
    with pytest.raises(TooLarge, match="100-byte cap") as err:
        client.call("core_webservice_get_site_info")
    assert sim.token not in str(err.value)
