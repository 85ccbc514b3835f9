"""Greedy baselines the exact allocation is measured against.

* **first come, first served**: needs in the order given (publication order), each taking money
  from its eligible sources in the order given, respecting per-case caps;
* **urgency first**: the same, most urgent needs first (stable within an urgency).

Both are feasible by construction and never better than the optimum.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

import numpy as np

from matching.engine.problem import Problem, build_problem
from matching.types import Allocation, AllocationResult, Need, Source
from matching.verify import cases_fully_covered


def greedy_fcfs(needs: Sequence[Need], sources: Sequence[Source]) -> AllocationResult:
    """First-come-first-served greedy allocation.

    Args:
        needs: need lines in arrival order (service lines are ignored).
        sources: sources in arrival order.

    Returns:
        The allocation, its objective and fully covered cases.
    """
    return _greedy(needs, sources, by_urgency=False)


def greedy_urgency(needs: Sequence[Need], sources: Sequence[Source]) -> AllocationResult:
    """Urgency-first greedy allocation (most urgent lines first, then arrival order).

    Args:
        needs: need lines (service lines are ignored).
        sources: sources in arrival order.

    Returns:
        The allocation, its objective and fully covered cases.
    """
    return _greedy(needs, sources, by_urgency=True)


def _class_sources(problem: Problem, cls: int) -> list[int]:
    sigs = np.nonzero(problem.sig_mask[:, cls])[0]
    return [int(i) for i in np.nonzero(np.isin(problem.sig, sigs))[0]]


def _greedy(needs: Sequence[Need], sources: Sequence[Source], by_urgency: bool) -> AllocationResult:
    clock = time.perf_counter()
    p = build_problem(needs, sources)
    left = [int(x) for x in p.supply]
    caps = [int(x) for x in p.cap]  # -1: no cap that can bind
    order = (
        sorted(range(len(p.needs)), key=lambda i: -p.needs[i].urgency)
        if by_urgency
        else range(len(p.needs))
    )
    per_class: dict[int, list[int]] = {}
    start: dict[int, int] = {}
    cap_left: dict[tuple[int, int], int] = {}
    gifts: list[Allocation] = []
    for i in order:
        need, cls, case = p.needs[i], int(p.cls[i]), int(p.case[i])
        if cls not in per_class:
            per_class[cls], start[cls] = _class_sources(p, cls), 0
        candidates, wanted = per_class[cls], need.amount_fen
        while start[cls] < len(candidates) and left[candidates[start[cls]]] == 0:
            start[cls] += 1
        for s in candidates[start[cls] :]:
            if wanted == 0:
                break
            room = left[s] if caps[s] < 0 else min(left[s], cap_left.get((s, case), caps[s]))
            if room <= 0:
                continue
            give = min(room, wanted)
            left[s] -= give
            wanted -= give
            if caps[s] >= 0:
                cap_left[s, case] = cap_left.get((s, case), caps[s]) - give
            gifts.append(Allocation(p.sources[s].id, need.id, give))
    allocations = tuple(gifts)
    return AllocationResult(
        allocations=allocations,
        objective=_objective(p, allocations),
        cases_fully_covered=cases_fully_covered(needs, allocations),
        seconds=time.perf_counter() - clock,
        method="greedy-urgency" if by_urgency else "greedy-fcfs",
    )


def _objective(p: Problem, allocations: Sequence[Allocation]) -> int:
    urgency = {n.id: n.urgency for n in p.needs}
    return sum(urgency[a.need] * a.amount_fen for a in allocations)
