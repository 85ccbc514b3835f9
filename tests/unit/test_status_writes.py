"""Every status change of a stored row goes through ``state_machine.compare_and_set``, and each
domain changes only its own table's statuses (read from the source with ``ast``)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "marketplace"
HELPER = PACKAGE / "state_machine.py"
RAW_UPDATE = re.compile(r"\bset\s+status\s*=", re.IGNORECASE)

#: each transition table and the package that owns its table
OWNERS = {
    "TRANSITIONS": "cases",
    "PLEDGE_TRANSITIONS": "donors",
    "PLAN_TRANSITIONS": "plans",
    "DISBURSEMENT_TRANSITIONS": "disbursements",
    "REFERRAL_TRANSITIONS": "ngos",
}


def _constructed(function: ast.AST) -> set[str]:
    """Names bound in ``function`` to a constructor call (``pledge = Pledge(...)``): rows being
    built, whose status may be set before they are stored."""
    names = set()
    for node in ast.walk(function):
        if (
            isinstance(node, ast.Assign)
            and isinstance(node.value, ast.Call)
            and isinstance(node.value.func, ast.Name)
            and node.value.func.id[:1].isupper()
        ):
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
    return names


def _targets(node: ast.AST) -> list[ast.expr]:
    if isinstance(node, ast.Assign):
        found: list[ast.expr] = []
        for target in node.targets:
            found.extend(_flatten(target))
        return found
    if isinstance(node, ast.AugAssign | ast.AnnAssign):
        return _flatten(node.target)
    return []


def _flatten(target: ast.expr) -> list[ast.expr]:
    if isinstance(target, ast.Tuple | ast.List):
        return [leaf for element in target.elts for leaf in _flatten(element)]
    if isinstance(target, ast.Starred):
        return _flatten(target.value)
    return [target]


def _is_status(node: ast.AST) -> bool:
    return (isinstance(node, ast.Constant) and node.value == "status") or (
        isinstance(node, ast.Attribute) and node.attr == "status"
    )


def status_writes(source: str, filename: str = "<source>") -> list[str]:
    """Every place in ``source`` that writes a stored row's status without the helper."""
    tree = ast.parse(source, filename)
    found = []
    functions = [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]
    definitions = ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef
    scopes: list[tuple[set[str], list[ast.stmt]]] = [
        (set(), [stmt for stmt in tree.body if not isinstance(stmt, definitions)])
    ]
    scopes += [(_constructed(function), [function]) for function in functions]
    for built, body in scopes:
        for node in (n for stmt in body for n in ast.walk(stmt)):
            for target in _targets(node):
                if (
                    isinstance(target, ast.Attribute)
                    and target.attr == "status"
                    and not (isinstance(target.value, ast.Name) and target.value.id in built)
                ):
                    found.append(f"{filename}:{target.lineno} assigns .status")
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Name) and func.id == "setattr" and len(node.args) > 1:
            if _is_status(node.args[1]):
                found.append(f"{filename}:{node.lineno} setattr(..., 'status')")
        if isinstance(func, ast.Attribute) and func.attr == "values":
            keys = [k.arg for k in node.keywords]
            keys += [k for arg in node.args if isinstance(arg, ast.Dict) for k in arg.keys]
            if any(k == "status" or (k is not None and _is_status(k)) for k in keys):
                found.append(f"{filename}:{node.lineno} .values(status=...)")
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            if RAW_UPDATE.search(node.value):
                found.append(f"{filename}:{node.lineno} SQL text sets status")
    return sorted(set(found))


def _modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if p != HELPER)


def test_no_status_is_written_outside_the_helper() -> None:
    found = [
        write
        for path in _modules()
        for write in status_writes(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)))
    ]
    assert found == [], "change statuses with state_machine.compare_and_set:\n" + "\n".join(found)


def test_each_domain_moves_only_its_own_statuses() -> None:
    """``compare_and_set(row, TABLE, ...)`` names a table of the calling package."""
    strays = []
    calls = 0
    for path in _modules():
        package = path.relative_to(PACKAGE).parts[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "compare_and_set"
            ):
                continue
            calls += 1
            table = node.args[1] if len(node.args) > 1 else None
            owner = OWNERS.get(table.id) if isinstance(table, ast.Name) else None
            if owner != package:
                strays.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert calls >= len(OWNERS)
    assert strays == [], strays


def test_the_checker_finds_what_it_looks_for() -> None:
    source = """
def built():
    pledge = Pledge(amount_fen=1)
    pledge.status = "pending"          # a row being constructed: fine

def stored(pledge, plan, case):
    pledge.status = "paid"
    plan.status, case.stage = "draft", "planned"
    setattr(case, "status", "closed")
    db.session.execute(update(Plan).values(status="superseded"))
    db.session.execute(update(Plan).values({Plan.status: "superseded"}))
    db.session.execute(text("UPDATE referrals SET status = 'overdue'"))
    db.session.execute(update(Plan).values(accepted_at=now))  # no status: fine
"""
    assert [line.split(" ", 1)[0] for line in status_writes(source)] == [
        "<source>:10",
        "<source>:11",
        "<source>:12",
        "<source>:7",
        "<source>:8",
        "<source>:9",
    ]
