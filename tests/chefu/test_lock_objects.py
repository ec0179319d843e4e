"""House rule (STYLE.md §11): row locks live in each app's ``lock_objects.py`` and lock only their own table."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SKIPPED = {"tests", "bench", "scripts", "static", "staticfiles", "templates", "locale", "var", "node_modules"}


def _app_modules():
    for package in sorted(ROOT.iterdir()):
        if package.name in SKIPPED or package.name.startswith(".") or not (package / "__init__.py").exists():
            continue
        for path in sorted(package.rglob("*.py")):
            if "migrations" not in path.parts:
                yield path


def _locks():
    """(path, line, the ``of`` argument's source or None) of every ``.select_for_update(...)`` call in the apps."""
    for path in _app_modules():
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "select_for_update":
                of = next((ast.unparse(kw.value) for kw in node.keywords if kw.arg == "of"), None)
                yield path.relative_to(ROOT), node.lineno, of


def test_the_apps_take_row_locks():
    assert any(True for _ in _locks())


def test_every_row_lock_lives_in_a_lock_objects_module():
    elsewhere = [f"{path}:{line}" for path, line, _of in _locks() if path.name != "lock_objects.py"]
    assert elsewhere == []


def test_every_row_lock_locks_only_its_own_table():
    without_of_self = [f"{path}:{line}" for path, line, of in _locks() if of != "('self',)"]
    assert without_of_self == []
