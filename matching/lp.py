"""An independent exact check: the allocation LP over every eligible (source, need) pair.

Straight from shared/matching-instance.md - one variable per eligible pair, one row per source,
per need and per (capped source, case) - solved by HiGHS through SciPy. It shares only the
eligibility rules with :func:`matching.allocate.allocate`, and it materializes every pair, so it
is for small instances (tests, benchmarks up to a few hundred thousand pairs).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy.optimize import linprog  # type: ignore[import-untyped]
from scipy.sparse import coo_matrix  # type: ignore[import-untyped]

from matching.rules import accepts
from matching.types import Need, Source

MAX_PAIRS = 5_000_000


def lp_optimum(needs: Sequence[Need], sources: Sequence[Source]) -> int:
    """The optimal objective (sum of urgency x fen) of the allocation LP.

    Args:
        needs: need lines (service lines take no money and are ignored).
        sources: sources.

    Returns:
        The optimum, rounded to an integer (the LP is a network flow with integer data, so its
        optimum is integral).

    Raises:
        ValueError: when the instance has more than ``MAX_PAIRS`` eligible pairs.
        RuntimeError: when HiGHS does not report an optimum.
    """
    money = [n for n in needs if n.is_money and n.amount_fen > 0]
    funders = [s for s in sources if s.amount_fen > 0]
    pairs = [(i, j) for i, s in enumerate(funders) for j, n in enumerate(money) if accepts(s, n)]
    if len(pairs) > MAX_PAIRS:
        raise ValueError(f"{len(pairs)} eligible pairs: too many for the LP check")
    if not pairs:
        return 0
    rows: list[int] = []
    cols: list[int] = []
    bounds: list[int] = []
    cap_rows: dict[tuple[int, str], int] = {}
    for k, (i, j) in enumerate(pairs):
        rows += [i, len(funders) + j]
        cols += [k, k]
        cap = funders[i].per_case_cap_fen
        if cap is not None:
            key = (i, money[j].case)
            if key not in cap_rows:
                cap_rows[key] = len(funders) + len(money) + len(cap_rows)
                bounds.append(cap)
            rows.append(cap_rows[key])
            cols.append(k)
    b = [s.amount_fen for s in funders] + [n.amount_fen for n in money] + bounds
    matrix = coo_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(b), len(pairs))).tocsr()
    c = -np.array([money[j].urgency for _, j in pairs], dtype=np.float64)
    result = linprog(
        c, A_ub=matrix, b_ub=np.array(b, dtype=np.float64), bounds=(0, None), method="highs"
    )
    if result.status != 0:
        raise RuntimeError(f"HiGHS: {result.message}")
    return round(-float(result.fun))
