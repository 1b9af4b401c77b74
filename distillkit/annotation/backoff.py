"""How long to wait before retrying a transient teacher failure."""

from __future__ import annotations

import random

MAX_BACKOFF_S = 60.0
MAX_RETRY_AFTER_S = 600.0  # a server asking for more than this is treated as asking for this


def retry_delay(attempt: int, base_s: float, retry_after: float | None = None,
                rng: random.Random | None = None) -> float:
    """Seconds to sleep before retry number ``attempt`` (1-based).

    A server's ``Retry-After`` wins when given (it knows its own rate limit). Otherwise
    exponential backoff ``base * 2**(attempt-1)``, capped, with +-50% jitter so that many
    requests failing together do not come back together.
    """
    if retry_after is not None and retry_after >= 0:
        return min(float(retry_after), MAX_RETRY_AFTER_S)
    delay = min(base_s * (2 ** (attempt - 1)), MAX_BACKOFF_S)
    return delay * (rng or random).uniform(0.5, 1.5)
