"""``hf_dataset``: your own data, from local files, a ``save_to_disk`` folder or the hub."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator

from distillkit.components import CrossCheck
from distillkit.components.answer_format import AnswerFormat
from distillkit.errors import DataError
from distillkit.suggest import unknown_name_hint
from distillkit_plugins.tasks.formats import FormatName
from distillkit_plugins.tasks.loading import hf_sources
from distillkit_plugins.tasks.loading.columns import ColumnMap
from distillkit_plugins.tasks.loading.dataset_task import DatasetOptions, DatasetTask, RawSplit

SplitName = Literal["train", "validation", "test"]


class HFDataset(DatasetTask):
    """Your own data via the datasets library: JSONL/CSV/parquet files, save_to_disk folders or a hub id.

    ``path`` is tried, in order, as: a ``save_to_disk`` folder; a folder of files named by
    split (train.jsonl, validation.jsonl / dev.jsonl, test.jsonl); one data file (a single
    split, carved into train/validation/test with the seeded fractions); otherwise a hub id
    (``subset`` and ``revision`` apply). ``data_files`` names the file of each source split
    explicitly. ``splits`` maps our split names to the source's (``{validation: dev}``).
    Every mapped column is checked before any row is read.
    """

    name = "hf_dataset"

    class Options(DatasetOptions):
        path: str | None = Field(
            None, min_length=1, description="A data file, a folder, or a hub dataset id (or give data_files)."
        )
        answer_format: FormatName = Field(
            ..., description="multiple_choice, yes_no, numeric or free_text: how answers are read and compared."
        )
        columns: ColumnMap = Field(default_factory=ColumnMap, description="Source column of each Example field.")
        data_files: dict[str, str] | None = Field(
            None, description="Source split name -> file (jsonl, json, csv, parquet); overrides path discovery."
        )
        subset: str | None = Field(None, description="Hub dataset configuration (subset) name.")
        revision: str | None = Field(None, description="Hub dataset revision (branch, tag or commit).")
        splits: dict[SplitName, str] = Field(
            default_factory=dict, description="Our split name -> source split name, e.g. {validation: dev}."
        )
        licence: str = Field("unknown", description="Licence of the data, shown in reports.")
        tolerance: float = Field(0.0, ge=0, description="numeric only: absolute tolerance when comparing answers.")
        relative_tolerance: float = Field(0.0, ge=0, description="numeric only: tolerance relative to the gold.")
        cache_dir: str | None = Field(None, description="datasets cache folder (default: the library's own).")

        @model_validator(mode="after")
        def _source_and_choices(self):
            if not self.path and not self.data_files:
                raise ValueError("give path (a file, a folder or a hub id) or data_files")
            if self.answer_format == "multiple_choice" and not self.columns.choices:
                raise ValueError("answer_format multiple_choice needs columns.choices (the choice texts)")
            return self

    @classmethod
    def cross_check(cls, options, pipeline) -> list[CrossCheck]:
        from distillkit_plugins.tasks.loading.local_source import check_local_source

        return check_local_source(options)  # missing, unreadable or too small local data: before anything is paid

    @property
    def licence(self) -> str:  # type: ignore[override]
        return self.options.licence

    @property
    def format_name(self) -> str:  # type: ignore[override]
        return self.options.answer_format

    def make_format(self) -> AnswerFormat:
        from distillkit_plugins.tasks.formats import make_answer_format

        o = self.options
        return make_answer_format(o.answer_format, tolerance=o.tolerance, relative_tolerance=o.relative_tolerance)

    def columns(self) -> ColumnMap:
        return self.options.columns

    def has_rationales(self) -> bool | None:
        return None if self.options.columns.rationale else False  # mapped: only the rows can tell

    def raw_splits(self) -> dict[str, RawSplit]:
        o = self.options
        raw = self._open()
        mapped = hf_sources.map_splits(raw, o.splits, o.path or "data_files")
        for split in mapped.values():
            self._check_columns(split)
        return mapped

    def _open(self) -> dict[str, RawSplit]:
        o = self.options
        if o.data_files:
            return hf_sources.read_files(o.data_files, o.cache_dir)
        assert o.path is not None  # the options validator requires path or data_files
        path = Path(o.path).expanduser()
        if path.is_dir():
            if hf_sources.is_saved_dataset(path):
                return hf_sources.read_saved(path)
            return hf_sources.read_files(hf_sources.split_files(path), o.cache_dir)
        if path.is_file():
            return hf_sources.read_files({"train": str(path)}, o.cache_dir)
        if path.suffix in hf_sources.BUILDERS or o.path.startswith((".", "/", "~")):
            raise DataError(f"{o.path}: file or folder not found")
        return hf_sources.read_hub(o.path, o.subset, o.revision, o.cache_dir)

    def _check_columns(self, split: RawSplit) -> None:
        present = hf_sources.column_names(split)
        if present is None:
            return
        for field, column in self.columns().required_columns().items():
            if column not in present:
                raise DataError(
                    f"{split.label}: column {column!r} for field {field!r} (columns.{field.split('[')[0]}) "
                    f"not found; {unknown_name_hint(column, present)}"
                )
