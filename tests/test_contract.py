"""The core reads from components only what their base classes declare (issue 12, point 3).

A plugin author learns the contract from ``distillkit/components/``: every attribute or method the
core touches on a teacher, strategy, loss, student... must be declared on that kind's base class,
with its default. These tests parse the core's source: an attribute read on a component that the
base class does not declare fails, and so does any ``getattr``/``hasattr`` probing of a component.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

import distillkit
from distillkit.components import (
    Callback,
    Component,
    Metric,
    RationaleFilter,
    RationaleStrategy,
    SampleSelector,
    StudentLoss,
    StudentModel,
    Task,
    Teacher,
    Trainer,
)

CORE = Path(distillkit.__file__).parent
BASE_BY_CLASS_NAME = {b.__name__: b for b in (Teacher, RationaleStrategy, RationaleFilter, SampleSelector,
                                              StudentLoss, Task, StudentModel, Metric, Trainer, Callback)}
# How the core names its components: pipeline fields (p.loss, slot.teacher), locals, loop variables.
BASE_BY_NAME = {"teacher": Teacher, "strategy": RationaleStrategy, "loss": StudentLoss,
                "student": StudentModel, "selector": SampleSelector, "sel": SampleSelector, "task": Task, "trainer": Trainer,
                "metric": Metric, "callback": Callback, "filter": RationaleFilter}
BASE_BY_PLURAL = {"metrics": Metric, "filters": RationaleFilter, "callbacks": Callback}
PROBES = ("getattr", "hasattr")


def declared(base: type, attr: str) -> bool:
    """Declared on the base class: a method, a class attribute, or an annotated instance attribute."""
    if hasattr(base, attr):
        return True
    return any(attr in vars(k).get("__annotations__", {}) for k in base.__mro__)


class ComponentReads(ast.NodeVisitor):
    """Collects (line, base, attribute) for attribute reads and getattr/hasattr calls on components."""

    def __init__(self) -> None:
        self.reads: list[tuple[int, type, str]] = []
        self.probes: list[tuple[int, type, str]] = []
        self.scopes: list[dict[str, type | None]] = [{}]  # None: a local that is not a component

    def base_of(self, node: ast.AST) -> type | None:
        if isinstance(node, ast.Name):
            for scope in reversed(self.scopes):
                if node.id in scope:
                    return scope[node.id]
            return BASE_BY_NAME.get(node.id)
        if isinstance(node, ast.Attribute):
            if isinstance(node.value, ast.Attribute) and node.value.attr == "spec":
                return None  # p.spec.task is the YAML section, not the component
            return BASE_BY_NAME.get(node.attr)
        if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Attribute):
            return BASE_BY_PLURAL.get(node.value.attr)
        return None

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        scope: dict[str, type | None] = {}
        for arg in node.args.args + node.args.kwonlyargs:
            text = ast.unparse(arg.annotation) if arg.annotation is not None else ""
            for word in re.findall(r"\w+", text):
                if word in BASE_BY_CLASS_NAME:
                    scope[arg.arg] = BASE_BY_CLASS_NAME[word]
        self.scopes.append(scope)
        self.generic_visit(node)
        self.scopes.pop()

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_For(self, node: ast.For) -> None:
        if isinstance(node.target, ast.Name):  # `for task in pending:` (asyncio tasks) is no Task
            plural = node.iter.attr if isinstance(node.iter, ast.Attribute) else ""
            self.scopes[-1][node.target.id] = BASE_BY_PLURAL.get(plural)
        self.generic_visit(node)

    def visit_Attribute(self, node: ast.Attribute) -> None:
        base = self.base_of(node.value)
        if base is not None and isinstance(node.ctx, ast.Load):
            self.reads.append((node.lineno, base, node.attr))
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        if isinstance(node.func, ast.Name) and node.func.id in PROBES and node.args:
            base = self.base_of(node.args[0])
            if base is not None:
                named = len(node.args) > 1 and isinstance(node.args[1], ast.Constant)
                attr = node.args[1].value if named else "?"
                self.probes.append((node.lineno, base, attr))
        self.generic_visit(node)


def scan(source: str) -> ComponentReads:
    visitor = ComponentReads()
    visitor.visit(ast.parse(source))
    return visitor


CORE_FILES = sorted(CORE.rglob("*.py"))


def test_the_scan_sees_the_core_and_its_component_reads():
    reads = {(base.__name__, attr) for f in CORE_FILES for _, base, attr in scan(f.read_text()).reads}
    # a sample the core must keep reading: if the scan stops seeing these, it checks nothing
    assert {("Teacher", "identity"), ("RationaleStrategy", "build_prompt"), ("StudentLoss", "views"),
            ("StudentModel", "generate"), ("SampleSelector", "needs")} <= reads


def test_the_scan_catches_an_undeclared_read_and_a_probe():
    found = scan("def f(t: Teacher, loss):\n    t.warm_up()\n    getattr(loss, 'token_terms', None)\n"
                 "    for m in p.metrics:\n        m.explain\n")
    assert [(b.__name__, a) for _, b, a in found.reads if not declared(b, a)] == [
        ("Teacher", "warm_up"), ("Metric", "explain")]
    assert [(b.__name__, a) for _, b, a in found.probes] == [("StudentLoss", "token_terms")]


@pytest.mark.parametrize("path", CORE_FILES, ids=lambda p: str(p.relative_to(CORE.parent)))
def test_every_component_attribute_the_core_reads_is_declared_on_its_base(path):
    found = scan(path.read_text())
    undeclared = [f"{path.name}:{line}: {base.__name__}.{attr}" for line, base, attr in found.reads
                  if not declared(base, attr)]
    assert not undeclared, "declare on the base class, with a documented default: " + ", ".join(undeclared)
    probes = [f"{path.name}:{line}: {fn}" for line, _, fn in found.probes]
    assert not probes, "the core must not probe components with getattr/hasattr: " + ", ".join(probes)


def _component_attribute_names() -> set[str]:
    from distillkit.testing import builtin_registry

    names = {a for b in BASE_BY_CLASS_NAME.values() for k in b.__mro__ for a in vars(k)}
    for _, _, entry in builtin_registry().entries():
        names |= {a for k in entry.cls.__mro__ if issubclass(k, Component) for a in vars(k)}
    return {n for n in names if not n.startswith("__")}


def test_no_getattr_probing_of_component_methods_remains_in_the_core():
    """Grep-style: no ``getattr(x, "<name>")`` / ``hasattr`` in the core names any component attribute."""
    names = _component_attribute_names()
    assert {"agenerate_batch", "aclose", "token_terms", "skipped", "encode_prompts"} <= names
    literal = re.compile(r"\b(?:getattr|hasattr)\([^,()]+(?:\([^()]*\))?,\s*[\"'](\w+)[\"']")
    hits = [f"{f.relative_to(CORE.parent)}:{n}: {m.group(0)}" for f in CORE_FILES
            for n, line in enumerate(f.read_text().splitlines(), 1) for m in literal.finditer(line)
            if m.group(1) in names]
    assert not hits, "\n".join(hits)


# -- the core's floor: no plugin imports, no built-in names, no fixtures (issue 12, point 5) --------

TESTING = CORE / "testing"  # opt-in fixtures for tests and benches (like pytest's pytester)
CORE_PROPER = [f for f in CORE_FILES if TESTING not in f.parents]


def _imported_modules(tree: ast.AST) -> set[str]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


def test_no_core_module_imports_a_plugin_or_the_test_fixtures():
    bad = [f"{f.relative_to(CORE.parent)} imports {m}" for f in CORE_FILES
           for m in _imported_modules(ast.parse(f.read_text()))
           if m.split(".")[0] == "distillkit_plugins"
           or (m.startswith("distillkit.testing") and TESTING not in f.parents)]
    assert not bad, bad


def _code_strings(tree: ast.AST) -> list[tuple[int, str]]:
    """String constants that are values in code (docstrings left out: prose may mention examples)."""
    docs = {id(n.body[0].value) for n in ast.walk(tree)
            if isinstance(n, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
            and n.body and isinstance(n.body[0], ast.Expr) and isinstance(n.body[0].value, ast.Constant)}
    return [(n.lineno, n.value) for n in ast.walk(tree)
            if isinstance(n, ast.Constant) and isinstance(n.value, str) and id(n) not in docs]


# English words that are also built-in names, where the core means the word: (file, string)
WORDS = {("cli/cache_cmd.py", "all")}  # "delete all cached answers"


def test_the_core_names_no_built_in_component_or_plugin():
    """No string in the core's code is a built-in's name, alone or `quoted` in a message."""
    from distillkit.testing import BUILTIN_PLUGINS, builtin_registry

    # Plugin names that are also the core's own section words ("metrics", "tasks") cannot be told
    # apart in a string; their components' names are checked instead.
    plugins = set(BUILTIN_PLUGINS) - {"metrics", "tasks", "training"}
    names = {n for _, n, _ in builtin_registry().entries()} | plugins | {"distillkit_plugins"}
    hits = []
    for f in CORE_PROPER:
        rel = str(f.relative_to(CORE))
        for line, text in _code_strings(ast.parse(f.read_text())):
            named = ({text} | set(re.findall(r"`([\w-]+)`", text))) & names
            if named and (rel, text) not in WORDS:
                hits.append(f"{rel}:{line}: {text!r}")
    assert not hits, "\n".join(hits)


def test_the_test_fixtures_live_only_in_the_opt_in_testing_package():
    assert not [f for f in CORE_PROPER if re.search(r"(^|_)(toy|fake|testing)(_|\.py$)", f.name)]
    assert {"server.py", "toy_task.py", "toy_run.py"} <= {f.name for f in TESTING.glob("*.py")}


# -- the core knows no distillation method (issue 12, point 4) --------------------------------------

# ELAD's vocabulary: what its strategy asks the teacher to do, and what the core once passed on by name.
METHOD_WORDS = re.compile(r"student_explanation|revis|verdict|elad", re.IGNORECASE)
# Run folders written before strategies declared ``needs`` keep the student's outputs under this
# name; the core reads it on resume and never writes it.
LEGACY = {("run/annotate.py", "student_explanations.json")}


def _code_names(tree: ast.AST) -> list[tuple[int, str]]:
    """Identifiers the code defines or reads: names, attributes, parameters, keywords, functions, classes."""
    out = []
    for n in ast.walk(tree):
        name = (n.id if isinstance(n, ast.Name) else n.attr if isinstance(n, ast.Attribute)
                else n.arg if isinstance(n, (ast.arg, ast.keyword)) and n.arg
                else n.name if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) else None)
        if name:
            out.append((getattr(n, "lineno", 0), name))
    return out


def _method_words(source: str, rel: str) -> list[str]:
    tree = ast.parse(source)
    return [f"{rel}:{line}: {text!r}" for line, text in _code_strings(tree) + _code_names(tree)
            if METHOD_WORDS.search(text) and (rel, text) not in LEGACY]


def test_the_method_scan_catches_a_method_concept_in_code_but_not_in_prose():
    source = ('"""ELAD revises the student\'s explanation."""\n'
              'def f(selection, request):\n'
              '    text = selection.details["student_explanation"]\n'
              '    return request.purpose == "revision"\n')
    assert [hit.split(": ", 1)[1] for hit in _method_words(source, "x.py")] == ["'student_explanation'", "'revision'"]


def test_the_core_names_no_distillation_method():
    """Strategies declare what they need (``needs``) and pass it on typed (``request_context``); the
    core must not name any one method's concepts in its code (docstrings may use them as examples)."""
    hits = [hit for f in CORE_PROPER for hit in _method_words(f.read_text(), str(f.relative_to(CORE)))]
    assert not hits, "\n".join(hits)
