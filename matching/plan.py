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

from collections.abc import Mapping, Sequence

import numpy as np

from matching.ranker import IntArray, Ranker
from matching.types import DEFAULT_WEIGHTS, Need, Plan, PlanItem, Source, Weights


class _State:
    """What is left while a plan is built: per source money, cap and units; per line need."""

    def __init__(self, needs: Sequence[Need], ranker: Ranker, available: Mapping[str, int]) -> None:
        sources = ranker.sources
        self.ranker = ranker
        self.money = np.fromiter(
            (max(0, available.get(s.id, s.amount_fen)) for s in sources), np.int64, len(sources)
        )
        big = np.iinfo(np.int64).max
        self.cap = np.where(ranker.cap >= 0, ranker.cap, big)
        self.units = ranker.units.copy()
        self.open = {n.id: (n.amount_fen if n.is_money else (n.units or 0)) for n in needs}
        self.items: dict[tuple[str, str], list[int]] = {}
        self.used = np.zeros(len(sources), dtype=np.bool_)

    def capacity(self, need: Need) -> IntArray:
        if need.is_money:
            return np.minimum(self.money, self.cap)
        return self.units

    def give(self, index: int, need: Need, quantity: int) -> None:
        source = self.ranker.sources[index]
        item = self.items.setdefault((source.id, need.id), [0, 0])
        if need.is_money:
            self.money[index] -= quantity
            self.cap[index] -= quantity
            item[0] += quantity
        else:
            self.units[index] -= quantity
            item[1] += quantity
        self.open[need.id] -= quantity
        self.used[index] = True


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
    state = _State(needs, Ranker(sources, weights), available or {})
    order = sorted(needs, key=lambda n: (-n.urgency, -state.open[n.id]))
    for money in (True, False):
        _whole_case(state, [n for n in order if n.is_money == money])
    for need in order:
        _whole_line(state, need)
    for need in order:
        _combination(state, need)
    return _result(state, needs)


def _ranked(state: _State, need: Need) -> list[tuple[int, int]]:
    """Eligible sources with capacity for ``need``: (index, capacity), sources already in the
    plan first, then by score (with what each source still has), then in input order."""
    eligible, total, _ = state.ranker.totals(need, state.money)
    capacity = state.capacity(need)
    index = np.nonzero(eligible & (capacity > 0))[0]
    order = np.lexsort((index, -total[index], ~state.used[index]))
    return [(int(index[k]), int(capacity[index[k]])) for k in order]


def _whole_case(state: _State, lines: list[Need]) -> None:
    lines = [n for n in lines if state.open[n.id] > 0]
    if len(lines) < 2:
        return  # a single line is handled by _whole_line
    total = sum(state.open[n.id] for n in lines)
    fits = state.capacity(lines[0]) >= total
    mean = np.zeros(len(state.ranker.sources))
    for need in lines:
        eligible, score, _ = state.ranker.totals(need, state.money)
        fits &= eligible
        mean += score
    if not fits.any():
        return
    mean = np.where(fits, mean / len(lines), -np.inf)
    best = int(np.argmax(mean))
    for need in lines:
        state.give(best, need, state.open[need.id])


def _whole_line(state: _State, need: Need) -> None:
    wanted = state.open[need.id]
    if wanted <= 0:
        return
    for index, capacity in _ranked(state, need):
        if capacity >= wanted:
            state.give(index, need, wanted)
            return


def _combination(state: _State, need: Need) -> None:
    for index, capacity in _ranked(state, need):
        wanted = state.open[need.id]
        if wanted <= 0:
            return
        state.give(index, need, min(capacity, wanted))


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
