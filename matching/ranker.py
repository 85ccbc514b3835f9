"""Ranking many sources against the need lines of one case, fast.

:func:`matching.scoring.score` explains one (source, need) pair with six named factors; doing
that for thousands of sources per line is too slow for a page view. :class:`Ranker` computes the
same totals for all sources at once with NumPy (eligibility masks, decided once per distinct
rule by :func:`matching.rules.fits`, and factor values cached per need) so callers can rank
everything and explain only the best few. Totals equal ``score(...).total`` up to float
rounding (checked by the tests).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from matching.rules import Applicant, Rule, fits
from matching.scoring import deadline_value, locality_value
from matching.types import DEFAULT_WEIGHTS, Need, Source, Weights

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


class Ranker:
    """Vectorized eligibility and totals of ``sources`` against need lines.

    Args:
        sources: the candidate sources (their order is the tie-break: earlier first).
        weights: factor weights.
    """

    def __init__(self, sources: Sequence[Source], weights: Weights = DEFAULT_WEIGHTS) -> None:
        self.sources = list(sources)
        self.weights = weights
        n = len(self.sources)
        self.money = np.fromiter((s.amount_fen for s in self.sources), np.int64, n)
        caps = [s.per_case_cap_fen for s in self.sources]
        self.cap = np.fromiter((-1 if c is None else c for c in caps), np.int64, n)
        self.units = np.fromiter((s.service_units or 0 for s in self.sources), np.int64, n)
        track = np.fromiter((s.track_record for s in self.sources), np.float64, n)
        any_category = np.fromiter((not s.categories for s in self.sources), np.bool_, n)
        self._static = weights.category * np.where(any_category, 0.5, 1.0) + (
            weights.track_record * track
        )
        # many sources share their rules and their home: decide each distinct one once
        rules: dict[tuple[object, ...], int] = {}
        anchors: dict[tuple[str | None, tuple[str, ...]], int] = {}
        self._rules: list[Rule] = []  # each distinct rule once
        self._anchors: list[Source] = []  # one source per distinct home (else regions)
        rule_of, anchor_of = [], []
        for s in self.sources:
            # the fields of ``s.rule``, without building it for every source
            rule = (s.categories, s.regions, s.age_bands, s.household_min, s.household_max)
            k = rules.get(rule)
            if k is None:
                k = rules[rule] = len(self._rules)
                self._rules.append(s.rule)
            rule_of.append(k)
            anchor = (s.home_region, () if s.home_region else s.regions)
            k = anchors.get(anchor)
            if k is None:
                k = anchors[anchor] = len(self._anchors)
                self._anchors.append(s)
            anchor_of.append(k)
        self._rule_of = np.array(rule_of, dtype=np.int64)
        self._anchor_of = np.array(anchor_of, dtype=np.int64)
        self._masks: dict[Applicant, BoolArray] = {}
        self._locality: dict[str, FloatArray] = {}

    def _mask(self, need: Need) -> BoolArray:
        key = need.applicant
        mask = self._masks.get(key)
        if mask is None:
            decided = np.array([fits(rule, key) for rule in self._rules], dtype=np.bool_)
            mask = decided[self._rule_of] if len(self.sources) else np.zeros(0, np.bool_)
            self._masks[key] = mask
        return mask

    def _locality_values(self, region: str) -> FloatArray:
        values = self._locality.get(region)
        if values is None:
            known = np.array([locality_value(s, region) for s in self._anchors], np.float64)
            values = known[self._anchor_of] if len(self.sources) else np.zeros(0)
            self._locality[region] = values
        return values

    def capacity(self, need: Need, available: IntArray | None = None) -> IntArray:
        """What each source could give ``need``: money (within its cap) or service units."""
        if not need.is_money:
            return self.units
        money = self.money if available is None else np.minimum(self.money, available)
        return np.where(self.cap >= 0, np.minimum(money, self.cap), money)

    def totals(
        self, need: Need, available: IntArray | None = None
    ) -> tuple[BoolArray, FloatArray, IntArray]:
        """``(eligible, total, capacity)`` per source for ``need``."""
        capacity = self.capacity(need, available)
        eligible = self._mask(need).copy()
        if need.is_money:
            eligible &= (self.money > 0) & (self.cap != 0)
        else:
            eligible &= self.units > 0
        if need.deadline_days is not None and need.deadline_days < 0:
            eligible[:] = False
        wanted = need.amount_fen if need.is_money else (need.units or 0)
        if wanted <= 0:
            fit = np.ones(len(self.sources))
        else:
            fit = np.minimum(1.0, np.maximum(capacity, 0) / wanted)
        deadline = deadline_value(need.deadline_days)
        w = self.weights
        total = (
            w.urgency * (need.urgency / 5)
            + self._static
            + w.locality * self._locality_values(need.region)
            + w.amount_fit * fit
            + w.deadline * deadline
        )
        return eligible, total, capacity

    def top(self, need: Need, limit: int | None = None) -> list[int]:
        """Indices of the eligible sources for ``need``, best total first (stable)."""
        eligible, total, _ = self.totals(need)
        index = np.nonzero(eligible)[0]
        order = index[np.argsort(-total[index], kind="stable")]
        return [int(i) for i in (order if limit is None else order[:limit])]
