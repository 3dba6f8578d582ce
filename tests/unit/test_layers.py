"""The layers of ARCHITECTURE.md: imports only point down (api -> simulation -> optimizer ->
inventory), and nothing below api knows Flask or Celery. Read from the source, so an import
inside a function counts as much as one at the top."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# what each package may import of the project's packages and of the web/queue frameworks
ALLOWED = {
    "inventory": {"inventory"},
    "optimizer": {"optimizer", "inventory"},
    "simulation": {"simulation", "optimizer", "inventory"},
}
# (werkzeug is not watched: the domain hashes passwords with werkzeug.security, a utility, not the web)
WATCHED = {"inventory", "optimizer", "simulation", "api", "flask", "flask_smorest", "flask_wtf", "flask_babel",
           "flask_sqlalchemy", "celery"}


def imports_of(path: Path, package_parts: tuple[str, ...]) -> set[str]:
    """The top-level names a module imports, relative imports resolved against its package."""
    tops = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            tops |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package_parts[:len(package_parts) - (node.level - 1)]
                tops.add(base[0] if base else (node.module or "").split(".")[0])
            elif node.module:
                tops.add(node.module.split(".")[0])
    return tops


def crossings(package: str) -> list[str]:
    found = []
    for path in sorted((ROOT / package).rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        package_parts = parts if path.name == "__init__.py" else parts[:-1]
        for top in imports_of(path, package_parts) & WATCHED:
            if top not in ALLOWED[package]:
                found.append(f"{'.'.join(parts)} imports {top}")
    return found


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_a_layer_imports_only_the_layers_below_it(package):
    assert crossings(package) == []


def test_the_check_sees_an_import_that_points_up(tmp_path, monkeypatch):
    """The check itself: a module of the domain that imports Flask inside a function is caught."""
    module = tmp_path / "inventory" / "leaky.py"
    module.parent.mkdir()
    module.write_text("from . import catalog\n\ndef f():\n    from flask import request\n"
                      "    from optimizer import placement\n", encoding="utf-8")
    monkeypatch.setitem(globals(), "ROOT", tmp_path)
    assert sorted(crossings("inventory")) == ["inventory.leaky imports flask", "inventory.leaky imports optimizer"]


# -- no import cycles between modules ------------------------------------------------------------

CYCLE_PACKAGES = ("inventory", "optimizer", "simulation", "api")


def module_names(root: Path) -> dict[str, Path]:
    """Dotted name -> file of every module of the watched packages (a package is its __init__)."""
    names = {}
    for package in CYCLE_PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            parts = path.relative_to(root).with_suffix("").parts
            names[".".join(parts[:-1] if path.name == "__init__.py" else parts)] = path
    return names


def _type_checking_only(node: ast.AST) -> bool:
    test = getattr(node, "test", None)
    return isinstance(node, ast.If) and (getattr(test, "id", None) == "TYPE_CHECKING"
                                         or getattr(test, "attr", None) == "TYPE_CHECKING")


def imported_modules(path: Path, name: str, modules: dict[str, Path]) -> set[str]:
    """The project modules `name` imports anywhere in its file (at the top or in a function), each
    resolved to the module it loads: `from a import b` is a.b when b is a module, else a."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()

    def nearest(dotted: str) -> str | None:
        while dotted and dotted not in modules:
            dotted = dotted.rpartition(".")[0]
        return dotted or None

    def visit(node: ast.AST) -> None:
        if _type_checking_only(node):  # never runs: not an import at run time
            return
        if isinstance(node, ast.Import):
            found.update(filter(None, (nearest(alias.name) for alias in node.names)))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[:len(package.split(".")) - (node.level - 1)]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            for alias in node.names:
                target = nearest(f"{source}.{alias.name}") if f"{source}.{alias.name}" in modules else nearest(source)
                if target:
                    found.add(target)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(ast.parse(path.read_text(encoding="utf-8")))
    found.discard(name)
    return found


def import_cycles(root: Path) -> list[list[str]]:
    """The strongly connected components of the import graph with more than one module (Tarjan)."""
    modules = module_names(root)
    graph = {name: sorted(imported_modules(path, name, modules)) for name, path in modules.items()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph[node]:
            if nxt not in index:
                connect(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            connect(node)
    return sorted(cycles)


# Loops not yet taken apart (issue 20): each must still exist (drop it here when it is gone) and
# no other may appear.
KNOWN_LOOPS: list[list[str]] = []


def test_no_module_imports_itself_back_through_others():
    assert [loop for loop in import_cycles(ROOT) if loop not in KNOWN_LOOPS] == []


def test_each_known_loop_is_still_there_until_it_is_taken_off_the_list():
    assert [loop for loop in KNOWN_LOOPS if loop not in import_cycles(ROOT)] == []


def test_the_check_sees_an_import_loop_even_inside_a_function(tmp_path):
    """The check itself: two modules that import each other (one of them lazily) are one cycle;
    a TYPE_CHECKING import is not an import at run time."""
    package = tmp_path / "inventory"
    (package / "sub").mkdir(parents=True)
    (package / "__init__.py").write_text("", encoding="utf-8")
    (package / "sub" / "__init__.py").write_text("", encoding="utf-8")
    (package / "alpha.py").write_text("from .sub import beta\n", encoding="utf-8")
    (package / "sub" / "beta.py").write_text("def f():\n    from inventory import alpha\n", encoding="utf-8")
    (package / "gamma.py").write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
                                      "    from . import delta\n", encoding="utf-8")
    (package / "delta.py").write_text("import inventory.gamma\n", encoding="utf-8")
    assert import_cycles(tmp_path) == [["inventory.alpha", "inventory.sub.beta"]]
