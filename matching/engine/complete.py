"""Among optimal allocations, fully cover more cases: a post-pass that keeps the optimum.

Money that reaches a need through its class node (from uncapped sources) is interchangeable
between the needs of that class *with the same urgency*: moving it changes neither the objective
nor feasibility. So each (class, urgency) pair is a pool, and the pass re-deals the pools,
completing cases that need the least pool money first (the knapsack "smallest first" rule), then
spreading what is left over the other lines. The result is kept only if it fully covers more
cases than the flow it started from. It is a heuristic: the exact maximum is an integer program.
"""

from __future__ import annotations

import numpy as np

from matching.engine.network import Network
from matching.engine.problem import BoolArray, IntArray


def complete_more_cases(net: Network, flow: IntArray) -> IntArray:
    """Re-deal the class pools of ``flow`` to fully cover more cases (same objective).

    Args:
        net: the network the flow belongs to.
        flow: an optimal flow (arc flows of the static arcs come first).

    Returns:
        A flow with the same objective and at least as many fully covered cases.
    """
    p = net.problem
    received = flow[net.sink_arcs]
    arcs = np.arange(net.kn_arcs.start, net.kn_arcs.stop)
    if len(arcs) == 0:
        return flow
    need = net.kn_need
    pooled = flow[arcs]
    room = p.amount[need] - (received[need] - pooled)  # what the pool may give each line
    pool = np.unique(net.kn_class * 8 + p.urgency[need], return_inverse=True)[1].reshape(-1)
    left = np.zeros(int(pool.max()) + 1, dtype=np.int64)
    np.add.at(left, pool, pooled)
    done = _complete_smallest_first(
        net, need, room, pool, left, received - _by_need(len(p.amount), need, pooled)
    )
    new = _deal_rest(pool, room, done, left)
    before = _count_complete(net, received)
    trial = received.copy()
    trial[need] += new - pooled
    if _count_complete(net, trial) <= before:
        return flow
    out = flow.copy()
    out[arcs] = new
    out[net.sink_arcs] = trial
    return out


def _by_need(n: int, need: IntArray, values: IntArray) -> IntArray:
    out = np.zeros(n, dtype=np.int64)
    out[need] = values
    return out


def _count_complete(net: Network, received: IntArray) -> int:
    p = net.problem
    full = np.ones(p.n_cases, dtype=np.bool_)
    np.logical_and.at(full, p.case, received >= p.amount)
    return int(full.sum())


def _complete_smallest_first(
    net: Network, need: IntArray, room: IntArray, pool: IntArray, left: IntArray, fixed: IntArray
) -> BoolArray:
    """Give whole cases their pool money, cheapest case first, while the pools last.

    Returns:
        Per pooled line (aligned with ``need``), whether it was given its full ``room``.
    """
    p = net.problem
    # a case can be completed only if its lines outside the pools are already full
    blocked = np.zeros(p.n_cases, dtype=np.bool_)
    outside = np.ones(len(p.amount), dtype=np.bool_)
    outside[need] = False
    blocked[p.case[outside & (fixed < p.amount)]] = True
    cost = np.zeros(p.n_cases, dtype=np.int64)
    np.add.at(cost, p.case[need], room)
    order = np.lexsort((p.case[need], cost[p.case[need]]))
    done = np.zeros(len(need), dtype=np.bool_)
    case_of, pools, rooms = p.case[need][order].tolist(), pool[order].tolist(), room[order].tolist()
    balance = left.tolist()
    i = 0
    while i < len(order):
        j = i
        while j < len(order) and case_of[j] == case_of[i]:
            j += 1
        if not blocked[case_of[i]] and _fits(pools[i:j], rooms[i:j], balance):
            for k in range(i, j):
                balance[pools[k]] -= rooms[k]
            done[order[i:j]] = True
        i = j
    left[:] = balance
    return done


def _fits(pools: list[int], rooms: list[int], balance: list[int]) -> bool:
    wanted: dict[int, int] = {}
    for q, r in zip(pools, rooms, strict=True):
        wanted[q] = wanted.get(q, 0) + r
    return all(balance[q] >= r for q, r in wanted.items())


def _deal_rest(pool: IntArray, room: IntArray, done: BoolArray, left: IntArray) -> IntArray:
    """Completed lines get their room; the rest of each pool fills the other lines in order."""
    new = np.where(done, room, 0)
    rest = np.nonzero(~done)[0]
    rest = rest[np.argsort(pool[rest], kind="stable")]
    r_pool, r_room = pool[rest], room[rest]
    before = np.cumsum(r_room) - r_room
    start = np.searchsorted(r_pool, r_pool, side="left")
    within = before - before[start] if len(rest) else before
    new[rest] = np.clip(left[r_pool] - within, 0, r_room)
    return new
