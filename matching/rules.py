"""The eligibility rule: does a source (an NGO project, a company fund, a donor's rule pledge)
fit a need, in one place.

The rule is written once (``_check``); :func:`misfits` (why not) and :func:`fits` (yes or no)
ask it for a :class:`Rule` and an :class:`Applicant`, :func:`rule_failures` and :func:`accepts`
for the engine's :class:`~matching.types.Source` and :class:`~matching.types.Need`, and
:func:`open_on` for the dates alone. Every caller goes through them:

* the engine: scoring (:func:`matching.scoring.eligible`), the vectorized
  :class:`~matching.ranker.Ranker` and plan building, the LP and feasibility checks;
* the web app, through thin adapters that turn its rows into a :class:`Rule` and an
  :class:`Applicant`: the plan builder's catalog of projects and rule classes, referrals to NGO
  projects, plan acceptance, company-fund match offers and expired rule pledges.

A source accepts a need when its ``categories`` is empty or shares one with the need's, its
``regions`` is empty or one of them is a prefix of the need's region, its ``age_bands`` is empty
or contains the need's age band, the household size lies within its bounds, and today lies
within its dates (shared/matching-instance.md names the first three, which is all an instance
carries). The global allocation engine (:mod:`matching.engine.problem`) evaluates the same three
as boolean arrays for speed; the LP and feasibility checks, which use :func:`accepts`, check it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from matching.types import Need, Source


@dataclass(frozen=True, slots=True)
class Rule:
    """What a source accepts. Empty tuples mean "any"; a missing (``None`` or 0) household bound
    or date means "no limit"."""

    categories: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    age_bands: tuple[str, ...] = ()
    household_min: int | None = None
    household_max: int | None = None
    starts_on: date | None = None
    ends_on: date | None = None


@dataclass(frozen=True, slots=True)
class Applicant:
    """What a rule is checked against: one need line (``categories`` holds its category) or a
    whole case (a rule that accepts any of ``categories`` fits). ``None`` means unknown: an
    unknown age band fits no age rule, an unknown household size no household bound."""

    categories: tuple[str, ...]
    region: str
    age_band: str | None = None
    household_size: int | None = None


def region_ok(regions: Sequence[str], region: str) -> bool:
    """True when a rule with these region prefixes accepts ``region``."""
    return not regions or any(region.startswith(prefix) for prefix in regions)


def age_ok(age_bands: Sequence[str], age_band: str | None) -> bool:
    """True when a rule with these age bands accepts ``age_band``."""
    return not age_bands or (age_band is not None and age_band in age_bands)


def misfits(rule: Rule, applicant: Applicant, today: date | None = None) -> tuple[str, ...]:
    """Why ``rule`` does not accept ``applicant``, as readable reasons (empty when it does).

    Args:
        rule: the source's conditions.
        applicant: the need line or case.
        today: the day to check the rule's dates against. Required when the rule has dates:
            the engine has no clock (the sources it sees carry no dates), the web app passes
            the local date.

    Returns:
        One reason per failed condition: category, region, age band, household size, dates.

    Raises:
        ValueError: the rule has dates and ``today`` is not given.
    """
    return _check(rule, rule.starts_on, rule.ends_on, *_values(applicant), today, explain=True)


def fits(rule: Rule, applicant: Applicant, today: date | None = None) -> bool:
    """True when ``rule`` accepts ``applicant`` (:func:`misfits` finds nothing)."""
    return not _check(rule, rule.starts_on, rule.ends_on, *_values(applicant), today, explain=False)


def open_on(rule: Rule, today: date) -> bool:
    """True when ``today`` lies within the rule's dates: the part of :func:`misfits` that does
    not depend on the need (for callers that pick sources before they know the needs)."""
    return not _check(Rule(), rule.starts_on, rule.ends_on, ("",), "", None, None, today, False)


def accepts(source: Source, need: Need) -> bool:
    """Whether ``source``'s rules accept ``need`` (capacity aside).

    Args:
        source: the source whose rules apply.
        need: the need line.

    Returns:
        True when :func:`misfits` finds nothing.
    """
    return not _engine_check(source, need, explain=False)


def rule_failures(source: Source, need: Need) -> tuple[str, ...]:
    """The rules of ``source`` that reject ``need``, as readable reasons (empty when accepted)."""
    return _engine_check(source, need, explain=True)


def _engine_check(source: Source, need: Need, explain: bool) -> tuple[str, ...]:
    """The engine's sources carry no dates: the rule's need-side conditions only."""
    values = (need.category,), need.region, need.age_band, need.household_size
    return _check(source, None, None, *values, None, explain=explain)


class _Conditions(Protocol):
    """What :func:`_check` reads of a :class:`Rule` or, directly, of a
    :class:`~matching.types.Source` (whose rule has no dates)."""

    @property
    def categories(self) -> tuple[str, ...]: ...
    @property
    def regions(self) -> tuple[str, ...]: ...
    @property
    def age_bands(self) -> tuple[str, ...]: ...
    @property
    def household_min(self) -> int | None: ...
    @property
    def household_max(self) -> int | None: ...


def _values(applicant: Applicant) -> tuple[tuple[str, ...], str, str | None, int | None]:
    return applicant.categories, applicant.region, applicant.age_band, applicant.household_size


_REFUSED = ("refused",)


def _check(
    rule: _Conditions,
    starts_on: date | None,
    ends_on: date | None,
    wanted: tuple[str, ...],
    region: str,
    age_band: str | None,
    size: int | None,
    today: date | None,
    explain: bool,
) -> tuple[str, ...]:
    """The rule itself, on plain values (the engine asks millions of times, mostly to hear
    "no"). Without ``explain`` it stops at the first failed condition."""
    reasons: list[str] = []
    categories = rule.categories
    one = len(wanted) == 1
    if categories and not (
        wanted[0] in categories if one else any(c in categories for c in wanted)
    ):
        if not explain:
            return _REFUSED
        reasons.append(
            f"{'category' if one else 'categories'} "
            f"{', '.join(repr(c) for c in wanted)} "
            f"not in the source's categories ({', '.join(categories)})"
        )
    if not region_ok(rule.regions, region):
        if not explain:
            return _REFUSED
        reasons.append(f"region {region} outside the source's regions ({', '.join(rule.regions)})")
    if not age_ok(rule.age_bands, age_band):
        if not explain:
            return _REFUSED
        reasons.append(
            f"age band {age_band!r} not in the source's age bands ({', '.join(rule.age_bands)})"
        )
    low, high = rule.household_min, rule.household_max
    if (low or high) and (size is None or (low and size < low) or (high and size > high)):
        if not explain:
            return _REFUSED
        reasons.append(
            f"household of {size if size is not None else 'unknown size'} outside the source's "
            f"range ({low or 1}..{high or 'any'})"
        )
    if starts_on or ends_on:
        if today is None:
            raise ValueError("a rule with dates is checked against a given day")
        if starts_on and starts_on > today:
            if not explain:
                return _REFUSED
            reasons.append(f"the source starts on {starts_on.isoformat()}")
        if ends_on and ends_on < today:
            if not explain:
                return _REFUSED
            reasons.append(f"the source ended on {ends_on.isoformat()}")
    return tuple(reasons)
