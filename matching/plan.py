"""The plan builder: one case, one plan.

For the need lines of one case, choose sources that cover them: money lines (cash, in kind) from
money, service lines from service units. The builder prefers few sources that cover whole lines:

1. one source that can cover every open money line (and one for every service line) of the case;
2. otherwise, line by line (most urgent first), a single source that covers the whole line,
   preferring a source already in the plan, then the best score;
3. for what is still open, the best-scored combination of sources, sources already in the plan
   first.

It never gives a line more than it needs, a source more than it has (money or units), or a case
more than a source's per-case cap (money, across the case's lines together).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from matching.scoring import score
from matching.types import DEFAULT_WEIGHTS, Need, Plan, PlanItem, Source, Weights


class _State:
    """What is left while a plan is built: per source money, cap and units; per line need."""

    def __init__(
        self, needs: Sequence[Need], sources: Sequence[Source], available: Mapping[str, int]
    ):
        self.money = {s.id: max(0, available.get(s.id, s.amount_fen)) for s in sources}
        self.cap = {
            s.id: s.per_case_cap_fen if s.per_case_cap_fen is not None else math.inf
            for s in sources
        }
        self.units = {s.id: max(0, s.service_units or 0) for s in sources}
        self.open = {n.id: (n.amount_fen if n.is_money else (n.units or 0)) for n in needs}
        self.items: dict[tuple[str, str], list[int]] = {}
        self.used: dict[str, None] = {}

    def capacity(self, source: Source, need: Need) -> int:
        if need.is_money:
            return int(min(self.money[source.id], self.cap[source.id]))
        return self.units[source.id]

    def give(self, source: Source, need: Need, quantity: int) -> None:
        item = self.items.setdefault((source.id, need.id), [0, 0])
        if need.is_money:
            self.money[source.id] -= quantity
            self.cap[source.id] -= quantity
            item[0] += quantity
        else:
            self.units[source.id] -= quantity
            item[1] += quantity
        self.open[need.id] -= quantity
        self.used[source.id] = None


def build_plan(
    needs: Sequence[Need],
    sources: Sequence[Source],
    weights: Weights = DEFAULT_WEIGHTS,
    available: Mapping[str, int] | None = None,
) -> Plan:
    """Build a plan covering one case's need lines from ``sources``.

    Args:
        needs: the need lines of one case.
        sources: candidate sources (ineligible ones are skipped).
        weights: scoring weights (which source is preferred).
        available: money each source still has, by source id (default: its ``amount_fen``).

    Returns:
        The plan: its items, the coverage and what is still missing per line, and whether it
        covers the whole case.

    Raises:
        ValueError: when the lines belong to more than one case or repeat an id.
    """
    if len({n.case for n in needs}) > 1:
        raise ValueError("build_plan takes the need lines of one case")
    if len({n.id for n in needs}) != len(needs):
        raise ValueError("duplicate need line ids")
    state = _State(needs, sources, available or {})
    order = sorted(needs, key=lambda n: (-n.urgency, -state.open[n.id]))
    for money in (True, False):
        _whole_case(state, [n for n in order if n.is_money == money], sources, weights)
    for need in order:
        _whole_line(state, need, sources, weights)
    for need in order:
        _combination(state, need, sources, weights)
    return _result(state, needs)


def _ranked(
    state: _State, need: Need, sources: Sequence[Source], weights: Weights
) -> list[tuple[Source, float, int]]:
    """Eligible sources with capacity for ``need``: (source, score, capacity), best first."""
    ranked = []
    for source in sources:
        capacity = state.capacity(source, need)
        if capacity <= 0:
            continue
        sc = score(source, need, weights, available=state.money[source.id])
        if sc.eligible:
            ranked.append((source, sc.total, capacity))
    ranked.sort(key=lambda r: (r[0].id not in state.used, -r[1]))
    return ranked


def _whole_case(
    state: _State, lines: list[Need], sources: Sequence[Source], weights: Weights
) -> None:
    lines = [n for n in lines if state.open[n.id] > 0]
    if len(lines) < 2:
        return  # a single line is handled by _whole_line
    total = sum(state.open[n.id] for n in lines)
    best: tuple[float, Source] | None = None
    for source in sources:
        scores = [score(source, n, weights, available=state.money[source.id]) for n in lines]
        if not all(s.eligible for s in scores) or state.capacity(source, lines[0]) < total:
            continue
        mean = sum(s.total for s in scores) / len(scores)
        if best is None or mean > best[0]:
            best = (mean, source)
    if best is not None:
        for need in lines:
            state.give(best[1], need, state.open[need.id])


def _whole_line(state: _State, need: Need, sources: Sequence[Source], weights: Weights) -> None:
    wanted = state.open[need.id]
    if wanted <= 0:
        return
    for source, _, capacity in _ranked(state, need, sources, weights):
        if capacity >= wanted:
            state.give(source, need, wanted)
            return


def _combination(state: _State, need: Need, sources: Sequence[Source], weights: Weights) -> None:
    for source, _, capacity in _ranked(state, need, sources, weights):
        wanted = state.open[need.id]
        if wanted <= 0:
            return
        state.give(source, need, min(capacity, wanted))


def _result(state: _State, needs: Sequence[Need]) -> Plan:
    items = tuple(
        PlanItem(source_id, need_id, amount, units)
        for (source_id, need_id), (amount, units) in state.items.items()
        if amount > 0 or units > 0
    )
    wanted = {n.id: (n.amount_fen if n.is_money else (n.units or 0)) for n in needs}
    missing = {nid: state.open[nid] for nid in wanted}
    covered = {nid: wanted[nid] - missing[nid] for nid in wanted}
    return Plan(items, covered, missing, all(v == 0 for v in missing.values()))
