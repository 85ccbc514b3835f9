"""The min-cost-flow network of global allocation, built from classes rather than pairs.

Nodes: super source S, sink T, one node per *group* (uncapped sources with the same rules),
one per capped source, one per class, chain nodes, one per need line, and per-(source, case)
*gadget* nodes added by column generation. Arcs (capacity; only need -> T arcs have a gain, the
need's urgency per fen):

* ``S -> group`` (its money), ``S -> capped source`` (its money), ``S -> T`` (money left over);
* ``group -> class`` for every class its rules accept, ``class -> need`` for every need;
* capped sources reach, through a *chain* per (class, demand key), exactly the needs of cases
  whose demand for them is <= their cap, so the cap cannot bind there;
* for a case where the cap can bind, a gadget ``source -> (source, case) -> lines`` whose first
  arc carries the cap (or a direct ``source -> line`` arc capped at the cap for one line);
* ``need -> T`` (the need's amount).

Every S-T path is an eligible, cap-respecting gift, so any flow decomposes into a feasible
allocation (:mod:`matching.engine.decompose`), and every feasible allocation is such a flow once
all gadgets are present: the network is exact.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from matching.engine.problem import SINGLE, IntArray, Problem
from matching.engine.ranges import expand_ranges

S, T = 0, 1


def _empty() -> IntArray:
    return np.zeros(0, dtype=np.int64)


def _no_arcs() -> slice:
    return slice(0, 0)


@dataclass
class Blocks:
    """Arcs as parallel arrays, appended block by block."""

    tail: list[IntArray] = field(default_factory=list)
    head: list[IntArray] = field(default_factory=list)
    cap: list[IntArray] = field(default_factory=list)
    gain: list[IntArray] = field(default_factory=list)
    size: int = 0

    def add(
        self, tail: IntArray, head: IntArray, cap: IntArray | int, gain: IntArray | int = 0
    ) -> slice:
        """Append arcs; returns their index range."""
        n = len(tail)
        self.tail.append(np.asarray(tail, dtype=np.int64))
        self.head.append(np.asarray(head, dtype=np.int64))
        self.cap.append(np.broadcast_to(np.asarray(cap, dtype=np.int64), (n,)).copy())
        self.gain.append(np.broadcast_to(np.asarray(gain, dtype=np.int64), (n,)).copy())
        start = self.size
        self.size += n
        return slice(start, self.size)

    def arrays(self) -> tuple[IntArray, IntArray, IntArray, IntArray]:
        """(tail, head, capacity, gain) of all arcs."""
        empty = np.zeros(0, dtype=np.int64)
        return tuple(
            np.concatenate(x) if x else empty for x in (self.tail, self.head, self.cap, self.gain)
        )  # type: ignore[return-value]


@dataclass
class Sorted:
    """Needs sorted by (class, demand key), for one key kind."""

    order: IntArray  # need index at each position
    comp: IntArray  # class * (len(keys) + 1) + rank of the key, ascending
    keys: IntArray  # the distinct keys, ascending
    class_start: IntArray
    class_end: IntArray

    def after(self, cls: IntArray, cap: IntArray) -> IntArray:
        """Per (class, cap): the first position of that class whose key exceeds the cap."""
        rank = np.searchsorted(self.keys, cap, side="right")
        return np.searchsorted(self.comp, cls * (len(self.keys) + 1) + rank, side="left").astype(
            np.int64
        )


@dataclass
class Capped:
    """Capped sources whose cap can bind somewhere, and their (source, class) attachments."""

    src: IntArray  # problem source index
    cap: IntArray
    att_s: IntArray  # local capped index
    att_class: IntArray
    att_kind: IntArray  # SINGLE or TOTAL
    att_pos: IntArray  # first position (in that kind's order) where the cap can bind
    att_end: IntArray  # end of the class in that kind's order


def sorted_by_key(problem: Problem, kind: int) -> Sorted:
    """Needs sorted by class then by the demand key of ``kind``."""
    key = problem.key[kind]
    keys, rank = np.unique(key, return_inverse=True)
    order = np.lexsort((key, problem.cls)).astype(np.int64)
    comp = problem.cls[order] * (len(keys) + 1) + rank.reshape(-1)[order]
    classes = np.arange(problem.n_classes, dtype=np.int64)
    sorted_cls = problem.cls[order]
    start = np.searchsorted(sorted_cls, classes, side="left").astype(np.int64)
    end = np.searchsorted(sorted_cls, classes, side="right").astype(np.int64)
    return Sorted(order, comp.astype(np.int64), keys.astype(np.int64), start, end)


def find_capped(problem: Problem, by_key: tuple[Sorted, Sorted]) -> Capped:
    """Capped sources with at least one case where the cap can bind, and their attachments."""
    src = np.nonzero(problem.cap >= 0)[0].astype(np.int64)
    local, cls = np.nonzero(problem.sig_mask[problem.sig[src]])
    local, cls = local.astype(np.int64), cls.astype(np.int64)
    kind = np.where(problem.sig_single[problem.sig[src[local]]], SINGLE, 1 - SINGLE).astype(
        np.int64
    )
    cap = problem.cap[src[local]]
    pos = np.zeros(len(local), dtype=np.int64)
    end = np.zeros(len(local), dtype=np.int64)
    for k, table in enumerate(by_key):
        sel = kind == k
        pos[sel] = table.after(cls[sel], cap[sel])
        end[sel] = table.class_end[cls[sel]]
    binds = np.zeros(len(src), dtype=np.int64)
    np.add.at(binds, local, end - pos)
    keep = binds > 0
    new_local = np.cumsum(keep) - 1
    att = keep[local]
    return Capped(
        src=src[keep],
        cap=problem.cap[src[keep]],
        att_s=new_local[local[att]],
        att_class=cls[att],
        att_kind=kind[att],
        att_pos=pos[att],
        att_end=end[att],
    )


@dataclass
class Network:
    """The static part of the network plus what decomposition needs to read flows back."""

    problem: Problem
    by_key: tuple[Sorted, Sorted]
    capped: Capped
    blocks: Blocks = field(default_factory=Blocks)
    n_nodes: int = 2
    total: int = 0
    need_node: IntArray = field(default_factory=_empty)
    capped_node: IntArray = field(default_factory=_empty)
    # group route
    members: IntArray = field(default_factory=_empty)
    member_group: IntArray = field(default_factory=_empty)
    group_arcs: slice = field(default_factory=_no_arcs)
    gk_arcs: slice = field(default_factory=_no_arcs)
    gk_group: IntArray = field(default_factory=_empty)
    gk_class: IntArray = field(default_factory=_empty)
    kn_arcs: slice = field(default_factory=_no_arcs)
    kn_need: IntArray = field(default_factory=_empty)
    kn_class: IntArray = field(default_factory=_empty)
    # chains
    attach_arcs: slice = field(default_factory=_no_arcs)
    attach_s: IntArray = field(default_factory=_empty)
    attach_order: IntArray = field(default_factory=_empty)
    chain_need_arcs: list[tuple[slice, IntArray, IntArray, IntArray]] = field(default_factory=list)
    # terminal arcs
    sink_arcs: slice = field(default_factory=_no_arcs)
    bypass_arc: int = 0
    # needs by case: case c's lines are case_order[case_ptr[c]:case_ptr[c + 1]]
    case_order: IntArray = field(default_factory=_empty)
    case_ptr: IntArray = field(default_factory=_empty)

    def new_nodes(self, count: int) -> IntArray:
        """Reserve ``count`` node ids."""
        ids = np.arange(self.n_nodes, self.n_nodes + count, dtype=np.int64)
        self.n_nodes += count
        return ids


def build_network(problem: Problem) -> Network:
    """The static network (everything but the gadgets) for ``problem``."""
    by_key = (sorted_by_key(problem, 0), sorted_by_key(problem, 1))
    capped = find_capped(problem, by_key)
    net = Network(problem, by_key, capped)
    net.total = int(problem.supply.sum())
    net.need_node = net.new_nodes(len(problem.amount))
    net.capped_node = net.new_nodes(len(capped.src))
    net.blocks.add(np.full(len(capped.src), S), net.capped_node, problem.supply[capped.src])
    _group_route(net)
    _chains(net)
    net.sink_arcs = net.blocks.add(
        net.need_node, np.full(len(problem.amount), T), problem.amount, problem.urgency
    )
    net.bypass_arc = net.blocks.add(np.array([S]), np.array([T]), net.total).start
    net.case_order = np.argsort(problem.case, kind="stable").astype(np.int64)
    net.case_ptr = np.searchsorted(
        problem.case[net.case_order], np.arange(problem.n_cases + 1)
    ).astype(np.int64)
    return net


def _group_route(net: Network) -> None:
    """Uncapped sources, merged by signature into groups, reach whole classes."""
    p = net.problem
    is_capped = np.zeros(len(p.supply), dtype=np.bool_)
    is_capped[net.capped.src] = True
    free = np.nonzero(~is_capped)[0].astype(np.int64)
    sigs, group_of = np.unique(p.sig[free], return_inverse=True)
    order = np.lexsort((free, group_of))
    net.members, net.member_group = free[order], group_of[order].astype(np.int64)
    group_supply = np.zeros(len(sigs), dtype=np.int64)
    np.add.at(group_supply, net.member_group, p.supply[net.members])
    group_node = net.new_nodes(len(sigs))
    net.group_arcs = net.blocks.add(np.full(len(sigs), S), group_node, group_supply)
    g, k = np.nonzero(p.sig_mask[sigs]) if len(sigs) else (np.zeros(0, np.int64),) * 2
    net.gk_group, net.gk_class = np.asarray(g, np.int64), np.asarray(k, np.int64)
    used = np.zeros(p.n_classes, dtype=np.bool_)
    used[net.gk_class] = True
    class_node = np.full(p.n_classes, -1, dtype=np.int64)
    class_node[used] = net.new_nodes(int(used.sum()))
    net.gk_arcs = net.blocks.add(group_node[net.gk_group], class_node[net.gk_class], net.total)
    needs = np.nonzero(used[p.cls])[0]
    needs = needs[np.argsort(p.cls[needs], kind="stable")].astype(np.int64)
    net.kn_need, net.kn_class = needs, p.cls[needs]
    net.kn_arcs = net.blocks.add(class_node[net.kn_class], net.need_node[needs], net.total)


def _chains(net: Network) -> None:
    """Chains: per (kind, class), one node per distinct cap of the capped sources attached;
    the node for cap c reaches the needs whose case demand is <= c (and the next lower node)."""
    c = net.capped
    attach_tail: list[IntArray] = []
    attach_head: list[IntArray] = []
    attach_s: list[IntArray] = []
    attach_sort: list[IntArray] = []
    for kind, table in enumerate(net.by_key):
        sel = np.nonzero(c.att_kind == kind)[0]
        if len(sel) == 0:
            continue
        cls, cap = c.att_class[sel], c.cap[c.att_s[sel]]
        rows, row_of = np.unique(np.stack([cls, cap]), axis=1, return_inverse=True)
        row_of = row_of.reshape(-1).astype(np.int64)
        row_cls, row_cap = rows[0].astype(np.int64), rows[1].astype(np.int64)
        nodes = net.new_nodes(len(row_cls))
        first = np.concatenate(([True], row_cls[1:] != row_cls[:-1]))
        ends = table.after(row_cls, row_cap)
        starts = np.where(first, table.class_start[row_cls], np.concatenate(([0], ends[:-1])))
        down = np.nonzero(~first)[0]
        net.blocks.add(nodes[down], nodes[down - 1], net.total)
        owner, pos = expand_ranges(starts, ends)
        need = table.order[pos]
        arcs = net.blocks.add(nodes[owner], net.need_node[need], net.total)
        chain_id = kind * net.problem.n_classes + row_cls
        net.chain_need_arcs.append((arcs, chain_id[owner], pos, need))
        attach_tail.append(net.capped_node[c.att_s[sel]])
        attach_head.append(nodes[row_of])
        attach_s.append(c.att_s[sel])
        # inflows in order (chain, highest cap first) for decomposition
        attach_sort.append(chain_id[row_of] * (2**31) - row_of)
    if attach_tail:
        net.attach_arcs = net.blocks.add(
            np.concatenate(attach_tail), np.concatenate(attach_head), net.total
        )
        net.attach_s = np.concatenate(attach_s)
        net.attach_order = np.concatenate(attach_sort)
