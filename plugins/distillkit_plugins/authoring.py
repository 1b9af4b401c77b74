"""Building blocks of the built-in plugins that third-party plugins may import (a stable surface).

Few-shot prompting (what ``cot`` and ``teacher_forcing_cot`` are made of):
``PromptedStrategy`` (base of strategies that show solved examples before the question; implement
``n_examples`` and ``render``), ``PromptedOptions``, ``gold_text`` (a gold answer as a teacher sees
it), ``make_selector`` (seeded random or nearest-question in-context examples) and
``parse_rationale`` / ``split_final_answer`` (read a chain of thought and its final answer).

Student-probing selectors (what ELAD's selectors are made of): ``StudentSelector`` (base: implement
``score(items, probe)``), ``ProbeOptions``, ``StudentProbe`` (explanations, early answers and
log-probabilities of the current student), ``candidates`` and ``top_k`` (seeded pool subsampling and
tie-breaking).
"""

from distillkit_plugins.basic.example_selection import make_selector
from distillkit_plugins.basic.prompted_strategy import PromptedOptions, PromptedStrategy, gold_text
from distillkit_plugins.basic.rationale_parsing import parse_rationale, split_final_answer
from distillkit_plugins.elad.probe import StudentProbe
from distillkit_plugins.elad.selector_base import ProbeOptions, StudentSelector, candidates, top_k

__all__ = [
    "ProbeOptions",
    "PromptedOptions",
    "PromptedStrategy",
    "StudentProbe",
    "StudentSelector",
    "candidates",
    "gold_text",
    "make_selector",
    "parse_rationale",
    "split_final_answer",
    "top_k",
]
