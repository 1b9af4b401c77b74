"""``hf_dataset`` checks at validation: local files exist, are readable, and fill every split.

Only local sources are checked (files and folders of files); hub ids and ``save_to_disk``
folders are opened at run time. Each problem is located at the option that names the file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from distillkit.components import CrossCheck
from distillkit.errors import DataError
from distillkit_plugins.tasks.loading import hf_sources
from distillkit_plugins.tasks.loading.dataset_task import RawSplit
from distillkit_plugins.tasks.loading.file_checks import CHECK_MAX_BYTES, FileProblem, check_data_file
from distillkit_plugins.tasks.loading.splitting import SPLITS, assign_splits


def looks_local(path: str) -> bool:
    """A path the user means as a file or folder (a hub id has neither a data suffix nor ./ / ~)."""
    return Path(path).suffix in hf_sources.BUILDERS or path.startswith((".", "/", "~")) or Path(path).exists()


def _files(o: Any) -> tuple[dict[str, tuple[str, Path]], list[CrossCheck]]:
    """Source split -> (option location, file) for local sources; problems finding them."""
    if o.data_files:
        return {split: (f"data_files.{split}", Path(f).expanduser()) for split, f in o.data_files.items()}, []
    if not looks_local(o.path):
        return {}, []  # a hub id
    path = Path(o.path).expanduser()
    if path.is_dir():
        if hf_sources.is_saved_dataset(path):
            return {}, []
        try:
            return {split: ("path", Path(f)) for split, f in hf_sources.split_files(path).items()}, []
        except DataError as exc:
            return {}, [CrossCheck(location="path", message=str(exc), hint="or name each file in data_files")]
    if path.is_file():
        return {"train": ("path", path)}, []
    found = check_data_file(path)  # not there: the same "not found" message as for a data file
    assert isinstance(found, FileProblem)
    return {}, [CrossCheck(location="path", message=found.message.replace("file not found", "file or folder not found"),
                           hint=found.hint + "; a hub dataset id has no file suffix and no leading ./ / ~")]


def check_local_source(o: Any) -> list[CrossCheck]:
    """Problems with the local data of ``hf_dataset`` options ``o`` (none for hub datasets)."""
    files, problems = _files(o)
    counts: dict[str, int] = {}
    for split, (where, file) in files.items():
        if file.is_file() and file.stat().st_size > CHECK_MAX_BYTES:
            continue  # checked when loaded
        found = check_data_file(file)
        if isinstance(found, FileProblem):
            problems.append(CrossCheck(location=where, message=found.message, hint=found.hint))
        elif found.rows is not None:
            counts[split] = found.rows
    if problems or not files or len(counts) != len(files):
        return problems
    return _split_sizes(o, counts)


def _split_sizes(o: Any, counts: dict[str, int]) -> list[CrossCheck]:
    """The train/validation/test assignment the run will make, on row counts alone."""
    raw = {name: RawSplit(name, list(range(n))) for name, n in counts.items()}
    try:
        mapped = hf_sources.map_splits(raw, o.splits, o.path or "data_files")
    except DataError as exc:
        return [CrossCheck(location="splits", message=str(exc))]
    present = {ours: list(split.rows) for ours, split in mapped.items()}
    sizes = assign_splits(present, validation_fraction=o.validation_fraction, test_fraction=o.test_fraction, seed=0)
    wanted = {"train": 1, "validation": o.validation_fraction, "test": o.test_fraction}
    empty = [s for s in SPLITS if not sizes[s] and (wanted[s] > 0 or s in present)]  # fraction 0: asked for
    if not empty:
        return []
    have = ", ".join(f"{name} {n} row{'s' if n != 1 else ''}" for name, n in counts.items())
    return [CrossCheck(
        location="data_files" if o.data_files else "path",
        message=f"too little data: with {have}, the {' and '.join(empty)} split{'s' if len(empty) > 1 else ''} "
                f"would be empty (validation_fraction {o.validation_fraction}, test_fraction {o.test_fraction}); "
                "metrics over no examples mean nothing",
        hint="add rows (at least ~10 for the default fractions), or give validation and test files in data_files")]
