"""The eligibility rule, in one place: category, region prefix, age band, household, dates."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from matching.engine.problem import build_problem
from matching.ranker import Ranker
from matching.rules import Applicant, Rule, accepts, fits, misfits, open_on
from matching.scoring import eligible, quick_total
from matching.types import Need, Source
from tests.unit.matching.strategies import FAST, needs, sources

CASE = Applicant(("medical",), "421002", "45-59", 4)
TODAY = date(2026, 11, 15)


def test_any_rule_fits_and_each_condition_can_refuse() -> None:
    assert misfits(Rule(), CASE) == ()
    assert fits(Rule(("medical",), ("4210",), ("45-59",), 2, 6), CASE)
    refused = {
        "category": Rule(categories=("education",)),
        "region": Rule(regions=("4201",)),
        "age band": Rule(age_bands=("0-17",)),
        "household": Rule(household_max=3),
        "household ": Rule(household_min=5),
    }
    for condition, rule in refused.items():
        (reason,) = misfits(rule, CASE)
        assert reason.startswith(condition.strip()), reason


def test_a_case_fits_when_the_rule_accepts_any_of_its_categories() -> None:
    case = Applicant(("housing", "medical"), "421002")
    assert fits(Rule(categories=("medical", "education")), case)
    assert misfits(Rule(categories=("education",)), case) == (
        "categories 'housing', 'medical' not in the source's categories (education)",
    )


def test_unknown_values_fit_no_condition_on_them() -> None:
    unknown = Applicant(("medical",), "421002")
    assert not fits(Rule(age_bands=("45-59",)), unknown)
    assert not fits(Rule(household_min=2), unknown)
    assert fits(Rule(household_min=0, household_max=0), unknown)  # 0: no bound, as stored


def test_dates_need_a_day_and_bound_it() -> None:
    running = Rule(starts_on=date(2026, 11, 1), ends_on=date(2026, 11, 30))
    with pytest.raises(ValueError, match="given day"):
        misfits(running, CASE)
    assert fits(running, CASE, TODAY) and open_on(running, TODAY)
    assert misfits(running, CASE, date(2026, 10, 31)) == ("the source starts on 2026-11-01",)
    assert misfits(running, CASE, date(2026, 12, 1)) == ("the source ended on 2026-11-30",)
    assert not open_on(running, date(2026, 12, 1))


def test_the_engine_asks_the_same_rule_household_included() -> None:
    need = Need("n1", "c1", 100_000, 3, "medical", "421002", "45-59", household_size=4)
    small = Source("p", "project", 500_000, ("medical",), household_max=3)
    assert not accepts(small, need)
    assert eligible(small, need) == (False, misfits(small.rule, need.applicant))
    assert quick_total(small, need) is None
    assert Ranker([small]).top(need) == []
    fitting = Source("p", "project", 500_000, ("medical",), household_min=2, household_max=6)
    assert Ranker([fitting]).top(need) == [0]
    with pytest.raises(ValueError, match="household bounds"):
        build_problem([need], [small])


@FAST
@given(needs(), sources(), st.data())
def test_the_ranker_and_scoring_agree_with_household_bounds(
    lines: list[Need], funders: list[Source], data: st.DataObject
) -> None:
    sizes = st.none() | st.integers(1, 6)
    bounds = st.none() | st.integers(0, 6)
    sized = [replace(n, household_size=data.draw(sizes)) for n in lines]
    bounded = [
        replace(s, household_min=data.draw(bounds), household_max=data.draw(bounds))
        for s in funders
    ]
    ranker = Ranker(bounded)
    for need in sized:
        mask, _, _ = ranker.totals(need)
        assert [bool(m) for m in mask] == [eligible(s, need)[0] for s in bounded]
        assert [accepts(s, need) for s in bounded] == [
            fits(s.rule, need.applicant) for s in bounded
        ]
