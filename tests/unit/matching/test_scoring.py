"""Scoring: hard eligibility, named factors, explanations that add up to the score."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from matching.scoring import eligible, rank, score
from matching.types import Need, Source, Weights
from tests.unit.matching.strategies import FAST, needs, sources

NEED = Need("n1", "c1", 300000, 5, "medical", "421002", "60+", deadline_days=3)

weights = st.builds(
    Weights,
    urgency=st.floats(0, 2),
    category=st.floats(0, 2),
    locality=st.floats(0, 2),
    amount_fit=st.floats(0, 2),
    track_record=st.floats(0, 2),
    deadline=st.floats(0, 2),
)


@FAST
@given(needs(kinds=("cash", "in_kind", "service")), sources(), weights)
def test_explanations_sum_to_the_score(
    lines: list[Need], funders: list[Source], w: Weights
) -> None:
    for need in lines:
        for source in funders:
            result = score(source, need, w)
            ok, reasons = eligible(source, need)
            assert result.eligible == ok
            if ok:
                assert math.isclose(
                    result.total, sum(f.contribution for f in result.factors), abs_tol=1e-9
                )
                assert {f.name for f in result.factors} == {
                    "urgency",
                    "category",
                    "locality",
                    "amount_fit",
                    "track_record",
                    "deadline",
                }
                assert all(0 <= f.value <= 1 for f in result.factors)
                assert all(f.weight == getattr(w, f.name) for f in result.factors)
            else:
                assert (
                    result.total == 0 and result.factors == () and result.reasons == reasons != ()
                )


@FAST
@given(needs(), sources())
def test_rank_lists_eligible_sources_best_first(lines: list[Need], funders: list[Source]) -> None:
    for need in lines:
        ranked = rank(funders, need)
        assert all(s.eligible for s in ranked)
        assert [s.total for s in ranked] == sorted((s.total for s in ranked), reverse=True)
        assert len(ranked) == sum(eligible(s, need)[0] for s in funders)


def test_a_local_medical_fund_explains_itself() -> None:
    fund = Source(
        "f", "fund", 500000, categories=("medical",), regions=("4210",), home_region="421002"
    )
    result = score(fund, NEED)
    text = result.explain("zh")
    assert text.startswith("同区县 +0.30") and "医疗类匹配 +0.25" in text
    assert "same county +0.30" in result.explain("en")


def test_ineligible_pairs_say_why() -> None:
    fund = Source("f", "fund", 0, categories=("education",), regions=("4201",), age_bands=("0-17",))
    ok, reasons = eligible(fund, NEED)
    assert not ok
    assert len(reasons) == 4  # category, region, age band, no money
    assert score(fund, NEED).explain() == "; ".join(reasons)


def test_service_needs_need_service_capacity_and_deadlines_matter() -> None:
    care = Need("n2", "c1", 0, 3, "care", "421002", kind="service", units=4)
    assert not eligible(Source("p", "project", 1000), care)[0]
    assert eligible(Source("p", "project", 0, service_units=10), care)[0]
    late = Need("n3", "c1", 100, 3, "living", "421002", deadline_days=-1)
    assert eligible(Source("p", "pledge", 1000), late) == (
        False,
        ("the need's deadline has passed",),
    )


def test_weights_from_configuration() -> None:
    w = Weights.from_mapping({"locality": 0.5, "urgency": 1})
    assert w.locality == 0.5 and w.urgency == 1.0 and w.category == Weights().category
    with pytest.raises(ValueError, match="unknown scoring factor 'beauty'"):
        Weights.from_mapping({"beauty": 1})
    with pytest.raises(ValueError, match="finite number >= 0"):
        Weights.from_mapping({"urgency": -1})
    with pytest.raises(ValueError, match="must be a number"):
        Weights.from_mapping({"urgency": "high"})


@FAST
@given(needs(kinds=("cash", "in_kind", "service")), sources(max_sources=12), weights)
def test_quick_total_and_ranker_agree_with_the_explained_score(
    lines: list[Need], funders: list[Source], w: Weights
) -> None:
    from matching.ranker import Ranker
    from matching.scoring import quick_total

    ranker = Ranker(funders, w)
    for need in lines:
        mask, totals, _ = ranker.totals(need)
        for k, source in enumerate(funders):
            explained = score(source, need, w)
            quick = quick_total(source, need, w)
            assert (quick is not None) == explained.eligible == bool(mask[k])
            if explained.eligible:
                assert quick == explained.total  # same arithmetic, exactly
                assert math.isclose(totals[k], explained.total, rel_tol=1e-12, abs_tol=1e-12)
        assert [funders[k].id for k in ranker.top(need)] == [
            s.source_id for s in rank(funders, need, w)
        ] or _same_up_to_ties(ranker, need, funders, w)


def _same_up_to_ties(ranker: object, need: Need, funders: list[Source], w: Weights) -> bool:
    """Vectorized totals may differ from ``fsum`` in the last bit; then only near-ties swap."""
    explained = [score(s, need, w).total for s in funders]
    order = [funders.index(s) for s in funders]
    top = ranker.top(need)  # type: ignore[attr-defined]
    return all(
        explained[a] >= explained[b] - 1e-12 for a, b in zip(top, top[1:], strict=False)
    ) and (sorted(top) == sorted(i for i in order if score(funders[i], need, w).eligible))


def test_rank_limit_explains_only_the_best() -> None:
    funders = [
        Source(f"s{k}", "pledge", 1000 * (k + 1), categories=("medical",)) for k in range(20)
    ]
    ranked = rank(funders, NEED, limit=3)
    assert [s.source_id for s in ranked] == ["s19", "s18", "s17"]
    assert all(s.factors for s in ranked)
