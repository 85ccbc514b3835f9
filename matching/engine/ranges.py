"""Small vectorized helpers on int64 arrays."""

from __future__ import annotations

import numpy as np

from matching.engine.problem import IntArray


def expand_ranges(starts: IntArray, ends: IntArray) -> tuple[IntArray, IntArray]:
    """All integers of the half-open ranges ``[starts[i], ends[i])``, with their range index.

    Returns:
        ``(owner, value)``: for every element, the index of its range and the integer itself.
    """
    lengths = np.maximum(ends - starts, 0)
    total = int(lengths.sum())
    owner = np.repeat(np.arange(len(starts), dtype=np.int64), lengths)
    if total == 0:
        return owner, np.zeros(0, dtype=np.int64)
    offsets = np.cumsum(lengths) - lengths
    value = np.arange(total, dtype=np.int64) - np.repeat(offsets - starts, lengths)
    return owner, value


def merge_intervals(a: IntArray, b: IntArray) -> tuple[IntArray, IntArray, IntArray]:
    """Lay two sequences of amounts with the same total end to end and intersect them.

    This is a flow decomposition for a node whose inflows ``a`` may go to any of its outflows
    ``b``: piece k gives ``amount[k]`` from inflow ``ia[k]`` to outflow ``ib[k]``.

    Args:
        a: non-negative inflow amounts.
        b: non-negative outflow amounts, ``sum(b) == sum(a)``.

    Returns:
        ``(ia, ib, amount)`` with positive amounts.

    Raises:
        ValueError: when the totals differ.
    """
    ca, cb = np.cumsum(a), np.cumsum(b)
    total_a = int(ca[-1]) if len(ca) else 0
    total_b = int(cb[-1]) if len(cb) else 0
    if total_a != total_b:
        raise ValueError(f"flow is not conserved ({total_a} in, {total_b} out)")
    ends = np.union1d(ca, cb)
    ends = ends[ends > 0]
    starts = np.concatenate(([0], ends[:-1])).astype(np.int64)
    ia = np.searchsorted(ca, ends, side="left").astype(np.int64)
    ib = np.searchsorted(cb, ends, side="left").astype(np.int64)
    return ia, ib, (ends - starts).astype(np.int64)


def rank_within(groups: IntArray) -> IntArray:
    """For a sorted array of group labels, each element's position inside its group."""
    if len(groups) == 0:
        return np.zeros(0, dtype=np.int64)
    first = np.concatenate(([True], groups[1:] != groups[:-1]))
    start_idx = np.maximum.accumulate(np.where(first, np.arange(len(groups)), 0))
    return np.arange(len(groups), dtype=np.int64) - start_idx
