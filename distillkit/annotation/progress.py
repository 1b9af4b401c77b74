"""The annotation progress bar: rate and ETA from tqdm, plus cache hits, calls and failures."""

from __future__ import annotations

import sys
import time

from distillkit.annotation.stats import AnnotationStats

_POSTFIX_EVERY_S = 0.5  # refreshing the postfix per item would cost more than a cached item


class Progress:
    def __init__(self, total: int, label: str, enabled: bool):
        self._bar = None
        self._last = 0.0
        if enabled and total:
            from tqdm import tqdm

            self._bar = tqdm(total=total, desc=label, unit="item", dynamic_ncols=True, mininterval=_POSTFIX_EVERY_S,
                             file=sys.stderr)

    def advance(self, stats: AnnotationStats) -> None:
        if self._bar is None:
            return
        now = time.monotonic()
        if now - self._last >= _POSTFIX_EVERY_S:
            self._last = now
            self._bar.set_postfix(hits=stats.cache_hits, calls=stats.calls, retries=stats.retries,
                                  fail=stats.failed, refresh=False)
        self._bar.update(1)

    def close(self, stats: AnnotationStats, summary: str | None = None) -> None:
        if self._bar is None:
            return
        self._bar.set_postfix(hits=stats.cache_hits, calls=stats.calls, retries=stats.retries,
                              fail=stats.failed, refresh=True)
        self._bar.close()
        if summary:
            print(summary, file=sys.stderr)
