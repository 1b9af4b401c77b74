"""The prompt that asks a teacher to check and revise a student's step-by-step explanation.

Shape (``keep_correct_student_explanation`` on)::

    A student solved the question below step by step. Check the student's steps in order.

    Question:
    <question, with "Options:" lines for choices>

    Student's steps:
    Step 1: <student step 1>
    Step 2: <student step 2>
    Student's final line: <"So the answer is 12." or "(none)">

    Find the first step that is wrong (a wrong fact or calculation, or a step that does not
    follow from the ones before). Then write the corrected solution, one step per line: copy the
    steps before the first wrong step unchanged, rewrite the solution from that step on, and end
    with "So the answer is <answer>.". If every step and the final line are correct, write only
    the verdict. The very last line must be the verdict, exactly one of:
    Verdict: all steps correct
    Verdict: final answer is wrong
    Verdict: step K is wrong
    Verdict: step K is missing

With ``keep_correct_student_explanation`` off, a correct explanation is answered with the
teacher's own full solution instead of the verdict alone. The prompt depends only on the
example, the student's explanation and the options, so reruns hit the teacher cache.
"""

from __future__ import annotations

from distillkit.components import Task
from distillkit.types import Example
from distillkit_plugins.elad.steps import SplitExplanation

VERDICTS = ("Verdict: all steps correct", "Verdict: final answer is wrong", "Verdict: step K is wrong",
            "Verdict: step K is missing")
_CHECK = ("Find the first step that is wrong (a wrong fact or calculation, or a step that does not follow "
          "from the ones before). Then write the corrected solution, one step per line: copy the steps before "
          "the first wrong step unchanged, rewrite the solution from that step on, and end with "
          '"{cue} <answer>.".')
_IF_CORRECT_KEEP = "If every step and the final line are correct, write only the verdict."
_IF_CORRECT_FULL = "If every step and the final line are correct, write the complete solution all the same."


def student_steps_block(student: SplitExplanation) -> str:
    """The student's steps numbered "Step k:" (its own labels removed first), then its final line."""
    lines = [f"Step {i}: {text}" for i, text in enumerate(student.texts(strip_labels=True), 1)]
    lines.append(f"Student's final line: {student.answer_line or '(none)'}")
    return "\n".join(lines)


def revision_prompt(task: Task, example: Example, student: SplitExplanation, *, keep_correct: bool,
                    answer_cue: str) -> str:
    check = _CHECK.format(cue=answer_cue.strip()) + " " + (_IF_CORRECT_KEEP if keep_correct else _IF_CORRECT_FULL)
    return "\n".join([
        "A student solved the question below step by step. Check the student's steps in order.",
        "",
        "Question:",
        task.teacher_question(example),
        "",
        "Student's steps:",
        student_steps_block(student),
        "",
        check + " The very last line must be the verdict, exactly one of:",
        *VERDICTS,
    ])
