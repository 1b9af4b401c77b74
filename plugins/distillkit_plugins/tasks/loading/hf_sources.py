"""Opening rows with the ``datasets`` library: local files, ``save_to_disk`` folders, hub ids."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from distillkit.errors import DataError
from distillkit_plugins.tasks.loading.dataset_task import RawSplit
from distillkit_plugins.tasks.loading.file_checks import FileProblem, check_data_file
from distillkit_plugins.tasks.loading.splitting import SPLITS

BUILDERS = {".jsonl": "json", ".json": "json", ".csv": "csv", ".parquet": "parquet"}
SPLIT_ALIASES = {
    "train": ("train", "training"),
    "validation": ("validation", "valid", "val", "dev"),
    "test": ("test", "testing"),
}


def split_files(folder: Path) -> dict[str, str]:
    """Source split name -> data file, for a folder of files named by split (train.jsonl, dev.csv...)."""
    files = sorted(p for p in folder.iterdir() if p.suffix in BUILDERS)
    if not files:
        raise DataError(f"{folder}: no data files found (expected {', '.join(BUILDERS)} files named by split)")
    if len(files) == 1:
        return {"train": str(files[0])}
    known = {alias: alias for aliases in SPLIT_ALIASES.values() for alias in aliases}
    out = {}
    for f in files:
        stem = f.name.split(".")[0].lower()
        if stem not in known:
            raise DataError(
                f"{f}: cannot tell which split this file is; name files train/validation/test (or dev), "
                f"or list them in data_files"
            )
        out[stem] = str(f)
    return out


def read_files(data_files: dict[str, str], cache_dir: str | None) -> dict[str, RawSplit]:
    """Each file read with the datasets builder for its extension (one file per source split)."""
    import datasets

    out = {}
    for split, file in data_files.items():
        path = Path(file)
        if not path.is_file():
            raise DataError(f"{file}: file not found (split {split!r})")
        builder = BUILDERS.get(path.suffix)
        if builder is None:
            raise DataError(f"{file}: unsupported file type {path.suffix!r}; valid: {', '.join(BUILDERS)}")
        found = check_data_file(path)  # again: the file may have changed since validation
        if isinstance(found, FileProblem):
            raise DataError(f"{found.message} (split {split!r}); {found.hint}")
        try:
            ds = datasets.load_dataset(builder, data_files={"rows": str(path)}, split="rows", cache_dir=cache_dir)
        except Exception as exc:  # noqa: BLE001 - the library's parse errors name neither file nor line
            detail = _locate_json_error(path) or str(exc) or type(exc).__name__
            raise DataError(f"{file}: cannot be read as {builder}: {detail}") from None
        out[split] = RawSplit(file, ds)
    return out


def _locate_json_error(path: Path) -> str | None:
    if path.suffix != ".jsonl":
        return None
    with path.open(encoding="utf-8") as fh:
        for line_no, line in enumerate(fh, start=1):
            if line.strip():
                try:
                    json.loads(line)
                except json.JSONDecodeError as exc:
                    return f"line {line_no} is not valid JSON ({exc.msg} at column {exc.colno})"
    return None


def is_saved_dataset(folder: Path) -> bool:
    return any((folder / name).is_file() for name in ("dataset_info.json", "dataset_dict.json", "state.json"))


def read_saved(folder: Path) -> dict[str, RawSplit]:
    """A ``save_to_disk`` folder: a DatasetDict (its splits) or one Dataset (one split, "train")."""
    import datasets

    loaded = datasets.load_from_disk(str(folder))
    if isinstance(loaded, datasets.DatasetDict):
        return {name: RawSplit(f"{folder} [{name}]", ds) for name, ds in loaded.items()}
    return {"train": RawSplit(str(folder), loaded)}


def read_hub(path: str, subset: str | None, revision: str | None, cache_dir: str | None) -> dict[str, RawSplit]:
    """A dataset from the Hugging Face hub (needs network, or the local hub cache)."""
    import datasets

    try:
        loaded = datasets.load_dataset(path, subset, revision=revision, cache_dir=cache_dir)
    except Exception as exc:  # noqa: BLE001 - offline, unknown id, gated...: say which and how to fix
        raise DataError(
            f"{path}{f' ({subset})' if subset else ''}: cannot load from the Hugging Face hub: "
            f"{type(exc).__name__}: {exc}. Check the id and the network (HF_HUB_OFFLINE / "
            f"HF_DATASETS_OFFLINE must be unset), or point path at a local file or folder"
        ) from None
    return {name: RawSplit(f"{path}{f'/{subset}' if subset else ''} [{name}]", ds) for name, ds in loaded.items()}


def map_splits(raw: dict[str, RawSplit], mapping: dict[str, str], source: str) -> dict[str, RawSplit]:
    """Our split names -> source splits: explicit ``mapping`` first, then the usual aliases."""
    out: dict[str, RawSplit] = {}
    for ours in SPLITS:
        if ours in mapping:
            name = mapping[ours]
            if name not in raw:
                raise DataError(f"{source}: split {name!r} (splits.{ours}) not found; available: {sorted(raw)}")
            out[ours] = raw[name]
            continue
        name = next((a for a in SPLIT_ALIASES[ours] if a in raw), None)
        if name is not None and name not in mapping.values():
            out[ours] = raw[name]
    if not out:
        raise DataError(
            f"{source}: none of its splits {sorted(raw)} is train/validation/test; map them with "
            f"splits: {{train: <name>, ...}}"
        )
    return out


def column_names(split: RawSplit) -> list[str] | None:
    names: Any = getattr(split.rows, "column_names", None)
    return list(names) if names is not None else None
