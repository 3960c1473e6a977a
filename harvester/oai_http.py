"""HTTP for the OAI-PMH harvester: sickle, with the safe fetcher's guards, our timeouts and retries.

sickle 0.7 sends every request through `Sickle.harvest()`, with a requests session of its own: no
default timeout, no address check, no size cap; it retries only 503, crashes on an HTTP-date
Retry-After and gives up on connection errors. `PoliteSickle` overrides `harvest()` to go through
`OAIHttp.get()`, which sends each request through `Fetcher.request` (harvester/fetch.py) built
from the source's options: the SSRF guard on the host and on every redirect (at most 5), connect
and read timeouts, a total deadline per request that stops a server trickling bytes, a size cap
per page counted while it streams, keep-alive, and the politeness delay (`rate`). Around it, the
shared `RetryPolicy` (5xx, 429, connection errors, timeouts, both Retry-After forms), with retry
counts in the harvest stats.
"""
from __future__ import annotations

import logging
import time
from typing import Any

from sickle import Sickle
from sickle.response import OAIResponse

from .base import HarvestStats
from .fetch import (BlockedAddress, DeadlineExceeded, Fetcher, FetchError, Reply, TooLarge, Transient,
                    fetcher_for)
from .retry import RetryPolicy, is_retryable_status

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = (10.0, 60.0)   # seconds: connect, read (per socket read)
DEFAULT_TOTAL_TIMEOUT = 300.0    # seconds for one request, however the server trickles
DEFAULT_MAX_PAGE_BYTES = 50 * 2**20   # one page of XML; far more than any repository's page
USER_AGENT = "oerlint-harvester/0.1 (+https://github.com/oerlint)"
ACCEPT = "text/xml, application/xml;q=0.9, */*;q=0.1"


class HarvestRequestError(RuntimeError):
    """A request that failed for good (after all retries, or with a status not worth retrying)."""


def oai_fetcher(options: dict[str, Any], timeout: float | tuple[float, float] | None = None,
                total_timeout: float = DEFAULT_TOTAL_TIMEOUT) -> Fetcher:
    """The fetcher for a source's protocol requests: the source's allow_private, rate and
    max_concurrency, with `timeout` (one number: read timeout, connect at most 10 s; or a
    (connect, read) pair) or the source's `timeout`, else DEFAULT_TIMEOUT."""
    timeout = timeout or options.get("timeout")
    if timeout is None:
        connect, read = DEFAULT_TIMEOUT
    elif isinstance(timeout, (tuple, list)):
        connect, read = (float(t) for t in timeout)
    else:
        connect, read = min(10.0, float(timeout)), float(timeout)
    return fetcher_for(options, connect_timeout=connect, read_timeout=read, total_timeout=total_timeout,
                       user_agent=USER_AGENT)


class OAIHttp:
    def __init__(self, *, stats: HarvestStats, fetcher: Fetcher, retry: RetryPolicy | None = None,
                 max_page_bytes: int = DEFAULT_MAX_PAGE_BYTES):
        self.stats = stats
        self.fetcher = fetcher
        self.retry = retry or RetryPolicy()
        self.max_page_bytes = max_page_bytes

    def get(self, url: str, params: dict) -> Reply:
        last_problem = ""
        for attempt in range(1, self.retry.attempts + 1):
            retry_after = None
            try:
                response = self.fetcher.request(url, params=params, max_bytes=self.max_page_bytes, accept=ACCEPT)
            except Transient as exc:
                last_problem = str(exc)
            except DeadlineExceeded:
                last_problem = f"no whole answer within the {self.fetcher.total_timeout:g} s total deadline"
            except BlockedAddress as exc:
                raise HarvestRequestError(f"{exc}; if this repository is meant to be on an internal "
                                          f"address, allow it with the source's allow_private option") from None
            except TooLarge as exc:
                raise HarvestRequestError(f"{exc} set for one OAI-PMH page") from None
            except FetchError as exc:   # TLS, a bad or endless redirect: a retry will not mend it
                raise HarvestRequestError(str(exc)) from None
            else:
                if response.status_code < 400:
                    return response
                if not is_retryable_status(response.status_code):
                    if _is_oai_error_body(response):   # some servers send OAI errors with 4xx
                        return response
                    raise HarvestRequestError(f"HTTP {response.status_code} from {url} ({_describe(params)})")
                retry_after = response.headers.get("Retry-After")
                last_problem = f"HTTP {response.status_code}"
            if attempt == self.retry.attempts:
                break
            self.stats.retries += 1
            wait = self.retry.delay(attempt, retry_after)
            log.warning("%s for %s; retry %d in %.1f s", last_problem, _describe(params), attempt, wait)
            time.sleep(wait)
        raise HarvestRequestError(f"{last_problem} from {url} ({_describe(params)}) after "
                                  f"{self.retry.attempts} attempts")


class PoliteSickle(Sickle):
    """sickle's client with every request sent through `OAIHttp`."""

    def __init__(self, endpoint: str, http: OAIHttp):
        super().__init__(endpoint, max_retries=0)
        self.http = http

    def harvest(self, **kwargs) -> OAIResponse:
        return OAIResponse(self.http.get(self.endpoint, kwargs), params=kwargs)


def _is_oai_error_body(response: Reply) -> bool:
    head = response.content[:4000]
    return b"OAI-PMH" in head and b"<error" in response.content


def _describe(params: dict) -> str:
    """The request, shortened: tokens can be long and say nothing to a reader."""
    shown = {k: (v if len(str(v)) <= 40 else str(v)[:37] + "...") for k, v in params.items()}
    return " ".join(f"{k}={v}" for k, v in shown.items())
