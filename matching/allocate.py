"""Global allocation of rule pledges, company funds and money projects across all open cases.

:func:`allocate` finds the exact optimum of shared/matching-instance.md (maximize the sum of
urgency x fen placed) as a min-cost flow on a network built from need *classes*, with column
generation for the (source, case) pairs where a per-case cap can bind; see
:mod:`matching.engine.exact`. Among optimal allocations it prefers ones that fully cover more
cases (an exact LP tie-break over the optimal face; a heuristic for the count itself).

:func:`greedy_fcfs` and :func:`greedy_urgency` are the baselines; :func:`lp_optimum` is the
independent exact check for small instances.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from matching.baselines import greedy_fcfs, greedy_urgency
from matching.engine.exact import solve_exact
from matching.engine.problem import build_problem
from matching.lp import lp_optimum
from matching.types import Allocation, AllocationResult, Need, Source
from matching.verify import cases_fully_covered

__all__ = ["allocate", "greedy_fcfs", "greedy_urgency", "lp_optimum"]


def allocate(
    needs: Sequence[Need], sources: Sequence[Source], prefer_complete: bool = True
) -> AllocationResult:
    """Allocate sources' money to need lines, maximizing urgency-weighted money placed.

    Only money lines (cash, in kind) take part; service lines are matched by the plan builder.

    Args:
        needs: open need lines of all cases.
        sources: rule pledges, company funds and money projects with the money they still have.
        prefer_complete: among optimal allocations, prefer ones that fully cover more cases.

    Returns:
        The allocation (one entry per (source, need) pair, amounts > 0, sorted by source then
        need), its objective, the number of fully covered cases and the time taken.

    Raises:
        ValueError: when need ids or source ids repeat.
    """
    clock = time.perf_counter()
    for kind, ids in (("need", [n.id for n in needs]), ("source", [s.id for s in sources])):
        if len(set(ids)) != len(ids):
            raise ValueError(f"duplicate {kind} ids")
    problem = build_problem(needs, sources)
    src, need, amount, stats = solve_exact(problem, prefer_complete=prefer_complete)
    order = sorted(range(len(src)), key=lambda k: (int(src[k]), int(need[k])))
    allocations = tuple(
        Allocation(problem.sources[int(src[k])].id, problem.needs[int(need[k])].id, int(amount[k]))
        for k in order
    )
    value = int((problem.urgency[need] * amount).sum())
    return AllocationResult(
        allocations=allocations,
        objective=value,
        cases_fully_covered=cases_fully_covered(needs, allocations),
        seconds=time.perf_counter() - clock,
        method="exact",
        stats=stats,
    )
