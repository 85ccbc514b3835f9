"""Independent checks of an allocation: feasibility, objective, fully covered cases.

Written straight from shared/matching-instance.md, pair by pair, sharing nothing with the
allocators except the eligibility rules.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence

from matching.rules import accepts
from matching.types import Allocation, Need, Source


def check_allocations(
    needs: Sequence[Need], sources: Sequence[Source], allocations: Iterable[Allocation]
) -> list[str]:
    """Every way ``allocations`` breaks the contract's feasibility rules.

    Args:
        needs: the instance's need lines.
        sources: the instance's sources.
        allocations: the allocation to check.

    Returns:
        Readable problems; empty when the allocation is feasible.
    """
    need_by_id = {n.id: n for n in needs}
    source_by_id = {s.id: s for s in sources}
    given: dict[str, int] = defaultdict(int)
    received: dict[str, int] = defaultdict(int)
    per_case: dict[tuple[str, str], int] = defaultdict(int)
    problems: list[str] = []
    for a in allocations:
        need, source = need_by_id.get(a.need), source_by_id.get(a.source)
        if need is None or source is None:
            problems.append(f"{a}: unknown source or need")
            continue
        if a.amount_fen <= 0:
            problems.append(f"{a}: amount must be positive")
        if not accepts(source, need) or not need.is_money:
            problems.append(f"{a}: source {source.id} may not fund need {need.id}")
        given[source.id] += a.amount_fen
        received[need.id] += a.amount_fen
        per_case[source.id, need.case] += a.amount_fen
    problems += [
        f"source {s}: gives {v} > {source_by_id[s].amount_fen}"
        for s, v in given.items()
        if v > source_by_id[s].amount_fen
    ]
    problems += [
        f"need {n}: receives {v} > {need_by_id[n].amount_fen}"
        for n, v in received.items()
        if v > need_by_id[n].amount_fen
    ]
    for (s, case), v in per_case.items():
        cap = source_by_id[s].per_case_cap_fen
        if cap is not None and v > cap:
            problems.append(f"source {s}: gives case {case} {v} > cap {cap}")
    return problems


def objective(needs: Sequence[Need], allocations: Iterable[Allocation]) -> int:
    """Urgency-weighted money placed: the sum of ``urgency(need) * amount_fen``."""
    urgency = {n.id: n.urgency for n in needs}
    return sum(urgency[a.need] * a.amount_fen for a in allocations)


def cases_fully_covered(needs: Sequence[Need], allocations: Iterable[Allocation]) -> int:
    """Cases with money to allocate whose every money line receives its full amount."""
    received: dict[str, int] = defaultdict(int)
    for a in allocations:
        received[a.need] += a.amount_fen
    complete: dict[str, bool] = {}
    for n in needs:
        if not n.is_money:
            continue
        done = received[n.id] >= n.amount_fen
        complete[n.case] = complete.get(n.case, True) and done
    wanted = {n.case for n in needs if n.is_money and n.amount_fen > 0}
    return sum(1 for case, ok in complete.items() if ok and case in wanted)
