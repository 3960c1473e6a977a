"""HTTP for the OAI-PMH harvester: sickle, with our timeouts, retries and politeness.

sickle 0.7 sends every request through `Sickle.harvest()`, which has no default timeout, retries
only 503, crashes on an HTTP-date Retry-After and gives up on connection errors. `PoliteSickle`
overrides `harvest()` to go through `OAIHttp.get()`: explicit connect/read timeouts, the shared
`RetryPolicy` (5xx, 429, connection errors, timeouts, both Retry-After forms), a minimum delay
between requests, and retry counts in the harvest stats.
"""
from __future__ import annotations

import logging
import time

import requests
from sickle import Sickle
from sickle.response import OAIResponse

from .base import HarvestStats
from .retry import RetryPolicy, is_retryable_status

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = (10.0, 60.0)   # seconds: connect, read (per socket read, as requests means it)
USER_AGENT = "oerlint-harvester/0.1 (+https://github.com/oerlint)"

TRANSIENT_ERRORS = (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError,
                    requests.exceptions.ContentDecodingError)


class HarvestRequestError(RuntimeError):
    """A request that failed for good (after all retries, or with a status not worth retrying)."""


class OAIHttp:
    def __init__(self, *, stats: HarvestStats, retry: RetryPolicy | None = None,
                 timeout: float | tuple[float, float] | None = None, min_delay: float = 0.0,
                 session: requests.Session | None = None):
        self.stats = stats
        self.retry = retry or RetryPolicy()
        self.timeout = timeout or DEFAULT_TIMEOUT
        self.min_delay = min_delay
        self.session = session or requests.Session()
        self.session.headers.setdefault("User-Agent", USER_AGENT)
        self._last_request = 0.0

    def get(self, url: str, params: dict) -> requests.Response:
        last_problem = ""
        for attempt in range(1, self.retry.attempts + 1):
            self._be_polite()
            retry_after = None
            try:
                response = self.session.get(url, params=params, timeout=self.timeout)
            except TRANSIENT_ERRORS as exc:
                last_problem = f"{type(exc).__name__}: {exc}"
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

    def _be_polite(self) -> None:
        if self.min_delay > 0:
            wait = self._last_request + self.min_delay - time.monotonic()
            if wait > 0:
                time.sleep(wait)
        self._last_request = time.monotonic()


class PoliteSickle(Sickle):
    """sickle's client with every request sent through `OAIHttp`."""

    def __init__(self, endpoint: str, http: OAIHttp):
        super().__init__(endpoint, max_retries=0)
        self.http = http

    def harvest(self, **kwargs) -> OAIResponse:
        return OAIResponse(self.http.get(self.endpoint, kwargs), params=kwargs)


def _is_oai_error_body(response: requests.Response) -> bool:
    head = response.content[:4000]
    return b"OAI-PMH" in head and b"<error" in response.content


def _describe(params: dict) -> str:
    """The request, shortened: tokens can be long and say nothing to a reader."""
    shown = {k: (v if len(str(v)) <= 40 else str(v)[:37] + "...") for k, v in params.items()}
    return " ".join(f"{k}={v}" for k, v in shown.items())
