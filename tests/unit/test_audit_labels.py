"""Every action the code writes into the audit trail has a label in words (the trail shows
"Anmeldung fehlgeschlagen", not "login_failed"). The actions are found in the code itself:
the literal action of each call of record() and of the modules' own helpers around it."""
from __future__ import annotations

import ast
from pathlib import Path

import portal

ROOT = Path(portal.__file__).resolve().parent
# Helpers that pass their first string argument on to record() as the action, and what they add.
HELPERS = {"record": "", "audit": "", "_audit": "", "_changed": ""}
PREFIXED = {"content/editing.py": "content_"}  # _audit(session, "edit", …) records "content_edit"


def _literal_actions() -> set[str]:
    found = set()
    for path in ROOT.rglob("*.py"):
        relative = path.relative_to(ROOT).as_posix()
        tree = ast.parse(path.read_text(), filename=str(path))
        constants = {node.targets[0].id: node.value.value for node in ast.walk(tree)
                     if isinstance(node, ast.Assign) and len(node.targets) == 1
                     and isinstance(node.targets[0], ast.Name) and isinstance(node.value, ast.Constant)
                     and isinstance(node.value.value, str)}
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in HELPERS
                    and len(node.args) >= 2):
                continue
            action = node.args[1]
            if isinstance(action, ast.Constant) and isinstance(action.value, str):
                found.add(PREFIXED.get(relative, "") + action.value)
            elif isinstance(action, ast.Name) and action.id in constants:
                found.add(PREFIXED.get(relative, "") + constants[action.id])
    return found


def _dynamic_actions() -> set[str]:
    from portal.appointments.office import ATTENDANCE_ACTIONS
    from portal.content.workflow import TRANSITIONS

    return {audit for _, audit in ATTENDANCE_ACTIONS.values()} | {f"content_{name}" for name in TRANSITIONS}


def test_every_recorded_action_has_a_label():
    from portal.backoffice.labels import AUDIT_ACTION_LABELS

    actions = _literal_actions() | _dynamic_actions()
    assert {"login_failed", "view", "virus_found", "content_publish", "check_in"} <= actions  # the search works
    assert sorted(actions - set(AUDIT_ACTION_LABELS)) == []


def test_every_object_type_has_a_label():
    from portal.backoffice.labels import AUDIT_OBJECT_LABELS

    types = set()
    for path in ROOT.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.keyword) and node.arg == "object_type" and isinstance(node.value, ast.Constant) \
                    and isinstance(node.value.value, str) and node.value.value:
                types.add(node.value.value)
    assert {"case_file", "staff_user", "inbound_mail"} <= types
    assert sorted(types - set(AUDIT_OBJECT_LABELS)) == []
