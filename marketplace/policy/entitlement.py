"""The expected entitlement of a household under a local policy: pure, exact arithmetic.

No Flask, no database: amounts are integer fen, multiples are `fractions.Fraction`, never floats.
The policy tables (effective-dated versions per region, issue 13 item 2) will build a `Policy`
and call `expected` and `warnings` (item 3).

The rules read from the field reports, and the choices made where the text leaves one open:

**The 临时救助 bands** (field report 002, 《**市临时救助规程》): "一次性支出超过上年度家庭人均收入
1倍以上2倍以下的，一次性给予3000元以下临时救助；2倍以上3倍以下的，3000—5000元；3倍以上4倍以下的，
5000—8000元；4倍以上的，由各县（市、区）社会救助联席会议……评定救助额度". The multiple is the
one-off expense divided by the household's per-capita income of the previous year.

In Chinese legal usage "以上" and "以下" include the number itself, so on paper the multiples 2, 3
and 4 each belong to two bands. Here **a boundary belongs to the higher band**: each band is the
half-open interval ``min_multiple <= multiple < max_multiple``. Reasons:

- every band after the first opens with its own "N倍以上", which states the boundary inclusively as
  the start of the higher band; the closing "N倍以下" of the lower band is then read as the usual
  running-on phrasing of a table of ranges (the amounts themselves touch in the same way: "3000元
  以下" and "3000—5000元" share 3,000 yuan, so the table describes one continuous scale);
- the higher band never gives the household less than the lower one could (its range starts where
  the lower one ends), so resolving the doubt upwards follows the protective purpose of 救助;
- exactly 4x therefore goes to the 联席会议, a collective decision that may still award any amount:
  the most severe case on the line is looked at by the group rather than capped at 8,000 yuan.

Exactly 1x is inside the first band ("1倍以上"); below 1x no band applies. A policy version whose
county reads the text the other way can still say so: the bands are data, only the half-open
rule is fixed.

A previous-year income of zero with a positive expense makes the multiple unbounded (`None`): the
top band (the one without an upper multiple, the 联席会议 in the example) applies. With no expense
the multiple is 0, whatever the income.

**低保 eligibility**: 《社会救助暂行办法》(国务院令第649号) 第九条 grants 最低生活保障 to a
household whose per-capita income is "低于当地最低生活保障标准": *below* the standard, so
strictly less (``monthly_income / members < standard``); a household exactly at the standard is
not eligible.

Payout scheme codes are those of `marketplace.cases.reference.SCHEMES`, copied here as strings so
this module imports nothing of a domain package (a unit test checks the copy).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction

from marketplace.money import MAX_FEN

#: the government schemes of `marketplace.cases.reference.SCHEMES` (copied, see the docstring)
DIBAO = "dibao"
TEKUN = "tekun"
TEMPORARY = "temporary"
SCHEMES = frozenset(
    {DIBAO, TEKUN, TEMPORARY, "medical", "education", "housing", "employment", "disaster"}
)

#: the stable warning codes of issue 13 (also their order in `warnings`)
DIBAO_EXPECTED = "dibao_expected"
TEMPORARY_ASSISTANCE_EXPECTED = "temporary_assistance_expected"
TEMPORARY_BELOW_BAND = "temporary_below_band"
JOINT_MEETING_NEEDED = "joint_meeting_needed"

#: a household larger than this is an input error, not a family
MAX_MEMBERS = 100


def _check_fen(name: str, value: object, *, allow_none: bool = False) -> None:
    if value is None and allow_none:
        return
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValueError(f"{name} must be an integer number of fen, got {value!r}")
    if value < 0:
        raise ValueError(f"{name} must not be negative, got {value}")
    if value > MAX_FEN:
        raise ValueError(f"{name} is absurd: {value} fen is over 10,000,000 yuan")


def _check_multiple(name: str, value: object, *, allow_none: bool = False) -> None:
    if value is None and allow_none:
        return
    if not isinstance(value, Fraction):
        raise ValueError(f"{name} must be a fractions.Fraction, got {value!r}")
    if value < 0:
        raise ValueError(f"{name} must not be negative, got {value}")


@dataclass(frozen=True)
class Band:
    """One 临时救助 band: ``min_multiple <= multiple < max_multiple`` (``None``: no upper end) gives
    ``min_fen`` to ``max_fen`` (``None``: no fixed ceiling); `joint_meeting` marks the band whose
    amount the county's 联席会议 decides."""

    min_multiple: Fraction
    max_multiple: Fraction | None
    min_fen: int
    max_fen: int | None
    joint_meeting: bool = False

    def __post_init__(self) -> None:
        _check_multiple("min_multiple", self.min_multiple)
        _check_multiple("max_multiple", self.max_multiple, allow_none=True)
        if self.max_multiple is not None and self.max_multiple <= self.min_multiple:
            raise ValueError(
                f"band max_multiple {self.max_multiple} must be above min_multiple "
                f"{self.min_multiple}"
            )
        _check_fen("band min_fen", self.min_fen)
        _check_fen("band max_fen", self.max_fen, allow_none=True)
        if self.max_fen is not None and self.max_fen < self.min_fen:
            raise ValueError(f"band max_fen {self.max_fen} is below min_fen {self.min_fen}")

    def contains(self, multiple: Fraction | None) -> bool:
        """Whether the multiple (``None``: unbounded) falls in this band."""
        if multiple is None:
            return self.max_multiple is None
        return self.min_multiple <= multiple and (
            self.max_multiple is None or multiple < self.max_multiple
        )


@dataclass(frozen=True)
class Policy:
    """One version of a local policy: standards per person per month, the bands (contiguous, in
    order, the last one open-ended), the small-sum limit and the emergency paperwork deadline."""

    dibao_fen_per_person_month: int
    tekun_fen_per_person_month: int | None
    bands: tuple[Band, ...]
    small_sum_limit_fen: int
    emergency_paperwork_days: int

    def __post_init__(self) -> None:
        _check_fen("dibao_fen_per_person_month", self.dibao_fen_per_person_month)
        if self.dibao_fen_per_person_month == 0:
            raise ValueError("dibao_fen_per_person_month must be positive")
        _check_fen("tekun_fen_per_person_month", self.tekun_fen_per_person_month, allow_none=True)
        _check_fen("small_sum_limit_fen", self.small_sum_limit_fen)
        days = self.emergency_paperwork_days
        if not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= 366:
            raise ValueError(f"emergency_paperwork_days must be 1 to 366 days, got {days!r}")
        if not isinstance(self.bands, tuple) or not self.bands:
            raise ValueError("bands must be a non-empty tuple of Band")
        for band in self.bands:
            if not isinstance(band, Band):
                raise ValueError(f"bands must hold Band values, got {band!r}")
        for lower, upper in zip(self.bands, self.bands[1:], strict=False):
            if lower.max_multiple is None:
                raise ValueError(
                    f"the band from {lower.min_multiple}x has no upper end but is not the last"
                )
            if upper.min_multiple < lower.max_multiple:
                raise ValueError(
                    f"bands overlap: {lower.min_multiple}x-{lower.max_multiple}x and the band "
                    f"from {upper.min_multiple}x"
                )
            if upper.min_multiple > lower.max_multiple:
                raise ValueError(
                    f"bands leave a gap from {lower.max_multiple}x to {upper.min_multiple}x"
                )
        if self.bands[-1].max_multiple is not None:
            raise ValueError(
                f"the last band must have no upper end (max_multiple None): multiples from "
                f"{self.bands[-1].max_multiple}x would fall in no band"
            )


@dataclass(frozen=True)
class Household:
    """The figures intake records. The previous year's income is the whole household's; when it is
    unknown (``None``) it is taken as 12 times the monthly income."""

    members: int
    monthly_income_fen: int
    previous_year_income_fen: int | None
    one_off_expense_fen: int

    def __post_init__(self) -> None:
        members = self.members
        if not isinstance(members, int) or isinstance(members, bool):
            raise ValueError(f"members must be an integer, got {members!r}")
        if not 1 <= members <= MAX_MEMBERS:
            raise ValueError(f"members must be 1 to {MAX_MEMBERS}, got {members}")
        _check_fen("monthly_income_fen", self.monthly_income_fen)
        _check_fen("previous_year_income_fen", self.previous_year_income_fen, allow_none=True)
        _check_fen("one_off_expense_fen", self.one_off_expense_fen)

    @property
    def annual_income_fen(self) -> int:
        """The whole household's income of the previous year."""
        if self.previous_year_income_fen is None:
            return 12 * self.monthly_income_fen
        return self.previous_year_income_fen


@dataclass(frozen=True)
class Payout:
    """A recorded government payout: one of the scheme codes of `SCHEMES`, 1 fen or more."""

    scheme: str
    amount_fen: int

    def __post_init__(self) -> None:
        if self.scheme not in SCHEMES:
            raise ValueError(f"unknown scheme {self.scheme!r}; known: {sorted(SCHEMES)}")
        _check_fen("payout amount_fen", self.amount_fen)
        if self.amount_fen == 0:
            raise ValueError("payout amount_fen must be at least 1 fen")


@dataclass(frozen=True)
class Entitlement:
    """What the policy leads one to expect: 低保 eligibility, the band (``None``: below every band)
    with its amount range, and whether the 联席会议 decides."""

    multiple: Fraction | None
    dibao_eligible: bool
    band: Band | None
    temporary_min_fen: int | None
    temporary_max_fen: int | None
    joint_meeting: bool


def expense_multiple(h: Household) -> Fraction | None:
    """The one-off expense over the previous year's per-capita income; ``None`` when unbounded
    (no income, positive expense). ``expense / (annual / members) = expense * members / annual``."""
    if h.one_off_expense_fen == 0:
        return Fraction(0)
    annual = h.annual_income_fen
    if annual == 0:
        return None
    return Fraction(h.one_off_expense_fen * h.members, annual)


def band_for(policy: Policy, h: Household) -> Band | None:
    """The band the household's multiple falls in (boundaries go to the higher band), or ``None``
    below the first band."""
    multiple = expense_multiple(h)
    for band in policy.bands:
        if band.contains(multiple):
            return band
    return None


def dibao_eligible(policy: Policy, h: Household) -> bool:
    """Per-capita monthly income strictly below the 低保 standard (第九条 "低于"):
    ``monthly / members < standard``, compared as ``monthly < standard * members``."""
    return h.monthly_income_fen < policy.dibao_fen_per_person_month * h.members


def expected(policy: Policy, h: Household) -> Entitlement:
    """The expected entitlement of the household under the policy."""
    band = band_for(policy, h)
    return Entitlement(
        multiple=expense_multiple(h),
        dibao_eligible=dibao_eligible(policy, h),
        band=band,
        temporary_min_fen=band.min_fen if band else None,
        temporary_max_fen=band.max_fen if band else None,
        joint_meeting=bool(band and band.joint_meeting),
    )


def warnings(policy: Policy, h: Household, payouts: Iterable[Payout]) -> list[str]:
    """The warning codes for the recorded payouts, in a fixed order:

    - `dibao_expected`: eligible for 低保 but neither a 低保 nor a 特困 payout is recorded (特困供养
      takes the place of 低保 for the same person, 《社会救助暂行办法》第十四条);
    - `temporary_assistance_expected`: in a band (the 联席会议 one too) but no 临时救助 payout;
    - `temporary_below_band`: 临时救助 payouts recorded, their total below the band's minimum;
    - `joint_meeting_needed`: the band is the 联席会议's, whatever was paid.
    """
    paid: dict[str, int] = {}
    for payout in payouts:
        paid[payout.scheme] = paid.get(payout.scheme, 0) + payout.amount_fen
    entitlement = expected(policy, h)
    codes = []
    if entitlement.dibao_eligible and DIBAO not in paid and TEKUN not in paid:
        codes.append(DIBAO_EXPECTED)
    band = entitlement.band
    if band is not None:
        if TEMPORARY not in paid:
            codes.append(TEMPORARY_ASSISTANCE_EXPECTED)
        elif paid[TEMPORARY] < band.min_fen:
            codes.append(TEMPORARY_BELOW_BAND)
        if band.joint_meeting:
            codes.append(JOINT_MEETING_NEEDED)
    return codes


#: the bands of field report 002 (《**市临时救助规程》): 1-2x up to 3,000 yuan, 2-3x 3,000-5,000,
#: 3-4x 5,000-8,000, from 4x the county's 联席会议 decides the amount
EXAMPLE_CITY_BANDS: tuple[Band, ...] = (
    Band(Fraction(1), Fraction(2), 0, 300_000, joint_meeting=False),
    Band(Fraction(2), Fraction(3), 300_000, 500_000, joint_meeting=False),
    Band(Fraction(3), Fraction(4), 500_000, 800_000, joint_meeting=False),
    Band(Fraction(4), None, 0, None, joint_meeting=True),
)


def example_policy(dibao_fen: int = 130_100) -> Policy:
    """The example city's bands with a 低保 standard (default 1,301 yuan a month, field report 004),
    its 特困 standard of 2,255 yuan (004), the 500-yuan small sum approved by the township and
    a 30-day paperwork deadline for emergency help (002 gives no figure: an assumption)."""
    return Policy(
        dibao_fen_per_person_month=dibao_fen,
        tekun_fen_per_person_month=225_500,
        bands=EXAMPLE_CITY_BANDS,
        small_sum_limit_fen=50_000,
        emergency_paperwork_days=30,
    )
