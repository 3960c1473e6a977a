"""OAIHarvester.list_identifiers, the listing a sweep reconciles deletions with, against the real
OAI-PMH server on 127.0.0.1: whole when the server behaves, never "complete" when one identifier
may be missing."""
from __future__ import annotations

import pytest

from harvester.oai import OAIHarvester
from tests.oai_server import OAITestServer, make_records
from tests.test_oai_harvest import RecordingRetry, source_for

N = 240          # 50 identifiers a page: pages at cursors 0, 50, 100, 150, 200
DELETED_EVERY = 10


@pytest.fixture
def server():
    with OAITestServer(make_records(N, deleted_every=DELETED_EVERY), batch_size=50,
                       deleted_record="no") as srv:
        yield srv


def listing(srv, *, options=None, raw_dir=None):
    """Harvest (which reads Identify and picks the prefix), then list; (harvester, listing, pages)."""
    h = OAIHarvester(source_for(srv, **(options or {})), retry=RecordingRetry(attempts=2), raw_dir=raw_dir)
    list(h)
    pages: list[list[str]] = []
    return h, h.list_identifiers(pages.append), pages


def live(records) -> list[str]:
    return [r.identifier for r in records if not r.deleted]


def test_the_listing_hands_on_every_live_identifier_page_by_page(server):
    h, result, pages = listing(server)
    assert not h.reports_deletions
    assert result.complete and result.problem is None
    assert [i for page in pages for i in page] == live(server.records)
    assert len(pages) == 5 and result.listed == N - N // DELETED_EVERY and result.deleted == N // DELETED_EVERY
    requests = [r for r in server.log.requests if r["verb"] == "ListIdentifiers"]
    assert requests[0]["metadataPrefix"] == h.prefix == "mets"     # the harvest's own format


def test_the_listing_covers_the_configured_sets(server):
    _, result, pages = listing(server, options={"sets": ["oer", "data"]})
    listed = {i for page in pages for i in page}
    wanted = {r.identifier for r in server.records if not r.deleted
              and any(s.split(":")[0] in ("oer", "data") for s in r.sets)}
    assert result.complete and listed == wanted


def test_a_repository_that_keeps_deletions_says_so():
    with OAITestServer(make_records(30)) as srv:
        h = OAIHarvester(source_for(srv))
        list(h)
        assert h.reports_deletions


@pytest.mark.parametrize("fault, why", [
    (dict(kind="503", times=1000), "HTTP 503"),
    (dict(kind="drop", times=1000), "request failed"),
    (dict(kind="expire"), "OAI error badResumptionToken"),
    (dict(kind="repeat", times=1000), "the server repeated resumption token"),
    (dict(kind="malformed"), "a page could not be read"),
    (dict(kind="truncate"), "a page could not be read"),
    (dict(kind="garbled"), "a page could not be read"),
    (dict(kind="short"), "announced more identifiers than it listed"),
])
def test_a_listing_cut_short_is_never_complete(server, tmp_path, fault, why):
    server.add_fault(cursor=100, verb="ListIdentifiers", **fault)
    h, result, pages = listing(server, raw_dir=tmp_path)
    assert not result.complete and why in result.problem
    assert any(why in m and "deletion reconciliation stopped" in m for m in h.stats.messages)
    assert result.listed < N - N // DELETED_EVERY


def test_a_fault_that_passes_with_a_retry_leaves_the_listing_whole(server):
    server.add_fault("503", cursor=100, verb="ListIdentifiers")
    h, result, pages = listing(server)
    assert result.complete and [i for page in pages for i in page] == live(server.records)
    assert h.stats.retries == 1
