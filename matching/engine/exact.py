"""The exact global allocation: column generation on the class network, then a tie-break.

1. Build the class network (:mod:`matching.engine.network`); activate, per capped source, the
   gadgets of its most urgent binding cases (:mod:`matching.engine.gadgets`).
2. Repeat: solve exactly (lexicographic max flow by urgency, :mod:`matching.engine.flow`), compute
   the node values, activate the gadgets that could still improve - until none can. The flow is
   then optimal for the complete network, i.e. for the allocation problem.
3. Among optimal flows, prefer completing cases. Complementary slackness with the node values
   fixes some arcs in *every* optimal flow; over the others (the optimal face) a min-cost flow
   rewards each fen given to case c by ``1 / demand(c)`` - the LP relaxation of "fully cover
   the most cases", which fills the cheapest cases first. Then the class pools are re-dealt to
   complete whole cases (:mod:`matching.engine.complete`). Both steps keep the optimum (checked);
   the number of fully covered cases they reach is a heuristic, not a proven maximum (that is an
   integer program).
"""

from __future__ import annotations

import time
from typing import Literal

import numpy as np

from matching.engine.complete import complete_more_cases
from matching.engine.decompose import decompose
from matching.engine.flow import ResidualMaxFlow, min_cost_flow_solve, node_values, optimal_face
from matching.engine.gadgets import Gadgets
from matching.engine.network import Network, S, T, build_network
from matching.engine.problem import IntArray, Problem
from matching.types import URGENCY_MAX, URGENCY_MIN

PATIENT_ROUNDS = 3  # after these, double the gadgets a source may add per round
TIE_SCALE = 2**30

Engine = Literal["maxflow", "mincost"]
Arrays = tuple[int, IntArray, IntArray, IntArray, IntArray]  # nodes, tail, head, cap, gain


def solve_exact(
    problem: Problem, prefer_complete: bool = True, spread: float = 1.5, engine: Engine = "maxflow"
) -> tuple[IntArray, IntArray, IntArray, dict[str, float]]:
    """Optimal gifts for ``problem``.

    Args:
        problem: the arrays of :func:`matching.engine.problem.build_problem`.
        prefer_complete: among optimal allocations, prefer ones fully covering more cases.
        spread: per round, a capped source gets at most ``spread * money / cap + 2`` new
            gadgets (it can fill about ``money / cap`` cases); doubled every round after
            ``PATIENT_ROUNDS``, so the number of rounds stays logarithmic.
        engine: ``"maxflow"`` (lexicographic max flow) or ``"mincost"`` (OR-Tools min-cost
            flow throughout: an independent cross-check).

    Returns:
        ``(source, need, amount, stats)``, indices into ``problem.sources`` / ``problem.needs``.
    """
    clock = time.perf_counter()
    net = build_network(problem)
    gadgets = Gadgets(net)
    guess = np.zeros(net.n_nodes, dtype=np.int64)
    guess[net.need_node] = problem.urgency
    gadgets.price(guess, spread)
    stats: dict[str, float] = {"build_s": time.perf_counter() - clock}
    rounds = 0
    while True:
        rounds += 1
        arrays = _round_arrays(net, gadgets)
        flow = _optimal_flow(net, arrays, engine)
        values = node_values(*arrays[:4], flow, arrays[4], T)
        if gadgets.price(values, spread * 2.0 ** max(0, rounds - PATIENT_ROUNDS)) == 0:
            break
    stats.update(rounds=rounds, nodes=arrays[0], arcs=len(arrays[1]), gadgets=gadgets.count)
    stats["optimum_s"] = time.perf_counter() - clock - stats["build_s"]
    if prefer_complete and len(arrays[1]):
        flow = complete_more_cases(net, _cheapest_cases_first(net, arrays, flow, values))
    src, need, amount = decompose(net, gadgets, flow)
    stats["total_s"] = time.perf_counter() - clock
    return src, need, amount, stats


def _round_arrays(net: Network, gadgets: Gadgets) -> Arrays:
    """(nodes, tail, head, capacity, gain) of the static network plus the active gadgets."""
    tail, head, cap, gain = net.blocks.arrays()
    extra, g_tail, g_head, g_cap = gadgets.arcs()
    return (
        net.n_nodes + extra,
        np.concatenate([tail, g_tail]),
        np.concatenate([head, g_head]),
        np.concatenate([cap, g_cap]),
        np.concatenate([gain, np.zeros(len(g_tail), dtype=np.int64)]),
    )


def _supply(n_nodes: int, total: int) -> IntArray:
    supply = np.zeros(n_nodes, dtype=np.int64)
    supply[S], supply[T] = total, -total
    return supply


def _optimal_flow(net: Network, arrays: Arrays, engine: Engine) -> IntArray:
    n_nodes, tail, head, cap, gain = arrays
    if engine == "mincost":
        return min_cost_flow_solve(n_nodes, tail, head, cap, -gain, _supply(n_nodes, net.total))
    solver = ResidualMaxFlow(n_nodes, tail, head, cap, S, T)
    flow = np.zeros(len(tail), dtype=np.int64)
    enabled = np.zeros(len(tail), dtype=np.int64)
    for urgency in range(URGENCY_MAX, URGENCY_MIN - 1, -1):
        enabled[np.nonzero((head == T) & (gain == urgency))[0]] = 1
        flow = solver.augment(flow, enabled)
    out_of_s = (tail == S) & (head != T)
    flow[net.bypass_arc] = net.total - int(flow[out_of_s].sum())
    return flow


def _case_weights(problem: Problem) -> IntArray:
    """Reward per fen given to a case: about ``2**30 / demand``; 0 if a line has no source."""
    weight = np.maximum(TIE_SCALE // np.maximum(problem.case_total, 1), 1)
    reachable = np.asarray(problem.sig_mask[np.unique(problem.sig)].any(axis=0), dtype=np.bool_)
    hopeless = np.zeros(problem.n_cases, dtype=np.bool_)
    hopeless[problem.case[~reachable[problem.cls]]] = True
    return np.where(hopeless, 0, weight).astype(np.int64)


def _cheapest_cases_first(
    net: Network, arrays: Arrays, flow: IntArray, values: IntArray
) -> IntArray:
    """Re-solve over the optimal face, rewarding money to cases by 1 / their demand."""
    n_nodes, tail, head, cap, gain = arrays
    held, free = optimal_face(tail, head, cap, flow, gain, values)
    supply = _supply(n_nodes, net.total)
    np.subtract.at(supply, tail, held)
    np.add.at(supply, head, held)
    cost = np.zeros(len(tail), dtype=np.int64)
    problem = net.problem
    cost[net.sink_arcs] = -_case_weights(problem)[problem.case]
    sub = np.nonzero(free)[0]
    result = held.copy()
    result[sub] = min_cost_flow_solve(n_nodes, tail[sub], head[sub], cap[sub], cost[sub], supply)
    if int((gain * result).sum()) != int((gain * flow).sum()):
        raise RuntimeError("tie-break changed the objective")  # impossible with exact solvers
    return result
