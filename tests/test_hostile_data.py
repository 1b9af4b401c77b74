"""Hostile data files for ``hf_dataset``: bad bytes, broken rows, empty files, too little data.

Each case is generated here and run through the CLI: ``distillkit run`` must stop at validation
(exit 2, nothing written, no teacher asked) with the file, the line or row, what is wrong and
what would be valid. The load-time checks (a file changed after validation) are tested too.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from distillkit.errors import DataError
from tests.hostile import fails_cleanly

PIPELINE = """\
name: data-case
task:
  type: hf_dataset
  {source}
  answer_format: yes_no
  columns: {{rationale: rationale}}
teachers:
  - id: gold
    type: dataset
    strategy: {{type: teacher_forcing_cot}}
student:
  type: hf
  tokenizer: byte
  config: {{model_type: llama, hidden_size: 32, intermediate_size: 64, num_hidden_layers: 1,
           num_attention_heads: 2, num_key_value_heads: 1, max_position_embeddings: 128}}
  max_length: 96
loss:
  type: multitask_rationale
  rationales: [{{teacher: gold, prefix: "explain: "}}]
trainer: {{type: accelerate, max_steps: 2, batch_size: 4, progress: false}}
"""
ROWS = [{"question": f"Is {i} even?", "answer": "yes" if i % 2 == 0 else "no", "rationale": f"{i} mod 2"}
        for i in range(20)]
JSONL = "".join(json.dumps(r) + "\n" for r in ROWS).encode()
CSV = ("question,answer,rationale\n" + "".join(f"{r['question']},{r['answer']},{r['rationale']}\n" for r in ROWS)).encode()


def _jsonl_with(line: int, text: bytes) -> bytes:
    lines = JSONL.splitlines(keepends=True)
    lines[line - 1] = text
    return b"".join(lines)


def _csv_with(line: int, text: bytes) -> bytes:
    lines = CSV.splitlines(keepends=True)
    lines[line - 1] = text
    return b"".join(lines)


# name -> (file name, bytes, expected texts); the file lands in data/ and the config names it
CASES: dict[str, tuple[str, bytes, list[str]]] = {
    "jsonl_empty": ("qa.jsonl", b"", ["qa.jsonl: the file is empty (0 bytes)", "one JSON object per line"]),
    "jsonl_blank_lines_only": ("qa.jsonl", b"\n\n  \n", ["no rows (the file holds only blank lines)"]),
    "jsonl_broken_line": ("qa.jsonl", _jsonl_with(3, b'{"question": "x", "answer": \n'),
                          ["qa.jsonl: line 3, column", "not valid JSON"]),
    "jsonl_trailing_comma": ("qa.jsonl", _jsonl_with(5, b'{"question": "x", "answer": "yes",}\n'),
                             ["line 5", "not valid JSON"]),
    "jsonl_array_row": ("qa.jsonl", _jsonl_with(2, b'["Is 1 even?", "no"]\n'),
                        ["line 2: a row must be a JSON object, got list"]),
    "jsonl_scalar_row": ("qa.jsonl", _jsonl_with(4, b'"just text"\n'), ["line 4: a row must be a JSON object, got str"]),
    "jsonl_latin1": ("qa.jsonl", _jsonl_with(2, '{"question": "caf\xe9?", "answer": "no"}\n'.encode("latin-1")),
                     ["byte 0xE9 is not valid UTF-8 at line 2, column 18", "byte offset", "iconv"]),
    "jsonl_nul": ("qa.jsonl", _jsonl_with(6, b'{"question": "x\x00", "answer": "no"}\n'),
                  ["NUL byte (0x00) at line 6, column 16"]),
    "jsonl_utf16": ("qa.jsonl", JSONL.decode().encode("utf-16"), ["the file is UTF-16 encoded", "iconv -f UTF-16"]),
    "jsonl_utf16_no_bom": ("qa.jsonl", JSONL.decode().encode("utf-16-le"), ["UTF-16 encoded"]),
    "jsonl_one_row": ("qa.jsonl", JSONL.splitlines(keepends=True)[0],
                      ["too little data: with train 1 row", "validation and test splits would be empty"]),
    "jsonl_three_rows": ("qa.jsonl", b"".join(JSONL.splitlines(keepends=True)[:3]), ["too little data", "would be empty"]),
    "csv_empty": ("qa.csv", b"", ["qa.csv: the file is empty", "header line"]),
    "csv_header_only": ("qa.csv", b"question,answer,rationale\n",
                        ["a header (question, answer, rationale) but no data rows"]),
    "csv_header_only_no_newline": ("qa.csv", b"question,answer", ["a header (question, answer) but no data rows"]),
    "csv_blank_lines_only": ("qa.csv", b"\n\n", ["no header and no rows"]),
    "csv_extra_field": ("qa.csv", _csv_with(4, b"Is 2 even?,yes,2 mod 2, really\n"),
                        ["row 3 (line 4): 4 fields, but the header has 3", "quote fields that contain commas"]),
    "csv_missing_field": ("qa.csv", _csv_with(7, b"Is 5 even?,no\n"), ["row 6 (line 7): 2 fields, but the header has 3"]),
    "csv_unclosed_quote": ("qa.csv", _csv_with(3, b'"Is 1 even?,no,1 mod 2\n'), ["qa.csv: row", "close every quoted field"]),
    "csv_bad_quote_in_quoted_field": ("qa.csv", _csv_with(3, b'"Is 1 "even"?",no,x\n'), ["qa.csv: row 2 (line 3)"]),
    "csv_unnamed_column": ("qa.csv", b"question,,rationale\n" + CSV.split(b"\n", 1)[1],
                           ["header column 2 has no name"]),
    "csv_latin1": ("qa.csv", _csv_with(2, "Is 0 even? \xe9,yes,0\n".encode("latin-1")),
                   ["byte 0xE9 is not valid UTF-8 at line 2, column 12"]),
    "csv_nul": ("qa.csv", _csv_with(9, b"Is 7 even?,no,\x00\n"), ["NUL byte (0x00) at line 9, column 15"]),
    "csv_utf16": ("qa.csv", CSV.decode().encode("utf-16"), ["UTF-16 encoded"]),
    "csv_one_row": ("qa.csv", b"".join(CSV.splitlines(keepends=True)[:2]), ["too little data: with train 1 row"]),
    "json_empty_list": ("qa.json", b"[]", ["qa.json: no rows (an empty list)"]),
    "json_broken": ("qa.json", b'[{"question": "x", "answer": "yes"},\n {"question": ]', ["qa.json: line 2, column",
                                                                                         "not valid JSON"]),
    "json_list_of_strings": ("qa.json", b'["a", "b"]', ["item 0 of the list is a str, not an object"]),
    "json_scalar": ("qa.json", b'42', ["holds a single int, not rows"]),
    "missing_file": ("", b"", ["data/qa.jsonl: file or folder not found", "relative to the current folder"]),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_data_file_stops_at_validation(name, tmp_path, monkeypatch, capsys):
    filename, data, expected = CASES[name]
    (tmp_path / "data").mkdir()
    if filename:
        (tmp_path / "data" / filename).write_bytes(data)
    config = tmp_path / "pipeline.yaml"
    config.write_text(PIPELINE.format(source=f"path: data/{filename or 'qa.jsonl'}"))
    monkeypatch.chdir(tmp_path)
    err = fails_cleanly(["run", str(config)], capsys, "task.path (", "pipeline.yaml:4:3", *expected)
    assert "hint:" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data", "pipeline.yaml"]  # no run folder


@pytest.mark.parametrize("source, expected", [
    ("data_files: {train: data/train.jsonl, test: data/nope.jsonl}", ["task.data_files.test", "nope.jsonl: file not found"]),
    ("data_files: {train: ../../../../escape/up.jsonl}", ["task.data_files.train", "up.jsonl: file not found"]),
    ("path: ../../../../../escape/up.jsonl", ["task.path", "file or folder not found"]),
    ("path: ~/no-such-distillkit-folder", ["task.path", "file or folder not found"]),
    ("path: data\n  splits: {validation: dev}", ["task.splits", "split 'dev' (splits.validation) not found"]),
    ("data_files: {train: data/train.jsonl, validation: other/empty.jsonl, test: data/train.jsonl}",
     ["task.data_files.validation", "empty.jsonl: the file is empty"]),
    ("path: data/train.parquet", ["task.path", "data/train.parquet: file or folder not found"]),
])
def test_local_sources_are_checked_at_validation(source, expected, tmp_path, monkeypatch, capsys):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "train.jsonl").write_bytes(JSONL)
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "empty.jsonl").write_bytes(b"")
    config = tmp_path / "pipeline.yaml"
    config.write_text(PIPELINE.format(source=source))
    monkeypatch.chdir(tmp_path)
    fails_cleanly(["validate", str(config)], capsys, *expected)


def test_a_good_file_validates(tmp_path, monkeypatch, capsys):
    from distillkit.cli.main import main

    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "qa.csv").write_bytes(CSV)
    (tmp_path / "pipeline.yaml").write_text(PIPELINE.format(source="path: data/qa.csv"))
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as exc:
        main(["validate", "pipeline.yaml"])
    assert exc.value.code == 0, capsys.readouterr().err


def _task(registry, path: Path, **opts):
    return registry.create("task", "hf_dataset", path=str(path), answer_format="yes_no",
                           cache_dir=str(path.parent / "hf-cache"), **opts)


def test_a_file_broken_after_validation_fails_at_load_with_its_line(registry, tmp_path):
    path = tmp_path / "qa.csv"
    path.write_bytes(CSV)
    task = _task(registry, path)
    assert task.cross_check(task.options, None) == []
    path.write_bytes(_csv_with(5, b"Is 3 even?,no,x,y\n"))
    with pytest.raises(DataError, match=r"qa.csv: row 4 \(line 5\): 4 fields, but the header has 3"):
        task.load()


def test_too_small_hub_or_saved_data_fails_at_load(registry, tmp_path):
    import datasets

    datasets.Dataset.from_list(ROWS[:2]).save_to_disk(str(tmp_path / "saved"))
    task = _task(registry, tmp_path / "saved")
    assert task.cross_check(task.options, None) == []  # saved datasets are opened at run time
    with pytest.raises(DataError, match=r"too little data: the validation and test split\(s\) would be empty"):
        task.load()


def test_fractions_of_zero_are_a_choice_not_an_error(registry, tmp_path):
    path = tmp_path / "qa.jsonl"
    path.write_bytes(JSONL)
    task = _task(registry, path, validation_fraction=0.0, test_fraction=0.0)
    assert task.cross_check(task.options, None) == []
    assert len(task.load().train) == 20


def test_scoring_no_examples_warns(capsys):
    from distillkit.run.evaluation import score
    from distillkit.run.runner import _fmt

    class Task:
        answer_format = None

    result = score([], Task(), [], [])
    assert result["n"] == 0 and "scoring 0 examples" in capsys.readouterr().err
    assert _fmt(result) == "no examples (n=0): metrics undefined"


def test_cli_paths_are_not_dedented():
    assert textwrap.dedent(PIPELINE) == PIPELINE  # the task block stays under `task:`
