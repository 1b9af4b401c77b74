"""The CLI contract: commands, JSON output, exit codes 0 / 1 / 2, fast start without torch."""

import json
import subprocess
import sys

import pytest

from distillkit.cli.main import main


def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "distillkit.cli.main", *args], check=False, capture_output=True, text=True)


def test_help_does_not_import_torch():
    code = ("import sys\nfrom distillkit.cli.main import main\n"
            "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
            "print('TORCH' if 'torch' in sys.modules else 'NO_TORCH')")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().endswith("NO_TORCH")
    for command in ("run", "validate", "plugins", "components", "show", "schema"):
        assert command in out.stdout


def test_plugins_json_lists_builtins_with_versions():
    res = run_cli("plugins", "--json")
    assert res.returncode == 0, res.stderr
    rows = {r["name"]: r for r in json.loads(res.stdout)}
    assert rows["basic"]["distribution"] == "distillkit" and rows["basic"]["version"]
    assert "all" in rows["basic"]["registers"]["selector"]


def test_components_json_and_kind_filter():
    res = run_cli("components", "selector", "--json")
    assert res.returncode == 0
    rows = json.loads(res.stdout)
    assert rows and {r["kind"] for r in rows} == {"selector"}
    assert any(r["name"] == "all" and r["summary"] for r in rows)


def test_unknown_kind_and_name_exit_2_with_hint():
    res = run_cli("components", "teachr")
    assert res.returncode == 2 and "did you mean 'teacher'" in res.stderr and "Traceback" not in res.stderr
    res = run_cli("show", "selector", "al")
    assert res.returncode == 2 and "did you mean 'all'" in res.stderr


def test_show_prints_options_with_descriptions():
    res = run_cli("show", "selector", "all")
    assert res.returncode == 0
    assert "shuffle (default False)" in res.stdout and "Shuffle the pool" in res.stdout


def test_schema_is_json_schema_with_component_choices():
    res = run_cli("schema")
    assert res.returncode == 0
    schema = json.loads(res.stdout)
    selector_types = [o["properties"]["type"]["const"] for o in schema["properties"]["selector"]["oneOf"]]
    assert "all" in selector_types
    assert schema["properties"]["teachers"]["type"] == "array"


def test_validate_missing_file_and_bad_yaml_exit_2(tmp_path):
    res = run_cli("validate", str(tmp_path / "missing.yaml"))
    assert res.returncode == 2 and "cannot read config" in res.stderr
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: [unclosed\n")
    res = run_cli("validate", str(bad))
    assert res.returncode == 2 and "YAML syntax error" in res.stderr and f"{bad}:2" in res.stderr
    assert "Traceback" not in res.stderr


def test_usage_error_exit_2():
    res = run_cli("run")
    assert res.returncode == 2 and "Missing argument" in res.stderr


def test_unexpected_error_exit_1_without_traceback_unless_asked(monkeypatch, capsys):
    def boom(*a, **k):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr("distillkit.cli.inspect_cmd.registry_for", boom)
    with pytest.raises(SystemExit) as exc:
        main(["plugins"])
    assert exc.value.code == 1
    err = capsys.readouterr().err
    assert "RuntimeError: disk on fire" in err and "Traceback" not in err
    with pytest.raises(SystemExit):
        main(["--traceback", "plugins"])
    assert "Traceback" in capsys.readouterr().err

