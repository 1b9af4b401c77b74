"""Hostile pipeline files: resource bombs, bad bytes, duplicate keys, bad overrides.

Each is generated here (the big ones must never be committed) and run through the CLI: exit 2
within the acceptance bound, a located message with a hint, no traceback, nothing written.
"""

from __future__ import annotations

import pytest

from distillkit.config.yaml_source import MAX_BYTES, MAX_DEPTH, MAX_NODES, parse_yaml
from distillkit.errors import ConfigError
from tests.hostile import BASE, fails_cleanly


def _laughs(levels: int = 9, width: int = 9) -> str:
    lines = [f"l0: &l0 [{', '.join(['lol'] * width)}]"]
    for i in range(1, levels):
        lines.append(f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * width)}]")
    return BASE + "\n".join(lines) + "\n"


def _bytes(text: str) -> bytes:
    return text.encode("utf-8")


CASES: dict[str, tuple[bytes, list[str]]] = {
    # 1. resource bombs
    "billion_laughs": (_bytes(_laughs()), ["an alias bomb", ":46:10"]),
    "billion_laughs_in_mapping": (_bytes(BASE + "a: &a {x: 1, y: 1, z: 1, w: 1}\n" + "".join(
        f"b{i}: &b{i} {{p: *{'a' if i == 0 else f'b{i - 1}'}, q: *{'a' if i == 0 else f'b{i - 1}'}, "
        f"r: *{'a' if i == 0 else f'b{i - 1}'}, s: *{'a' if i == 0 else f'b{i - 1}'}}}\n" for i in range(12))),
        ["an alias bomb"]),
    "self_referencing_list": (_bytes(BASE + "loop: &loop [1, *loop]\n"), ["*loop is used inside its own anchor",
                                                                         ":45:17"]),
    "self_referencing_mapping": (_bytes(BASE + "loop: &m {inner: {again: *m}}\n"), ["*m is used inside its own anchor"]),
    "self_referencing_section": (_bytes(BASE.replace("selector: {type: all}", "selector: &s {type: all, me: *s}")),
                                 ["*s is used inside its own anchor"]),
    "deep_flow_nesting": (_bytes(BASE + "deep: " + "[" * 20000 + "]" * 20000 + "\n"), [f"deeper than {MAX_DEPTH}"]),
    "deep_block_nesting": (_bytes(BASE + "deep:\n" + "".join(" " * i + "- \n" for i in range(1, 200)) + "\n"),
                           [f"deeper than {MAX_DEPTH}"]),
    "deep_flow_mappings": (_bytes(BASE + "deep: " + "{a: " * 3000 + "1" + "}" * 3000 + "\n"), [f"deeper than {MAX_DEPTH}"]),
    "huge_file": (_bytes(BASE + "#" * (MAX_BYTES + 10) + "\n"), ["larger than", "a pipeline is a few KB"]),
    "many_unknown_keys": (_bytes(BASE + "".join(f"k{i}: 1\n" for i in range(MAX_NODES))),
                          [f"more than {MAX_NODES} values"]),
    "many_aliases": (_bytes(BASE + "a: &a 1\nb: [" + ", ".join(["*a"] * 1200) + "]\n"), ["more than 1000 alias uses"]),
    # 2. encoding and bytes
    "utf16_with_bom": (BASE.encode("utf-16"), ["UTF-16 encoded", "iconv"]),
    "utf16_without_bom": (BASE.encode("utf-16-le"), ["UTF-16 encoded"]),
    "utf32_with_bom": (BASE.encode("utf-32"), ["UTF-32 encoded"]),
    "latin1_byte": (BASE.replace("name: bad-config-base", "name: bad-config-base\ndescription: caf\xe9").encode("latin-1"),
                    ["byte 0xE9 is not valid UTF-8", ":7:17", "save the file as UTF-8"]),
    "latin1_in_comment": ("# r\xe9sum\xe9\n".encode("latin-1") + _bytes(BASE), ["byte 0xE9", ":1:4"]),
    "truncated_utf8_sequence": (_bytes(BASE) + b"description: \xe2\x82\n", ["is not valid UTF-8"]),
    "nul_byte": (_bytes(BASE.replace("seed: 0", "seed: 0\x00")), ["NUL byte", ":7:8"]),
    "nul_byte_at_start": (b"\x00" + _bytes(BASE), ["NUL byte", ":1:1"]),
    "control_character": (_bytes(BASE.replace("seed: 0", "seed: 0\x07")), ["control character 0x0007", ":7:8"]),
    "escape_character": (_bytes(BASE.replace("name: bad-config-base", "name: bad\x1b[31m")), ["control character 0x001b"]),
    # 3. duplicate keys
    "duplicate_section": (_bytes(BASE + "teachers:\n  - {id: x, type: synthetic_solver}\n"),
                          ["teachers", "written twice", "first at line 13, column 1", ":45:1"]),
    "duplicate_type": (_bytes(BASE.replace("  type: hf\n", "  type: hf\n  type: hf\n")),
                       ["student.type", "written twice", "first at line 25, column 3"]),
    "duplicate_nested_option": (_bytes(BASE.replace("  max_steps: 10\n", "  max_steps: 10\n  max_steps: 20\n")),
                                ["trainer.max_steps", "written twice"]),
    "duplicate_in_flow_mapping": (_bytes(BASE.replace("selector: {type: all}", "selector: {type: all, type: all}")),
                                  ["selector.type", "written twice"]),
    "duplicate_in_list_item": (_bytes(BASE.replace("  - id: helper\n", "  - id: helper\n    id: helper2\n")),
                               ["teachers[1].id", "written twice"]),
    "duplicate_quoted_key": (_bytes(BASE.replace("seed: 0", "seed: 0\n\"seed\": 1")), ["seed", "written twice"]),
    "duplicate_name": (_bytes(BASE + "name: other\n"), ["key 'name' is written twice"]),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_hostile_file_fails_cleanly(name, tmp_path, monkeypatch, capsys):
    data, expected = CASES[name]
    config = tmp_path / f"{name}.yaml"
    config.write_bytes(data)
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    err = fails_cleanly(["run", str(config)], capsys, f"{name}.yaml", *expected)
    assert "hint:" in err
    assert list(work.iterdir()) == []


def test_several_duplicates_are_all_reported():
    with pytest.raises(ConfigError) as exc:
        parse_yaml("a: 1\nb: 2\na: 3\nb: 4\n", "x.yaml")
    assert [(p.location, p.line) for p in exc.value.problems] == [("a", 3), ("b", 4)]


def test_aliases_and_merge_keys_still_work():
    data, positions = parse_yaml("base: &b {x: 1, y: 2}\nuse: {<<: *b, y: 3}\ncopy: *b\n")
    assert data == {"base": {"x": 1, "y": 2}, "use": {"x": 1, "y": 3}, "copy": {"x": 1, "y": 2}}
    assert positions[("use", "y")] == (2, 15)


def test_utf8_bom_is_accepted(tmp_path, registry):
    from distillkit.config.load import load_pipeline

    path = tmp_path / "bom.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + _bytes(BASE))
    assert load_pipeline(path, registry).spec.name == "bad-config-base"


def test_problems_beyond_fifty_are_counted_not_listed(tmp_path, capsys):
    path = tmp_path / "many.yaml"
    path.write_text(BASE + "".join(f"junk_{i}: {i}\n" for i in range(300)))
    err = fails_cleanly(["validate", str(path)], capsys, "300 problems found", "... and 250 more")
    assert err.count("unknown section") == 50


@pytest.mark.parametrize("override, expected", [
    ("trainer.max_steps=abc", "trainer.max_steps (set by -o trainer.max_steps=abc)"),
    ("seed=-5", "seed (set by -o seed=-5)"),
    ("teachers[0].error_rate=2", "teachers[0].error_rate (set by -o teachers[0].error_rate=2)"),
    ("task.train_size=[1, 2]", "task.train_size (set by -o task.train_size=[1, 2])"),
    ("trainer={type: nope}", "trainer.type (set by -o trainer={type: nope})"),
    ("loss.rationales[0].weight=.inf", "loss.rationales[0].weight (set by -o loss.rationales[0].weight=.inf)"),
])
def test_a_bad_override_is_blamed_not_the_yaml_line(override, expected, tmp_path, capsys):
    path = tmp_path / "ok.yaml"
    path.write_text(BASE)
    err = fails_cleanly(["validate", str(path), "-o", override], capsys, expected)
    line = next(x for x in err.splitlines() if expected in x)
    assert "ok.yaml:" not in line  # the YAML position of the replaced value would mislead


def test_an_override_cannot_smuggle_a_bomb(tmp_path, capsys):
    path = tmp_path / "ok.yaml"
    path.write_text(BASE)
    fails_cleanly(["validate", str(path), "-o", "task=&a [*a]"], capsys, "task (set by -o task=&a [*a])")
