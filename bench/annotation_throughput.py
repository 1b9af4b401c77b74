"""Throughput of the annotation engine against a local server with a fixed 200 ms latency.

Acceptance: 2,000 requests at concurrency 32 finish within 1.25x of the ideal 2000*0.2/32 s;
a fully cached rerun makes 0 teacher calls and takes under 1 s. The sequential figure
(concurrency 1) is measured on --sequential-n requests and extrapolated to 2,000.

    nice -n 10 python bench/annotation_throughput.py [--n 2000 --concurrency 32 --sequential-n 100]
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

from annotation_common import server_stats, start_server, stop_server

from distillkit.annotation import TeacherCache
from distillkit.testing.toy_run import annotate_toy

LATENCY_S = 0.2


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--sequential-n", type=int, default=100)
    args = parser.parse_args()
    proc, url = start_server("--latency", str(LATENCY_S))
    try:
        with tempfile.TemporaryDirectory() as tmp, TeacherCache(Path(tmp) / "c.sqlite") as cache:
            fresh = annotate_toy(url, cache, args.n, concurrency=args.concurrency).stats
            cached = annotate_toy(url, cache, args.n, concurrency=args.concurrency).stats
        with tempfile.TemporaryDirectory() as tmp, TeacherCache(Path(tmp) / "c.sqlite") as cache:
            seq = annotate_toy(url, cache, args.sequential_n, concurrency=1).stats
        served = server_stats(url)
    finally:
        stop_server(proc)
    ideal = args.n * LATENCY_S / args.concurrency
    report = {
        "requests": args.n, "concurrency": args.concurrency, "latency_s": LATENCY_S,
        "ideal_s": round(ideal, 2), "wall_s": round(fresh.wall_s, 2), "ratio_to_ideal": round(fresh.wall_s / ideal, 3),
        "within_1.25x": fresh.wall_s <= 1.25 * ideal, "calls": fresh.calls, "ok": fresh.ok,
        "server_max_in_flight": served["max_in_flight"],
        "cached_rerun": {"wall_s": round(cached.wall_s, 3), "calls": cached.calls, "cache_hits": cached.cache_hits,
                         "under_1s": cached.wall_s < 1.0},
        "sequential": {"requests": args.sequential_n, "wall_s": round(seq.wall_s, 2),
                       "per_request_s": round(seq.wall_s / args.sequential_n, 4),
                       "extrapolated_wall_s_for_n": round(seq.wall_s / args.sequential_n * args.n, 1)},
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
