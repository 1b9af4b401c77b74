"""How often ELAD revision replies of the REAL SmolLM2-135M-Instruct parse: verdicts and answers.

40 synthetic arithmetic items (seed 0, 2-3 operations). Each gets a student explanation made
from its gold chain: a quarter verbatim (truth: all steps correct), half with one intermediate
result slipped at a seeded step and carried on (truth: step K is wrong), a quarter with every
step right and a wrong final line (truth: final answer is wrong). The hf teacher (greedy, SmolLM2)
revises each with the ``teacher_revision`` prompt, in two ways:

- ``text``: free text (no schema), read by the OLD parser (commit 60d04e8, loaded from a temp
  copy of its files) and by the NEW one;
- ``structured``: the strategy's JSON schema, decoding constrained by the hf teacher
  (``structured_output: constrained``, lm-format-enforcer), read by the NEW parser;
- ``server``: the same schema through the openai_compat teacher against a real llama-server
  (tests/support/llama_server.py), when that helper can start one here.

Replies are cached in ``--replies`` (JSONL, keyed by mode and prompt), so the parsers can be
re-run without generating again (``--parse-only``). Usage (from the repository root)::

    HF_HUB_OFFLINE=1 .venv/bin/python bench/elad_parse_rate.py --mode text
    HF_HUB_OFFLINE=1 .venv/bin/python bench/elad_parse_rate.py --mode structured
    HF_HUB_OFFLINE=1 .venv/bin/python bench/elad_parse_rate.py --parse-only   # the table
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OLD_COMMIT = "60d04e8"
OLD_FILES = ("steps", "verdict", "revision_parser", "revision_prompt", "revision")
_LINE = re.compile(r"^(-?\d+) ([+\-*]) (-?\d+) = (-?\d+)$")


def load_old_strategy():
    """``TeacherRevision`` as it was at OLD_COMMIT, imported from a temp copy as package ``old_elad``."""
    pkg = Path(tempfile.mkdtemp(prefix="old-elad-")) / "old_elad"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    for name in OLD_FILES:
        src = subprocess.run(["git", "show", f"{OLD_COMMIT}:plugins/distillkit_plugins/elad/{name}.py"],
                             cwd=ROOT, check=True, capture_output=True, text=True).stdout
        (pkg / f"{name}.py").write_text(src.replace("distillkit_plugins.elad.", "old_elad."))
    sys.path.insert(0, str(pkg.parent))
    return importlib.import_module("old_elad.revision").TeacherRevision


def _apply(a: int, op: str, b: int) -> int:
    return a + b if op == "+" else a - b if op == "-" else a * b


def student_explanation(gold: str, answer: str, case: str, rng: random.Random) -> tuple[str, dict]:
    """(explanation, truth) for one item: ``case`` is correct, step_wrong or answer_wrong."""
    lines = gold.splitlines()
    if case == "correct":
        return "\n".join([*lines, f"So the answer is {answer}."]), {"kind": "correct", "step": None}
    if case == "answer_wrong":
        wrong = int(answer) + rng.choice([-3, -2, -1, 1, 2, 3])
        return "\n".join([*lines, f"So the answer is {wrong}."]), {"kind": "answer_wrong", "step": None}
    k = rng.randrange(len(lines))
    out, carried = [], None
    for i, line in enumerate(lines):
        a, op, b, c = _LINE.match(line).groups()
        a = carried if carried is not None else int(a)
        c = _apply(a, op, int(b))
        if i == k:
            c += rng.choice([-2, -1, 1, 2, 10])
        out.append(f"{a} {op} {b} = {c}")
        carried = c
    return "\n".join([*out, f"So the answer is {carried}."]), {"kind": "step_wrong", "step": k + 1}


def make_items(n: int, seed: int):
    from distillkit_plugins.tasks.synthetic.task import SyntheticArithmetic

    task = SyntheticArithmetic(train_size=n, validation_size=0, test_size=0, min_steps=2, max_steps=3, seed=seed)
    rng = random.Random(seed)
    cases = ["correct", "step_wrong", "step_wrong", "answer_wrong"]
    items = []
    for i, ex in enumerate(task.load().train):
        text, truth = student_explanation(ex.rationale, ex.answer, cases[i % 4], rng)
        items.append((ex, text, truth))
    return task, items


def strategy(cls, task, items):
    from types import SimpleNamespace

    texts = {ex.id: text for ex, text, _ in items}
    s = cls()
    # the old strategy reads ctx.student_explanations, the current one ctx.student_outputs
    s.prepare(SimpleNamespace(task=task, train=[], seed=0, student_outputs=texts, student_explanations=texts))
    return s


def generate(mode: str, new, items, cache: dict, args) -> None:
    """Ask the teacher about the items not in ``cache``, one batch at a time, saving after each
    batch; stops starting batches after ``--budget-s`` (rerun to go on)."""
    from distillkit.types import TeacherRequest

    schema = (lambda ex: None) if mode == "text" else new.response_schema
    todo = [(ex, new.build_prompt(ex)) for ex, _, _ in items]
    todo = [(ex, p) for ex, p in todo if _key(mode, p, schema(ex)) not in cache]
    if not todo:
        return
    teacher = _teacher(mode, args)
    start = time.perf_counter()
    try:
        teacher.setup()
        for i in range(0, len(todo), args.batch_size):
            if time.perf_counter() - start > args.budget_s:
                print(f"{mode}: time budget spent, {len(todo) - i} items left", file=sys.stderr)
                break
            chunk = todo[i:i + args.batch_size]
            requests = [TeacherRequest(p, ex, "revision", response_schema=schema(ex)) for ex, p in chunk]
            for (ex, p), g in zip(chunk, teacher.generate_batch(requests)):
                if isinstance(g, Exception):
                    raise g
                cache[_key(mode, p, schema(ex))] = {
                    "mode": mode, "id": ex.id, "prompt": p, "schema": schema(ex), "raw": g.text,
                    "finish_reason": g.finish_reason, "completion_tokens": g.completion_tokens}
            _save(cache, args.replies)
            print(f"{mode}: {i + len(chunk)}/{len(todo)} in {time.perf_counter() - start:.0f} s", file=sys.stderr)
    finally:
        close = getattr(teacher, "close", None)
        if close:
            close()


def _key(mode: str, prompt: str, schema: dict | None) -> str:
    return f"{mode}\n{prompt}\n{json.dumps(schema, sort_keys=True)}"


def _save(cache: dict, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in cache.values()))


def _teacher(mode: str, args):
    if mode == "server":
        sys.path.insert(0, str(ROOT / "tests"))
        from distillkit_plugins.openai_compat.teacher import OpenAICompatTeacher
        from support.llama_server import LlamaServer  # raises LlamaServerUnavailable without a binary

        server = LlamaServer().start()
        teacher = OpenAICompatTeacher(base_url=server.base_url, model=server.alias, max_tokens=args.max_new_tokens,
                                      structured_output="json_schema", max_retries=0, timeout_s=300)
        teacher.close = server.stop  # stop the server when generation is done
        return teacher
    from distillkit_plugins.hf.teacher import HFTeacher

    return HFTeacher(model="builtin:smollm2-135m-instruct", max_new_tokens=args.max_new_tokens,
                     batch_size=args.batch_size, structured_output="constrained" if mode == "structured" else "off")


def score(outcomes, items) -> dict:
    n = len(items)
    verdicts = [o.verdict for o in outcomes]
    right = sum(1 for v, (_, _, t) in zip(verdicts, items)
                if v is not None and v.kind == t["kind"] and (t["step"] is None or v.step == t["step"]))
    gold = [ex.answer for ex, _, _ in items]
    kinds: dict[str, int] = {}
    for o in outcomes:
        kinds[o.kind] = kinds.get(o.kind, 0) + 1
    return {"n": n, "verdict_read": sum(v is not None for v in verdicts), "verdict_right": right,
            "answer_read": sum(o.answer is not None for o in outcomes),
            "answer_right": sum(o.answer == g for o, g in zip(outcomes, gold)),
            "usable": sum(o.kind != "error" for o in outcomes), "kinds": kinds}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--mode", choices=["text", "structured", "server"], action="append", default=[])
    ap.add_argument("--parse-only", action="store_true", help="only read the cached replies")
    ap.add_argument("--items", type=int, default=40)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--max-new-tokens", type=int, default=128)
    ap.add_argument("--batch-size", type=int, default=8)
    ap.add_argument("--budget-s", type=float, default=360, help="start no new batch after this many seconds")
    ap.add_argument("--replies", type=Path, default=ROOT / "runs" / "bench-elad-parse" / "replies.jsonl")
    ap.add_argument("--out", type=Path, default=ROOT / "runs" / "bench-elad-parse" / "results.json")
    args = ap.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from distillkit_plugins.elad.revision import TeacherRevision

    old_cls = load_old_strategy()
    task, items = make_items(args.items, args.seed)
    new, old = strategy(TeacherRevision, task, items), strategy(old_cls, task, items)
    cache: dict = {}
    if args.replies.is_file():
        for line in args.replies.read_text().splitlines():
            row = json.loads(line)
            cache[_key(row["mode"], row["prompt"], row.get("schema"))] = row
    if not args.parse_only:
        for mode in args.mode or ["text"]:
            generate(mode, new, items, cache, args)
    results = {}
    for mode in ("text", "structured", "server"):
        schema = (lambda ex: None) if mode == "text" else new.response_schema
        raws = [cache.get(_key(mode, new.build_prompt(ex), schema(ex))) for ex, _, _ in items]
        if any(r is None for r in raws):
            continue
        parsers = {"old": old, "new": new}
        for name, strat in parsers.items():
            outcomes = [strat.outcome(r["raw"], ex) for r, (ex, _, _) in zip(raws, items)]
            results[f"{mode}/{name}"] = score(outcomes, items)
        results[f"{mode}/finish_length"] = sum(r["finish_reason"] == "length" for r in raws)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=1))
    print(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
