"""The entitlement arithmetic of issue 13: the 临时救助 bands at every boundary, property tests
against an oracle that uses integer cross-multiplication only, 低保 eligibility, the warnings and
the validation errors."""

from __future__ import annotations

import ast
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from marketplace.policy import entitlement as ent
from marketplace.policy.entitlement import (
    EXAMPLE_CITY_BANDS,
    Band,
    Household,
    Payout,
    Policy,
    band_for,
    dibao_eligible,
    example_policy,
    expected,
    expense_multiple,
    warnings,
)

POLICY = example_policy()
YUAN = 100
MAX_FEN = 10_000_000 * YUAN
B1, B2, B3, JOINT = EXAMPLE_CITY_BANDS
PROPERTIES = settings(derandomize=True, database=None, deadline=None, max_examples=400)


def household(
    members: int = 1,
    monthly: int = 0,
    previous_year: int | None = 12_000 * YUAN,
    expense: int = 0,
) -> Household:
    return Household(
        members=members,
        monthly_income_fen=monthly,
        previous_year_income_fen=previous_year,
        one_off_expense_fen=expense,
    )


# --- the band boundaries, one case each --------------------------------------------------------

# a household of 3 with 36,000 yuan last year: 12,000 yuan per person, so 1x = 12,000 yuan
PER_CAPITA = 12_000 * YUAN


@pytest.mark.parametrize(
    ("expense", "band"),
    [
        (0, None),
        (PER_CAPITA - 1, None),  # just below 1x
        (PER_CAPITA, B1),  # exactly 1x: "1倍以上" includes it
        (PER_CAPITA + 1, B1),
        (2 * PER_CAPITA - 1, B1),  # just below 2x
        (2 * PER_CAPITA, B2),  # exactly 2x: the higher band
        (2 * PER_CAPITA + 1, B2),
        (3 * PER_CAPITA - 1, B2),
        (3 * PER_CAPITA, B3),  # exactly 3x: the higher band
        (3 * PER_CAPITA + 1, B3),
        (4 * PER_CAPITA - 1, B3),  # just below 4x: still 5,000-8,000
        (4 * PER_CAPITA, JOINT),  # exactly 4x: the 联席会议
        (4 * PER_CAPITA + 1, JOINT),
        (MAX_FEN, JOINT),
    ],
)
def test_the_band_at_each_boundary(expense: int, band: Band | None) -> None:
    h = household(members=3, previous_year=3 * PER_CAPITA, expense=expense)
    assert band_for(POLICY, h) == band
    assert expense_multiple(h) == Fraction(expense, PER_CAPITA)


def test_the_boundary_multiples_are_exact() -> None:
    # 4 members, 70,002 fen a year: 17,500.5 fen each, not a whole fen; 2x is 35,001 fen exactly
    h = household(members=4, previous_year=70_002, expense=35_001)
    assert expense_multiple(h) == 2
    assert band_for(POLICY, h) == B2
    below = household(members=4, previous_year=70_002, expense=35_000)
    assert band_for(POLICY, below) == B1


def test_zero_income_with_an_expense_goes_to_the_joint_meeting() -> None:
    h = household(members=2, previous_year=0, expense=1)
    assert expense_multiple(h) is None
    assert band_for(POLICY, h) == JOINT
    result = expected(POLICY, h)
    assert result.joint_meeting and result.multiple is None
    assert (result.temporary_min_fen, result.temporary_max_fen) == (0, None)


def test_zero_income_and_no_expense_is_no_band() -> None:
    h = household(members=2, previous_year=0, expense=0)
    assert expense_multiple(h) == 0
    assert band_for(POLICY, h) is None


def test_an_unknown_previous_year_is_twelve_months() -> None:
    # 2,000 yuan a month for 2 people: 24,000 yuan a year, 12,000 per person
    h = household(members=2, monthly=2_000 * YUAN, previous_year=None, expense=PER_CAPITA * 3)
    assert h.annual_income_fen == 24_000 * YUAN
    assert expense_multiple(h) == 3
    assert band_for(POLICY, h) == B3


def test_expected_gives_the_range_of_the_band() -> None:
    h = household(
        members=3, monthly=4_000 * YUAN, previous_year=3 * PER_CAPITA, expense=30_000 * YUAN
    )
    result = expected(POLICY, h)
    assert result.band == B2 and not result.joint_meeting
    assert (result.temporary_min_fen, result.temporary_max_fen) == (300_000, 500_000)
    assert not result.dibao_eligible  # 4,000 / 3 = 1,333.33 yuan a person: not below 1,301
    below = expected(POLICY, household(members=3, previous_year=3 * PER_CAPITA, expense=1))
    assert below.band is None and below.temporary_min_fen is None


# --- 低保: strictly below the standard ---------------------------------------------------------


@pytest.mark.parametrize(
    ("members", "monthly", "eligible"),
    [
        (1, 130_099, True),
        (1, 130_100, False),  # exactly at the standard: "低于" means below
        (1, 130_101, False),
        (3, 3 * 130_100 - 1, True),  # 1,300.9966 yuan each
        (3, 3 * 130_100, False),
        (4, 0, True),
    ],
)
def test_dibao_is_strictly_below_the_standard(members: int, monthly: int, eligible: bool) -> None:
    assert dibao_eligible(POLICY, household(members=members, monthly=monthly)) is eligible


# --- property tests against an independent oracle ----------------------------------------------

#: the example bands as integer multiples: (from k times, band index); no Fraction below
ORACLE_STEPS = [(1, 0), (2, 1), (3, 2), (4, 3)]


def oracle_band_index(members: int, annual: int, expense: int) -> int | None:
    """The band by cross-multiplication: expense >= k * annual / members
    <=> expense * members >= k * annual. The highest k reached wins (boundaries go up)."""
    if expense == 0:
        return None
    if annual == 0:
        return 3
    found = None
    for k, index in ORACLE_STEPS:
        if expense * members >= k * annual:
            found = index
    return found


def oracle_dibao(members: int, monthly: int, standard: int) -> bool:
    return monthly < members * standard


fen = st.integers(min_value=0, max_value=MAX_FEN)
small_fen = st.integers(min_value=0, max_value=200_000 * YUAN)


@st.composite
def households(draw: st.DrawFn) -> Household:
    members = draw(st.integers(min_value=1, max_value=12))
    previous_year = draw(st.one_of(st.none(), small_fen, fen))
    monthly = draw(st.one_of(small_fen, st.integers(min_value=0, max_value=5_000 * YUAN)))
    if previous_year is not None and draw(st.booleans()):
        # land exactly on a boundary, or one fen off it, often
        k = draw(st.integers(min_value=0, max_value=5))
        shift = draw(st.integers(min_value=-1, max_value=1))
        expense = max(0, min(MAX_FEN, (k * previous_year) // members + shift))
    else:
        expense = draw(st.one_of(small_fen, fen))
    return household(members=members, monthly=monthly, previous_year=previous_year, expense=expense)


@PROPERTIES
@given(households())
def test_the_band_matches_the_oracle(h: Household) -> None:
    annual = (
        12 * h.monthly_income_fen
        if h.previous_year_income_fen is None
        else h.previous_year_income_fen
    )
    index = oracle_band_index(h.members, annual, h.one_off_expense_fen)
    expected_band = None if index is None else EXAMPLE_CITY_BANDS[index]
    assert band_for(POLICY, h) == expected_band
    result = expected(POLICY, h)
    assert result.joint_meeting is (index == 3)


@PROPERTIES
@given(households(), st.integers(min_value=1, max_value=5_000 * YUAN))
def test_dibao_matches_the_oracle(h: Household, standard: int) -> None:
    policy = example_policy(dibao_fen=standard)
    assert dibao_eligible(policy, h) is oracle_dibao(h.members, h.monthly_income_fen, standard)


@PROPERTIES
@given(households(), st.integers(min_value=0, max_value=MAX_FEN))
def test_more_expense_never_gives_a_lower_band(h: Household, extra: int) -> None:
    more = household(
        members=h.members,
        monthly=h.monthly_income_fen,
        previous_year=h.previous_year_income_fen,
        expense=min(MAX_FEN, h.one_off_expense_fen + extra),
    )
    order = [None, *EXAMPLE_CITY_BANDS]
    assert order.index(band_for(POLICY, more)) >= order.index(band_for(POLICY, h))


# --- warnings -----------------------------------------------------------------------------------

POOR = dict(members=2, monthly=1_000 * YUAN, previous_year=24_000 * YUAN)  # 500 yuan each


def codes(expense: int, *payouts: tuple[str, int], **figures: int) -> list[str]:
    h = household(**{**POOR, **figures, "expense": expense})  # type: ignore[arg-type]
    return warnings(POLICY, h, [Payout(s, a) for s, a in payouts])


def test_no_warning_when_the_payouts_match() -> None:
    assert codes(25_000 * YUAN, ("dibao", 160_200), ("temporary", 400_000)) == []
    # not eligible, no band, nothing paid: nothing expected
    rich = dict(monthly=10_000 * YUAN, previous_year=120_000 * YUAN)
    assert codes(0, **rich) == []


def test_dibao_expected() -> None:
    assert codes(0) == ["dibao_expected"]
    assert codes(0, ("medical", 10_000)) == ["dibao_expected"]
    assert codes(0, ("dibao", 1)) == []
    assert codes(0, ("tekun", 225_500)) == []  # 特困供养 instead of 低保


def test_temporary_assistance_expected() -> None:
    # 12,000 yuan per person, expense 1.5x: band 1
    assert codes(18_000 * YUAN, ("dibao", 1)) == ["temporary_assistance_expected"]


def test_temporary_below_band() -> None:
    # expense 2.5x: 3,000-5,000 yuan; two payouts of 1,000 yuan are below 3,000
    expense = 30_000 * YUAN
    paid = [("dibao", 1), ("temporary", 1_000 * YUAN), ("temporary", 1_000 * YUAN)]
    assert codes(expense, *paid) == ["temporary_below_band"]
    exactly = [("dibao", 1), ("temporary", 1_000 * YUAN), ("temporary", 2_000 * YUAN)]
    assert codes(expense, *exactly) == []
    # the first band has no minimum: any payout is enough
    assert codes(18_000 * YUAN, ("dibao", 1), ("temporary", 1)) == []


def test_joint_meeting_needed_whatever_was_paid() -> None:
    expense = 48_000 * YUAN  # exactly 4x
    assert codes(expense) == [
        "dibao_expected",
        "temporary_assistance_expected",
        "joint_meeting_needed",
    ]
    assert codes(expense, ("dibao", 1), ("temporary", 20_000 * YUAN)) == ["joint_meeting_needed"]


# --- validation ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("figures", "message"),
    [
        (dict(members=0), "members must be 1"),
        (dict(members=-2), "members must be 1"),
        (dict(members=101), "members must be 1"),
        (dict(monthly=-1), "monthly_income_fen must not be negative"),
        (dict(previous_year=-1), "previous_year_income_fen must not be negative"),
        (dict(expense=-1), "one_off_expense_fen must not be negative"),
        (dict(expense=MAX_FEN + 1), "absurd"),
        (dict(previous_year=MAX_FEN + 1), "absurd"),
        (dict(monthly=1.5), "integer number of fen"),
        (dict(expense=True), "integer number of fen"),
    ],
)
def test_bad_households_are_refused(figures: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        household(**figures)  # type: ignore[arg-type]


def _policy(*bands: Band) -> Policy:
    return Policy(130_100, None, bands, 50_000, 30)


def test_bands_that_overlap_or_leave_a_gap_are_refused() -> None:
    with pytest.raises(ValueError, match="overlap"):
        _policy(Band(Fraction(1), Fraction(3), 0, 1), Band(Fraction(2), None, 0, None, True))
    with pytest.raises(ValueError, match="gap"):
        _policy(Band(Fraction(1), Fraction(2), 0, 1), Band(Fraction(3), None, 0, None, True))
    with pytest.raises(ValueError, match="last band must have no upper end"):
        _policy(Band(Fraction(1), Fraction(2), 0, 1))
    with pytest.raises(ValueError, match="no upper end but is not the last"):
        _policy(Band(Fraction(1), None, 0, 1), Band(Fraction(2), None, 0, None, True))
    with pytest.raises(ValueError, match="non-empty"):
        _policy()
    # contiguous bands at fractional multiples are fine
    fine = _policy(Band(Fraction(1, 2), Fraction(3, 2), 0, 1), Band(Fraction(3, 2), None, 1, None))
    assert band_for(fine, household(members=2, previous_year=200, expense=150)) == fine.bands[1]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((Fraction(2), Fraction(2), 0, 1), "must be above"),
        ((Fraction(-1), Fraction(2), 0, 1), "min_multiple must not be negative"),
        ((1.0, Fraction(2), 0, 1), "fractions.Fraction"),
        ((Fraction(1), Fraction(2), 500, 300), "below min_fen"),
        ((Fraction(1), Fraction(2), -1, 300), "min_fen must not be negative"),
    ],
)
def test_bad_bands_are_refused(args: tuple[object, ...], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Band(*args)  # type: ignore[arg-type]


def test_bad_policies_and_payouts_are_refused() -> None:
    with pytest.raises(ValueError, match="dibao_fen_per_person_month must be positive"):
        example_policy(dibao_fen=0)
    with pytest.raises(ValueError, match="emergency_paperwork_days"):
        Policy(130_100, None, EXAMPLE_CITY_BANDS, 50_000, 0)
    with pytest.raises(ValueError, match="unknown scheme"):
        Payout("temporary_assistance", 100)
    with pytest.raises(ValueError, match="at least 1 fen"):
        Payout("dibao", 0)


# --- the example and the purity of the module ---------------------------------------------------


def test_the_example_policy_has_the_field_report_figures() -> None:
    assert POLICY.dibao_fen_per_person_month == 130_100  # 004: 1,301 yuan
    assert [(b.min_multiple, b.max_multiple) for b in EXAMPLE_CITY_BANDS] == [
        (1, 2),
        (2, 3),
        (3, 4),
        (4, None),
    ]
    assert [(b.min_fen, b.max_fen) for b in EXAMPLE_CITY_BANDS[:3]] == [
        (0, 300_000),
        (300_000, 500_000),
        (500_000, 800_000),
    ]
    assert [b.joint_meeting for b in EXAMPLE_CITY_BANDS] == [False, False, False, True]


def test_the_scheme_codes_are_those_of_cases() -> None:
    from marketplace.cases.reference import SCHEMES

    assert set(SCHEMES) == ent.SCHEMES
    assert {ent.DIBAO, ent.TEKUN, ent.TEMPORARY} <= ent.SCHEMES


def test_the_module_imports_no_framework_and_no_domain() -> None:
    tree = ast.parse(Path(ent.__file__).read_text(encoding="utf-8"))
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, "no relative import"
            imported.add(node.module or "")
    assert imported == {
        "__future__",
        "collections.abc",
        "dataclasses",
        "fractions",
        "marketplace.money",
    }
