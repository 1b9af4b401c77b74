"""Spread requests over several base URLs (e.g. vLLM replicas) and route around failed ones."""

from __future__ import annotations

import time

_MAX_COOLDOWN_FACTOR = 8


class ReplicaPool:
    """Round-robin over healthy replicas.

    A replica that times out, refuses connections or answers 5xx is benched for
    ``cooldown_s * 2**(consecutive failures - 1)`` (capped at 8x); the next request goes to
    the next healthy one. If every replica is benched, the one back soonest is used, so a
    single-URL setup keeps working (the engine's backoff paces it). Used from one event loop
    only, hence no locks.
    """

    def __init__(self, urls: list[str], cooldown_s: float):
        self.urls = [u.rstrip("/") for u in urls]
        self.cooldown_s = cooldown_s
        self._next = 0
        self._down_until = dict.fromkeys(self.urls, 0.0)
        self._failures = dict.fromkeys(self.urls, 0)
        self.requests = dict.fromkeys(self.urls, 0)

    def pick(self) -> str:
        now = time.monotonic()
        n = len(self.urls)
        for step in range(n):
            url = self.urls[(self._next + step) % n]
            if self._down_until[url] <= now:
                self._next = (self._next + step + 1) % n
                self.requests[url] += 1
                return url
        url = min(self.urls, key=self._down_until.__getitem__)
        self.requests[url] += 1
        return url

    def failed(self, url: str) -> None:
        self._failures[url] += 1
        factor = min(2 ** (self._failures[url] - 1), _MAX_COOLDOWN_FACTOR)
        self._down_until[url] = time.monotonic() + self.cooldown_s * factor

    def succeeded(self, url: str) -> None:
        self._failures[url] = 0
        self._down_until[url] = 0.0

    def healthy(self) -> list[str]:
        now = time.monotonic()
        return [u for u in self.urls if self._down_until[u] <= now]
