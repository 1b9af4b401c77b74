"""Annotate N toy questions through ``openai_compat`` (a process the kill tests and benches can kill).

``python -m distillkit.testing.toy_run URL CACHE N [--concurrency C] [--max-retries R] [--timeout S]``
prints the run's stats as one JSON line on stdout.
"""

from __future__ import annotations

import argparse
import json

from distillkit.annotation.cache import TeacherCache
from distillkit.annotation.engine import AnnotationEngine
from distillkit.annotation.stats import AnnotationResult
from distillkit.testing.toy_task import ToyParityTask, prepared_strategy, toy_examples


def annotate_toy(url: str, cache: TeacherCache | None, n: int, *, concurrency: int = 8, max_retries: int = 5,
                 timeout_s: float = 30.0, backoff_s: float = 0.05, model: str = "fake-model",
                 progress: bool = False, registry=None, **teacher_options) -> AnnotationResult:
    if registry is None:
        from distillkit.testing import builtin_registry

        registry = builtin_registry()
    teacher = registry.create("teacher", "openai_compat", base_url=url, model=model, max_concurrency=concurrency,
                              max_retries=max_retries, timeout_s=timeout_s, backoff_s=backoff_s, **teacher_options)
    engine = AnnotationEngine(cache, progress=progress)
    try:
        return engine.annotate(teacher_id="toy", teacher=teacher, strategy=prepared_strategy(registry, "cot"),
                               examples=toy_examples(n), task=ToyParityTask(), filters=[])
    finally:
        teacher.close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url")
    parser.add_argument("cache")
    parser.add_argument("n", type=int)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--max-retries", type=int, default=5)
    parser.add_argument("--timeout", type=float, default=30.0)
    args = parser.parse_args(argv)
    with TeacherCache(args.cache) as cache:
        result = annotate_toy(args.url, cache, args.n, concurrency=args.concurrency, max_retries=args.max_retries,
                              timeout_s=args.timeout)
    print(json.dumps(result.stats.to_dict()), flush=True)


if __name__ == "__main__":
    main()
