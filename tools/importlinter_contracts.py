"""Contract types of our own for import-linter (registered under ``contract_types`` in
pyproject.toml; ``lint-imports`` run from the repository root finds this module).

``forbidden_names``: import-linter sees ``from flask import request`` as an import of the
package ``flask`` only, so a forbidden contract cannot tell ``request`` from ``Blueprint``. This
contract reads the source of each checked module and reports every use of a forbidden *name*:
``from flask import request`` (also inside a function, on several lines, or from a submodule
such as ``flask.globals``), ``from flask import *``, and ``flask.request`` after ``import flask``.
"""

from __future__ import annotations

import ast
import importlib.util
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import grimp
from importlinter import Contract, ContractCheck, fields, output
from importlinter.domain.helpers import module_expressions_to_modules


@dataclass(frozen=True, order=True)
class NameUse:
    """One use of a forbidden name in a module's source."""

    line_number: int
    name: str  # the forbidden name, e.g. "flask.request"
    line: str  # the source line, stripped


def _forbids(forbidden: str, module: str, name: str) -> bool:
    """Whether ``name`` taken from ``module`` is the forbidden ``pkg.name``: the same name from
    the same package or one of its submodules (``flask.globals.request`` is ``flask.request``)."""
    package, _, forbidden_name = forbidden.rpartition(".")
    return name == forbidden_name and (module == package or module.startswith(package + "."))


def _dotted(node: ast.expr) -> list[str] | None:
    """``a.b.c`` as ``["a", "b", "c"]``; None for anything that is not a plain dotted name."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return parts[::-1]


def find_forbidden_names(source: str, forbidden: Iterable[str]) -> list[NameUse]:
    """Every use in ``source`` of one of the ``forbidden`` dotted names (``"flask.request"``),
    sorted by line. Relative imports are not looked at: a forbidden name is always absolute."""
    forbidden = sorted(set(forbidden))
    lines = source.splitlines()
    tree = ast.parse(source)
    found: set[NameUse] = set()

    def use(node: ast.AST, name: str) -> None:
        lineno = getattr(node, "lineno", 0)
        text = lines[lineno - 1].strip() if 0 < lineno <= len(lines) else ""
        found.add(NameUse(lineno, name, text))

    # names bound by `import x.y [as z]`: the local name -> the dotted module it stands for
    bound: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    bound[alias.asname] = alias.name
                else:
                    top = alias.name.split(".")[0]
                    bound[top] = top
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            for alias in node.names:
                for name in forbidden:
                    if alias.name == "*":
                        if _forbids(name, node.module, name.rpartition(".")[2]):
                            use(node, name)
                    elif _forbids(name, node.module, alias.name):
                        use(node, name)

    for node in ast.walk(tree):
        if not isinstance(node, ast.Attribute):
            continue
        parts = _dotted(node)
        if not parts or parts[0] not in bound:
            continue
        full = bound[parts[0]].split(".") + parts[1:]
        for index in range(1, len(full)):
            for name in forbidden:
                if _forbids(name, ".".join(full[:index]), full[index]):
                    use(node, name)
    return sorted(found)


def module_source_path(module: str) -> Path:
    """The file of ``module`` (a package's ``__init__.py``), found from its root package's
    location without importing anything."""
    root, *rest = module.split(".")
    spec = importlib.util.find_spec(root)
    if spec is None or not spec.submodule_search_locations:
        raise ValueError(f"{root} is not an importable package")
    base = Path(next(iter(spec.submodule_search_locations))).joinpath(*rest)
    if base.is_dir():
        return base / "__init__.py"
    return base.with_suffix(".py")


class ForbiddenNamesContract(Contract):
    """No module in ``source_modules`` (packages: their descendants are checked too), except
    those in ``exempt_modules``, uses any of ``forbidden_names`` (dotted: ``flask.request``)."""

    type_name = "forbidden_names"

    source_modules = fields.SetField(subfield=fields.ModuleExpressionField())
    exempt_modules = fields.SetField(subfield=fields.ModuleExpressionField(), required=False)
    forbidden_names = fields.SetField(subfield=fields.StringField())

    def check(self, graph: grimp.ImportGraph, verbose: bool) -> ContractCheck:
        sources = module_expressions_to_modules(
            graph,
            self.source_modules,  # type: ignore[arg-type]
            as_packages=True,
            raise_if_unmatched=True,
        )
        exempt = module_expressions_to_modules(
            graph,
            self.exempt_modules or set(),  # type: ignore[arg-type]
            as_packages=True,
        )
        names: set[str] = set(self.forbidden_names)  # type: ignore[call-overload]
        violations: dict[str, list[NameUse]] = {}
        for module in sorted(m.name for m in sources - exempt):
            output.verbose_print(verbose, f"Reading {module} for {', '.join(sorted(names))}...")
            source = module_source_path(module).read_text(encoding="utf-8")
            if uses := find_forbidden_names(source, names):
                violations[module] = uses
        return ContractCheck(kept=not violations, warnings=None, metadata={"uses": violations})

    def render_broken_contract(self, check: ContractCheck) -> None:
        for module, uses in check.metadata["uses"].items():
            for found in uses:
                output.print_error(
                    f"{module}:{found.line_number} uses {found.name}: {found.line}", bold=False
                )
        output.new_line()
