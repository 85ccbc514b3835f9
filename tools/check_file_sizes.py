"""Fail when a Python file under ``marketplace/`` or ``matching/`` is longer than 400 lines
(issue 11: modules shaped by what they do). Run from the repository root by ``make lint``:
``python tools/check_file_sizes.py``.

``ALLOWED`` lists today's offenders. It may only shrink: a listed file that is no longer too
long (or no longer exists) is reported too, so that its entry is removed with the split.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from pathlib import Path

MAX_LINES = 400
ROOTS = ("marketplace", "matching")

#: files over the limit, waiting to be split (then removed from here). Empty since issue 11: keep
#: it that way by splitting a file before it passes the limit
ALLOWED: frozenset[str] = frozenset()


def line_count(path: Path) -> int:
    """Lines of ``path`` as ``wc -l`` counts them for a file that ends with a newline."""
    return len(path.read_text(encoding="utf-8").splitlines())


def problems(
    base: Path,
    roots: Iterable[str] = ROOTS,
    max_lines: int = MAX_LINES,
    allowed: Iterable[str] = ALLOWED,
) -> list[str]:
    """One message per file over ``max_lines`` that is not allowed, and per allowed file that
    is within the limit (or gone). Paths are relative to ``base``, with ``/``."""
    allowed = set(allowed)
    sizes = {
        path.relative_to(base).as_posix(): line_count(path)
        for root in roots
        for path in sorted((base / root).rglob("*.py"))
    }
    found = [
        f"{name}: {lines} lines, more than {max_lines}: split it by what it does"
        for name, lines in sizes.items()
        if lines > max_lines and name not in allowed
    ]
    found += [
        f"{name}: on the allowlist but has {sizes.get(name, 0)} lines now: remove it from "
        "ALLOWED in tools/check_file_sizes.py"
        for name in sorted(allowed)
        if sizes.get(name, 0) <= max_lines
    ]
    return found


def main() -> int:
    found = problems(Path.cwd())
    for message in found:
        print(message, file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    raise SystemExit(main())
