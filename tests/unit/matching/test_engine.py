"""Engine helpers: interval merging, ranges, and the generator's shapes."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from matching.engine.ranges import expand_ranges, merge_intervals, rank_within
from matching.generate import generate_instance
from tests.unit.matching.strategies import FAST

amounts = st.lists(st.integers(0, 50), max_size=12)


@FAST
@given(amounts, st.data())
def test_merge_intervals_conserves_both_sides(a: list[int], data: st.DataObject) -> None:
    total = sum(a)
    cuts = sorted(data.draw(st.lists(st.integers(0, total), max_size=6)))
    b = np.diff([0, *cuts, total]).astype(np.int64)
    ia, ib, amount = merge_intervals(np.array(a, dtype=np.int64), b)
    assert (amount > 0).all()
    assert np.bincount(ia, weights=amount, minlength=len(a)).tolist() == a
    assert np.bincount(ib, weights=amount, minlength=len(b)).tolist() == b.tolist()


def test_expand_ranges_and_rank_within() -> None:
    owner, value = expand_ranges(np.array([2, 5, 9]), np.array([4, 5, 12]))
    assert owner.tolist() == [0, 0, 2, 2, 2] and value.tolist() == [2, 3, 9, 10, 11]
    assert rank_within(np.array([0, 0, 1, 3, 3, 3])).tolist() == [0, 1, 0, 0, 1, 2]


def test_generated_shapes() -> None:
    instance = generate_instance(2000, 1000, seed=1)
    needs, sources = instance["needs"], instance["sources"]
    assert len(needs) == 2000 and len(sources) == 1000
    small = sum(1 for s in sources if s["kind"] == "pledge" and s["amount_fen"] < 2000 * 100)
    assert 0.75 < small / len(sources) < 0.95
    assert len({n["region"] for n in needs}) <= 25 and len({n["category"] for n in needs}) == 6
    amounts = np.array([n["amount_fen"] for n in needs], dtype=float)
    assert np.median(amounts) < amounts.mean()  # right-skewed, log-normal
    assert generate_instance(50, 10, seed=3) == generate_instance(50, 10, seed=3)
