"""kill -9 the annotation 3 times at random points, then rerun to completion; count calls server-side.

Acceptance: after the final rerun, successful teacher calls (answers the server sent) equal the
number of items, plus at most the requests in flight at each kill (concurrency per kill).

    nice -n 10 python bench/annotation_kill.py [--n 1000 --kills 3 --concurrency 8 --seed 0]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from annotation_common import server_stats, start_server, stop_server


def worker(url: str, cache: Path, n: int, concurrency: int) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "distillkit.testing.toy_run", url, str(cache), str(n),
           "--concurrency", str(concurrency)]
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--kills", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    proc, url = start_server("--latency", str(args.latency))
    kills = []
    try:
        with tempfile.TemporaryDirectory() as tmp:
            cache = Path(tmp) / "c.sqlite"
            for _ in range(args.kills):
                before = server_stats(url)["successes"]
                run = worker(url, cache, args.n, args.concurrency)
                delay = rng.uniform(1.0, 3.0)  # includes the worker's ~1 s start-up
                time.sleep(delay)
                os.kill(run.pid, signal.SIGKILL)
                run.wait(30)
                kills.append({"after_s": round(delay, 2), "answers_paid_in_this_run": server_stats(url)["successes"] - before})
            final = worker(url, cache, args.n, args.concurrency)
            out, _ = final.communicate(timeout=600)
            stats = json.loads(out.strip().splitlines()[-1])
        served = server_stats(url)
    finally:
        stop_server(proc)
    allowance = args.kills * args.concurrency
    report = {
        "items": args.n, "kills": kills, "final_run": {k: stats[k] for k in ("ok", "calls", "cache_hits", "failed")},
        "successful_teacher_calls": served["successes"], "distinct_prompts_answered": served["distinct_answered"],
        "answered_twice": served["answered_more_than_once"], "in_flight_allowance": allowance,
        "pass": stats["ok"] == args.n and args.n <= served["successes"] <= args.n + allowance,
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
