"""`distillkit data list/fetch`, and the tasks plugin staying cheap to import."""

from __future__ import annotations

import json
import subprocess
import sys

from click.testing import CliRunner
from distillkit_plugins.tasks.data_cli import data


def test_data_list_json_shows_sizes_licences_and_cache_state(tmp_path, monkeypatch):
    monkeypatch.setenv("DISTILLKIT_DATA_DIR", str(tmp_path))
    result = CliRunner().invoke(data, ["list", "--json"])
    assert result.exit_code == 0, result.output
    rows = {r["name"]: r for r in json.loads(result.output)}
    assert {"strategyqa", "commonsense_qa", "gsm8k", "arc_easy", "arc_challenge", "openbookqa", "reasoning_gym",
            "synthetic_arithmetic"} <= set(rows)
    assert rows["strategyqa"]["source_sizes"] == {"all": 2290}
    assert rows["strategyqa"]["default_splits"] == {"train": 1603, "validation": 229, "test": 458}
    assert rows["arc_easy"]["default_splits"]["test"] == 2376  # the official test split is kept
    assert rows["gsm8k"]["licence"].startswith("MIT") and rows["gsm8k"]["cached"] is False
    assert rows["synthetic_arithmetic"]["cached"] is None and rows["synthetic_arithmetic"]["package"] is None


def test_data_list_text(tmp_path, monkeypatch):
    monkeypatch.setenv("DISTILLKIT_DATA_DIR", str(tmp_path))
    out = CliRunner().invoke(data, ["list"]).output
    assert "commonsense_qa  [multiple_choice]" in out and "validation 1,221" in out
    assert "not cached: fetched on first use (86 MB download)" in out and f"cache: {tmp_path}" in out


def test_data_fetch_unknown_name_and_generated(tmp_path, monkeypatch):
    monkeypatch.setenv("DISTILLKIT_DATA_DIR", str(tmp_path))
    bad = CliRunner().invoke(data, ["fetch", "gsm8"])
    assert bad.exit_code == 2 and "unknown dataset 'gsm8'; did you mean 'gsm8k'?" in bad.output
    ok = CliRunner().invoke(data, ["fetch", "synthetic_arithmetic"])
    assert ok.exit_code == 0 and "synthetic_arithmetic: generated, nothing to fetch" in ok.output


def test_plugins_import_without_heavy_libraries():
    code = (  # only this plugin's modules: other plugins' imports are their own business
        "import sys, distillkit_plugins.tasks as t, distillkit_plugins.metrics as m, distillkit_plugins.tasks.data_cli\n"
        "found = []\n"
        "t.register_tasks(register=found.append); t.register_teacher_backends(register=found.append)\n"
        "m.register_metrics(register=found.append)\n"
        "by_name = {c.name: c for c in found}\n"
        "by_name['strategyqa'](); by_name['hf_dataset'](path='x.jsonl', answer_format='yes_no')\n"
        "by_name['synthetic_solver'](); by_name['accuracy']()\n"
        "print(sorted(m for m in ('torch', 'datasets', 'reasoning_gym', 'pandas', 'httpx') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_plugin_registers_its_components(registry):
    tasks = set(registry.names("task"))
    assert {"hf_dataset", "synthetic_arithmetic", "reasoning_gym", "strategyqa", "commonsense_qa", "arc_easy",
            "arc_challenge", "openbookqa", "gsm8k"} <= tasks
    assert "synthetic_solver" in registry.names("teacher")
    assert {"accuracy", "exact_match"} <= set(registry.names("metric"))
