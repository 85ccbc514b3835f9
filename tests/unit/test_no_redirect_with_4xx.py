"""No view answers a redirect with a non-3xx status (issue 12 bug 2): browsers do not follow a
redirect sent with a 4xx and show a bare "Redirecting..." page. Read from the source with ``ast``;
tests/conftest.py's client checks the same at run time for every request the suite makes."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "marketplace"


def _is_redirect(node: ast.expr) -> bool:
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name | ast.Attribute)
        and (node.func.id if isinstance(node.func, ast.Name) else node.func.attr) == "redirect"
    )


def _offenders() -> list[str]:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            # return redirect(...), 409
            if isinstance(node, ast.Tuple) and node.elts and _is_redirect(node.elts[0]):
                found.append(f"{path.relative_to(PACKAGE)}:{node.lineno}")
            # redirect(..., code=4xx)
            if isinstance(node, ast.Call) and _is_redirect(node):
                codes = [k.value for k in node.keywords if k.arg == "code"]
                codes += node.args[1:2]
                for code in codes:
                    if not (isinstance(code, ast.Constant) and 300 <= code.value < 400):
                        found.append(f"{path.relative_to(PACKAGE)}:{node.lineno}")
    return found


def test_no_redirect_is_answered_with_a_non_3xx_status() -> None:
    assert _offenders() == []
