"""A corpus of broken pipelines: each must fail with exit code 2, a located message and a fix,
no traceback and no files written.

Each ``tests/bad_configs/*.yaml`` starts with header comments:
``# expect: TEXT`` (repeatable; every TEXT must appear in the error output) and optionally
``# plugin: FILE`` (a file next to it, passed with --plugin).
"""

from pathlib import Path

import pytest

from distillkit.cli.main import main

CORPUS = Path(__file__).parent / "bad_configs"
CASES = sorted(CORPUS.glob("*.yaml"))


def header(path: Path, key: str) -> list[str]:
    prefix = f"# {key}:"
    return [line[len(prefix):].strip() for line in path.read_text().splitlines() if line.startswith(prefix)]


def test_corpus_is_large_enough():
    assert len(CASES) >= 30


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.stem)
def test_bad_config_fails_cleanly(case, tmp_path, monkeypatch, capsys):
    expected = header(case, "expect")
    assert expected, f"{case.name} has no '# expect:' line"
    args = ["run", str(case)]
    for plugin in header(case, "plugin"):
        args += ["--plugin", str(CORPUS / plugin)]
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as exc:
        main(args)
    err = capsys.readouterr().err
    assert exc.value.code == 2, err
    for text in expected:
        assert text in err, f"{case.name}: expected {text!r} in:\n{err}"
    assert "Traceback" not in err
    assert any(word in err for word in ("hint:", "did you mean", "Disable it", "Fix ", "leave out")), err
    assert list(tmp_path.iterdir()) == [], "a failed validation must not write outputs"
