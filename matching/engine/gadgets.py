"""Column generation over the (capped source, case) gadgets where a cap can bind.

A capped source reaches, through chains, the cases where its cap cannot bind. Every other
eligible case needs a gadget ``source -(cap)-> (source, case) -> its eligible lines`` in the exact
network. There can be millions; an optimum uses few. So gadgets are *priced*: with the node
values ``v`` of an optimal flow (:func:`matching.engine.flow.node_values`), an absent gadget can
improve the optimum only if one of its lines has ``v[line] > v[source]``. When none can, the flow
is optimal for the full network (LP duality: the values extend to every absent gadget with
zero reduced cost). Otherwise the most valuable absent gadgets are added and the flow solved
again.

Pricing never lists (source, line) pairs: a source's binding lines are a suffix of each of its
classes in demand order, values are small integers, so per (value level, class) sorted position
lists answer "how many lines above v[source]" by binary search, and only about as many lines as
will be added are ever enumerated.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from matching.engine.network import Network
from matching.engine.problem import IntArray
from matching.engine.ranges import expand_ranges, rank_within
from matching.types import URGENCY_MAX

LEVELS = range(URGENCY_MAX, -1, -1)


def _empty() -> IntArray:
    return np.zeros(0, dtype=np.int64)


@dataclass
class Gadgets:
    """The active gadgets, their lines, and where their arcs are in the current network."""

    net: Network
    keys: IntArray = field(default_factory=_empty)  # sorted: local source * n_cases + case
    line_src: IntArray = field(default_factory=_empty)  # active gadget lines: local source, need
    line_need: IntArray = field(default_factory=_empty)
    line_key: IntArray = field(default_factory=_empty)
    arc_index: IntArray = field(default_factory=_empty)
    arc_src: IntArray = field(default_factory=_empty)
    arc_need: IntArray = field(default_factory=_empty)

    @property
    def count(self) -> int:
        """Number of active gadgets."""
        return len(self.keys)

    def arcs(self) -> tuple[int, IntArray, IntArray, IntArray]:
        """Nodes and arcs of the active gadgets, appended after the static network.

        Returns:
            ``(extra_nodes, tail, head, cap)``.
        """
        net = self.net
        order = np.argsort(self.line_key, kind="stable")
        key, need, src = self.line_key[order], self.line_need[order], self.line_src[order]
        first = np.concatenate(([True], key[1:] != key[:-1])) if len(key) else np.zeros(0, np.bool_)
        gadget = np.cumsum(first) - 1
        lines = np.bincount(gadget, minlength=int(first.sum())) if len(key) else _empty()
        single = lines[gadget] == 1
        multi_first = first & ~single
        multi_id = np.cumsum(multi_first) - 1
        g_node = net.n_nodes + np.arange(int(multi_first.sum()), dtype=np.int64)
        cap = net.capped.cap
        s_node = net.capped_node
        tail = np.concatenate(
            [s_node[src[single]], s_node[src[multi_first]], g_node[multi_id[~single]]]
        )
        head = np.concatenate([net.need_node[need[single]], g_node, net.need_node[need[~single]]])
        caps = np.concatenate(
            [
                cap[src[single]],
                cap[src[multi_first]],
                np.full(int((~single).sum()), net.total, dtype=np.int64),
            ]
        )
        base, n_single, n_multi = net.blocks.size, int(single.sum()), len(g_node)
        self.arc_index = np.concatenate(
            [
                base + np.arange(n_single),
                base + n_single + n_multi + np.arange(int((~single).sum())),
            ]
        ).astype(np.int64)
        self.arc_src = net.capped.src[np.concatenate([src[single], src[~single]])]
        self.arc_need = np.concatenate([need[single], need[~single]])
        return n_multi, tail, head, caps

    def gifts(self, flow: IntArray) -> tuple[IntArray, IntArray, IntArray]:
        """(source, need, amount) carried by the gadget arcs of the last :meth:`arcs` call."""
        return self.arc_src, self.arc_need, flow[self.arc_index]

    def price(self, values: IntArray, spread: float) -> int:
        """Activate absent gadgets that could improve the optimum, the best few per source.

        Args:
            values: node values of an optimal flow (or a guess, e.g. urgencies, at the start).
            spread: a source gets at most ``spread * money / cap + 2`` new gadgets per call.

        Returns:
            How many gadgets were activated; 0 proves the flow optimal for the full network.
        """
        net = self.net
        c = net.capped
        if len(c.src) == 0:
            return 0
        v_need = values[net.need_node]
        v_src = values[net.capped_node]
        pos_lists = [
            [np.nonzero(v_need[t.order] == lv)[0] for lv in range(URGENCY_MAX + 1)]
            for t in net.by_key
        ]
        counts = self._counts(pos_lists, v_src)
        total = np.zeros(len(c.src), dtype=np.int64)
        np.add.at(total, c.att_s, counts.sum(axis=1))
        held = np.zeros(len(c.src), dtype=np.int64)
        np.add.at(held, self.line_src, v_need[self.line_need] > v_src[self.line_src])
        short = total > held
        if not short.any():
            return 0
        if np.isfinite(spread):
            cases = np.ceil(spread * net.problem.supply[c.src] / c.cap)
            limit = np.minimum(cases, net.problem.n_cases).astype(np.int64) + 2
        else:
            limit = np.full(len(c.src), net.problem.n_cases + 2, dtype=np.int64)
        budget = np.where(short, np.minimum(limit, total - held) + held, 0)
        cand_src, cand_need, cand_value = self._enumerate(pos_lists, counts, budget)
        added = self._activate(cand_src, cand_need, cand_value, limit)
        if added == 0:  # pricing found an improving gadget, so one must be added
            raise RuntimeError("column generation stalled")
        return added

    def _counts(self, pos_lists: list[list[IntArray]], v_src: IntArray) -> IntArray:
        """Per attachment and level (5..0), binding lines at that level above the source's value."""
        c = self.net.capped
        counts = np.zeros((len(c.att_s), len(LEVELS)), dtype=np.int64)
        for kind in range(2):
            sel = np.nonzero(c.att_kind == kind)[0]
            for col, level in enumerate(LEVELS):
                lst = pos_lists[kind][level]
                n = np.searchsorted(lst, c.att_end[sel]) - np.searchsorted(lst, c.att_pos[sel])
                counts[sel, col] = np.where(level > v_src[c.att_s[sel]], n, 0)
        return counts

    def _enumerate(
        self, pos_lists: list[list[IntArray]], counts: IntArray, budget: IntArray
    ) -> tuple[IntArray, IntArray, IntArray]:
        """Up to ``budget`` lines per source, highest levels first."""
        c = self.net.capped
        left = budget.copy()
        srcs, needs, vals = [_empty()], [_empty()], [_empty()]
        first_of_src = np.searchsorted(c.att_s, c.att_s, side="left")
        for col, level in enumerate(LEVELS):
            cnt = counts[:, col]
            before = np.cumsum(cnt) - cnt
            within = before - before[first_of_src]
            take = np.clip(left[c.att_s] - within, 0, cnt)
            np.subtract.at(left, c.att_s, take)
            for kind, table in enumerate(self.net.by_key):
                sel = np.nonzero((c.att_kind == kind) & (take > 0))[0]
                lst = pos_lists[kind][level]
                lo = np.searchsorted(lst, c.att_pos[sel])
                owner, idx = expand_ranges(lo, lo + take[sel])
                srcs.append(c.att_s[sel][owner])
                needs.append(table.order[lst[idx]])
                vals.append(np.full(len(idx), level, dtype=np.int64))
        return np.concatenate(srcs), np.concatenate(needs), np.concatenate(vals)

    def _activate(self, src: IntArray, need: IntArray, value: IntArray, limit: IntArray) -> int:
        p = self.net.problem
        n_cases = max(1, p.n_cases)
        key = src * n_cases + p.case[need]
        fresh = ~np.isin(key, self.keys)
        key, src, value = key[fresh], src[fresh], value[fresh]
        order = np.lexsort((key, -value, src))
        key, src = key[order], src[order]
        keep = np.concatenate(([True], key[1:] != key[:-1])) if len(key) else np.zeros(0, np.bool_)
        # first occurrence of each key is its best value; keep each source's best `limit` keys
        key, src = key[keep], src[keep]
        chosen = key[rank_within(src) < limit[src]]
        if len(chosen) == 0:
            return 0
        self._add(np.unique(chosen))
        return len(np.unique(chosen))

    def _add(self, keys: IntArray) -> None:
        """Add gadgets ``keys`` with all their eligible lines."""
        net, p = self.net, self.net.problem
        n_cases = max(1, p.n_cases)
        src, case = keys // n_cases, keys % n_cases
        owner, slot = expand_ranges(net.case_ptr[case], net.case_ptr[case + 1])
        need = net.case_order[slot]
        sig = p.sig[net.capped.src[src[owner]]]
        ok = p.sig_mask[sig, p.cls[need]]
        self.line_src = np.concatenate([self.line_src, src[owner][ok]])
        self.line_need = np.concatenate([self.line_need, need[ok]])
        self.line_key = np.concatenate([self.line_key, keys[owner][ok]])
        self.keys = np.union1d(self.keys, keys)
