"""The safe fetcher: every byte oerlint downloads goes through `Fetcher.fetch`.

Rules it enforces (see README "Safe fetcher"):
- only http and https; redirects followed by hand, each hop checked again, at most `max_redirects`;
- the SSRF guard (harvester/netguard.py) at connection time, on the very address connected to;
- connect and read timeouts, plus a total deadline that a watchdog enforces even against a server
  that trickles one byte at a time;
- a size cap counted while streaming to a temporary file (a lying or absent Content-Length does
  not matter), with a sha256 of the body;
- conditional GET (If-None-Match / If-Modified-Since) giving a 304 result;
- per-host politeness: at most `per_host_concurrency` requests at once and `min_delay` seconds
  between request starts, shared by all threads using this fetcher;
- the shared RetryPolicy on 429/5xx, connection errors and timeouts, honouring Retry-After;
- `secret_params` (a Moodle token) go into the request only, only to the origin they were given
  for, and are scrubbed from every URL, message and log line (`redact`);
- temporary files live in this process's folder (harvester/tmpdirs.py), emptied by a later
  process if this one is killed.

`Fetcher.request` is the same machinery for one attempt held in memory, with its own size cap, for
a caller with its own retry policy: the OAI-PMH harvester sends every protocol request through it.
"""
from __future__ import annotations

import hashlib
import logging
import os
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Mapping
from urllib.parse import parse_qsl, quote, quote_plus, urlencode, urljoin, urlsplit, urlunsplit

from urllib3 import BaseHTTPResponse, PoolManager, Retry, Timeout
from urllib3 import exceptions as u3err

from harvester import tmpdirs
from harvester.netguard import AddressGuard, AddressRefused, Watchdog, guarded_pool_manager
from harvester.retry import RetryPolicy, is_retryable_status

log = logging.getLogger(__name__)

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
CHUNK = 64 * 1024
DRAIN_MAX = 64 * 1024   # an unwanted body up to this size is read so the connection can be reused
NO_RETRY = Retry(total=False)   # retries are ours (RetryPolicy); one object, not one per request
TMP_PREFIX = tmpdirs.PREFIX

# --- Redaction ------------------------------------------------------------------------------------

_secrets: set[str] = set()
_secrets_lock = threading.Lock()
MASK = "***"


def register_secret(value: str | None) -> None:
    """Remember a secret so `redact` scrubs it from any text, wherever the text comes from."""
    if value and len(value) >= 4:
        with _secrets_lock:
            _secrets.add(value)


def redact(text: object, extra: Iterable[str] = ()) -> str:
    """`text` as a string with every registered secret (and its URL-encoded forms) masked."""
    out = str(text)
    with _secrets_lock:
        secrets = set(_secrets)
    secrets.update(s for s in extra if s)
    for secret in sorted(secrets, key=len, reverse=True):
        for form in {secret, quote(secret, safe=""), quote_plus(secret)}:
            out = out.replace(form, MASK)
    return out


class RedactingFilter(logging.Filter):
    """Masks registered secrets in log records (urllib3 logs every request line, query included)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if _secrets:
            message = record.getMessage()
            cleaned = redact(message)
            if cleaned != message:
                record.msg, record.args = cleaned, ()
        return True


# Filters on a logger only see records created by that very logger, so each one that may print a
# request URL gets its own.
for _name in ("urllib3.connectionpool", "urllib3.connection", "urllib3.response", "urllib3.util.retry",
              "requests", __name__):
    logging.getLogger(_name).addFilter(RedactingFilter())


# --- Results and errors ---------------------------------------------------------------------------

class FetchError(Exception):
    """A fetch that failed; the message is already redacted and names the URL without secrets."""

    def __init__(self, message: str):
        super().__init__(redact(message))


class BlockedAddress(FetchError):
    """The SSRF guard refused the address (or the scheme)."""


class TooLarge(FetchError):
    """The body is larger than the fetcher's `max_bytes`."""


class Transient(FetchError):
    """One attempt failed in a way a retry may mend: connection, timeout, 429/5xx."""

    def __init__(self, reason: str, retry_after: str | None = None):
        super().__init__(reason)
        self.reason = str(self)
        self.retry_after = retry_after


class DeadlineExceeded(FetchError):
    """The total deadline passed (a server trickling bytes, or retries that took too long)."""


@dataclass
class FetchResult:
    url: str                 # final URL after redirects (token-free)
    status: int              # 200, or 304 when not modified
    path: Path | None        # temp file with the body (None on 304); caller may delete it
    size: int
    sha256: str | None
    media_type: str | None   # from Content-Type, parameters stripped
    etag: str | None
    last_modified: str | None

    def read_bytes(self) -> bytes:
        return self.path.read_bytes() if self.path is not None else b""

    def discard(self) -> None:
        """Delete the temporary body file (safe to call twice)."""
        if self.path is not None:
            self.path.unlink(missing_ok=True)


@dataclass
class Reply:
    """A whole answer held in memory (`Fetcher.request`): shaped like the requests.Response that
    sickle's OAIResponse reads (`content`, `text`, `status_code`)."""
    url: str
    status_code: int
    headers: Mapping[str, str]
    content: bytes

    @property
    def text(self) -> str:
        for param in (self.headers.get("Content-Type") or "").split(";")[1:]:
            name, _, value = param.strip().partition("=")
            if name.strip().lower() == "charset" and value:
                try:
                    return self.content.decode(value.strip('" '), errors="replace")
                except LookupError:
                    break
        return self.content.decode("utf-8", errors="replace")


@dataclass
class _HostState:
    slots: threading.BoundedSemaphore
    lock: threading.Lock
    pool: PoolManager            # keeps up to `per_host_concurrency` connections alive
    next_start: float = 0.0


# --- URL helpers ----------------------------------------------------------------------------------

def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme.lower(), parts.netloc.lower()


def strip_params(url: str, secrets: Mapping[str, str]) -> str:
    """`url` without query parameters named like a secret or carrying a secret value."""
    if not secrets:
        return url
    parts = urlsplit(url)
    values = set(secrets.values())
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
             if k not in secrets and v not in values]
    return urlunsplit(parts._replace(query=urlencode(query)))


def _checked_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https"):
        raise BlockedAddress(f"refusing {url!r}: only http and https URLs are fetched")
    if not parts.hostname:
        raise FetchError(f"refusing {url!r}: no host")
    return url


def _media_type(content_type: str | None) -> str | None:
    if not content_type:
        return None
    value = content_type.split(";", 1)[0].strip().lower()
    return value or None


# --- The fetcher ----------------------------------------------------------------------------------

class Fetcher:
    def __init__(self, *, allow_private: bool = False, allowlist: Iterable[str] = (),
                 max_bytes: int = 100 * 2**20, connect_timeout: float = 10, read_timeout: float = 30,
                 total_timeout: float = 300, max_redirects: int = 5, retry: RetryPolicy | None = None,
                 per_host_concurrency: int = 2, min_delay: float = 0.0,
                 user_agent: str = "oerlint/0.1 (+accessibility checker)",
                 tmp_dir: Path | None = None):
        self.guard = AddressGuard(allow_private=allow_private, allowlist=tuple(allowlist))
        self.max_bytes = max_bytes
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self.total_timeout = total_timeout
        self.max_redirects = max_redirects
        self.retry = retry or RetryPolicy()
        self.per_host_concurrency = max(1, per_host_concurrency)
        self.min_delay = max(0.0, min_delay)
        self.user_agent = user_agent
        self.tmp_dir = Path(tmp_dir) if tmp_dir else None   # default: this process's folder (tmpdirs)
        self.retries = 0            # retries done so far, for harvest statistics
        self._hosts: dict[str, _HostState] = {}
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"Fetcher(max_bytes={self.max_bytes}, total_timeout={self.total_timeout})"

    def close(self) -> None:
        with self._lock:
            states = list(self._hosts.values())
        for state in states:
            state.pool.clear()

    def __enter__(self) -> "Fetcher":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def fetch(self, url: str, *, etag: str | None = None, last_modified: str | None = None,
              secret_params: Mapping[str, str] | None = None, accept: str | None = None,
              form: Mapping[str, str] | list[tuple[str, str]] | None = None,
              max_bytes: int | None = None) -> FetchResult:
        """GET `url` (POST with `form` as body when given) and return the saved body or a 304.
        `max_bytes` lowers the size cap for this fetch (a Moodle API answer).

        `secret_params` are sent as query parameters on GET, as form fields on POST, and only to
        the scheme+host+port of `url`: a redirect to another origin does not receive them.
        """
        secrets = dict(secret_params or {})
        for value in secrets.values():
            register_secret(value)
        origin = _origin(strip_params(url, secrets))
        method = "GET" if form is None else "POST"
        headers = self._headers(accept)
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        cap = self.max_bytes if max_bytes is None else min(max_bytes, self.max_bytes)
        deadline = time.monotonic() + self.total_timeout
        with Watchdog(deadline) as watchdog:
            return self._follow(url, method, secrets, lambda current: self._hop(
                method, current, headers, secrets if _origin(current) == origin else {}, form, deadline,
                watchdog, cap))

    def request(self, url: str, *, params: Mapping[str, str] | None = None, max_bytes: int | None = None,
                accept: str | None = None) -> Reply:
        """One GET held in memory, for callers with their own retry policy (the OAI harvester).

        The same guard, politeness, redirect checks and timeouts as `fetch`, with the total
        deadline for this one attempt; the body is read whatever the status, up to `max_bytes`
        (default the fetcher's cap). Raises Transient (retry may help: connection failures,
        timeouts, an interrupted body), DeadlineExceeded, BlockedAddress, TooLarge or FetchError.
        """
        if params:
            url += ("&" if urlsplit(url).query else "?") + urlencode(params)
        headers = self._headers(accept)
        cap = self.max_bytes if max_bytes is None else max_bytes
        deadline = time.monotonic() + self.total_timeout
        with Watchdog(deadline) as watchdog:
            try:
                return self._follow(url, "GET", {}, lambda current: self._read(current, headers, cap, deadline,
                                                                               watchdog))
            except Transient:
                if watchdog.expired:   # the cut socket shows as a connection error
                    raise self._deadline_error(url) from None
                raise

    def _headers(self, accept: str | None) -> dict[str, str]:
        return {"User-Agent": self.user_agent, "Accept-Encoding": "gzip, deflate", "Accept": accept or "*/*"}

    def _follow(self, url: str, method: str, secrets: Mapping[str, str], hop):
        """Call `hop(url)` for `url` and each redirect it answers (a (status, Location) pair),
        each target checked again, at most `max_redirects`; return the first other answer."""
        current = _checked_url(strip_params(url, secrets))
        for _hop in range(self.max_redirects + 1):
            reply = hop(current)
            if not isinstance(reply, tuple):
                return reply
            status, location = reply
            nxt = _checked_url(strip_params(urljoin(current, location), secrets))
            if method == "POST" and status not in (307, 308):
                raise FetchError(f"{current} answered a POST with a redirect ({status}) to {nxt}; "
                                 f"configure the final address instead")
            log.debug("redirect %s -> %s", current, nxt)
            current = nxt
        raise FetchError(f"too many redirects (more than {self.max_redirects}) from {url}")

    # --- one hop, with retries ---

    def _hop(self, method, url, headers, secrets, form, deadline, watchdog, cap):
        host = urlsplit(url).netloc.lower()
        state = self._state(host)
        attempts = max(1, self.retry.attempts)
        with state.slots:
            for attempt in range(1, attempts + 1):
                self._wait_turn(state, host, deadline)
                try:
                    return self._exchange(state.pool, method, url, headers, secrets, form, deadline,
                                          watchdog, cap)
                except Transient as failure:
                    if watchdog.expired:
                        raise self._deadline_error(url) from None
                    if attempt == attempts:
                        raise FetchError(f"{failure.reason} for {url} after {attempts} attempts") from None
                    wait = self.retry.delay(attempt, failure.retry_after)
                    if time.monotonic() + wait > deadline:
                        raise DeadlineExceeded(f"{failure.reason} for {url}; the next retry (in {wait:.0f} s) "
                                               f"would pass the {self.total_timeout:.0f} s deadline") from None
                    with self._lock:
                        self.retries += 1
                    log.info("%s", redact(f"retrying {url} in {wait:.1f} s ({failure.reason})"))
                    time.sleep(wait)
        raise FetchError(f"no attempt made for {url}")

    def _exchange(self, pool, method, url, headers, secrets, form, deadline, watchdog, cap):
        target, body, headers = url, None, dict(headers)
        if method == "POST":
            items = list(form.items()) if isinstance(form, Mapping) else list(form)
            body = urlencode(items + list(secrets.items())).encode("ascii")
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        elif secrets:
            target += ("&" if urlsplit(url).query else "?") + urlencode(secrets)
        resp = self._open(pool, method, url, target, body, headers, deadline)
        try:
            status = resp.status
            if not 200 <= status < 300:
                _drop_body(resp)
            if status in REDIRECT_STATUSES:
                return _redirect(resp, url)
            if status == 304:
                return FetchResult(url=url, status=304, path=None, size=0, sha256=None,
                                   media_type=_media_type(resp.headers.get("Content-Type")),
                                   etag=resp.headers.get("ETag") or headers.get("If-None-Match"),
                                   last_modified=resp.headers.get("Last-Modified")
                                   or headers.get("If-Modified-Since"))
            if is_retryable_status(status):
                raise Transient(f"HTTP {status}", resp.headers.get("Retry-After"))
            if not 200 <= status < 300:
                raise FetchError(f"HTTP {status} for {url}")
            return self._save(resp, url, watchdog, cap)
        finally:
            # After a whole body the connection is back in the pool already; otherwise (a body
            # not read to its end) it is closed, never reused with bytes pending.
            resp.close()
            resp.release_conn()

    def _read(self, url, headers, cap, deadline, watchdog):
        """One request of `request`: a redirect as (status, Location), else the Reply."""
        host = urlsplit(url).netloc.lower()
        state = self._state(host)
        with state.slots:
            self._wait_turn(state, host, deadline)
            resp = self._open(state.pool, "GET", url, url, None, headers, deadline)
            try:
                if resp.status in REDIRECT_STATUSES:
                    _drop_body(resp)
                    return _redirect(resp, url)
                body = bytearray()
                self._stream(resp, url, cap, watchdog, body.extend)
                return Reply(url=url, status_code=resp.status, headers=resp.headers, content=bytes(body))
            finally:
                resp.close()
                resp.release_conn()

    def _open(self, pool, method, url, target, body, headers, deadline) -> BaseHTTPResponse:
        """Send the request (to `target`: `url` with any secret) and return the unread response."""
        remaining = max(0.001, deadline - time.monotonic())
        timeout = Timeout(connect=min(self.connect_timeout, remaining), read=min(self.read_timeout, remaining))
        try:
            return pool.urlopen(method, target, body=body, headers=headers, timeout=timeout, retries=NO_RETRY,
                                redirect=False, preload_content=False, decode_content=True)
        except AddressRefused as exc:
            raise BlockedAddress(f"{exc} (URL {url})") from None
        except u3err.SSLError as exc:      # a bad certificate does not heal on retry
            raise FetchError(f"TLS failure for {url}: {_short(exc)}") from None
        except (u3err.NewConnectionError, u3err.TimeoutError, u3err.ProtocolError) as exc:
            raise Transient(redact(f"connection failed: {_short(exc)}")) from None
        except u3err.HTTPError as exc:
            raise FetchError(f"request to {url} failed: {_short(exc)}") from None

    def _save(self, resp: BaseHTTPResponse, url: str, watchdog: Watchdog, cap: int) -> FetchResult:
        fd, name = tempfile.mkstemp(prefix=TMP_PREFIX, dir=self._tmp())
        path = Path(name)
        digest = hashlib.sha256()
        try:
            with os.fdopen(fd, "wb") as out:
                def write(chunk: bytes) -> None:
                    digest.update(chunk)
                    out.write(chunk)
                size = self._stream(resp, url, cap, watchdog, write)
        except BaseException:
            path.unlink(missing_ok=True)
            raise
        return FetchResult(url=url, status=resp.status, path=path, size=size,
                           sha256=digest.hexdigest(),
                           media_type=_media_type(resp.headers.get("Content-Type")),
                           etag=resp.headers.get("ETag"), last_modified=resp.headers.get("Last-Modified"))

    def _stream(self, resp: BaseHTTPResponse, url: str, cap: int, watchdog: Watchdog, write) -> int:
        """Hand the decoded body to `write` chunk by chunk, refusing it past `cap` bytes (counted
        as it arrives: a lying or absent Content-Length does not matter); return its size."""
        declared = resp.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > cap:
            raise TooLarge(f"{url} is {int(declared)} bytes, more than the {cap}-byte cap")
        size = 0
        try:
            for chunk in resp.stream(CHUNK, decode_content=True):
                size += len(chunk)
                if size > cap:
                    raise TooLarge(f"{url} exceeds the {cap}-byte cap")
                write(chunk)
        except (u3err.HTTPError, OSError) as exc:
            if watchdog.expired:
                raise self._deadline_error(url) from None
            raise Transient(redact(f"download interrupted: {_short(exc)}")) from None
        if watchdog.expired:   # the socket was cut just as the last chunk arrived
            raise self._deadline_error(url)
        return size

    def _deadline_error(self, url: str) -> FetchError:
        return DeadlineExceeded(f"{url} took longer than the {self.total_timeout:g} s total deadline")

    def _tmp(self) -> Path:
        """Where downloads go: `tmp_dir`, else this process's folder, which a later process empties
        if this one is killed (made on the first download, not for fetchers that never save)."""
        return self.tmp_dir or tmpdirs.process_dir()

    # --- politeness ---

    def _state(self, host: str) -> _HostState:
        with self._lock:
            state = self._hosts.get(host)
            if state is None:
                # never more requests to a host at once than the slots allow, so a pool of that
                # size keeps every connection alive for the next request
                state = _HostState(threading.BoundedSemaphore(self.per_host_concurrency), threading.Lock(),
                                   guarded_pool_manager(self.guard, pool_size=self.per_host_concurrency))
                self._hosts[host] = state
            return state

    def _wait_turn(self, state: _HostState, host: str, deadline: float) -> None:
        """Space request starts to one host by `min_delay`, across threads."""
        if self.min_delay <= 0:
            return
        with state.lock:
            now = time.monotonic()
            start = max(now, state.next_start)
            state.next_start = start + self.min_delay
        if start > deadline:
            raise FetchError(f"politeness delay for {host} would pass the total deadline")
        if start > now:
            time.sleep(start - now)


def _redirect(resp: BaseHTTPResponse, url: str) -> tuple[int, str]:
    location = resp.headers.get("Location")
    if not location:
        raise FetchError(f"{url} answered {resp.status} without a Location header")
    return resp.status, location


def _drop_body(resp: BaseHTTPResponse) -> None:
    """Read and drop the body of an answer that is not saved (304, redirect, error) and hand the
    connection back to the pool, so the next request to the host skips a new TCP and TLS
    handshake. A 304 has no body; a body of unknown or large size is not read: closing the
    response then closes the connection, which costs less."""
    length = resp.headers.get("Content-Length", "")
    if resp.status in (204, 304) or (length.isdigit() and int(length) <= DRAIN_MAX):
        resp.drain_conn()   # bounded by the read timeout and the watchdog's deadline
        resp.release_conn()


def _short(exc: BaseException) -> str:
    """A one-line, redacted description of a urllib3 exception."""
    text = str(exc) or type(exc).__name__
    if len(text) > 300:
        text = text[:300] + "…"
    return redact(text)


def fetcher_for(options: dict[str, Any], retry: RetryPolicy | None = None, **overrides: Any) -> Fetcher:
    """A Fetcher configured from a source's options (allow_private, rate, max_concurrency, timeout);
    `overrides` are Fetcher keywords that win over them."""
    allow = options.get("allow_private", False)
    rate = options.get("rate") or 0
    timeout = options.get("timeout")
    kwargs: dict[str, Any] = {}
    if timeout:
        kwargs.update(connect_timeout=min(10.0, float(timeout)), read_timeout=float(timeout))
    kwargs.update(overrides)
    return Fetcher(retry=retry, allow_private=allow is True, allowlist=allow if isinstance(allow, list) else (),
                   per_host_concurrency=int(options.get("max_concurrency") or 2),
                   min_delay=(1.0 / rate) if rate else 0.0, **kwargs)
