"""Flow algorithms: lexicographic max flow, min-cost flow (OR-Tools), node values (LP duals).

**Why max flows suffice.** The vectors of money that the needs can receive form a polymatroid
(the flows reaching the sink arcs of a capacitated network), and the objective weights each fen
by its need's urgency alone. On a polymatroid the greedy order is optimal: a flow that carries
the most possible into the urgency-5 needs, then the most possible into the needs of urgency
>= 4, and so on, maximizes the sum of urgency x fen. Each step is an augmenting max flow on the
residual graph, with the sink's reverse arcs left out so that no step takes money back from a
more urgent need. Five max flows (push-relabel, OR-Tools) are much faster than one min-cost
flow here; the min-cost solver stays available as an independent cross-check.

**Node values.** The only arcs with a gain are ``need -> T`` (urgency per fen) and the zero-gain
bypass ``S -> T``. So the value of one more fen at a node (the LP dual) is the highest urgency of
an unsaturated need it can still reach in the residual graph (0 if it only reaches the bypass):
six breadth-first searches compute them exactly. They certify optimality in column generation.
"""

from __future__ import annotations

import numpy as np
from ortools.graph.python import max_flow, min_cost_flow  # type: ignore[import-untyped]
from scipy.sparse import csr_matrix  # type: ignore[import-untyped]
from scipy.sparse.csgraph import breadth_first_order  # type: ignore[import-untyped]

from matching.engine.problem import BoolArray, IntArray
from matching.types import URGENCY_MAX

UNREACHABLE = -10  # value of a node that cannot reach T at all (below every real value)


def min_cost_flow_solve(
    n_nodes: int, tail: IntArray, head: IntArray, cap: IntArray, cost: IntArray, supply: IntArray
) -> IntArray:
    """Solve a min-cost flow exactly with OR-Tools.

    Args:
        n_nodes: number of nodes.
        tail: arc tails.
        head: arc heads.
        cap: arc capacities.
        cost: arc unit costs.
        supply: node supplies (summing to zero).

    Returns:
        The flow on each arc.

    Raises:
        RuntimeError: when the solver does not report an optimum.
    """
    solver = min_cost_flow.SimpleMinCostFlow()
    if len(tail):
        solver.add_arcs_with_capacity_and_unit_cost(
            tail.astype(np.int32), head.astype(np.int32), cap, cost
        )
    nodes = np.nonzero(supply)[0]
    if len(nodes):
        solver.set_nodes_supplies(nodes.astype(np.int32), supply[nodes])
    if solver.num_nodes() < n_nodes:
        solver.set_node_supply(n_nodes - 1, 0)
    status = solver.solve()
    if status != solver.OPTIMAL:
        raise RuntimeError(f"min-cost flow failed: {status}")
    if not len(tail):
        return np.zeros(0, dtype=np.int64)
    flows = solver.flows(np.arange(len(tail), dtype=np.int32))
    return np.asarray(flows, dtype=np.int64)


def node_values(
    n_nodes: int,
    tail: IntArray,
    head: IntArray,
    cap: IntArray,
    flow: IntArray,
    gain: IntArray,
    sink: int,
) -> IntArray:
    """The value of one more unit of flow at each node, given an optimal flow.

    Args:
        n_nodes: number of nodes.
        tail: arc tails.
        head: arc heads.
        cap: arc capacities.
        flow: an optimal flow.
        gain: gain per unit of each arc into the sink (0 elsewhere).
        sink: the sink node.

    Returns:
        Per node, the largest gain of a residual path to the sink (``UNREACHABLE`` if none).
    """
    terminal = head == sink
    inner = ~terminal & (tail != sink)
    fwd = inner & (flow < cap)
    bwd = inner & (flow > 0)
    # edges of the *reversed* residual graph, so a search from the targets finds who reaches them
    rows = [head[fwd], tail[bwd]]
    cols = [tail[fwd], head[bwd]]
    open_terminal = terminal & (flow < cap)
    for level in range(URGENCY_MAX + 1):
        targets = tail[open_terminal & (gain == level)]
        rows.append(np.full(len(targets), n_nodes + level, dtype=np.int64))
        cols.append(targets)
    r, c = np.concatenate(rows), np.concatenate(cols)
    size = n_nodes + URGENCY_MAX + 1
    graph = csr_matrix((np.ones(len(r), dtype=np.int8), (r, c)), shape=(size, size))
    values = np.full(n_nodes, UNREACHABLE, dtype=np.int64)
    for level in range(URGENCY_MAX, -1, -1):
        reached = breadth_first_order(
            graph, n_nodes + level, directed=True, return_predecessors=False
        )
        reached = reached[reached < n_nodes]
        fresh = reached[values[reached] == UNREACHABLE]
        values[fresh] = level
    values[sink] = 0
    return values


class ResidualMaxFlow:
    """Augmenting max flows on the residual graph of a fixed network, one call per step."""

    def __init__(
        self, n_nodes: int, tail: IntArray, head: IntArray, cap: IntArray, source: int, sink: int
    ):
        self.cap, self.source, self.sink = cap, source, sink
        self.into_sink = head == sink
        self.solver = max_flow.SimpleMaxFlow()
        both_tails = np.concatenate([tail, head]).astype(np.int32)
        both_heads = np.concatenate([head, tail]).astype(np.int32)
        if len(both_tails):
            self.solver.add_arcs_with_capacity(
                both_tails, both_heads, np.zeros(len(both_tails), dtype=np.int64)
            )
        if self.solver.num_nodes() < n_nodes:
            self.solver.add_arc_with_capacity(n_nodes - 1, n_nodes - 1, 0)
        self.arcs = np.arange(len(both_tails), dtype=np.int32)

    def augment(self, flow: IntArray, enabled: IntArray) -> IntArray:
        """Push as much more as possible into the sink arcs flagged in ``enabled``.

        Args:
            flow: current flow (not changed).
            enabled: per arc, 1 where an arc into the sink may take more (others stay as they
                are; arcs not into the sink are always usable).

        Returns:
            The augmented flow; flows into the sink never decrease.

        Raises:
            RuntimeError: when the max-flow solver fails.
        """
        forward = np.where(self.into_sink & (enabled == 0), 0, self.cap - flow)
        backward = np.where(self.into_sink, 0, flow)
        if not len(flow):
            return flow
        self.solver.set_arcs_capacity(
            self.arcs, np.concatenate([forward, backward]).astype(np.int64)
        )
        status = self.solver.solve(self.source, self.sink)
        if status != self.solver.OPTIMAL:
            raise RuntimeError(f"max flow failed: {status}")
        extra = np.asarray(self.solver.flows(self.arcs), dtype=np.int64)
        m = len(flow)
        return flow + extra[:m] - extra[m:]


def optimal_face(
    tail: IntArray, head: IntArray, cap: IntArray, flow: IntArray, gain: IntArray, values: IntArray
) -> tuple[IntArray, BoolArray]:
    """The arcs every optimal flow agrees on, by complementary slackness with ``values``.

    Args:
        tail: arc tails.
        head: arc heads.
        cap: arc capacities.
        flow: an optimal flow.
        gain: gain per unit of each arc.
        values: node values of ``flow`` (:func:`node_values`).

    Returns:
        ``(held, free)``: ``free`` marks arcs that may carry anything within capacity in some
        optimal flow; every other arc carries ``held`` (0 or its capacity) in every optimal flow.

    Raises:
        RuntimeError: if ``flow`` violates complementary slackness (it would not be optimal).
    """
    slack = values[tail] - gain - values[head]
    free = slack == 0
    held = np.where(free, 0, np.where(slack > 0, 0, cap)).astype(np.int64)
    if (~free & (held != flow)).any():
        raise RuntimeError("flow is not optimal")
    return held, free
