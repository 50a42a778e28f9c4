"""The package's import rule: no module of pathways/ imports one that imports it back (directly or through
others, at the top or inside a function), and the core never imports an output (STYLE.md, practices 10 and 13)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).parents[1] / "pathways"
#: The core: it describes a pathway and what a situation shows; outputs render that and live in pathways.outputs.
CORE = ("model", "load", "validate", "evaluate", "shown", "situations", "lifecycle", "cases", "errors", "yamlsafe",
        "vocabulary", "schema")


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def imports(name: str) -> set[str]:
    """The package's modules that ``name`` imports anywhere in its file (relative imports resolved)."""
    path = MODULES[name]
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                stem = ".".join(base + ([node.module] if node.module else []))
            else:
                stem = node.module or ""
            targets = [f"{stem}.{alias.name}" if f"{stem}.{alias.name}" in MODULES else stem for alias in node.names]
        else:
            continue
        found |= {t for t in targets if t in MODULES and t != name}
    return found


GRAPH = {name: imports(name) for name in MODULES}


def reachable(start: str) -> set[str]:
    seen: set[str] = set()
    stack = list(GRAPH[start])
    while stack:
        name = stack.pop()
        if name not in seen:
            seen.add(name)
            stack.extend(GRAPH[name])
    return seen


def test_the_import_parser_sees_relative_and_function_level_imports():
    assert "pathways.outputs.export" in GRAPH["pathways.outputs.table"]
    assert "pathways.outputs.review" in GRAPH["pathways.cli"]  # imported inside a function
    assert "pathways.evaluate" in GRAPH["pathways.shown"]


@pytest.mark.parametrize("name", sorted(MODULES), ids=sorted(MODULES))
def test_no_module_imports_one_that_imports_it_back(name):
    circle = sorted(other for other in GRAPH[name] if name in reachable(other))
    assert not circle, f"{name} imports {circle}, which import {name} back"


@pytest.mark.parametrize("name", CORE, ids=CORE)
def test_the_core_never_imports_an_output(name):
    outputs = sorted(m for m in reachable(f"pathways.{name}") if m.startswith("pathways.outputs"))
    assert not outputs, f"pathways.{name} imports {outputs} (an output); the core must know nothing of its outputs"


def test_evaluate_and_export_do_not_import_each_other():
    assert "pathways.outputs.export" not in reachable("pathways.evaluate")
    assert "pathways.evaluate" not in reachable("pathways.outputs.export") or \
        "pathways.outputs.export" not in reachable("pathways.evaluate")
