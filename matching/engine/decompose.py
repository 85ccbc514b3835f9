"""Read a flow back as (source, need, amount) gifts.

Every node of the network has the property that any of its inflows may go to any of its
outflows (a group's members all accept the group's classes; a class node's groups all accept
its needs). Chains are the one exception, handled by ordering: inflows by cap (highest first)
and outflows by case demand (highest first) - the flow guarantees the needs above any cap are
served by sources whose cap is at least that high, so laying both end to end never pairs a
source with a case where its cap could bind.
"""

from __future__ import annotations

import numpy as np

from matching.engine.gadgets import Gadgets
from matching.engine.network import Network
from matching.engine.problem import IntArray
from matching.engine.ranges import merge_intervals


def decompose(
    net: Network, gadgets: Gadgets, flow: IntArray
) -> tuple[IntArray, IntArray, IntArray]:
    """Gifts of a flow on ``net`` (with ``gadgets`` appended).

    Returns:
        ``(source, need, amount)`` arrays (problem indices), one entry per pair, amounts > 0.
    """
    parts = [_group_route(net, flow), _chains(net, flow), gadgets.gifts(flow)]
    src = np.concatenate([p[0] for p in parts])
    need = np.concatenate([p[1] for p in parts])
    amount = np.concatenate([p[2] for p in parts])
    keep = amount > 0
    src, need, amount = src[keep], need[keep], amount[keep]
    pair = src * max(1, len(net.problem.amount)) + need
    uniq, inverse = np.unique(pair, return_inverse=True)
    total = np.zeros(len(uniq), dtype=np.int64)
    np.add.at(total, inverse, amount)
    n = max(1, len(net.problem.amount))
    return uniq // n, uniq % n, total


def _group_route(net: Network, flow: IntArray) -> tuple[IntArray, IntArray, IntArray]:
    p = net.problem
    group_flow = flow[net.group_arcs]
    supply = p.supply[net.members]
    before = np.cumsum(supply) - supply
    group_start = np.zeros(len(group_flow), dtype=np.int64)
    if len(net.members):
        firsts = np.searchsorted(net.member_group, np.arange(len(group_flow)), side="left")
        group_start = before[np.minimum(firsts, len(before) - 1)]
    within = before - group_start[net.member_group]
    used = np.clip(group_flow[net.member_group] - within, 0, supply)
    m, a, amt = merge_intervals(used, flow[net.gk_arcs])
    piece_class = net.gk_class[a]
    order = np.argsort(piece_class, kind="stable")
    i, j, amt2 = merge_intervals(amt[order], flow[net.kn_arcs])
    return net.members[m[order][i]], net.kn_need[j], amt2


def _chains(net: Network, flow: IntArray) -> tuple[IntArray, IntArray, IntArray]:
    if not net.chain_need_arcs:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty
    inflow = flow[net.attach_arcs]
    in_order = np.argsort(net.attach_order, kind="stable")
    arcs = np.concatenate([np.arange(a.start, a.stop) for a, _, _, _ in net.chain_need_arcs])
    chain = np.concatenate([c for _, c, _, _ in net.chain_need_arcs])
    pos = np.concatenate([q for _, _, q, _ in net.chain_need_arcs])
    need = np.concatenate([n for _, _, _, n in net.chain_need_arcs])
    out_order = np.lexsort((-pos, chain))
    i, j, amt = merge_intervals(inflow[in_order], flow[arcs[out_order]])
    return net.capped.src[net.attach_s[in_order][i]], need[out_order][j], amt
