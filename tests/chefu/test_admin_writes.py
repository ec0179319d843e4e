"""House rule (STYLE.md §3): the back office writes through the services, like the API, tasks and commands do; an
admin module never saves, updates, creates or deletes rows itself (Django's own default saves aside, for reference
data without rules of its own)."""

import ast
from pathlib import Path

from tests.chefu.test_lock_objects import _app_modules

ROOT = Path(__file__).resolve().parents[2]
WRITES = {
    "save",
    "update",
    "create",
    "delete",
    "bulk_create",
    "bulk_update",
    "get_or_create",
    "update_or_create",
    "save_model",
    "delete_model",
}


def _admin_modules():
    for path in _app_modules():
        if path.name in ("admin.py", "wagtail_hooks.py") or "admin" in path.relative_to(ROOT).parts[1:-1]:
            yield path


def test_the_apps_have_admin_modules():
    assert any(True for _ in _admin_modules())


def test_no_admin_module_writes_rows_itself():
    writes = [
        f"{path.relative_to(ROOT)}:{node.lineno} {ast.unparse(node.func)}"
        for path in _admin_modules()
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path)))
        if isinstance(node, ast.Call) and getattr(node.func, "attr", None) in WRITES
    ]
    assert writes == []
