"""Scoring of one source against one need line: hard eligibility first, then named factors.

Every factor has a value in 0..1 and a weight from configuration (:class:`~matching.types.Weights`);
its contribution is ``weight * value`` and the total is the sum of the contributions, so the
explanation shown to people ("同区县 +0.30, 医疗类匹配 +0.25, ...") adds up to the score.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from matching.rules import accepts, rule_failures
from matching.types import DEFAULT_WEIGHTS, Factor, Need, Score, Source, Weights

CATEGORY_ZH = {
    "medical": "医疗",
    "education": "教育",
    "living": "基本生活",
    "housing": "住房",
    "disaster": "灾害",
    "disability": "残疾康复",
    "care": "生活照料",
    "counselling": "心理疏导",
    "employment": "就业",
}
DEADLINE_HORIZON_DAYS = 30
# (shared prefix length, value, 中文, English), best first
LOCALITY_LEVELS = (
    (6, 1.0, "同区县", "same county"),
    (4, 0.6, "同地市", "same city"),
    (2, 0.3, "同省", "same province"),
)


def eligible(source: Source, need: Need) -> tuple[bool, tuple[str, ...]]:
    """Hard eligibility of ``source`` for ``need``.

    Checks the source's rules (:func:`matching.rules.misfits`: category, region, age band,
    household size), that the source has the right kind of
    capacity (money for cash and in-kind lines, service units for service lines), that its
    per-case cap is not zero and that the need's deadline has not passed.

    Args:
        source: the candidate source.
        need: the need line.

    Returns:
        ``(True, ())`` when eligible, else ``(False, reasons)``.
    """
    reasons = rule_failures(source, need) + _capacity_failures(source, need)
    return (not reasons, reasons)


def _capacity_failures(source: Source, need: Need) -> tuple[str, ...]:
    """Reasons other than the rules: the right kind of capacity, a cap above 0, a live deadline."""
    reasons = []
    if need.is_money:
        if source.amount_fen <= 0:
            reasons.append("no money available")
        if source.per_case_cap_fen == 0:
            reasons.append("per-case cap is 0")
    elif not source.service_units:
        reasons.append("service need, but the source offers no service capacity")
    if need.deadline_days is not None and need.deadline_days < 0:
        reasons.append("the need's deadline has passed")
    return tuple(reasons)


def score(
    source: Source, need: Need, weights: Weights = DEFAULT_WEIGHTS, available: int | None = None
) -> Score:
    """Score ``source`` against ``need`` with an explanation per factor.

    Args:
        source: the candidate source.
        need: the need line.
        weights: factor weights (configuration).
        available: money the source still has, if less than ``source.amount_fen``.

    Returns:
        A :class:`Score`; an ineligible pair has total 0, no factors and its reasons.
    """
    ok, reasons = eligible(source, need)
    if not ok:
        return Score(source.id, need.id, False, 0.0, (), reasons)
    factors = (
        _urgency(need, weights),
        _category(source, need, weights),
        _locality(source, need, weights),
        _amount_fit(source, need, weights, available),
        _track_record(source, weights),
        _deadline(need, weights),
    )
    total = math.fsum(f.contribution for f in factors)
    return Score(source.id, need.id, True, total, factors, ())


def quick_total(
    source: Source, need: Need, weights: Weights = DEFAULT_WEIGHTS, available: int | None = None
) -> float | None:
    """``score(...).total`` without building the explanation (``None`` when ineligible).

    The same arithmetic as :func:`score` (same factor values, same ``math.fsum``), so the two
    agree exactly; used to rank thousands of sources before explaining the best few.
    """
    if _capacity_failures(source, need) or not accepts(source, need):
        return None
    return math.fsum(
        (
            weights.urgency * (need.urgency / 5),
            weights.category * (1.0 if source.categories else 0.5),
            weights.locality * locality_value(source, need.region),
            weights.amount_fit * _fit_value(source, need, available),
            weights.track_record * source.track_record,
            weights.deadline * deadline_value(need.deadline_days),
        )
    )


def rank(
    sources: Iterable[Source],
    need: Need,
    weights: Weights = DEFAULT_WEIGHTS,
    limit: int | None = None,
) -> list[Score]:
    """Scores of the eligible sources for ``need``, best first (ties keep the input order).

    Args:
        sources: candidate sources.
        need: the need line.
        weights: factor weights.
        limit: explain only the best ``limit`` (all are ranked with :func:`quick_total`).

    Returns:
        Eligible scores only, sorted by total, highest first.
    """
    totals = [(t, s) for s in sources if (t := quick_total(s, need, weights)) is not None]
    best = sorted(totals, key=lambda pair: -pair[0])
    if limit is not None:
        best = best[:limit]
    return [score(s, need, weights) for _, s in best]


def _urgency(need: Need, weights: Weights) -> Factor:
    u = need.urgency
    return Factor("urgency", u / 5, weights.urgency, f"紧急程度 {u}/5", f"urgency {u}/5")


def _category(source: Source, need: Need, weights: Weights) -> Factor:
    if not source.categories:
        return Factor("category", 0.5, weights.category, "不限类别", "any category")
    zh = CATEGORY_ZH.get(need.category, need.category)
    return Factor(
        "category", 1.0, weights.category, f"{zh}类匹配", f"{need.category} category match"
    )


def _locality_level(source: Source, region: str) -> tuple[float, str, str]:
    anchors = (source.home_region,) if source.home_region else source.regions
    for length, value, zh, en in LOCALITY_LEVELS:
        # "shares at least ``length`` leading characters with ``region``"
        if any(len(a) >= length and a[:length] == region[:length] for a in anchors):
            return value, zh, en
    return 0.0, "非本地", "not local"


def locality_value(source: Source, region: str) -> float:
    """0..1: how near the source (its home, else its regions) is to ``region``."""
    return _locality_level(source, region)[0]


def _locality(source: Source, need: Need, weights: Weights) -> Factor:
    value, zh, en = _locality_level(source, need.region)
    return Factor("locality", value, weights.locality, zh, en)


def _fit_value(source: Source, need: Need, available: int | None) -> float:
    """Share of what the need still wants that the source could give (0..1)."""
    if need.is_money:
        capacity = source.amount_fen if available is None else min(available, source.amount_fen)
        if source.per_case_cap_fen is not None:
            capacity = min(capacity, source.per_case_cap_fen)
        wanted = need.amount_fen
    else:
        capacity, wanted = source.service_units or 0, need.units or 0
    return 1.0 if wanted <= 0 else min(1.0, max(capacity, 0) / wanted)


def _amount_fit(source: Source, need: Need, weights: Weights, available: int | None) -> Factor:
    value = _fit_value(source, need, available)
    pct = round(value * 100)
    return Factor("amount_fit", value, weights.amount_fit, f"可覆盖 {pct}%", f"covers {pct}%")


def deadline_value(days: int | None) -> float:
    """1 when the deadline is today, falling to 0 at the horizon; 0 without a deadline."""
    if days is None:
        return 0.0
    return 1.0 - min(days, DEADLINE_HORIZON_DAYS) / DEADLINE_HORIZON_DAYS


def _track_record(source: Source, weights: Weights) -> Factor:
    v = source.track_record
    pct = round(v * 100)
    return Factor(
        "track_record", v, weights.track_record, f"履约记录 {pct}%", f"delivery record {pct}%"
    )


def _deadline(need: Need, weights: Weights) -> Factor:
    days = need.deadline_days
    if days is None:
        return Factor("deadline", 0.0, weights.deadline, "无截止日期", "no deadline")
    value = deadline_value(days)
    return Factor(
        "deadline", value, weights.deadline, f"距截止 {days} 天", f"{days} days to deadline"
    )
