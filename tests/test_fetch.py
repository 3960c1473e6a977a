"""The safe fetcher against real HTTP servers on 127.0.0.1 (http.server in threads).

No traffic ever goes to a non-loopback address: redirects to private or metadata addresses must be
refused by the guard before a socket is made, which `connect_spy` checks.
"""
from __future__ import annotations

import contextlib
import gzip
import hashlib
import json
import logging
import os
import subprocess
import sys
import tempfile
import threading
import time
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from harvester import netguard, tmpdirs
from harvester.fetch import BlockedAddress, Fetcher, FetchError, TooLarge, redact, strip_params
from harvester.retry import RetryPolicy

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "s3cr3tT0ken0123456789abcdef"
FAST_RETRY = RetryPolicy(attempts=3, base_delay=0.01, max_delay=5, jitter=0)


class Recorder:
    def __init__(self):
        self.requests: list[dict] = []
        self.counts: dict[str, int] = {}
        self.lock = threading.Lock()
        self.stop = threading.Event()

    def note(self, handler, body: bytes) -> int:
        with self.lock:
            self.requests.append({"path": handler.path, "headers": dict(handler.headers),
                                  "body": body.decode("latin-1"), "time": time.monotonic(),
                                  "method": handler.command})
            key = urlsplit(handler.path).path + "?" + parse_qs(urlsplit(handler.path).query).get("key", [""])[0]
            self.counts[key] = self.counts.get(key, 0) + 1
            return self.counts[key]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    recorder: Recorder
    peer: str = ""          # base URL of the other server, for cross-origin redirects

    def log_message(self, *args):
        pass

    def do_POST(self):
        self.do_GET()

    def do_GET(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        nth = self.recorder.note(self, body)
        url = urlsplit(self.path)
        q = {k: v[0] for k, v in parse_qs(url.query).items()}
        route = getattr(self, "route_" + url.path.strip("/").replace("-", "_"), None)
        if route is None:
            return self.reply(404, b"not found")
        route(q, nth)

    def reply(self, status, body=b"", ctype="application/octet-stream", headers=(), length=True):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        for k, v in headers:
            self.send_header(k, v)
        if length:
            self.send_header("Content-Length", str(len(body)))
        else:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        if not length:
            self.close_connection = True

    # --- routes ---
    def route_bytes(self, q, nth):
        self.reply(200, b"x" * int(q["n"]), ctype="application/pdf; qs=1",
                   length=q.get("length", "1") == "1")

    def route_chunked(self, q, nth):
        self.send_response(200)
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        chunk = b"y" * 65536
        try:
            for _ in range(int(q["chunks"])):
                self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            self.wfile.write(b"0\r\n\r\n")
        except OSError:
            pass

    def route_liar(self, q, nth):
        # Declares a small body, then keeps sending: the client must read only what was declared.
        self.send_response(200)
        self.send_header("Content-Length", "5")
        self.send_header("Connection", "close")
        self.end_headers()
        try:
            self.wfile.write(b"hello" + b"z" * 200_000)
        except OSError:
            pass
        self.close_connection = True

    def route_gzip(self, q, nth):
        body = gzip.compress(b"a" * int(q["n"]))
        self.reply(200, body, ctype="text/plain", headers=[("Content-Encoding", "gzip")])

    def route_redirect(self, q, nth):
        self.reply(int(q.get("status", 302)), headers=[("Location", q["to"])])

    def route_redirect_peer(self, q, nth):
        self.reply(302, headers=[("Location", self.peer + "/echo")])

    def route_loop(self, q, nth):
        self.reply(302, headers=[("Location", "/loop?n=%d" % (int(q.get("n", 0)) + 1))])

    def route_echo(self, q, nth):
        self.reply(200, json.dumps({"path": self.path}).encode(), ctype="application/json")

    def route_etag(self, q, nth):
        if self.headers.get("If-None-Match") == '"v1"':
            return self.reply(304, headers=[("ETag", '"v1"')], length=True)
        self.reply(200, b"version one", ctype="text/html; charset=utf-8",
                   headers=[("ETag", '"v1"'), ("Last-Modified", "Mon, 01 Jan 2024 00:00:00 GMT")])

    def route_since(self, q, nth):
        if self.headers.get("If-Modified-Since") == "Mon, 01 Jan 2024 00:00:00 GMT":
            return self.reply(304)
        self.reply(200, b"fresh", headers=[("Last-Modified", "Mon, 01 Jan 2024 00:00:00 GMT")])

    def route_busy(self, q, nth):
        if nth <= int(q.get("fails", 1)):
            after = q.get("after", "seconds")
            value = "1" if after == "seconds" else formatdate(time.time() + 2, usegmt=True)
            return self.reply(int(q.get("status", 503)), b"busy", headers=[("Retry-After", value)])
        self.reply(200, b"ok after %d" % nth, ctype="text/plain")

    def route_always503(self, q, nth):
        self.reply(503, b"down")

    def route_notfound(self, q, nth):
        self.reply(404, b"nope")

    def route_nolength_404(self, q, nth):
        self.reply(404, b"gone, and no length said", length=False)

    def route_drop(self, q, nth):
        # Drops the connection without answering the first time.
        if nth == 1:
            self.close_connection = True
            self.connection.shutdown(2)
            return
        self.reply(200, b"second time lucky")

    def route_trickle(self, q, nth):
        self.send_response(200)
        self.send_header("Content-Length", "100000")
        self.end_headers()
        self._trickle(b".")

    def route_trickle_headers(self, q, nth):
        self.wfile.write(b"HTTP/1.1 200 OK\r\n")
        self._trickle(b"X-Slow: " + b"a" * 10_000)

    def _trickle(self, data: bytes):
        try:
            for i in range(len(data) * 1000):
                if self.recorder.stop.is_set():
                    return
                self.wfile.write(data[i % len(data): i % len(data) + 1])
                self.wfile.flush()
                time.sleep(0.05)
        except OSError:
            pass
        self.close_connection = True


@contextlib.contextmanager
def running_server(peer: str = "", host: str = "127.0.0.1"):
    """A test server on `host` (any loopback address): (its recorder, its base URL)."""
    recorder = Recorder()
    handler = type("H", (Handler,), {"recorder": recorder, "peer": peer})
    server = ThreadingHTTPServer((host, 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield recorder, f"http://{host}:{server.server_address[1]}"
    finally:
        recorder.stop.set()
        server.shutdown()
        server.server_close()


@pytest.fixture
def servers():
    """Two servers on different ports: two origins, both loopback."""
    with running_server() as (other_rec, other_url), running_server(peer=other_url) as (rec, url):
        yield url, rec, other_url, other_rec


@pytest.fixture
def fetcher(tmp_path):
    f = Fetcher(allowlist=["127.0.0.1"], retry=FAST_RETRY, tmp_dir=tmp_path, connect_timeout=5,
                read_timeout=10, total_timeout=30)
    yield f
    f.close()


@pytest.fixture
def connect_spy(monkeypatch):
    """Records every address a socket is opened to (the real function still runs)."""
    seen: list[tuple] = []
    real = netguard._u3util.create_connection

    def spy(address, *args, **kwargs):
        seen.append(address)
        return real(address, *args, **kwargs)

    monkeypatch.setattr(netguard._u3util, "create_connection", spy)
    return seen


# --- body, size cap, hash ---

def test_downloads_to_temp_file_with_hash_and_media_type(servers, fetcher, tmp_path):
    url, rec, *_ = servers
    result = fetcher.fetch(url + "/bytes?n=5000")
    assert result.status == 200
    assert result.size == 5000
    assert result.path.parent == tmp_path
    assert result.read_bytes() == b"x" * 5000
    assert result.sha256 == hashlib.sha256(b"x" * 5000).hexdigest()
    assert result.media_type == "application/pdf"
    assert result.url == url + "/bytes?n=5000"
    result.discard()
    assert not result.path.exists()


@pytest.mark.parametrize("length", ["1", "0"])
def test_size_cap_with_and_without_content_length(servers, tmp_path, length):
    url, *_ = servers
    with Fetcher(allowlist=["127.0.0.1"], max_bytes=10_000, retry=FAST_RETRY, tmp_dir=tmp_path) as f:
        with pytest.raises(TooLarge) as err:
            f.fetch(url + f"/bytes?n=50000&length={length}")
        assert "10000-byte cap" in str(err.value)
        # exactly at the cap is fine
        assert f.fetch(url + f"/bytes?n=10000&length={length}").size == 10_000
    # the refused download left nothing behind; the accepted one is there
    assert [p.stat().st_size for p in tmp_path.iterdir()] == [10_000]


def test_size_cap_on_chunked_body_without_length(servers, tmp_path):
    url, *_ = servers
    with Fetcher(allowlist=["127.0.0.1"], max_bytes=200_000, retry=FAST_RETRY, tmp_dir=tmp_path) as f:
        with pytest.raises(TooLarge):
            f.fetch(url + "/chunked?chunks=50")      # 3.2 MB announced by nobody
    assert list(tmp_path.iterdir()) == []           # the partial file was removed


def test_size_cap_counts_decoded_bytes_of_compressed_body(servers, tmp_path):
    url, *_ = servers
    with Fetcher(allowlist=["127.0.0.1"], max_bytes=100_000, retry=FAST_RETRY, tmp_dir=tmp_path) as f:
        with pytest.raises(TooLarge):
            f.fetch(url + "/gzip?n=5000000")         # ~5 KB on the wire, 5 MB decoded
        assert f.fetch(url + "/gzip?n=1000").read_bytes() == b"a" * 1000


def test_lying_content_length_reads_only_what_was_declared(servers, fetcher):
    url, *_ = servers
    assert fetcher.fetch(url + "/liar").read_bytes() == b"hello"


# --- SSRF guard ---

@pytest.mark.parametrize("target", [
    "http://10.0.0.1/admin", "http://169.254.169.254/latest/meta-data/", "http://[::ffff:10.0.0.1]/",
    "http://[::ffff:169.254.169.254]/", "http://192.168.1.1/", "http://[fe80::1]/", "http://0.0.0.0:80/",
    "http://[::1]:1/", "http://127.0.0.2:1/",
])
def test_redirect_to_private_address_is_refused_before_connecting(servers, fetcher, connect_spy, target):
    url, rec, *_ = servers
    with pytest.raises(BlockedAddress) as err:
        fetcher.fetch(url + "/redirect?to=" + target)
    assert "refusing to connect" in str(err.value)
    assert len(rec.requests) == 1                        # the allowed first hop happened
    assert all(addr[0] == "127.0.0.1" for addr in connect_spy), connect_spy


def test_loopback_refused_without_allowlist(servers, tmp_path, connect_spy):
    url, rec, *_ = servers
    with Fetcher(tmp_dir=tmp_path, retry=FAST_RETRY) as f:
        with pytest.raises(BlockedAddress):
            f.fetch(url + "/bytes?n=1")
    assert rec.requests == [] and connect_spy == []


def test_allow_private_lets_loopback_through(servers, tmp_path):
    url, *_ = servers
    with Fetcher(allow_private=True, tmp_dir=tmp_path, retry=FAST_RETRY) as f:
        assert f.fetch(url + "/bytes?n=3").read_bytes() == b"xxx"


@pytest.mark.parametrize("bad", ["file:///etc/passwd", "ftp://127.0.0.1/x", "gopher://127.0.0.1:70/",
                                 "javascript:alert(1)", "http:///nohost"])
def test_only_http_and_https(fetcher, bad, connect_spy):
    with pytest.raises(FetchError):
        fetcher.fetch(bad)
    assert connect_spy == []


def test_redirect_to_other_scheme_refused(servers, fetcher):
    url, *_ = servers
    with pytest.raises(BlockedAddress, match="only http and https"):
        fetcher.fetch(url + "/redirect?to=file:///etc/passwd")


def test_redirects_followed_and_capped(servers, tmp_path):
    url, rec, *_ = servers
    with Fetcher(allowlist=["127.0.0.1"], max_redirects=3, tmp_dir=tmp_path, retry=FAST_RETRY) as f:
        result = f.fetch(url + "/redirect?status=301&to=/redirect%3Fto%3D/echo")
        assert result.url == url + "/echo"
        with pytest.raises(FetchError, match="too many redirects"):
            f.fetch(url + "/loop")
    assert sum(1 for r in rec.requests if r["path"].startswith("/loop")) == 4   # first + 3 redirects


def test_blocked_address_helpers():
    guard = netguard.AddressGuard(allowlist=["127.0.0.1", "10.1.0.0/16", "intranet.example"])
    import ipaddress
    assert netguard.blocked_reason(ipaddress.ip_address("8.8.8.8")) is None
    assert netguard.blocked_reason(ipaddress.ip_address("2606:4700::1111")) is None
    assert netguard.blocked_reason(ipaddress.ip_address("100.64.0.1")) == "reserved"
    assert netguard.blocked_reason(ipaddress.ip_address("224.0.0.1")) == "multicast"
    assert "embedded" in netguard.blocked_reason(ipaddress.ip_address("64:ff9b::a00:1"))
    assert guard.address_allowed(ipaddress.ip_address("10.1.2.3"))
    assert not guard.address_allowed(ipaddress.ip_address("10.2.0.1"))
    with pytest.raises(netguard.AddressRefused):
        guard.check_ip(ipaddress.ip_address("10.2.0.1"), "x")


# --- conditional GET ---

def test_conditional_get_etag_hit_gives_304(servers, fetcher):
    url, rec, *_ = servers
    first = fetcher.fetch(url + "/etag")
    assert (first.status, first.etag, first.media_type) == (200, '"v1"', "text/html")
    again = fetcher.fetch(url + "/etag", etag=first.etag)
    assert again.status == 304 and again.path is None and again.sha256 is None
    assert again.etag == '"v1"' and again.read_bytes() == b""
    assert rec.requests[-1]["headers"]["If-None-Match"] == '"v1"'


def test_conditional_get_last_modified_hit_gives_304(servers, fetcher):
    url, *_ = servers
    first = fetcher.fetch(url + "/since")
    assert first.status == 200 and first.last_modified == "Mon, 01 Jan 2024 00:00:00 GMT"
    assert fetcher.fetch(url + "/since", last_modified=first.last_modified).status == 304



def test_connection_kept_alive_after_304_redirect_and_error(servers, fetcher, connect_spy):
    url, rec, *_ = servers
    first = fetcher.fetch(url + "/etag")
    assert fetcher.fetch(url + "/etag", etag=first.etag).status == 304
    assert fetcher.fetch(url + "/redirect?to=/etag").status == 200
    with pytest.raises(FetchError, match="HTTP 404"):
        fetcher.fetch(url + "/notfound")
    assert fetcher.fetch(url + "/etag", etag=first.etag).status == 304
    assert len(rec.requests) == 6
    assert len(connect_spy) == 1   # every answer's body was read, so the one connection was reused


def test_body_of_unknown_length_closes_connection_and_next_fetch_works(servers, fetcher, connect_spy):
    url, *_ = servers
    with pytest.raises(FetchError, match="HTTP 404"):
        fetcher.fetch(url + "/nolength-404")
    assert fetcher.fetch(url + "/etag").status == 200
    assert len(connect_spy) == 2


# --- retries ---

@pytest.mark.parametrize("form", ["seconds", "date"])
def test_retry_on_503_honours_retry_after(servers, fetcher, form):
    url, rec, *_ = servers
    result = fetcher.fetch(url + f"/busy?key={form}&after={form}")
    assert result.read_bytes() == b"ok after 2"
    times = [r["time"] for r in rec.requests]
    assert len(times) == 2
    # Retry-After: 1 (or a date 1-2 s ahead) was waited for, not the 0.01 s backoff
    assert times[1] - times[0] >= 0.9
    assert fetcher.retries == 1


def test_retry_on_429(servers, fetcher):
    url, rec, *_ = servers
    assert fetcher.fetch(url + "/busy?key=t&status=429").status == 200
    assert len(rec.requests) == 2


def test_retry_on_dropped_connection(servers, fetcher):
    url, rec, *_ = servers
    assert fetcher.fetch(url + "/drop?key=d").read_bytes() == b"second time lucky"
    assert len(rec.requests) == 2


def test_retries_give_up_with_clear_error(servers, fetcher):
    url, rec, *_ = servers
    with pytest.raises(FetchError, match=r"HTTP 503 .* after 3 attempts"):
        fetcher.fetch(url + "/always503")
    assert len(rec.requests) == 3


def test_client_error_not_retried(servers, fetcher):
    url, rec, *_ = servers
    with pytest.raises(FetchError, match="HTTP 404"):
        fetcher.fetch(url + "/notfound")
    assert len(rec.requests) == 1


def test_retry_after_beyond_deadline_stops(servers, tmp_path):
    url, rec, *_ = servers
    with Fetcher(allowlist=["127.0.0.1"], total_timeout=0.5, retry=FAST_RETRY, tmp_dir=tmp_path) as f:
        with pytest.raises(FetchError, match="deadline"):
            f.fetch(url + "/busy?key=late")
    assert len(rec.requests) == 1


# --- slow loris ---

@pytest.mark.parametrize("route", ["trickle", "trickle-headers"])
def test_slow_loris_cut_off_by_total_deadline(servers, tmp_path, route):
    url, *_ = servers
    with Fetcher(allowlist=["127.0.0.1"], read_timeout=5, total_timeout=1.0, retry=FAST_RETRY,
                 tmp_dir=tmp_path) as f:
        # each byte arrives well within the 5 s read timeout: only the total deadline ends it
        # (unchecked, the server would trickle for over an hour and the test time out)
        with pytest.raises(FetchError, match="total deadline"):
            f.fetch(url + "/" + route)
    assert list(tmp_path.iterdir()) == []



def test_many_slow_loris_fetches_cut_off_by_one_watcher_thread(servers, tmp_path):
    url, *_ = servers
    errors: list[Exception] = []

    def fetch_trickle(f):
        try:
            f.fetch(url + "/trickle")
        except FetchError as exc:
            errors.append(exc)

    with Fetcher(allowlist=["127.0.0.1"], read_timeout=5, total_timeout=1.0, retry=FAST_RETRY,
                 per_host_concurrency=4, tmp_dir=tmp_path) as f:
        threads = [threading.Thread(target=fetch_trickle, args=(f,)) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert len(errors) == 4 and all("total deadline" in str(e) for e in errors)
    assert [t.name for t in threading.enumerate()].count("oerlint-deadlines") == 1


def test_earlier_deadline_started_later_is_kept(servers, tmp_path):
    """The watcher sleeps until the earliest deadline: a fetch with a shorter deadline, started while
    one with a long deadline is waited for, is still cut at its own."""
    url, rec, *_ = servers
    # once the server stops trickling, this fetch ends at its read timeout, without retries
    slow = Fetcher(allowlist=["127.0.0.1"], read_timeout=2, total_timeout=120, retry=RetryPolicy(attempts=1),
                   tmp_dir=tmp_path)
    background = threading.Thread(target=lambda: pytest.raises(FetchError, slow.fetch, url + "/trickle?key=long"))
    background.start()
    try:
        with Fetcher(allowlist=["127.0.0.1"], read_timeout=5, total_timeout=1.0, retry=FAST_RETRY,
                     tmp_dir=tmp_path) as quick:
            with pytest.raises(FetchError, match="total deadline"):
                quick.fetch(url + "/trickle?key=short")
        assert background.is_alive()
    finally:
        rec.stop.set()   # the server stops trickling: the long fetch ends
        background.join()
        slow.close()


def test_finished_fetches_leave_the_deadline_heap(servers, fetcher):
    url, *_ = servers
    for i in range(300):
        fetcher.fetch(url + f"/etag?i={i}", etag='"v1"')
    assert len(netguard._watcher._heap) <= 130


# --- politeness ---

def test_min_delay_spaces_requests_to_one_host(servers, tmp_path):
    """Lower bounds only, so a loaded machine cannot fail it: the fetcher starts request k no
    earlier than k * min_delay after the first could start, and the server notes each request
    after it started (same process, same monotonic clock). Delays from load only add time."""
    url, rec, *_ = servers
    min_delay = 0.3
    with Fetcher(allowlist=["127.0.0.1"], min_delay=min_delay, per_host_concurrency=2, tmp_dir=tmp_path,
                 retry=FAST_RETRY) as f:
        threads = [threading.Thread(target=f.fetch, args=(url + f"/bytes?n=10&i={i}",)) for i in range(4)]
        before = time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    times = sorted(r["time"] for r in rec.requests)
    assert len(times) == 4
    # without the delay all four would be noted within milliseconds of `before`
    assert all(t - before >= k * min_delay - 0.005 for k, t in enumerate(times)), \
        [round(t - before, 3) for t in times]


def test_per_host_concurrency_is_bounded(servers, tmp_path):
    url, rec, *_ = servers
    active, peak, lock = [0], [0], threading.Lock()
    with Fetcher(allowlist=["127.0.0.1"], per_host_concurrency=2, tmp_dir=tmp_path, retry=FAST_RETRY) as f:
        real = f._exchange

        def counting(*args, **kwargs):
            with lock:
                active[0] += 1
                peak[0] = max(peak[0], active[0])
            try:
                time.sleep(0.05)
                return real(*args, **kwargs)
            finally:
                with lock:
                    active[0] -= 1

        f._exchange = counting
        threads = [threading.Thread(target=f.fetch, args=(url + f"/bytes?n=10&i={i}",)) for i in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert len(rec.requests) == 6
    assert peak[0] == 2


# --- secrets ---

def test_token_sent_but_never_shown(servers, fetcher, caplog):
    url, rec, other_url, other_rec = servers
    caplog.set_level(logging.DEBUG)
    secret = {"token": TOKEN}
    shown: list[str] = []

    ok = fetcher.fetch(url + "/echo?forcedownload=1", secret_params=secret)
    assert TOKEN in json.loads(ok.read_bytes())["path"]          # the server did get it
    shown += [ok.url, repr(ok)]
    redirected = fetcher.fetch(url + "/redirect?to=/echo", secret_params=secret)
    shown += [redirected.url, repr(redirected)]
    assert fetcher.fetch(url + "/busy?key=tok", secret_params=secret).status == 200
    for bad in ("/always503", "/notfound"):
        with pytest.raises(FetchError) as err:
            fetcher.fetch(url + bad, secret_params=secret)
        shown += [str(err.value), repr(err.value)]
    with pytest.raises(FetchError) as err:                     # connection refused: the error names the URL
        fetcher.fetch("http://127.0.0.1:9/x", secret_params=secret)
    shown += [str(err.value)]
    assert "http://127.0.0.1:9/x" in str(err.value)
    with pytest.raises(FetchError) as err:                     # a token already in the URL is stripped too
        fetcher.fetch(url + f"/notfound?token={TOKEN}", secret_params=secret)
    shown += [str(err.value)]

    assert sum(TOKEN in r["path"] for r in rec.requests) >= 5
    assert caplog.records, "the fetcher logged nothing at DEBUG"
    assert TOKEN not in caplog.text
    for text in shown:
        assert TOKEN not in text, text


def test_token_not_forwarded_to_another_origin(servers, fetcher):
    url, rec, other_url, other_rec = servers
    result = fetcher.fetch(url + "/redirect-peer", secret_params={"token": TOKEN})
    assert result.url == other_url + "/echo"
    assert TOKEN in rec.requests[0]["path"]
    assert TOKEN not in json.dumps(other_rec.requests)


def test_token_in_post_body_and_post_redirect(servers, fetcher):
    url, rec, *_ = servers
    result = fetcher.fetch(url + "/echo?wsfunction=x", form={"a": "1"}, secret_params={"wstoken": TOKEN})
    assert rec.requests[-1]["method"] == "POST"
    assert rec.requests[-1]["body"] == f"a=1&wstoken={TOKEN}"
    assert TOKEN not in rec.requests[-1]["path"] and TOKEN not in result.url
    with pytest.raises(FetchError, match="redirect") as err:
        fetcher.fetch(url + "/redirect?to=/echo", form={"a": "1"}, secret_params={"wstoken": TOKEN})
    assert TOKEN not in str(err.value)
    kept = fetcher.fetch(url + "/redirect?status=307&to=/echo", form={"a": "1"},
                         secret_params={"wstoken": TOKEN})
    assert kept.url == url + "/echo" and rec.requests[-1]["method"] == "POST"


def test_redact_and_strip_params():
    assert redact(f"x {TOKEN} y", [TOKEN]) == "x *** y"
    assert redact("q=" + TOKEN.replace("s3", "s%33"), []) != "q=***"    # unregistered, other text
    assert strip_params(f"http://h/p?a=1&token={TOKEN}&b=2", {"token": TOKEN}) == "http://h/p?a=1&b=2"
    assert strip_params(f"http://h/p?x={TOKEN}", {"token": TOKEN}) == "http://h/p"


# --- temporary files ---

HOLDER = """
import sys
from pathlib import Path
from harvester import tmpdirs
folder = tmpdirs.process_dir(Path(sys.argv[1]), legacy_dir=None)
(folder / (tmpdirs.PREFIX + "download")).write_bytes(b"x")
print(folder, flush=True)
sys.stdin.read()   # alive until killed
"""


def holding_process(root):
    """A process that made its folder under `root` and a download in it; (process, folder)."""
    proc = subprocess.Popen([sys.executable, "-c", HOLDER, str(root)], cwd=ROOT, stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)
    return proc, Path(proc.stdout.readline().strip())


def test_downloads_of_killed_processes_are_removed_at_the_next_start_live_ones_kept(servers, tmp_path):
    url, *_ = servers
    root = tmp_path / "root"
    procs = [holding_process(root) for _ in range(3)]
    try:
        (killed, killed_dir), (killed_too, foreign_dir), (alive, alive_dir) = procs
        (foreign_dir / "notes.txt").write_text("not the fetcher's")
        for proc in (killed, killed_too):
            proc.kill()
            proc.wait()
        assert all((folder / (tmpdirs.PREFIX + "download")).exists() for _, folder in procs)

        mine = tmpdirs.process_dir(root)                 # this process starts: it cleans
        assert not killed_dir.exists()
        assert sorted(p.name for p in foreign_dir.iterdir()) == ["notes.txt"]   # only our files go
        assert (alive_dir / (tmpdirs.PREFIX + "download")).exists()
        with Fetcher(allowlist=["127.0.0.1"], tmp_dir=mine, retry=FAST_RETRY) as f:
            fetched = f.fetch(url + "/bytes?n=10")

        later, later_dir = holding_process(root)          # another start, while we are alive
        later.kill()
        later.wait()
        assert fetched.path.exists() and fetched.path.parent == mine
        assert (alive_dir / (tmpdirs.PREFIX + "download")).exists()
    finally:
        for proc, _ in procs:
            proc.kill()
            proc.wait()


def test_default_folder_and_old_files_left_in_the_temp_directory(servers, tmp_path, monkeypatch):
    url, *_ = servers
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))   # the temp directory, for this test
    day_ago = time.time() - 86400
    for name in ("oerlint-fetch-old", "oerlint-fetch-new", "other-old"):
        (tmp_path / name).write_bytes(b"x")
    for name in ("oerlint-fetch-old", "other-old"):
        os.utime(tmp_path / name, (day_ago, day_ago))
    with Fetcher(allowlist=["127.0.0.1"], retry=FAST_RETRY) as f:
        fetched = f.fetch(url + "/bytes?n=10")
    assert fetched.path.parent == tmpdirs.process_dir()
    assert fetched.path.parent.parent == tmp_path / f"oerlint-{os.getuid()}"
    # older than this process, and ours: removed; written since it started, or not ours: kept
    assert sorted(p.name for p in tmp_path.iterdir() if p.is_file()) == ["oerlint-fetch-new", "other-old"]
