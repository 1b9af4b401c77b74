"""Peak resident memory of a stretch of code, sampled in a background thread.

``getrusage`` only knows the peak of the whole process life, which would count a teacher
loaded (and released) before training; sampling measures the training itself.
"""

from __future__ import annotations

import threading

import psutil


class PeakRSS:
    """Context manager: ``peak_mb`` is the largest RSS seen while inside (sampled every ``interval_s``)."""

    def __init__(self, interval_s: float = 0.1):
        self.interval_s = interval_s
        self.peak_mb = 0.0
        self._proc = psutil.Process()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def sample(self) -> float:
        rss = self._proc.memory_info().rss / 2**20
        self.peak_mb = max(self.peak_mb, rss)
        return rss

    def _run(self) -> None:
        while not self._stop.wait(self.interval_s):
            self.sample()

    def __enter__(self) -> PeakRSS:  # noqa: PYI034 (typing.Self needs Python 3.11)
        self.sample()
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.sample()
