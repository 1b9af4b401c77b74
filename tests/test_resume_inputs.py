"""A rerun on a finished run folder notices changed input files, says which and how, and refuses."""

from __future__ import annotations

import json
import os
import re

import pytest

from distillkit.config.load import load_pipeline
from distillkit.run.fingerprint import changes, fingerprint
from distillkit.run.resume_guard import RunFolderInUse, check_same_run
from tests.hostile import fails_cleanly
from tests.test_hostile_data import CSV, JSONL, PIPELINE


def _setup(tmp_path, monkeypatch, source: str = "path: data/qa.jsonl"):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "qa.jsonl").write_bytes(JSONL)
    config = tmp_path / "pipeline.yaml"
    config.write_text(PIPELINE.format(source=source))
    monkeypatch.chdir(tmp_path)
    return config


def _finished_run(registry, config, run_dir):
    """A run folder as a run leaves it: header, inputs, state."""
    from distillkit.run.outputs import write_run_header

    p = load_pipeline(config, registry)
    run_dir.mkdir(parents=True, exist_ok=True)
    check_same_run(run_dir, p)
    write_run_header(run_dir, p, registry, str(config))
    (run_dir / "state.json").write_text("{}")
    return p


def test_changed_data_file_is_named_with_what_changed(registry, tmp_path, monkeypatch):
    config = _setup(tmp_path, monkeypatch)
    p = _finished_run(registry, config, tmp_path / "run")
    assert "data/qa.jsonl" in json.loads((tmp_path / "run" / "inputs.json").read_text())
    (tmp_path / "data" / "qa.jsonl").write_bytes(JSONL.replace(b'"yes"', b'"no"', 1))
    with pytest.raises(RunFolderInUse) as exc:
        check_same_run(tmp_path / "run", p)
    message = str(exc.value)
    assert "different input files" in message and "-o output_dir=runs/NEW" in message
    assert re.search(r"data/qa.jsonl: size \d+ -> \d+ bytes, content differs \(sha256 \w{12} -> \w{12}\)", message)


def test_touching_a_file_is_not_a_change(registry, tmp_path, monkeypatch):
    config = _setup(tmp_path, monkeypatch)
    p = _finished_run(registry, config, tmp_path / "run")
    os.utime(tmp_path / "data" / "qa.jsonl", (1, 1))
    check_same_run(tmp_path / "run", p)  # same content: resumes


def test_a_folder_of_split_files_reports_the_file_that_changed(registry, tmp_path, monkeypatch):
    config = _setup(tmp_path, monkeypatch, source="path: data")
    (tmp_path / "data" / "qa.jsonl").rename(tmp_path / "data" / "train.jsonl")
    (tmp_path / "data" / "test.jsonl").write_bytes(JSONL)
    p = _finished_run(registry, config, tmp_path / "run")
    (tmp_path / "data" / "test.jsonl").write_bytes(JSONL + JSONL.splitlines(keepends=True)[0])
    (tmp_path / "data" / "dev.jsonl").write_bytes(JSONL)
    with pytest.raises(RunFolderInUse, match=r"data/: dev.jsonl added; test.jsonl \(size \d+ -> \d+ bytes"):
        check_same_run(tmp_path / "run", p)


def test_fingerprint_covers_every_section_and_skips_cache_folders(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for name in ("rationales.jsonl", "model", "hf-cache"):
        (tmp_path / name).mkdir() if "." not in name else (tmp_path / name).write_text("{}\n")
    (tmp_path / "model" / "config.json").write_text("{}")
    resolved = {"teachers": [{"type": "dataset", "path": "rationales.jsonl"}], "student": {"model": "model"},
                "task": {"path": "gone.jsonl", "cache_dir": "hf-cache"}, "output_dir": "model"}
    prints = fingerprint(resolved)
    assert sorted(prints) == ["model", "rationales.jsonl"]
    (tmp_path / "model" / "config.json").unlink()
    assert changes(prints, fingerprint(resolved)) == ["model/: config.json removed"]
    (tmp_path / "rationales.jsonl").unlink()
    assert "rationales.jsonl: no longer exists" in changes(prints, fingerprint(resolved))


@pytest.mark.usefixtures("one_thread")
def test_rerun_after_the_data_changed_refuses_instead_of_printing_the_old_result(tmp_path, monkeypatch, capsys):
    from distillkit.cli.main import main

    config = _setup(tmp_path, monkeypatch, source="path: data/qa.csv")
    (tmp_path / "data" / "qa.csv").write_bytes(CSV)
    with pytest.raises(SystemExit) as exc:
        main(["run", str(config)])
    assert exc.value.code == 0, capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:  # unchanged: resumes and finishes at once
        main(["run", str(config)])
    assert exc.value.code == 0
    capsys.readouterr()
    (tmp_path / "data" / "qa.csv").write_bytes(CSV.replace(b"Is 3 even?,no", b"Is 3 even?,yes"))
    fails_cleanly(["run", str(config)], capsys, "runs/data-case holds a run made from different input files",
                  "data/qa.csv: size")
