"""On-policy vs off-policy vs mixed distillation at equal teacher tokens, on the synthetic arithmetic task.

A scoring teacher is made first: a tiny llama (words tokenizer) trained on the task's gold
step-by-step solutions (cot_sft). A smaller student (same tokenizer) is then distilled three ways,
each with the same teacher-token budget B and the same number of optimizer steps:

- off:   the teacher WRITES rationales (greedy) for the first K train problems; B = their tokens.
         The student trains cot_sft on them (SFT on teacher text).
- on:    the student samples its own solutions, the teacher SCORES them (on_policy loss, k1);
         scoring stops when B tokens were scored.
- mixed: the teacher writes rationales for the first K/2 problems (cot_sft alone for the first half
         of the steps), then on-policy with the rest of B (rationale loss kept at weight 0.5).

Reported: test accuracy (greedy, 'So the answer is N' read by the task's answer format) and the
teacher tokens each arm really used. Run from the repository root:

    HF_HUB_OFFLINE=1 .venv/bin/python bench/on_policy.py --teacher-only      # once (trains the teacher)
    HF_HUB_OFFLINE=1 .venv/bin/python bench/on_policy.py --seeds 0           # one seed per run, rows appended
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import torch

TEACHER = {
    "model_type": "llama",
    "hidden_size": 128,
    "intermediate_size": 256,
    "num_hidden_layers": 3,
    "num_attention_heads": 4,
    "num_key_value_heads": 2,
    "max_position_embeddings": 256,
}
STUDENT = {
    "model_type": "llama",
    "hidden_size": 64,
    "intermediate_size": 128,
    "num_hidden_layers": 2,
    "num_attention_heads": 4,
    "num_key_value_heads": 2,
    "max_position_embeddings": 256,
}


def _task(seed: int, n_train: int):
    from distillkit_plugins.tasks.synthetic.task import SyntheticArithmetic

    return SyntheticArithmetic(
        seed=seed,
        train_size=n_train,
        validation_size=8,
        test_size=64,
        min_steps=2,
        max_steps=2,
        max_value=30,
        operations=["+", "-"],
    )


def _gold(example):
    from distillkit.types import Annotation

    return {
        "gold": Annotation(example.id, "gold", "", example.rationale, example.rationale, example.answer, "ok")
    }


def _train(student, loss, views, steps, out, lr, batch=8):
    from distillkit_plugins.training.trainer import AccelerateTrainer

    from distillkit.components import TrainJob

    trainer = AccelerateTrainer(
        max_steps=steps,
        batch_size=batch,
        learning_rate=lr,
        log_every=10,
        save_every=None,
        progress=False,
        warmup_steps=5,
    )
    return trainer.train(TrainJob(student=student, loss=loss, views=views, evaluate=dict, out_dir=out))


def _accuracy(student, loss, task, examples) -> float:
    prompts = [loss.inference_prompt(e, task) for e in examples]
    outs = student.generate(prompts, max_new_tokens=48)
    fmt = task.answer_format
    return sum(fmt.is_correct(fmt.extract(o[0], e), e) for o, e in zip(outs, examples)) / len(examples)


def make_teacher(folder: Path, seed: int, steps: int) -> float:
    from distillkit_plugins.hf.tiny import tiny_student
    from distillkit_plugins.training.cot_sft import CotSFT

    task = _task(seed + 100, 800)
    splits = task.load()
    loss = CotSFT(teacher="gold")
    views = [v for e in splits.train for v in loss.views(e, _gold(e), task)]
    teacher = tiny_student(TEACHER, tokenizer="words", init_seed=seed, max_length=128)
    _train(teacher, loss, views, steps, folder / "train", lr=3e-3, batch=16)
    teacher.save(folder / "model")
    return _accuracy(teacher, loss, task, splits.test)


def run_arm(arm: str, seed: int, teacher_dir: Path, work: Path, *, k: int, steps: int) -> dict:
    from distillkit_plugins.hf.teacher import HFTeacher
    from distillkit_plugins.hf.tiny import tiny_student
    from distillkit_plugins.on_policy.loss import OnPolicy
    from distillkit_plugins.training.cot_sft import CotSFT

    from distillkit.types import Annotation, TeacherRequest

    task = _task(seed, 256)
    splits = task.load()
    teacher = HFTeacher(model=str(teacher_dir), batch_size=32, max_new_tokens=48, chat_template="off")
    cot = CotSFT(teacher="t")
    n_written = {"off": k, "mixed": k // 2, "on": 0}[arm]
    written = splits.train[:n_written]
    anns, written_tokens = {}, 0
    if written:  # the teacher writes rationales after the student's own CoT prompt
        gens = teacher.generate_batch([TeacherRequest(cot.inference_prompt(e, task), e) for e in written])
        for e, g in zip(written, gens):
            written_tokens += g.completion_tokens
            text = g.text.split("So the answer is")[0].strip()
            anns[e.id] = {"t": Annotation(e.id, "t", "", g.text, text, None, "ok" if text else "parse_error")}
        teacher.close()
    budget = BUDGET[seed]
    student = tiny_student(STUDENT, tokenizer=str(teacher_dir), init_seed=seed, max_length=160)
    t0 = time.perf_counter()
    if arm == "off":
        views = [v for e in written for v in cot.views(e, anns[e.id], task)]
        _train(student, cot, views, steps, work / f"{arm}-{seed}", lr=3e-3)
        loss, spend = cot, {"tokens": 0}
    else:
        kw = (
            {
                "rationale_loss": {"type": "cot_sft", "teacher": "t"},
                "rationale_only_steps": steps // 2,
                "rationale_weight": 0.5,
            }
            if arm == "mixed"
            else {}
        )
        loss = OnPolicy(
            teachers=[{"id": "t"}],
            max_new_tokens=48,
            seed=seed,
            max_scored_tokens=max(1, budget - written_tokens),
            **kw,
        )
        pool = splits.train if arm == "on" else written + splits.train[n_written:]
        views = [v for e in pool for v in loss.views(e, anns.get(e.id, {}), task)]
        loss.bind_teachers({"t": teacher})
        _train(student, loss, views, steps, work / f"{arm}-{seed}", lr=3e-3)
        teacher.close()
        spend = loss.teacher_spend()
    return {
        "arm": arm,
        "seed": seed,
        "accuracy": _accuracy(student, loss, task, splits.test),
        "teacher_tokens_written": written_tokens,
        "samples_scored": spend.get("samples", 0),
        "teacher_tokens_scored": spend.get("tokens", 0),
        "train_s": round(time.perf_counter() - t0, 1),
    }


BUDGET: dict[int, int] = {}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, nargs="+", default=[0])
    ap.add_argument("--k", type=int, default=64, help="problems the teacher writes rationales for (off arm)")
    ap.add_argument("--steps", type=int, default=80)
    ap.add_argument("--teacher-steps", type=int, default=300)
    ap.add_argument("--teacher-dir", default="/tmp/distillkit-bench-on-policy-teacher",
                    help="made once (trained on gold solutions), reused by later runs")
    ap.add_argument("--teacher-only", action="store_true", help="make the teacher and stop")
    ap.add_argument("--out", default="bench/on_policy.json")
    args = ap.parse_args()
    torch.set_num_threads(2)
    tdir = Path(args.teacher_dir)
    if not (tdir / "accuracy.json").exists():
        t0 = time.perf_counter()
        acc = make_teacher(tdir, 0, args.teacher_steps)
        made = {"teacher_test_accuracy": acc, "teacher_steps": args.teacher_steps,
                "s": round(time.perf_counter() - t0, 1)}
        (tdir / "accuracy.json").write_text(json.dumps(made))
    print((tdir / "accuracy.json").read_text(), flush=True)
    if args.teacher_only:
        return
    out = Path(args.out)
    rows = json.loads(out.read_text()) if out.exists() else []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for seed in args.seeds:
            BUDGET[seed] = 0
            off = run_arm("off", seed, tdir / "model", work, k=args.k, steps=args.steps)
            BUDGET[seed] = off["teacher_tokens_written"]  # the budget every arm gets
            for row in (off, *(run_arm(a, seed, tdir / "model", work, k=args.k, steps=args.steps)
                               for a in ("on", "mixed"))):
                row.update(budget=BUDGET[seed], k=args.k, steps=args.steps)
                print(json.dumps(row), flush=True)
                rows.append(row)
                out.write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
