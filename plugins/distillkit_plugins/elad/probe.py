"""Batched questions to the current student, the raw material of every uncertainty selector.

A ``StudentProbe`` asks the student, for a list of pool items and in as few ``generate`` calls as
possible: its greedy explanation, N sampled explanations, its early answers (the explanation cut
after each step, followed by an answer cue), and how probable it finds its own answer. Each
selector calls only the methods its options need: nothing is computed "just in case".
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from distillkit.components import StudentModel, Task
from distillkit.types import Example
from distillkit_plugins.elad.steps import STATES_ANSWER, SplitExplanation, SplitMode, split_explanation


@dataclass
class ProbeSettings:
    """How the student is queried (the selectors' shared options, see ``selector_base``)."""

    max_new_tokens: int = 128
    answer_cue: str = "\nSo the answer is"
    answer_max_new_tokens: int = 8
    step_splitter: SplitMode = "lines"


class StudentProbe:
    """Queries one student about pool items; ``prompt`` is the student's inference prompt.

    ``greedy`` maps example id -> every greedy explanation ``explanations`` generated, so the
    selector can hand the scored text on (``Selection.student_output``) instead of the runner
    generating it again.
    """

    def __init__(self, student: StudentModel, task: Task, prompt: Callable[[Example], str],
                 settings: ProbeSettings, seed: int = 0):
        self.student = student
        self.task = task
        self.prompt = prompt
        self.settings = settings
        self.seed = seed
        self.greedy: dict[str, str] = {}

    def read(self, text: str | None, example: Example) -> str | None:
        """The answer ``text`` states ("the answer is ..."), canonical, or None.

        Without an answer statement the text has not committed to an answer: the last number of
        unfinished reasoning is not read as one.
        """
        if not text or not STATES_ANSWER.search(text):
            return None
        return self.task.answer_format.extract(text, example)

    def explanations(self, examples: Sequence[Example]) -> list[str]:
        """The student's greedy explanation for each example (what it would write at inference)."""
        outs = self.student.generate([self.prompt(e) for e in examples],
                                     max_new_tokens=self.settings.max_new_tokens)
        texts = [samples[0] for samples in outs]
        self.greedy.update((e.id, t) for e, t in zip(examples, texts))
        return texts

    def sampled_answers(self, examples: Sequence[Example], n: int, temperature: float) -> list[list[str | None]]:
        """The answers of ``n`` explanations sampled at ``temperature`` per example."""
        outs = self.student.generate([self.prompt(e) for e in examples], max_new_tokens=self.settings.max_new_tokens,
                                     num_samples=n, temperature=temperature, seed=self.seed)
        return [[self.read(t, e) for t in samples] for e, samples in zip(examples, outs)]

    def split(self, explanation: str) -> SplitExplanation:
        return split_explanation(explanation, self.settings.step_splitter)

    def cue_prompt(self, example: Example, reasoning: str) -> str:
        """Prompt + (partial) explanation + answer cue: the student's next words are its answer."""
        return self.prompt(example) + reasoning + self.settings.answer_cue

    def final_answers(self, examples: Sequence[Example], explanations: Sequence[str]) -> list[str | None]:
        """The answer each explanation states; where it states none, the student is asked after all steps."""
        answers = [self.read(t, e) for e, t in zip(examples, explanations)]
        missing = [i for i, a in enumerate(answers) if a is None]
        if missing:
            cut = self._answers_after([(examples[i], self.split(explanations[i]).reasoning) for i in missing])
            for i, a in zip(missing, cut):
                answers[i] = a
        return answers

    def early_answers(self, examples: Sequence[Example], explanations: Sequence[str],
                      finals: Sequence[str | None], *, from_empty: bool = False,
                      max_cuts: int | None = None) -> list[list[str | None]]:
        """Per example, the answers after step 1, 2, ..., K-1 followed by the final answer.

        With ``from_empty`` the answer before any step (k = 0) comes first. ``max_cuts`` bounds
        the cuts per explanation (evenly spaced, the last one kept). One ``generate`` call for
        all cuts of all examples.
        """
        jobs: list[tuple[int, Example, str]] = []
        for i, (e, text) in enumerate(zip(examples, explanations)):
            parts = self.split(text)
            cuts = list(range(0 if from_empty else 1, len(parts.steps)))
            jobs += [(i, e, parts.prefix(k)) for k in spread(cuts, max_cuts)]
        answers = self._answers_after([(e, reasoning) for _, e, reasoning in jobs])
        out: list[list[str | None]] = [[] for _ in examples]
        for (i, _, _), a in zip(jobs, answers):
            out[i].append(a)
        for i, final in enumerate(finals):
            out[i].append(final)
        return out

    def _answers_after(self, items: list[tuple[Example, str]]) -> list[str | None]:
        if not items:
            return []
        prompts = [self.cue_prompt(e, reasoning) for e, reasoning in items]
        outs = self.student.generate(prompts, max_new_tokens=self.settings.answer_max_new_tokens)
        cue = self.settings.answer_cue.strip()
        # after the cue the student's words ARE its answer: read them even without an answer marker
        fmt = self.task.answer_format
        return [fmt.extract(f"{cue}{samples[0]}", e) for (e, _), samples in zip(items, outs)]

    def answer_confidences(self, examples: Sequence[Example], explanations: Sequence[str],
                           answers: Sequence[str | None]) -> list[float]:
        """P(answer | prompt + explanation + cue) per example; 0.0 where there is no answer."""
        from distillkit_plugins.elad.student_scoring import continuation_logprobs

        idx = [i for i, a in enumerate(answers) if a is not None]
        prompts = [self.cue_prompt(examples[i], self.split(explanations[i]).reasoning) for i in idx]
        token_lps = continuation_logprobs(self.student, prompts, [f" {answers[i]}" for i in idx])
        conf = [0.0] * len(examples)
        for i, lps in zip(idx, token_lps):
            conf[i] = _exp(sum(lps))
        return conf

    def explanation_confidences(self, examples: Sequence[Example], explanations: Sequence[str]) -> list[float]:
        """Per-token geometric-mean probability of each explanation (length-normalised)."""
        from distillkit_plugins.elad.student_scoring import continuation_logprobs

        token_lps = continuation_logprobs(self.student, [self.prompt(e) for e in examples], list(explanations))
        return [_exp(sum(lps) / len(lps)) if lps else 0.0 for lps in token_lps]


def spread(items: list[int], cap: int | None) -> list[int]:
    """At most ``cap`` of ``items``, evenly spaced, always including the last."""
    if cap is None or len(items) <= cap:
        return items
    step = (len(items) - 1) / (cap - 1) if cap > 1 else 0
    return sorted({items[round(len(items) - 1 - j * step)] for j in range(cap)})


def _exp(logprob: float) -> float:
    return math.exp(min(0.0, logprob))
