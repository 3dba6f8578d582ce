"""Every refusal names its own rule: no domain error is made with only its class's generic code
(`invalid_input`, `not_found`, `conflict`, `domain`), which a client could not match on.

Read from the source: each call of an `inventory.errors` class (or a subclass defined in the
scanned packages), raised at once or built by a helper, passes `code="family.rule"` unless the class
has a specific code of its own (`stock.insufficient`, `scan.wrong_part`, ...)."""
from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("inventory", "optimizer", "api", "simulation")
GENERIC = {"domain", "invalid_input", "not_found", "conflict"}
DOTTED = re.compile(r"[a-z][a-z_]*(\.[a-z][a-z0-9_]*)+")  # family.rule


def _name(node: ast.expr) -> str | None:
    return node.id if isinstance(node, ast.Name) else node.attr if isinstance(node, ast.Attribute) else None


def _own_code(cls: ast.ClassDef) -> str | None:
    for statement in cls.body:
        if (isinstance(statement, ast.Assign) and isinstance(statement.value, ast.Constant)
                and any(_name(target) == "code" for target in statement.targets)):
            return statement.value.value
    return None


def error_codes(trees: dict[Path, ast.Module]) -> dict[str, str]:
    """Class name -> the code its errors carry by default, for DomainError and its subclasses."""
    classes = [node for tree in trees.values() for node in ast.walk(tree) if isinstance(node, ast.ClassDef)]
    codes = {"DomainError": "domain"}
    grown = True
    while grown:
        grown = False
        for cls in classes:
            parent = next((codes[_name(b)] for b in cls.bases if _name(b) in codes), None)
            if parent is not None and cls.name not in codes:
                codes[cls.name] = _own_code(cls) or parent
                grown = True
    return codes


def _error_calls(paths: list[Path]):
    """(where, line, class, its default code, the `code=` given or None) for each call of a domain
    error class in `paths`: one parse and walk for both checks below."""
    trees = {path: ast.parse(path.read_text(encoding="utf-8"), str(path)) for path in paths}
    codes = error_codes(trees)
    for path, tree in trees.items():
        where = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path.name
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and _name(node.func) in codes:
                given = next((k.value for k in node.keywords if k.arg == "code"), None)
                yield where, node.lineno, _name(node.func), codes[_name(node.func)], given


def generic_refusals(paths: list[Path]) -> list[str]:
    """'file:line Class' for each error built without a code of its own."""
    return sorted(f"{where}:{line} {cls}" for where, line, cls, default, given in _error_calls(paths)
                  if default in GENERIC
                  and (given is None or (isinstance(given, ast.Constant) and given.value in GENERIC)))


def undotted_codes(paths: list[Path]) -> list[str]:
    """'file:line code' for each code given as a literal that is not `family.rule`."""
    return sorted(f"{where}:{line} {given.value}" for where, line, _, _, given in _error_calls(paths)
                  if isinstance(given, ast.Constant) and not DOTTED.fullmatch(str(given.value)))


def sources() -> list[Path]:
    return sorted(path for package in PACKAGES for path in (ROOT / package).rglob("*.py"))


def test_every_refusal_carries_a_code_of_its_own():
    found = generic_refusals(sources())
    assert not found, "give these a code=\"family.rule\" of their own:\n" + "\n".join(found)


def test_every_code_given_as_a_literal_is_dotted_family_and_rule():
    found = undotted_codes(sources())
    assert not found, "name these family.rule (stock.insufficient, world.unknown_center):\n" + "\n".join(found)


def test_the_check_finds_a_refusal_left_with_its_class_code(tmp_path):
    """The scan itself: a raise with no code, a helper's error and a generic code given by hand are
    found; a specific code, or a class with one of its own, is not."""
    bad = tmp_path / "refusal_codes_probe.py"
    bad.write_text(
        "from inventory.errors import Conflict, InvalidInput, InsufficientStock, NotFound\n"
        "from inventory import errors\n"
        "def f(x):\n"
        "    if x == 1:\n"
        "        raise NotFound(f'no {x}')\n"
        "    if x == 2:\n"
        "        raise errors.InvalidInput('bad', field='x')\n"
        "    if x == 3:\n"
        "        raise Conflict('busy', code='conflict')\n"
        "    if x == 4:\n"
        "        raise NotFound('no', code='thing.not_found', thing=x)\n"
        "    raise InsufficientStock('short')\n"
        "def helper(message):\n"
        "    return InvalidInput(message)\n", encoding="utf-8")
    found = generic_refusals([ROOT / "inventory" / "errors.py", bad])
    assert found == ["refusal_codes_probe.py:14 InvalidInput", "refusal_codes_probe.py:5 NotFound",
                     "refusal_codes_probe.py:7 InvalidInput", "refusal_codes_probe.py:9 Conflict"]
