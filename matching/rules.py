"""The eligibility rule: does a source (an NGO project, a company fund, a donor's rule pledge)
fit a need, in one place.

:func:`misfits` is the single home of the rule; everything else asks it, directly or through
:func:`accepts` and :func:`rule_failures` (engine values) or :func:`fits`:

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
from typing import TYPE_CHECKING

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


def category_ok(categories: Sequence[str], category: str) -> bool:
    """True when a rule with these categories accepts ``category``."""
    return not categories or category in categories


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
    reasons: list[str] = []
    if not any(category_ok(rule.categories, c) for c in applicant.categories):
        wanted = ", ".join(repr(c) for c in applicant.categories)
        reasons.append(
            f"{'category' if len(applicant.categories) == 1 else 'categories'} {wanted} "
            f"not in the source's categories ({', '.join(rule.categories)})"
        )
    if not region_ok(rule.regions, applicant.region):
        reasons.append(
            f"region {applicant.region} outside the source's regions ({', '.join(rule.regions)})"
        )
    if not age_ok(rule.age_bands, applicant.age_band):
        reasons.append(
            f"age band {applicant.age_band!r} not in the source's age bands "
            f"({', '.join(rule.age_bands)})"
        )
    low, high, size = rule.household_min, rule.household_max, applicant.household_size
    if (low or high) and (size is None or (low and size < low) or (high and size > high)):
        reasons.append(
            f"household of {size if size is not None else 'unknown size'} outside the source's "
            f"range ({low or 1}..{high or 'any'})"
        )
    return (*reasons, *_date_misfits(rule, today))


def _date_misfits(rule: Rule, today: date | None) -> tuple[str, ...]:
    if not (rule.starts_on or rule.ends_on):
        return ()
    if today is None:
        raise ValueError("a rule with dates is checked against a given day")
    reasons = []
    if rule.starts_on and rule.starts_on > today:
        reasons.append(f"the source starts on {rule.starts_on.isoformat()}")
    if rule.ends_on and rule.ends_on < today:
        reasons.append(f"the source ended on {rule.ends_on.isoformat()}")
    return tuple(reasons)


def open_on(rule: Rule, today: date) -> bool:
    """True when ``today`` lies within the rule's dates: the part of :func:`misfits` that does
    not depend on the need (for callers that pick sources before they know the needs)."""
    return not _date_misfits(rule, today)


def fits(rule: Rule, applicant: Applicant, today: date | None = None) -> bool:
    """True when ``rule`` accepts ``applicant`` (:func:`misfits` finds nothing)."""
    return not misfits(rule, applicant, today)


def accepts(source: Source, need: Need) -> bool:
    """Whether ``source``'s rules accept ``need`` (capacity aside).

    Args:
        source: the source whose rules apply.
        need: the need line.

    Returns:
        True when :func:`misfits` finds nothing.
    """
    return not misfits(source.rule, need.applicant)


def rule_failures(source: Source, need: Need) -> tuple[str, ...]:
    """The rules of ``source`` that reject ``need``, as readable reasons (empty when accepted)."""
    return misfits(source.rule, need.applicant)
