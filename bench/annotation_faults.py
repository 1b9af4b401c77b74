"""1,000 requests against the fake server with ~20% faults, then a rerun.

Faults: timeouts, 429 with Retry-After, 500s, malformed JSON, dropped connections, slow bodies.
Acceptance: every item ends answered or failed with a reason; the rerun completes the failed
ones; no prompt is answered successfully twice (counted by the server).

    nice -n 10 python bench/annotation_faults.py [--n 1000 --rate 0.2]
"""

from __future__ import annotations

import argparse
import json
import tempfile
from collections import Counter
from pathlib import Path

from annotation_common import server_stats, start_server, stop_server

from distillkit.annotation import TeacherCache
from distillkit.testing.toy_run import annotate_toy

TIMEOUT_S = 1.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=0.2)
    parser.add_argument("--concurrency", type=int, default=32)
    args = parser.parse_args()
    proc, url = start_server("--latency", "0.02", "--fault-rate", str(args.rate), "--hang", str(TIMEOUT_S + 0.5))
    try:
        with tempfile.TemporaryDirectory() as tmp, TeacherCache(Path(tmp) / "c.sqlite") as cache:
            # few retries first, so some items really end failed; the rerun retries patiently
            first = annotate_toy(url, cache, args.n, concurrency=args.concurrency, max_retries=1, timeout_s=TIMEOUT_S)
            second = annotate_toy(url, cache, args.n, concurrency=args.concurrency, max_retries=8, timeout_s=TIMEOUT_S)
        served = server_stats(url)
    finally:
        stop_server(proc)
    statuses = Counter(a.status for a in first.annotations)
    report = {
        "items": args.n, "fault_rate": args.rate, "server_requests": served["requests"], "server_faults": served["faults"],
        "first_run": {"statuses": dict(statuses), "failures_by_reason": first.stats.failures_by_reason,
                      "every_failure_has_reason": all(a.reason for a in first.annotations if a.status != "ok"),
                      "retries": first.stats.retries, "wall_s": round(first.stats.wall_s, 2)},
        "rerun": {"ok": second.stats.ok, "calls": second.stats.calls, "cache_hits": second.stats.cache_hits,
                  "failed": second.stats.failed, "wall_s": round(second.stats.wall_s, 2)},
        "distinct_prompts_answered": served["distinct_answered"],
        "prompts_answered_more_than_once": served["answered_more_than_once"],
    }
    report["pass"] = (set(statuses) <= {"ok", "failed"} and report["first_run"]["every_failure_has_reason"]
                      and second.stats.ok == args.n and second.stats.calls == statuses["failed"]
                      and served["answered_more_than_once"] == 0)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
