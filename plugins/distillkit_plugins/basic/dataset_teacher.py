"""The ``dataset`` teacher: rationales produced elsewhere, or a dataset's own explanations."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from distillkit.components import Teacher, TeacherOptions
from distillkit.errors import DataError, TeacherError
from distillkit.types import Generation, TeacherRequest


class DatasetTeacher(Teacher):
    """Serves precomputed rationales from a JSONL/parquet file, or each example's own gold rationale.

    With ``path`` unset, the teacher's answer is ``Example.rationale`` (a dataset's human
    explanations used as a teacher), or ``Example.meta[meta_key]`` with ``meta_key`` (a task that
    carries several teachers' rationales, such as ``tinyllm_released``). With ``path``, rows are
    matched on ``id_column``; a ``distillkit cache export`` file works as is (use ``text_column:
    raw`` to re-parse the full teacher output, ``teacher_id`` to pick one teacher of several). An
    example with no row, or a null value, fails with reason "missing" (never an empty rationale).
    Answers are not cached: they cost nothing and the file is the source of truth. The text is
    used as it is (``verbatim``): it is never re-read as if an LLM had just written it. Each example gets
    its own row, even when two examples share a question (``answers_from = "example"``).
    """

    name = "dataset"
    cache_answers = False
    answers_from = "example"
    reads_request = False  # the row is the answer, whatever the prompt asks (it cannot revise)

    class Options(TeacherOptions):
        path: str | None = Field(None, description="JSONL or parquet file of rationales; unset: the examples' own "
                                                   "`rationale` field.")
        text_column: str = Field("rationale", min_length=1, description="Column holding the teacher text.")
        id_column: str = Field("example_id", min_length=1, description="Column holding the example id.")
        answer_column: str | None = Field(
            None, description="Column with the final answer (read by the task's answer format); unset: the answer "
                              "is read from the text's final-answer statement, and the text is kept whole.")
        raw_output: bool | None = Field(
            None, description="The column holds a model's raw output, parsed like a fresh answer (echo, final-answer "
                              "line). Unset: true for text_column 'raw' (a cache export), else false: the text is a "
                              "finished rationale and is kept as it is.")
        teacher_id: str | None = Field(None, description="Keep only rows whose `teacher_id` column equals this "
                                                         "(cache exports hold several teachers).")
        meta_key: str | None = Field(
            None, min_length=1, description="With path unset: serve the example's `meta[meta_key]` instead of its "
                                            "`rationale` (e.g. the tinyllm_released task's `tinyllm_rationale` and "
                                            "`tinyllm_llama_rationale`).")

    def __init__(self, options=None, **kwargs):
        super().__init__(options, **kwargs)
        self._rows: dict[str, dict] | None = None

    @property
    def verbatim(self) -> bool:
        raw = self.options.raw_output
        return not (raw if raw is not None else self.options.text_column == "raw")

    def setup(self) -> None:
        if self.options.path is not None and self._rows is None:
            self._rows = self._load(Path(self.options.path))

    def close(self) -> None:
        self._rows = None

    def _load(self, path: Path) -> dict[str, dict]:
        from distillkit.annotation.records import read_records

        opts = self.options
        rows: dict[str, dict] = {}
        for i, row in enumerate(read_records(path), 1):
            if opts.teacher_id is not None and row.get("teacher_id") != opts.teacher_id:
                continue
            for col in (opts.id_column, opts.text_column):
                if col not in row:
                    raise DataError(f"{path}: row {i} has no column {col!r}; columns: {', '.join(sorted(row))}")
            key = str(row[opts.id_column])
            if key in rows:
                hint = "; set teacher_id to pick one teacher" if "teacher_id" in row and opts.teacher_id is None else ""
                raise DataError(f"{path}: row {i}: example id {key!r} appears twice{hint}")
            rows[key] = row
        return rows

    def generate_request(self, request: TeacherRequest) -> Generation:
        example = request.example
        if self.options.path is None:
            key = self.options.meta_key
            text = example.rationale if key is None else example.meta.get(key)
            if text is None:
                where = "rationale" if key is None else f"meta[{key!r}]"
                raise TeacherError(f"missing: example {example.id!r} has no {where} in the task's data")
            return Generation(text=str(text))
        if self._rows is None:
            self.setup()
        row = self._rows.get(example.id)
        text = None if row is None else row.get(self.options.text_column)
        if text is None:
            raise TeacherError(f"missing: no {self.options.text_column!r} for example {example.id!r} in {self.options.path}")
        answer = row.get(self.options.answer_column) if self.options.answer_column else None
        return Generation(text=str(text), finish_reason=row.get("finish_reason"),
                          answer=None if answer is None else str(answer))
