"""The OAI-PMH harvester against a real OAI-PMH server (oaipmh's BatchingServer) on 127.0.0.1,
well-behaved and misbehaving."""
from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta

import pytest

from harvester import open_harvester
from harvester.oai import OAIHarvester
from harvester.retry import RetryPolicy
from harvester.sources import Source
from tests.oai_server import OAITestServer, StoredRecord, make_records
from tests.test_fetch import connect_spy, running_server  # noqa: F401 (a fixture)

N = 240          # records; 50 a page, so pages start at cursors 0, 50, 100, 150, 200
DELETED_EVERY = 10


@dataclass(frozen=True)
class RecordingRetry(RetryPolicy):
    """The real policy, asked for its delay and told to wait 10 ms instead, so tests stay fast."""
    asked: list = field(default_factory=list, compare=False)

    def delay(self, attempt, retry_after=None):
        self.asked.append((attempt, retry_after, super().delay(attempt, retry_after)))
        return 0.01


@pytest.fixture
def server():
    with OAITestServer(make_records(N, deleted_every=DELETED_EVERY), batch_size=50) as srv:
        yield srv


LOOPBACK = {"allow_private": ["127.0.0.1"]}   # the test servers' address, refused unless allowed


def source_for(srv, **options) -> Source:
    return Source(name="test-repo", institution="Test", kind="oai", base_url=srv.url,
                  options={**LOOPBACK, **options})


def harvest(srv, *, options=None, retry=None, **kw):
    h = OAIHarvester(source_for(srv, **(options or {})), retry=retry or RecordingRetry(attempts=4),
                     raw_dir=kw.pop("raw_dir", None), **kw)
    return h, list(h)


def truth(records: list[StoredRecord]) -> set[tuple[str, str, bool]]:
    return {(r.identifier, r.datestamp.strftime("%Y-%m-%dT%H:%M:%SZ"), r.deleted) for r in records}


def got(records) -> list[tuple[str, str, bool]]:
    return [(r.identifier, r.datestamp, r.deleted) for r in records]


def assert_exactly_once(records, expected):
    keys = got(records)
    twice = [k for k, n in Counter(keys).items() if n > 1]
    assert twice == [], f"received twice: {twice[:5]}"
    assert set(keys) == expected, f"missing {sorted(expected - set(keys))[:5]}"


def listrecord_requests(srv):
    return [r for r in srv.log.requests if r.get("verb") == "ListRecords"]


# -- a well-behaved server ----------------------------------------------------------------------

def test_full_harvest_matches_the_repository(server, tmp_path):
    checkpoints = []
    h, records = harvest(server, on_checkpoint=checkpoints.append, raw_dir=tmp_path)
    assert_exactly_once(records, truth(server.records))
    assert [r["verb"] for r in server.log.requests[:2]] == ["Identify", "ListMetadataFormats"]
    assert h.identify["granularity"] == "YYYY-MM-DDThh:mm:ssZ" and h.identify["deletedRecord"] == "persistent"
    assert h.prefix == "mets"                      # the richest format offered
    assert h.stats.records == N and h.stats.deleted == N // DELETED_EVERY
    assert (h.stats.errors, h.stats.lost_pages, h.stats.lost_records, h.stats.retries) == (0, 0, 0, 0)

    first = next(r for r in records if r.identifier.endswith("rec-000001"))
    assert first.title == "Open course unit 1" and first.creators == ["Author1, Ada", "Writer1, Bo"]
    assert "https://creativecommons.org/licenses/by-sa/4.0/legalcode" in first.licence_urls
    assert "Creative Commons Attribution Share Alike 4.0 International" in first.licence_statements
    assert [f.name for f in first.files] == ["unit-1.pdf"]       # ORIGINAL only, no thumbnail
    assert first.files[0].url.endswith("/records/1/files/unit-1.pdf")
    assert first.sets == ["oer:slides"] and first.openness == "open"
    deleted = [r for r in records if r.deleted]
    assert all(r.title is None and r.files == [] for r in deleted)

    # one checkpoint per page, JSON all the way; the last says the list is complete
    assert len(checkpoints) == 5
    assert all(json.loads(json.dumps(cp)) == cp for cp in checkpoints)
    assert checkpoints[-1]["complete"] is True
    assert checkpoints[-1]["windows"][""]["max"] == max(r.datestamp for r in records)


def test_source_preference_and_fallback_to_oai_dc(tmp_path):
    with OAITestServer(make_records(30), formats=("oai_dc",)) as srv:
        h, records = harvest(srv)
        assert h.prefix == "oai_dc" and len(records) == 30
        # oai_dc carries the file URL as a dc:identifier of Zenodo's shape
        assert records[0].files[0].name == "unit-0.pdf"
        h, records = harvest(srv, options={"metadata_prefix": ["lom"]})
        assert records == [] and h.stats.errors == 1
        assert "none of the metadata formats ['lom'] is offered (the repository offers oai_dc)" in h.stats.messages[0]
    with OAITestServer(make_records(30)) as srv:
        h, records = harvest(srv, options={"metadata_prefix": ["lom", "oai_datacite", "oai_dc"]})
        assert h.prefix == "oai_datacite" and records[0].extra["metadata_prefix"] == "oai_datacite"


def test_sets_are_harvested_in_turn_and_a_record_in_two_sets_comes_once(server):
    h, records = harvest(server, options={"sets": ["oer", "data"]})
    in_sets = [r for r in server.records if any(s.split(":")[0] in ("oer", "data") for s in r.sets)]
    assert_exactly_once(records, truth(in_sets))
    both = [r for r in server.records if {s.split(":")[0] for s in r.sets} == {"oer", "data"}]
    assert both and h.stats.skipped_reasons == {"listed in an earlier set": len(both)}
    assert {r.get("set") for r in listrecord_requests(server) if "set" in r} == {"oer", "data"}


def test_incremental_harvest_starts_from_the_largest_datestamp_received(server):
    first = OAIHarvester(source_for(server), retry=RecordingRetry())
    assert len(list(first)) == N
    newest = max(server.records, key=lambda r: r.datestamp)

    # the repository changes: two new records, one updated, one deleted since
    changed = list(server.records)
    later = newest.datestamp + timedelta(minutes=5)
    changed[3] = StoredRecord(changed[3].identifier, later, changed[3].sets, False, 3)
    changed[4] = StoredRecord(changed[4].identifier, later, changed[4].sets, True, 4)
    changed += [StoredRecord(f"oai:test.example.org:new-{i}", later + timedelta(seconds=i), ["oer"], False, 900 + i)
                for i in range(2)]
    server.load(changed)
    server.log.requests.clear()

    second = OAIHarvester(source_for(server), checkpoint=first.checkpoint, retry=RecordingRetry())
    records = list(second)
    expected = truth([changed[3], changed[4], *changed[-2:]])
    assert_exactly_once(records, expected)
    asked_from = listrecord_requests(server)[0]["from"]
    assert asked_from == (newest.datestamp - timedelta(seconds=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    # the newest record of the first run lies in the overlap and is not delivered again
    assert second.stats.skipped_reasons == {"already received (overlap window)": 1}
    assert second.stats.deleted == 1


def test_since_and_an_empty_window(server):
    h, records = harvest(server, since="2024-01-01T11:00:00Z")
    assert records and all(r.datestamp >= "2024-01-01T11:00:00Z" for r in records)
    assert_exactly_once(records, {k for k in truth(server.records) if k[1] >= "2024-01-01T11:00:00Z"})
    h, records = harvest(server, since="2030-01-01")
    assert records == [] and h.stats.errors == 0 and h.checkpoint["complete"] is True


# -- a misbehaving server -----------------------------------------------------------------------

def test_503_with_retry_after_in_seconds_and_as_a_date_and_a_500(server):
    server.add_fault("503", cursor=50, retry_after="seconds", seconds=7)
    server.add_fault("503", cursor=100, retry_after="date", seconds=20)
    server.add_fault("500", cursor=150)
    retry = RecordingRetry(attempts=4, base_delay=1.0, max_delay=60)
    h, records = harvest(server, retry=retry)
    assert_exactly_once(records, truth(server.records))
    assert h.stats.retries == 3 and h.stats.errors == 0
    (a1, ra1, wait1), (a2, ra2, wait2), (a3, ra3, wait3) = retry.asked
    assert (a1, ra1, wait1) == (1, "7", 7.0)                     # seconds form, honoured
    assert ra2.endswith("GMT") and 15 <= wait2 <= 20              # HTTP-date form, honoured
    assert ra3 is None and 0.8 <= wait3 <= 1.2                    # no header: exponential backoff


def test_dropped_connection_and_a_response_slower_than_the_timeout(server):
    server.add_fault("drop", cursor=50)
    server.add_fault("slow", cursor=100, seconds=4.0)
    h, records = harvest(server, timeout=(2.0, 1.0))
    assert_exactly_once(records, truth(server.records))
    assert h.stats.retries >= 2 and h.stats.errors == 0      # more only if the machine is very busy
    assert server.log.faults == ["drop@50", "slow@100"]


def test_retries_run_out_then_the_checkpoint_resumes_without_gap(server):
    server.add_fault("503", cursor=100, times=10)
    h, part = harvest(server, retry=RecordingRetry(attempts=3))
    assert len(part) == 100 and h.stats.errors == 1 and h.stats.retries == 2
    assert "HTTP 503" in h.stats.messages[-1] and "after 3 attempts" in h.stats.messages[-1]
    server.faults.clear()
    h2, rest = harvest(server, checkpoint=h.checkpoint)
    assert_exactly_once(part + rest, truth(server.records))


def test_expired_token_restarts_from_the_last_datestamp_window(server):
    server.add_fault("expire", cursor=100)
    h, records = harvest(server)
    assert_exactly_once(records, truth(server.records))
    assert h.stats.errors == 0
    assert any("resumption token was refused" in m for m in h.stats.messages)
    restart = [r for r in listrecord_requests(server) if "from" in r]
    last_before = sorted(truth(server.records))[99][1]                    # the 100th record's datestamp
    assert restart[0]["from"] < last_before                               # one second of overlap
    assert h.stats.skipped_reasons == {"already received (overlap window)": 1}


def test_a_repeated_token_is_detected_and_the_harvest_stops(server):
    server.add_fault("repeat", cursor=100, times=1000)
    h, records = harvest(server)
    assert len(records) == 150 and len(set(got(records))) == 150
    assert h.stats.errors == 1
    assert any("the server repeated resumption token" in m for m in h.stats.messages)
    assert len(listrecord_requests(server)) == 3


def test_malformed_page_is_kept_raw_and_its_loss_counted(server, tmp_path):
    server.add_fault("malformed", cursor=50)
    h, records = harvest(server, raw_dir=tmp_path / "raw")
    keys = got(records)
    assert len(keys) == len(set(keys))
    missing = truth(server.records) - set(keys)
    # what lxml's recovery drops varies; whatever it is, it is counted, and lies in that page
    assert missing and {k[0] for k in missing} <= {r.identifier for r in server.records[50:100]}
    assert (h.stats.lost_pages, h.stats.lost_records, h.stats.errors) == (1, len(missing), 0)
    (raw,) = h.stats.raw_pages
    assert b"<header \n" in (tmp_path / "raw" / raw.rsplit("/", 1)[1]).read_bytes()
    assert any(f"read {50 - len(missing)} of 50 records, {len(missing)} lost; raw page kept at" in m
               for m in h.stats.messages)
    salvaged = [r for r in records if r.extra.get("from_malformed_page")]
    assert len(salvaged) == 50 - len(missing)
    assert all(r.identifier for r in records)


def test_loss_the_header_count_cannot_see_is_found_by_the_cursor(server, tmp_path):
    server.add_fault("garbled", cursor=50)
    h, records = harvest(server, raw_dir=tmp_path)
    assert len(records) == N - 1
    assert (h.stats.lost_pages, h.stats.lost_records) == (1, 1)
    assert any("page at cursor 50: the server announced 50 records, 49 arrived (1 lost)" in m
               for m in h.stats.messages)


def test_a_page_cut_short_is_asked_again_and_nothing_is_lost(server, tmp_path):
    server.add_fault("truncate", cursor=100)
    h, records = harvest(server, raw_dir=tmp_path)
    assert_exactly_once(records, truth(server.records))
    assert h.stats.lost_pages == 0 and h.stats.errors == 0
    assert any("could not be read to its end" in m and "listing restarted" in m for m in h.stats.messages)
    (raw,) = h.stats.raw_pages                                  # the raw page is kept all the same
    assert [p.name for p in tmp_path.iterdir()] == [raw.rsplit("/", 1)[1]]


def test_stop_in_the_middle_of_a_page_and_resume(server):
    h, first = harvest(server, limit=75)
    assert len(first) == 75 and h.checkpoint["complete"] is False
    assert len(h.checkpoint["pass"]["page_ids"]) == 25        # delivered from the second page
    h2, rest = harvest(server, checkpoint=h.checkpoint)
    assert_exactly_once(first + rest, truth(server.records))


def test_resume_when_the_saved_token_has_expired(server):
    h, first = harvest(server, limit=60)
    server.add_fault("expire", cursor=50)
    h2, rest = harvest(server, checkpoint=h.checkpoint)
    assert_exactly_once(first + rest, truth(server.records))
    assert any("resumption token was refused" in m for m in h2.stats.messages)


def test_unordered_server_restart_says_records_may_repeat():
    with OAITestServer(make_records(120), batch_size=50, ordered=False) as srv:
        srv.add_fault("expire", cursor=50)
        h, records = harvest(srv)
        assert set(got(records)) == truth(srv.records)          # nothing lost
        assert any("does not list records in datestamp order" in m for m in h.stats.messages)


def test_unreachable_server_is_an_error_not_an_exception():
    source = Source("down", "Test", "oai", "http://127.0.0.1:9/oai", options=LOOPBACK)
    h = open_harvester(source, retry=RecordingRetry(attempts=2), timeout=(0.5, 0.5))
    assert list(h) == [] and h.stats.errors == 1 and h.stats.retries == 1
    assert h.stats.messages[0].startswith("request failed: connection failed")


def test_day_granularity_overlaps_by_one_day_and_transient_deletions_are_flagged():
    with OAITestServer(make_records(80), granularity="YYYY-MM-DD", deleted_record="transient") as srv:
        first, records = harvest(srv)
        assert len(records) == 80
        assert any("keeps deletions 'transient'" in m for m in first.stats.messages)
        srv.log.requests.clear()
        second, again = harvest(srv, checkpoint=first.checkpoint)
        assert again == []
        assert listrecord_requests(srv)[0]["from"] == "2023-12-31"     # the last datestamp's day minus one
        assert second.stats.skipped_reasons == {"already received (overlap window)": 80}


def test_a_server_that_is_not_oai_pmh_is_reported(tmp_path):
    import http.server
    import threading

    class Html(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            body = b"<html><body>Welcome</body></html>"
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Html)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        source = Source("web", "Test", "oai", f"http://127.0.0.1:{httpd.server_address[1]}/", options=LOOPBACK)
        h = OAIHarvester(source, retry=RecordingRetry(attempts=2))
        assert list(h) == [] and h.stats.errors == 1
        assert h.stats.messages[0].startswith("Identify failed")
    finally:
        httpd.shutdown()
        httpd.server_close()


# -- protocol requests go through the safe fetcher ------------------------------------------------

def test_a_loopback_source_without_allow_private_is_refused_before_any_request(server, connect_spy):
    h = OAIHarvester(Source("test-repo", "Test", "oai", server.url), retry=RecordingRetry(attempts=3))
    assert list(h) == [] and h.stats.errors == 1 and h.stats.retries == 0
    message = h.stats.messages[0]
    assert "refusing to connect to 127.0.0.1" in message and "loopback" in message
    assert "allow_private" in message                                    # says how to allow it
    assert server.log.requests == [] and connect_spy == []               # not even a socket


def test_a_redirect_from_an_allowed_server_to_a_private_address_is_refused(connect_spy):
    with running_server(host="127.0.0.2") as (inside, inside_url), running_server() as (front, front_url):
        source = Source("moved", "Test", "oai", f"{front_url}/redirect?to={inside_url}/echo", options=LOOPBACK)
        h = OAIHarvester(source, retry=RecordingRetry(attempts=3))
        assert list(h) == [] and h.stats.errors == 1 and h.stats.retries == 0
        assert "refusing to connect to 127.0.0.2" in h.stats.messages[0]
        assert len(front.requests) == 1 and inside.requests == []
    assert {address[0] for address in connect_spy} == {"127.0.0.1"}


def test_a_server_trickling_its_answer_is_cut_off_by_the_total_deadline_and_retried():
    with running_server() as (rec, url):
        source = Source("slow", "Test", "oai", url + "/trickle", options=LOOPBACK)
        # a byte every 50 ms never trips the 5 s read timeout: only the total deadline ends each try
        h = OAIHarvester(source, retry=RecordingRetry(attempts=2), timeout=(5.0, 5.0), total_timeout=1.0)
        assert list(h) == [] and h.stats.errors == 1 and h.stats.retries == 1
        message = h.stats.messages[0]
        assert "no whole answer within the 1 s total deadline" in message and "after 2 attempts" in message
        assert len(rec.requests) == 2


def test_an_oversized_page_is_refused_and_not_asked_again(server):
    h, records = harvest(server, max_page_bytes=20_000)     # Identify fits, a page of 50 records does not
    assert records == [] and h.stats.errors == 1 and h.stats.retries == 0
    assert "more than the 20000-byte cap set for one OAI-PMH page" in h.stats.messages[0]
    assert len(listrecord_requests(server)) == 1


def test_the_page_cap_comes_from_the_source_options(server):
    h, records = harvest(server, options={"max_page_mb": 0.02})   # 20,971 bytes
    assert records == [] and "more than the 20971-byte cap" in h.stats.messages[0]


def test_pages_share_one_kept_alive_connection(server, connect_spy):
    h, records = harvest(server)
    assert len(records) == N and len(server.log.requests) == 7         # Identify, formats, 5 pages
    assert len(connect_spy) == 1
