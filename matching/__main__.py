"""Command line: ``python -m matching allocate | generate | check``.

* ``allocate INSTANCE.json [-o RESULT.json] [--method exact|greedy-fcfs|greedy-urgency]`` writes
  the allocation of shared/matching-instance.md (exit code 2, message on stderr, for a bad
  instance);
* ``generate --needs N --sources M --seed S [-o FILE]`` writes a synthetic instance;
* ``check INSTANCE.json RESULT.json`` verifies a result's feasibility and objective (exit code 1
  when infeasible).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from matching.allocate import allocate, greedy_fcfs, greedy_urgency
from matching.generate import generate_instance
from matching.instance import InstanceError, dump_result, load_instance
from matching.types import Allocation
from matching.verify import cases_fully_covered, check_allocations, objective

METHODS = {"exact": allocate, "greedy-fcfs": greedy_fcfs, "greedy-urgency": greedy_urgency}


class CliError(Exception):
    """A problem with the command's input, reported on stderr with exit code 2."""


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line.

    Args:
        argv: arguments (default: ``sys.argv[1:]``).

    Returns:
        The exit code: 0 ok, 1 an infeasible result (``check``), 2 bad input.
    """
    args = _parser().parse_args(argv)
    try:
        result: int = args.run(args)
    except CliError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return result


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m matching", description="救急难 Match engine")
    sub = parser.add_subparsers(required=True, metavar="COMMAND")
    alloc = sub.add_parser("allocate", help="allocate sources to needs (exact optimum)")
    alloc.add_argument("instance", type=Path)
    alloc.add_argument("-o", "--output", type=Path, help="result file (default: stdout)")
    alloc.add_argument("--method", choices=sorted(METHODS), default="exact")
    alloc.set_defaults(run=_allocate)
    gen = sub.add_parser("generate", help="write a synthetic instance")
    gen.add_argument("--needs", type=int, required=True)
    gen.add_argument("--sources", type=int, required=True)
    gen.add_argument("--seed", type=int, default=0)
    gen.add_argument("--cities", type=int, help="synthetic cities of 10 counties (default: Hubei)")
    gen.add_argument("-o", "--output", type=Path, help="instance file (default: stdout)")
    gen.set_defaults(run=_generate)
    check = sub.add_parser("check", help="verify a result against its instance")
    check.add_argument("instance", type=Path)
    check.add_argument("result", type=Path)
    check.set_defaults(run=_check)
    return parser


def _read_json(path: Path) -> Any:
    try:
        with path.open(encoding="utf-8") as handle:
            return json.load(handle)
    except OSError as exc:
        raise CliError(f"{path}: {exc.strerror}") from exc
    except json.JSONDecodeError as exc:
        raise CliError(f"{path}: not valid JSON ({exc})") from exc


def _write_json(data: object, path: Path | None) -> None:
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    if path is None:
        sys.stdout.write(text + "\n")
    else:
        path.write_text(text + "\n", encoding="utf-8")


def _load(path: Path) -> tuple[Any, Any]:
    try:
        return load_instance(_read_json(path))
    except InstanceError as exc:
        raise CliError(f"{path}: {exc}") from exc


def _allocate(args: argparse.Namespace) -> int:
    needs, sources = _load(args.instance)
    result = METHODS[args.method](needs, sources)
    _write_json(dump_result(result), args.output)
    return 0


def _generate(args: argparse.Namespace) -> int:
    if args.needs < 0 or args.sources < 0:
        raise CliError("--needs and --sources must be >= 0")
    instance = generate_instance(args.needs, args.sources, args.seed, args.cities)
    _write_json(instance, args.output)
    return 0


def _check(args: argparse.Namespace) -> int:
    needs, sources = _load(args.instance)
    data = _read_json(args.result)
    try:
        allocations = [
            Allocation(a["source"], a["need"], int(a["amount_fen"])) for a in data["allocations"]
        ]
    except (KeyError, TypeError, ValueError) as exc:
        raise CliError(f"{args.result}: not a result ({exc!r})") from exc
    problems = check_allocations(needs, sources, allocations)
    report = {
        "feasible": not problems,
        "problems": problems[:20],
        "objective": objective(needs, allocations) if not problems else None,
        "cases_fully_covered": cases_fully_covered(needs, allocations),
    }
    _write_json(report, None)
    return 0 if not problems else 1


if __name__ == "__main__":
    sys.exit(main())
