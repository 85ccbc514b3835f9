"""One writer per table: a table is written only by the services of the domain that owns it.

Other domains call the owner's public functions (``cases.services.reserve_funding``,
``donors.services.place_pledge_money``, ``accounts.services.mark_verified`` ...). This test
reads the source of ``marketplace/`` and refuses, outside the owner package:

* Core statements on the table: ``update(Model)``, ``insert(Model)``, ``delete(Model)``;
* new rows: ``Model(...)``;
* attribute writes (``x.col = ...``, ``x.col += ...``, ``setattr(x, "col", ...)``) of a column
  that only this model has, or of any of its columns on a variable named like the model
  (``case.status = ...``, ``pledge.amount_fen = ...``, ``org.name = ...``).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import marketplace.models  # noqa: F401 - every table in the metadata
from marketplace.extensions import db

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Owner:
    packages: tuple[str, ...]
    #: variable names that by convention hold a row of the model
    names: frozenset[str]


OWNERS = {
    "Case": Owner(("cases",), frozenset({"case"})),
    "NeedLine": Owner(("cases",), frozenset({"line", "need_line"})),
    # payments/ is the donors' checkout (being folded into donors/)
    "Pledge": Owner(("donors", "payments"), frozenset({"pledge"})),
    "Organization": Owner(("accounts",), frozenset({"org", "organization"})),
}


def _columns() -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """Column attributes per owned model, and the models each attribute name belongs to."""
    models: dict[str, set[str]] = {}
    holders: dict[str, set[str]] = {}
    for mapper in db.Model.registry.mappers:
        name = mapper.class_.__name__
        keys = {c.key for c in mapper.column_attrs}
        if name in OWNERS:
            models[name] = keys
        for key in keys:
            holders.setdefault(key, set()).add(name)
    return models, holders


def _targets(node: ast.AST) -> list[ast.expr]:
    if isinstance(node, ast.Assign):
        found: list[ast.expr] = []
        for target in node.targets:
            found += target.elts if isinstance(target, ast.Tuple | ast.List) else [target]
        return found
    if isinstance(node, ast.AugAssign | ast.AnnAssign):
        return [node.target]
    return []


def _call_name(call: ast.Call) -> str | None:
    func = call.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def writes(source: str, package: str) -> list[str]:
    """Writes to owned tables in ``source`` (a module of ``package``) not made by their owner."""
    models, holders = _columns()
    found: list[tuple[int, str]] = []

    def column_write(base: ast.expr, attr: str, line: int) -> None:
        name = base.id if isinstance(base, ast.Name) else None
        for model, owner in OWNERS.items():
            if package in owner.packages or attr not in models[model]:
                continue
            if holders[attr] == {model} or name in owner.names:
                found.append((line, f"{model}.{attr} written"))

    for node in ast.walk(ast.parse(source)):
        for target in _targets(node):
            if isinstance(target, ast.Attribute):
                column_write(target.value, target.attr, node.lineno)
        if not isinstance(node, ast.Call):
            continue
        called = _call_name(node)
        if called in OWNERS and package not in OWNERS[called].packages:
            found.append((node.lineno, f"new {called} row"))
        first = node.args[0] if node.args else None
        if (
            called in ("update", "insert", "delete")
            and isinstance(first, ast.Name)
            and first.id in OWNERS
            and package not in OWNERS[first.id].packages
        ):
            found.append((node.lineno, f"{called}({first.id})"))
        if (
            called == "setattr"
            and len(node.args) == 3
            and isinstance(node.args[1], ast.Constant)
            and isinstance(node.args[1].value, str)
        ):
            column_write(node.args[0], node.args[1].value, node.lineno)
    return [f"line {line}: {what}" for line, what in sorted(found)]


def test_each_owned_table_is_written_only_by_its_owner() -> None:
    problems = []
    for path in sorted((ROOT / "marketplace").rglob("*.py")):
        parts = path.relative_to(ROOT / "marketplace").parts
        package = parts[0] if len(parts) > 1 else path.stem
        problems += [
            f"{path.relative_to(ROOT)} {p}" for p in writes(path.read_text("utf-8"), package)
        ]
    assert problems == [], "\n".join(problems)


def test_the_check_finds_each_kind_of_write() -> None:
    planted = """
from sqlalchemy import update
db.session.execute(update(Case).values(committed_fen=Case.committed_fen + 1))
db.session.execute(sa.update(Pledge).values(placed_fen=1))
pledge.placed_fen += 5
org.verified, org.verified_at = True, now
case.status = "closed"
setattr(thing, "committed_fen", 0)
db.session.add(Organization(name="x"))
anything.status = "fine: a shared column on a variable of no known model"
"""
    found = writes(planted, "plans")
    assert found == [
        "line 3: update(Case)",
        "line 4: update(Pledge)",
        "line 5: Pledge.placed_fen written",
        "line 6: Organization.verified written",
        "line 6: Organization.verified_at written",
        "line 7: Case.status written",
        "line 8: Case.committed_fen written",
        "line 9: new Organization row",
    ], found
    assert writes(planted.replace("Organization(", "Other("), "accounts") == [
        "line 3: update(Case)",
        "line 4: update(Pledge)",
        "line 5: Pledge.placed_fen written",
        "line 7: Case.status written",
        "line 8: Case.committed_fen written",
    ]
