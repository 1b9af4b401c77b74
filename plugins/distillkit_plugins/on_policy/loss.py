"""``on_policy``: the student samples, its teachers score every token, the student minimises the divergence.

Runs inside the ``accelerate`` trainer through the token-level loss extension: each example gives
one weight-0 "anchor" view (its prompt; it adds nothing to the loss), plus the views of an optional
rationale loss. For each micro-batch of an on-policy step, ``token_terms`` has the student sample
completions for the anchors' prompts, asks every teacher (``Teacher.score``, cached and budgeted by
``Scorer``) for the log-probabilities of those very tokens, runs one more forward pass of the student
on its samples and returns the ``on_policy`` component (``kl.OnPolicyKL``). See docs/on_policy.md.
"""

from __future__ import annotations

import importlib
import json
import random
import weakref
from collections import Counter
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from distillkit.components import ComponentOptions, CrossCheck, StudentLoss, Task
from distillkit.components.teacher import SCORE
from distillkit.errors import DistillkitError
from distillkit.types import Annotation, Example, View
from distillkit_plugins.training.cot_sft import COT_CUE

ON_POLICY, ANCHOR = "on_policy", "on_policy:prompt"
#: text-level losses an on_policy loss can mix with (type -> "module:Class")
RATIONALE_LOSSES = {
    "cot_sft": "distillkit_plugins.training.cot_sft:CotSFT",
    "answer_only": "distillkit_plugins.training.answer_only:AnswerOnly",
    "multitask_rationale": "distillkit_plugins.tinyllm.multitask_rationale:MultitaskRationale",
}
BUILTIN_TOKENIZERS = (None, "byte", "words")  # built in code: no teacher shares them
SAME_TOKENIZER_HINT = (
    "give the student the teacher's tokenizer (student.tokenizer: <teacher model>, or "
    "init_from/keep_layers); teachers with other tokenizers are not supported (no text-span alignment)"
)


def _loss_class(kind: str) -> type[StudentLoss]:
    module, cls = RATIONALE_LOSSES[kind].split(":")
    return getattr(importlib.import_module(module), cls)


class ScoringTeacher(ComponentOptions):
    id: str = Field(..., description="Teacher id (its type needs the 'score' capability).")
    weight: float = Field(1.0, ge=0, description="Weight of this teacher in the per-token weighted mean.")


class OnPolicy(StudentLoss):
    """On-policy distillation: the student samples, teachers score each token, per-token reverse KL.

    Optional: GKD's generalized JSD on the teachers' top-k (``topk_weight``, ``beta``), several
    weighted teachers, and a rationale loss (``rationale_loss``) trained alone for the first
    ``rationale_only_steps`` steps, then on the on-policy steps with ``rationale_weight``; ``lam`` is
    GKD's lambda (share of steps after that which are on-policy). Student and teachers must share a
    tokenizer (checked at validation and on every scored sample).
    """

    name = "on_policy"
    student_reasons = True

    class Options(ComponentOptions):
        teachers: list[ScoringTeacher] = Field(
            ..., min_length=1, description="Scoring teachers: [{id, weight}]."
        )
        estimator: Literal["k1", "k3"] = Field(
            "k1",
            description="k1: log p_s - log p_t with the score-function gradient of the reverse KL; "
            "k3: r - 1 - log r (r = p_t/p_s), differentiated directly (see docs/on_policy.md).",
        )
        topk_weight: float = Field(
            0.0,
            ge=0,
            le=1,
            description="Share of GKD's top-k JSD(beta) in the per-token "
            "loss (needs top_k > 0 and teachers that return top-k).",
        )
        beta: float = Field(
            1.0,
            ge=0,
            le=1,
            description="GKD/TRL beta of the top-k term: 0 forward KL, "
            "1 reverse KL, between: generalized JSD.",
        )
        top_k: int = Field(
            0,
            ge=0,
            le=100,
            description="Top-k log-probs asked of each teacher per token (0: only the sampled token's).",
        )
        max_new_tokens: int = Field(64, ge=1, description="Longest student sample, in tokens.")
        temperature: float = Field(
            1.0,
            gt=0,
            description="Sampling temperature of the student (1: its own "
            "distribution, what the reverse KL is defined on).",
        )
        top_p: float = Field(1.0, gt=0, le=1, description="Nucleus sampling mass of the student's samples.")
        num_samples: int = Field(1, ge=1, le=16, description="Samples per prompt per step.")
        seed: int = Field(
            0,
            ge=0,
            description="Seed of the student's sampling (per step: seed, trainer seed, step, micro-batch).",
        )
        rationale_loss: dict[str, Any] | None = Field(
            None,
            description="A text-level loss to mix in: {type: cot_sft | answer_only | multitask_rationale, "
            "...its options}; its inference prompt is the one sampled from.",
        )
        rationale_only_steps: int = Field(0, ge=0, description="Steps trained on rationale_loss alone first.")
        lam: float = Field(
            1.0,
            ge=0,
            le=1,
            description="GKD lambda: after rationale_only_steps, the share of "
            "steps that are on-policy (the others train rationale_loss alone).",
        )
        rationale_weight: float = Field(
            0.0,
            ge=0,
            description="Weight of rationale_loss on on-policy steps "
            "(a weighted sum); 0: on-policy steps train the on-policy term alone.",
        )
        on_policy_weight: float = Field(1.0, gt=0, description="Weight of the on-policy term.")
        cue: str = Field(
            COT_CUE,
            description="Without rationale_loss: text after the question that starts "
            "the student's reasoning.",
        )
        max_scored_tokens: int | None = Field(
            None,
            ge=1,
            description="Stop on-policy steps once the teachers "
            "scored this many tokens in a round (null: no cap).",
        )
        prompt_selector: dict[str, Any] | None = Field(
            None,
            description="A sample selector, {type: elad | least_confidence | ... , ...its options}, that "
            "picks before each round's training which prompts get on-policy feedback (see "
            "docs/on_policy.md); null: every micro-batch samples from its own prompts.",
        )
        selected_prompts: int | None = Field(
            None, ge=1, description="With prompt_selector: how many prompts it picks per round."
        )
        max_scoring_cost: float | None = Field(
            None,
            gt=0,
            description="Stop on-policy steps once scoring cost this much in a round (teachers with "
            "prices, e.g. openai_compat's; null: no cap). The cost also counts against rounds.max_cost.",
        )

        @field_validator("rationale_loss")
        @classmethod
        def _known_loss(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
            if value is None:
                return None
            kind = value.get("type")
            if kind not in RATIONALE_LOSSES:
                raise ValueError(f"type must be one of {', '.join(RATIONALE_LOSSES)}, got {kind!r}")
            _loss_class(kind).Options(**{k: v for k, v in value.items() if k != "type"})
            return value

        @model_validator(mode="after")
        def _consistent(self):
            ids = [t.id for t in self.teachers]
            if len(set(ids)) != len(ids):
                raise ValueError(f"each teacher may appear once in teachers, got {ids}")
            if sum(t.weight for t in self.teachers) <= 0:
                raise ValueError("at least one teacher needs a weight > 0")
            if self.topk_weight > 0 and self.top_k == 0:
                raise ValueError("topk_weight > 0 needs top_k > 0 (e.g. top_k: 20)")
            if (self.prompt_selector is None) != (self.selected_prompts is None):
                raise ValueError("prompt_selector and selected_prompts go together (e.g. {type: elad} and 8)")
            if self.rationale_loss is None and (
                self.rationale_only_steps or self.lam < 1 or self.rationale_weight
            ):
                raise ValueError("rationale_only_steps, lam < 1 and rationale_weight need a rationale_loss")
            return self

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from distillkit_plugins.on_policy.kl import OnPolicyKL
        from distillkit_plugins.training.cot_sft import CotSFT

        o = self.options
        spec = dict(o.rationale_loss or {})
        self.inner: StudentLoss | None = _loss_class(spec.pop("type"))(**spec) if o.rationale_loss else None
        self._prompter = self.inner or CotSFT(cue=o.cue)
        self.student_reasons = self._prompter.student_reasons
        self.kl = OnPolicyKL(
            [t.weight for t in o.teachers], estimator=o.estimator, topk_weight=o.topk_weight, beta=o.beta
        )
        self._teachers: dict[str, Any] = {}
        self._cache_path: Path | None = None
        self._max_calls: int | None = None
        self._scorers: list[Any] = []
        self._prompts: dict[str, str] = {}  # id key of an anchor prompt -> its text
        self._prompt_texts: dict[str, None] = {}  # every anchor prompt views() made, in order
        self._examples: dict[str, tuple[Example, Task]] = {}  # anchor prompt -> its example (selection)
        self._selection = None
        self._step = 0
        self._salt = f"{self.options.seed}:0"  # + the trainer's seed, set in prepare_training
        self._micro = 0
        self._hook = None
        self.stats: Counter = Counter()

    # -- validation -----------------------------------------------------------------------------

    @classmethod
    def cross_check(cls, options: Any, pipeline: Any) -> list[CrossCheck]:
        out = []
        if options.prompt_selector is not None:
            from distillkit_plugins.on_policy.prompt_selection import problems

            out += [
                CrossCheck(location=f"prompt_selector.{where}", message=msg, hint=hint)
                for where, msg, hint in problems(options.prompt_selector)
            ]
        slots = {s.id: s for s in pipeline.teachers}
        student = getattr(pipeline.student, "options", None)
        tokenizer = getattr(student, "tokenizer", None) if student is not None else None
        built = (
            student is not None
            and getattr(student, "config", None) is not None
            and tokenizer in BUILTIN_TOKENIZERS
        )
        for i, t in enumerate(options.teachers):
            slot = slots.get(t.id)
            if slot is None:
                continue  # the core reports unknown teacher ids
            if SCORE not in slot.teacher.capabilities:
                out.append(
                    CrossCheck(
                        location=f"teachers.{i}.id",
                        message=f"teacher {t.id!r} (type "
                        f"{slot.teacher.name!r}) cannot score tokens (no 'score' capability)",
                        hint="use an hf teacher, or openai_compat against vLLM (prompt_logprobs)",
                    )
                )
            elif built:
                out.append(
                    CrossCheck(
                        location=f"teachers.{i}.id",
                        message=f"on_policy compares token ids, but the student uses the "
                        f"built-in {tokenizer or 'byte'} tokenizer, which teacher {t.id!r} does not share",
                        hint=SAME_TOKENIZER_HINT,
                    )
                )
            elif (diff := _tokenizer_difference(pipeline.student, slot.teacher)) is not None:
                out.append(
                    CrossCheck(
                        location=f"teachers.{i}.id",
                        message=f"on_policy compares token ids, but teacher {t.id!r} and the student "
                        f"use different tokenizers: {diff}",
                        hint=SAME_TOKENIZER_HINT,
                    )
                )
        return out

    # -- text views -----------------------------------------------------------------------------

    def teacher_ids(self) -> list[str]:
        inner = self.inner.teacher_ids() if self.inner else []
        return [t.id for t in self.options.teachers] + [
            i for i in inner if i not in {t.id for t in self.options.teachers}
        ]

    def score_only_teachers(self) -> list[str]:
        if self.inner is not None and not self.inner.teacher_ids():  # it reads every teacher's rationales
            return []
        read = set(self.inner.teacher_ids()) if self.inner else set()
        return [t.id for t in self.options.teachers if t.id not in read]

    def views(self, example: Example, annotations: dict[str, Annotation], task: Task) -> list[View]:
        prompt = self.inference_prompt(example, task)
        anchor = View(example.id, prompt, "", ANCHOR, weight=0.0)  # weight 0: never a loss term itself
        self._prompt_texts[prompt] = None
        self._examples[prompt] = (example, task)
        return ([anchor] + self.inner.views(example, annotations, task)) if self.inner else [anchor]

    def inference_prompt(self, example: Example, task: Task) -> str:
        return self._prompter.inference_prompt(example, task)

    @property
    def skipped(self):
        return self.inner.skipped if self.inner else {}

    def weights(self) -> dict[str, float]:
        return {**(self.inner.weights() if self.inner else {}), ON_POLICY: self.options.on_policy_weight}

    def combine(self, component_means: dict[str, Any]) -> Any:
        """On-policy batches: w_op * on_policy (+ rationale_weight * rationale loss); else the rationale
        loss."""
        inner_terms = {k: v for k, v in component_means.items() if k != ON_POLICY}
        inner = self.inner.combine(inner_terms) if self.inner is not None and inner_terms else None
        if ON_POLICY not in component_means:
            return inner
        total = self.options.on_policy_weight * component_means[ON_POLICY]
        if inner is not None and self.options.rationale_weight > 0:
            total = total + self.options.rationale_weight * inner
        return total

    # -- teachers, budget -------------------------------------------------------------------------

    def bind_teachers(
        self, teachers, *, cache_path: Path | None = None, max_calls: int | None = None
    ) -> None:
        self._teachers, self._cache_path, self._max_calls = dict(teachers), cache_path, max_calls
        self._scorers = []
        self.stats = Counter()

    def teacher_spend(self) -> dict[str, Any]:
        if not self._scorers and not self.stats:
            return {}
        by_teacher = {s.teacher_id: s.spent() for s in self._scorers}
        return {
            "calls": sum(s["calls"] for s in by_teacher.values()),
            "tokens": sum(s["tokens"] for s in by_teacher.values()),
            "cost": sum(s["cost"] for s in by_teacher.values()),
            "by_teacher": by_teacher,
            **dict(self.stats),
        }

    def _budget_left(self) -> bool:
        calls = sum(s.calls for s in self._scorers)
        tokens = sum(s.tokens for s in self._scorers)
        cost = sum(s.cost for s in self._scorers)
        o = self.options
        if self._max_calls is not None and calls >= self._max_calls:
            return False
        if o.max_scoring_cost is not None and cost >= o.max_scoring_cost:
            return False
        return o.max_scored_tokens is None or tokens < o.max_scored_tokens

    # -- the trainer's token-level extension ------------------------------------------------------

    def token_components(self) -> list[str]:
        return [ON_POLICY]

    def prepare_training(self, *, student: Any, data: Any, out_dir: Path, accelerator: Any) -> None:
        import torch
        from torch.optim.optimizer import register_optimizer_step_post_hook

        from distillkit_plugins.on_policy.scorer import ScoreCache, Scorer
        from distillkit_plugins.training import checkpoints as ckpt

        if accelerator.num_processes > 1:
            raise DistillkitError(
                "on_policy: training runs on one process for now (the student samples and "
                "runs a second forward pass outside the distributed wrapper); launch without "
                "accelerate launch / num_processes 1"
            )
        missing = [t.id for t in self.options.teachers if t.id not in self._teachers]
        if missing:
            raise DistillkitError(
                f"on_policy: no teacher object for {missing}: the runner binds them with "
                "bind_teachers(); call it yourself when training outside a pipeline"
            )
        self._student = student
        # the trainer seeded torch with its job's seed (the run's seed + round) just before: rounds draw
        # other samples (the step count restarts each round), a resumed round the same ones
        self._salt = f"{self.options.seed}:{torch.initial_seed()}"
        self.remember_prompts(list(self._prompt_texts))
        self._choose_prompts(Path(out_dir))
        self._anchor = data.components.index(ANCHOR) if ANCHOR in data.components else None
        cache = ScoreCache(self._cache_path) if self._cache_path is not None else None
        self._scorers = [Scorer(t.id, self._teachers[t.id], cache) for t in self.options.teachers]
        self._pad = student.tokenizer.pad_token_id
        last = ckpt.latest_checkpoint(Path(out_dir))
        self._step = json.loads((last / ckpt.STATE_FILE).read_text())["step"] if last is not None else 0
        self._micro = 0
        if self._hook is not None:
            self._hook.remove()
        first = weakref.ref(next(p for p in student.model.parameters() if p.requires_grad))
        # the hook is global: it must not keep the loss, its teachers or the model alive
        loss = weakref.ref(self)

        def count_step(optimizer, args, kwargs):  # one optimizer step of THIS student's optimizer
            me, param = loss(), first()
            if me is not None and param is not None and any(
                p is param for g in optimizer.param_groups for p in g["params"]
            ):
                me._step += 1
                me._micro = 0

        self._hook = register_optimizer_step_post_hook(count_step)
        weakref.finalize(self, self._hook.remove)  # unregistered when the loss goes away

    def _choose_prompts(self, out_dir: Path) -> None:
        """With a prompt_selector: its pick among this round's prompts (prompt_selection.py)."""
        from distillkit_plugins.on_policy.prompt_selection import PromptSelection

        o = self.options
        if o.prompt_selector is None or not self._examples:
            self._selection = None
            return
        self._selection = PromptSelection(o.prompt_selector, o.selected_prompts, self._salt)
        task = next(iter(self._examples.values()))[1]
        examples = [e for e, _ in self._examples.values()]
        self._selection.choose(
            examples, task, self._student, lambda e: self.inference_prompt(e, task), out_dir
        )

    def remember_prompts(self, prompts: list[str]) -> None:
        """Map the student's encoding of each prompt back to its text (for the teachers)."""
        for text, ids in zip(prompts, self._student.encode_prompts(prompts)):
            self._prompts[_ids_key(ids)] = text

    def _on_policy_step(self) -> bool:
        o = self.options
        if self._step < o.rationale_only_steps or not self._budget_left():
            return False
        return o.lam >= 1 or random.Random(f"{self._salt}:{self._step}").random() < o.lam

    def token_terms(self, logits: Any, batch: Any, views: list) -> dict[str, Any]:
        self._micro += 1
        if self._anchor is None or not self._on_policy_step():
            return {}
        anchors = [v for v in views if v.component == self._anchor]
        unknown = [v.prompt for v in anchors if _ids_key(v.prompt) not in self._prompts]
        if unknown:
            texts = self._student.tokenizer.batch_decode(unknown, skip_special_tokens=False)
            raise DistillkitError(
                f"on_policy: {len(unknown)} prompt(s) not seen by views() (first: {texts[0]!r})"
            )
        if not anchors:
            return {}
        if self._selection is not None and self._selection.prompts:  # the selector's prompts instead
            texts = self._selection.draw(len(anchors), self._step, self._micro)
            self.stats["selected_prompt_samples"] += len(texts)
            return {ON_POLICY: self.step_loss(texts, self._student.encode_prompts(texts))}
        return {
            ON_POLICY: self.step_loss(
                [self._prompts[_ids_key(v.prompt)] for v in anchors], [list(v.prompt) for v in anchors]
            )
        }

    def step_loss(self, prompts: list[str], prompt_ids: list[list[int]]) -> Any:
        """Sample, score, forward: the on-policy term for these prompts (a scalar tensor in the graph)."""
        import torch

        from distillkit_plugins.on_policy.sampling import sample_student
        from distillkit_plugins.on_policy.scorer import BudgetSpent

        o, student = self.options, self._student
        seed = random.Random(f"{self._salt}:{self._step}:{self._micro}").randrange(2**31)
        samples = [
            s
            for s in sample_student(
                student,
                prompts,
                prompt_ids,
                max_new_tokens=o.max_new_tokens,
                num_samples=o.num_samples,
                temperature=o.temperature,
                top_p=o.top_p,
                seed=seed,
            )
            if s.completion_ids
        ]
        self.stats["samples"] += len(samples)
        model = student.model
        if not samples:
            return next(model.parameters()).sum() * 0.0
        n_tok = sum(len(s.completion_ids) for s in samples)
        lp = torch.zeros(n_tok, len(self._scorers))
        mask = torch.zeros(n_tok, len(self._scorers), dtype=torch.bool)
        k = o.top_k if o.topk_weight > 0 else 0
        top_ids = torch.zeros(n_tok, len(self._scorers), max(k, 1), dtype=torch.long)
        top_lps = torch.full((n_tok, len(self._scorers), max(k, 1)), -1e4)
        starts = [0]
        for s in samples:
            starts.append(starts[-1] + len(s.completion_ids))
        for m, scorer in enumerate(self._scorers):
            try:
                scores = scorer.score(
                    [s.prompt for s in samples], [s.completion for s in samples], top_k=o.top_k
                )
            except BudgetSpent:
                self.stats["budget_spent"] += 1
                return next(model.parameters()).sum() * 0.0
            bad = 0
            for i, (s, sc) in enumerate(zip(samples, scores)):
                if list(sc.token_ids) != list(s.completion_ids):
                    bad += 1
                    continue
                rows = slice(starts[i], starts[i + 1])
                lp[rows, m] = torch.tensor(sc.logprobs)
                mask[rows, m] = True
                if k:
                    if sc.top_ids is None:
                        raise DistillkitError(
                            f"on_policy: teacher {scorer.teacher_id!r} returned no top-k "
                            "log-probs, which topk_weight > 0 needs"
                        )
                    top_ids[rows, m] = torch.tensor([r[:k] for r in sc.top_ids])
                    top_lps[rows, m] = torch.tensor([r[:k] for r in sc.top_logprobs])
            self.stats[f"mismatched:{scorer.teacher_id}"] += bad
            if bad == len(samples):
                raise DistillkitError(
                    f"on_policy: teacher {scorer.teacher_id!r} tokenized every sampled completion "
                    f"differently from the student (first: student {samples[0].completion_ids[:8]}..., "
                    f"teacher {list(scores[0].token_ids)[:8]}...)\n  hint: the student and the teacher must "
                    "share a tokenizer (student.tokenizer: <teacher model>, or init_from/keep_layers)"
                )
        logits, tokens, which = self._forward(samples)
        dev = logits.device
        return self.kl(
            logits,
            tokens,
            which,
            lp.to(dev),
            mask.to(dev),
            top_ids.to(dev) if k else None,
            top_lps.to(dev) if k else None,
        )

    def _forward(self, samples: list) -> tuple[Any, Any, Any]:
        """Student logits predicting each sampled token ``[N, V]``, the tokens, their sample (``[N]``)."""
        from distillkit_plugins.training.collate import collate
        from distillkit_plugins.training.encode import EncodedView
        from distillkit_plugins.training.view_loss import accepts_logits_to_keep, scored_logits

        model = self._student.model
        views = [EncodedView(s.prompt_ids, s.completion_ids, 0, 1.0) for s in samples]
        device = next(model.parameters()).device
        batch = collate(views, layout="pad", pad_id=self._pad, row_length=max(v.length for v in views)).to(
            device
        )
        self.stats["tokens_trained"] += int(batch.labels.numel())
        return (
            scored_logits(model, batch, keep_supported=accepts_logits_to_keep(model)),
            batch.labels,
            batch.token_view,
        )


def _tokenizer_difference(student: Any, teacher: Any) -> str | None:
    from distillkit_plugins.on_policy.tokenizers import difference, label, student_source, teacher_source

    s, t = student_source(student), teacher_source(teacher)
    if s is None or t is None:
        return None
    diff = difference(s, t)
    return None if diff is None else f"{diff} (student: {label(s)}, teacher: {label(t)})"


def _ids_key(ids) -> str:
    return ",".join(map(str, ids))
