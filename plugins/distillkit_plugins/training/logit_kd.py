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
    ``cot_sft``; ``target: answer`` = the gold answer). Before the first step the teacher model
    (``teacher_model``, an ``hf`` model sharing the student's tokenizer) scores every view's
    target tokens once; its top-k log-probs are stored with safetensors in the training folder
    and the teacher is released, so it is never in memory while the student trains.
    Components: ``ce`` (cross entropy on the target text, ``ce_weight``) and ``kd`` (the
    divergence, token mean per view, ``kd_weight``); see divergences.py for the top-k + rest bins.
    """

    name = "logit_kd"
    requires_teacher_capabilities: ClassVar[frozenset[str]] = frozenset({SCORE})

    class Options(ComponentOptions):
        teacher: str = Field(..., description="Teacher id; its rationales are the targets when target=rationale.")
        teacher_model: str = Field(..., description="The model that scores tokens (same as that teacher's model).")
        gguf_file: str | None = Field(None, description="GGUF file inside teacher_model, if it is one.")
        revision: str | None = Field(None, description="Hub revision of teacher_model.")
        target: Literal["rationale", "answer"] = Field("rationale", description="Train on rationale+answer or the answer.")
        divergence: Literal["forward_kl", "reverse_kl", "jsd", "tvd"] = Field(
            "forward_kl", description="forward_kl (mass-covering), reverse_kl (mode-seeking), jsd, or tvd.")
        beta: float = Field(0.5, gt=0, lt=1, description="jsd only: mixture weight of the teacher.")
        temperature: float = Field(1.0, gt=0, description="Softening of both distributions before comparing.")
        top_k: int = Field(20, ge=1, le=1000, description="Teacher log-probs stored per target token.")
        kd_weight: float = Field(1.0, ge=0, description="Weight of the divergence component.")
        ce_weight: float = Field(1.0, ge=0, description="Weight of the cross entropy on the target text.")
        cue: str = Field(COT_CUE, description="target=rationale: text after the question that starts reasoning.")
        score_batch_size: int = Field(8, ge=1, description="Views scored per teacher forward pass.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._table: dict = {}
        opts = self.options
        self._text = (CotSFT(teacher=opts.teacher, cue=opts.cue) if opts.target == "rationale" else AnswerOnly())
        self.student_reasons = opts.target == "rationale"

    @classmethod
    def cross_check(cls, options: Any, pipeline: Any) -> list[CrossCheck]:
        student = pipeline.student
        opts = getattr(student, "options", None)
        if opts is not None and getattr(opts, "config", None) is not None and getattr(opts, "tokenizer", None) in (
                None, "byte"):
            return [CrossCheck(location="", message="logit_kd compares token ids, but the student uses the built-in "
                               "byte tokenizer, not the teacher's",
                               hint=f"set student.tokenizer: {options.teacher_model}")]
        return []

    def teacher_ids(self) -> list[str]:
        return [self.options.teacher]

    def views(self, example: Example, annotations: dict[str, Annotation], task: Task) -> list[View]:
        return [replace(v, component=CE) for v in self._text.views(example, annotations, task)]

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

    def _scorer(self) -> Any:
        from distillkit_plugins.hf.teacher import HFTeacher

        o = self.options
        return HFTeacher(model=o.teacher_model, gguf_file=o.gguf_file, revision=o.revision,
                         batch_size=o.score_batch_size)

    def prepare_training(self, *, student: Any, data: Any, out_dir: Path, accelerator: Any) -> None:
        """Score missing views on the main process (teacher loaded, used, released), then load the table."""
        from distillkit_plugins.training import teacher_topk

        o = self.options
        ident = json.dumps([o.teacher_model, o.gguf_file, o.revision, o.top_k])
        path = Path(out_dir) / f"teacher_topk-{hashlib.sha1(ident.encode()).hexdigest()[:12]}.safetensors"
        if accelerator.is_main_process:
            teacher_topk.precompute(self._scorer(), student.tokenizer, data.views, path, top_k=o.top_k)
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
