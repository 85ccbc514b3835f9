"""The allocation problem as flat arrays, with needs grouped into eligibility classes.

Eligibility depends only on a need's (category, region, age band), so needs sharing those form a
*class*, and sources sharing their rules form a *signature*; eligibility is a boolean matrix
signatures x classes (a few hundred by a few hundred), never a list of (source, need) pairs.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from matching.types import Need, Source

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

SINGLE, TOTAL = 0, 1  # which per-case demand bounds what a capped source can give a case


@dataclass(frozen=True)
class Problem:
    """Money needs (amount > 0) and money sources (amount > 0, cap != 0) as arrays.

    ``key[SINGLE]`` is, per need, its case's demand in the need's category; ``key[TOTAL]`` the
    case's whole money demand. A capped source with one category can give a case at most the
    first, any other capped source at most the second: when that is <= its cap, the cap cannot
    bind on that case.
    """

    needs: list[Need]
    sources: list[Source]
    amount: IntArray
    urgency: IntArray
    case: IntArray
    n_cases: int
    cls: IntArray
    n_classes: int
    key: tuple[IntArray, IntArray]
    supply: IntArray
    cap: IntArray  # effective per-case cap, -1 when it can never bind (none, or >= supply)
    sig: IntArray
    sig_mask: BoolArray  # signatures x classes: eligibility
    sig_single: BoolArray  # signature has exactly one category

    @property
    def case_total(self) -> IntArray:
        """Money demand per case."""
        total = np.zeros(self.n_cases, dtype=np.int64)
        np.add.at(total, self.case, self.amount)
        return total


def build_problem(needs: Sequence[Need], sources: Sequence[Source]) -> Problem:
    """Arrays for the money lines and money sources that can take part in allocation.

    Raises:
        ValueError: a source has household bounds (classes are keyed by category, region and
            age band only; such sources are left to per-case plans).
    """
    kept_needs = [n for n in needs if n.is_money and n.amount_fen > 0]
    kept_sources = [
        s
        for s in sources
        if s.amount_fen > 0 and (s.per_case_cap_fen is None or s.per_case_cap_fen > 0)
    ]
    bounded = [s.id for s in kept_sources if s.household_min or s.household_max]
    if bounded:
        raise ValueError(f"sources with household bounds cannot be allocated globally: {bounded}")
    amount = np.fromiter((n.amount_fen for n in kept_needs), np.int64, len(kept_needs))
    urgency = np.fromiter((n.urgency for n in kept_needs), np.int64, len(kept_needs))
    case, n_cases = _index((n.case for n in kept_needs), len(kept_needs))
    class_keys: dict[tuple[str, str, str | None], int] = {}
    cls = np.fromiter(
        (
            class_keys.setdefault((n.category, n.region, n.age_band), len(class_keys))
            for n in kept_needs
        ),
        np.int64,
        len(kept_needs),
    )
    cat_of_class = [k[0] for k in class_keys]
    cat_id, _ = _index(cat_of_class, len(cat_of_class))
    supply = np.fromiter((s.amount_fen for s in kept_sources), np.int64, len(kept_sources))
    sig, sig_mask, sig_single = _signatures(kept_sources, list(class_keys))
    return Problem(
        needs=kept_needs,
        sources=kept_sources,
        amount=amount,
        urgency=urgency,
        case=case,
        n_cases=n_cases,
        cls=cls,
        n_classes=len(class_keys),
        key=(_sum_by(case * max(1, len(class_keys)) + cat_id[cls], amount), _sum_by(case, amount)),
        supply=supply,
        cap=_effective_caps(kept_sources),
        sig=sig,
        sig_mask=sig_mask,
        sig_single=sig_single,
    )


def _index(values: Iterable[Hashable], count: int) -> tuple[IntArray, int]:
    """Dense ids (in order of first appearance) for ``count`` hashable values, and how many."""
    ids: dict[Hashable, int] = {}
    out = np.fromiter((ids.setdefault(v, len(ids)) for v in values), np.int64, count)
    return out, len(ids)


def _sum_by(group: IntArray, amount: IntArray) -> IntArray:
    """For each element, the sum of ``amount`` over the elements of its group (exact, int64)."""
    if len(group) == 0:
        return np.zeros(0, dtype=np.int64)
    uniq, inverse = np.unique(group, return_inverse=True)
    sums = np.zeros(len(uniq), dtype=np.int64)
    np.add.at(sums, inverse, amount)
    return sums[inverse]


def _effective_caps(sources: Sequence[Source]) -> IntArray:
    caps = [
        s.per_case_cap_fen
        if s.per_case_cap_fen is not None and s.per_case_cap_fen < s.amount_fen
        else -1
        for s in sources
    ]
    return np.array(caps, dtype=np.int64)


def _signatures(
    sources: Sequence[Source], classes: list[tuple[str, str, str | None]]
) -> tuple[IntArray, BoolArray, BoolArray]:
    """Signature index per source, eligibility mask signatures x classes, single-category flag."""
    keys: dict[tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]], int] = {}
    sig = np.fromiter(
        (
            keys.setdefault(
                (
                    tuple(sorted(set(s.categories))),
                    tuple(sorted(set(s.regions))),
                    tuple(sorted(set(s.age_bands))),
                ),
                len(keys),
            )
            for s in sources
        ),
        np.int64,
        len(sources),
    )
    cat_id, n_cats = _index((c[0] for c in classes), len(classes))
    age_id, n_ages = _index((c[2] for c in classes), len(classes))
    cat_of: dict[str | None, int] = {c[0]: int(i) for c, i in zip(classes, cat_id, strict=True)}
    age_of: dict[str | None, int] = {c[2]: int(i) for c, i in zip(classes, age_id, strict=True)}
    by_prefix = {
        k: np.array(v, dtype=np.int64) for k, v in _prefix_index([c[1] for c in classes]).items()
    }
    mask = np.zeros((len(keys), len(classes)), dtype=np.bool_)
    for (categories, regions, age_bands), row in keys.items():
        ok = np.ones(len(classes), dtype=np.bool_)
        if categories:
            ok &= _allowed(categories, cat_of, n_cats)[cat_id]
        if age_bands:
            ok &= _allowed(age_bands, age_of, n_ages)[age_id]
        if regions:
            region_ok = np.zeros(len(classes), dtype=np.bool_)
            for prefix in regions:
                if prefix in by_prefix:
                    region_ok[by_prefix[prefix]] = True
            ok &= region_ok
        mask[row] = ok
    single = np.array([len(k[0]) == 1 for k in keys], dtype=np.bool_)
    return sig, mask, single


def _allowed(values: tuple[str, ...], ids: dict[str | None, int], count: int) -> BoolArray:
    """Boolean lookup over value ids: True for the ids of ``values``."""
    allowed = np.zeros(count, dtype=np.bool_)
    allowed[[ids[v] for v in values if v in ids]] = True
    return allowed


def _prefix_index(regions: list[str]) -> dict[str, list[int]]:
    """prefix -> indices of the regions it is a prefix of (the empty prefix matches all)."""
    index: dict[str, list[int]] = {}
    for i, region in enumerate(regions):
        for length in range(len(region) + 1):
            index.setdefault(region[:length], []).append(i)
    return index
