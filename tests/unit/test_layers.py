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
