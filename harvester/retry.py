"""One retry policy for every HTTP call a harvester or the fetcher makes.

Retries 5xx (503 above all), 429, connection errors and timeouts with exponential backoff, and
honours Retry-After given in seconds or as an HTTP date (RFC 9110 §10.2.3) — sickle's own retry
only knows 503 and crashes on the date form.
"""
from __future__ import annotations

import random
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header value, or None if it says nothing usable."""
    if value is None:
        return None
    value = value.strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    now = now or datetime.now(timezone.utc)
    return max(0.0, (when - now).total_seconds())


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 5            # total tries, the first included
    base_delay: float = 1.0      # seconds before the second try; doubles each time
    max_delay: float = 60.0      # cap for one wait, Retry-After included
    jitter: float = 0.1          # +- share of random spread, so many workers do not retry in step

    def delay(self, attempt: int, retry_after: str | None = None) -> float:
        """Seconds to wait after failed try number `attempt` (1-based)."""
        asked = parse_retry_after(retry_after)
        if asked is not None:
            return min(asked, self.max_delay)
        wait = min(self.base_delay * (2 ** (attempt - 1)), self.max_delay)
        return max(0.0, wait * (1 + random.uniform(-self.jitter, self.jitter)))

    def sleep(self, attempt: int, retry_after: str | None = None) -> float:
        wait = self.delay(attempt, retry_after)
        time.sleep(wait)
        return wait


def is_retryable_status(status: int) -> bool:
    return status in RETRY_STATUSES
