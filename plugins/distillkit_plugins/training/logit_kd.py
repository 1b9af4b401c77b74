"""``logit_kd``: logit distillation from a local teacher that shares the student's tokenizer."""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from pathlib import Path
from typing import Any, ClassVar, Literal

from pydantic import Field

from distillkit.components import ComponentOptions, CrossCheck, StudentLoss, Task
from distillkit.components.teacher import SCORE
from distillkit.types import Annotation, Example, View
from distillkit_plugins.training.answer_only import AnswerOnly
from distillkit_plugins.training.cot_sft import COT_CUE, CotSFT

CE, KD = "ce", "kd"


class LogitKD(StudentLoss):
    """Logit distillation (forward/reverse KL, generalized JSD, TVD) from a local teacher's top-k log-probs.

    The views are text views (``target: rationale`` = the teacher's rationale + answer, as in
    ``cot_sft``; ``target: answer`` = the gold answer). Before the first step the teacher
    (``teacher``, any teacher with the ``score`` capability sharing the student's tokenizer)
    scores every view's target text once through ``Teacher.score`` (cached beside the teacher
    cache); its top-k log-probs are stored with safetensors in the training folder and the
    teacher is closed, so it is never in memory while the student trains.
    Components: ``ce`` (cross entropy on the target text, ``ce_weight``) and ``kd`` (the
    divergence, token mean per view, ``kd_weight``); see divergences.py for the top-k + rest bins.
    """

    name = "logit_kd"
    requires_teacher_capabilities: ClassVar[frozenset[str]] = frozenset({SCORE})

    class Options(ComponentOptions):
        teacher: str = Field(..., description="Teacher id: it scores the tokens (capability 'score') and, when "
                             "target=rationale, its rationales are the targets.")
        target: Literal["rationale", "answer"] = Field("rationale", description="Train on rationale+answer or the answer.")
        divergence: Literal["forward_kl", "reverse_kl", "jsd", "tvd"] = Field(
            "forward_kl", description="forward_kl (mass-covering), reverse_kl (mode-seeking), jsd, or tvd.")
        beta: float = Field(0.5, gt=0, lt=1, description="jsd only: mixture weight of the teacher.")
        temperature: float = Field(1.0, gt=0, description="Softening of both distributions before comparing.")
        top_k: int = Field(20, ge=1, le=1000, description="Teacher log-probs stored per target token.")
        kd_weight: float = Field(1.0, ge=0, description="Weight of the divergence component.")
        ce_weight: float = Field(1.0, ge=0, description="Weight of the cross entropy on the target text.")
        cue: str = Field(COT_CUE, description="target=rationale: text after the question that starts reasoning.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._table: dict = {}
        self._texts: dict[tuple[str, str], None] = {}  # (prompt, target) of every view made, for the teacher
        self._teachers: dict[str, Any] = {}
        self._cache_path: Path | None = None
        self._scorer: Any = None
        opts = self.options
        self._text = (CotSFT(teacher=opts.teacher, cue=opts.cue) if opts.target == "rationale" else AnswerOnly())
        self.student_reasons = opts.target == "rationale"

    @classmethod
    def cross_check(cls, options: Any, pipeline: Any) -> list[CrossCheck]:
        student = pipeline.student
        opts = getattr(student, "options", None)
        if opts is not None and getattr(opts, "config", None) is not None and getattr(opts, "tokenizer", None) in (
                None, "byte", "words"):
            slot = next((s for s in pipeline.teachers if s.id == options.teacher), None)
            model = getattr(slot.teacher.options, "model", None) if slot is not None else None
            return [CrossCheck(location="", message="logit_kd compares token ids, but the student uses a built-in "
                               f"{getattr(opts, 'tokenizer', None) or 'byte'} tokenizer, not the teacher's",
                               hint=f"set student.tokenizer: {model or '<the teacher model>'}")]
        return []

    def teacher_ids(self) -> list[str]:
        return [self.options.teacher]

    def views(self, example: Example, annotations: dict[str, Annotation], task: Task) -> list[View]:
        out = [replace(v, component=CE) for v in self._text.views(example, annotations, task)]
        self._texts.update({(v.prompt, v.target): None for v in out})
        return out

    def inference_prompt(self, example: Example, task: Task) -> str:
        return self._text.inference_prompt(example, task)

    def weights(self) -> dict[str, float]:
        return {CE: self.options.ce_weight, KD: self.options.kd_weight}

    @property
    def skipped(self):
        return self._text.skipped

    # -- the trainer's token-level extension (see docs/training.md) -------------------------------

    def token_components(self) -> list[str]:
        return [KD]

    def bind_teachers(self, teachers, *, cache_path: Path | None = None, max_calls: int | None = None) -> None:
        self._teachers, self._cache_path, self._scorer = dict(teachers), cache_path, None

    def teacher_spend(self) -> dict[str, Any]:
        return {} if self._scorer is None else self._scorer.spent()

    def prepare_training(self, *, student: Any, data: Any, out_dir: Path, accelerator: Any) -> None:
        """Score missing views on the main process (teacher set up, used, closed), then load the table."""
        from distillkit.errors import DistillkitError
        from distillkit_plugins.on_policy.scorer import ScoreCache, Scorer
        from distillkit_plugins.training import teacher_topk

        o = self.options
        teacher = self._teachers.get(o.teacher)
        if teacher is None:
            raise DistillkitError(f"logit_kd: no teacher object for {o.teacher!r}: the runner binds them with "
                                  "bind_teachers(); call it yourself when training outside a pipeline")
        ident = json.dumps([teacher.identity(), o.top_k], sort_keys=True, default=str)
        path = Path(out_dir) / f"teacher_topk-{hashlib.sha1(ident.encode()).hexdigest()[:12]}.safetensors"
        if accelerator.is_main_process:
            cache = ScoreCache(self._cache_path) if self._cache_path is not None else None
            self._scorer = Scorer(o.teacher, teacher, cache)
            texts = teacher_topk.texts_by_prompt(student, list(self._texts))
            try:
                teacher_topk.precompute(self._scorer, texts, data.views, path, top_k=o.top_k,
                                        eos_text=student.tokenizer.eos_token or "")
            finally:
                teacher.close()
        accelerator.wait_for_everyone()
        self._table = teacher_topk.load_table(path)

    def token_terms(self, logits: Any, batch: Any, views: list) -> dict[str, Any]:
        from distillkit_plugins.training.divergences import divergence
        from distillkit_plugins.training.teacher_topk import aligned
        from distillkit_plugins.training.view_loss import view_means

        if logits.shape[0] == 0:
            return {}
        ids, lps = aligned(self._table, batch, views, logits.device)
        o = self.options
        per_token = divergence(logits, ids, lps, kind=o.divergence, beta=o.beta, temperature=o.temperature)
        mean, count = view_means(per_token, batch)
        weight = batch.view_weight.to(mean.device) * (count > 0)
        return {KD: (weight * mean).sum() / weight.sum()}
