"""The eligibility rules of shared/matching-instance.md, in one place.

A source may fund a need when its ``categories`` is empty or contains the need's category, its
``regions`` is empty or one of them is a prefix of the need's region, and its ``age_bands`` is
empty or contains the need's age band. Global allocation, the baselines, the LP check and the
feasibility check all use these functions, so they agree by construction.
"""

from __future__ import annotations

from collections.abc import Sequence

from matching.types import Need, Source


def category_ok(categories: Sequence[str], category: str) -> bool:
    """True when a rule with these categories accepts ``category``."""
    return not categories or category in categories


def region_ok(regions: Sequence[str], region: str) -> bool:
    """True when a rule with these region prefixes accepts ``region``."""
    return not regions or any(region.startswith(prefix) for prefix in regions)


def age_ok(age_bands: Sequence[str], age_band: str | None) -> bool:
    """True when a rule with these age bands accepts ``age_band``."""
    return not age_bands or (age_band is not None and age_band in age_bands)


def accepts(source: Source, need: Need) -> bool:
    """Whether ``source``'s rules accept ``need`` (category, region, age band; nothing else).

    Args:
        source: the source whose rules apply.
        need: the need line.

    Returns:
        True when all three rules accept the need.
    """
    return (
        category_ok(source.categories, need.category)
        and region_ok(source.regions, need.region)
        and age_ok(source.age_bands, need.age_band)
    )


def rule_failures(source: Source, need: Need) -> tuple[str, ...]:
    """The rules of ``source`` that reject ``need``, as readable reasons (empty when accepted)."""
    reasons: list[str] = []
    if not category_ok(source.categories, need.category):
        reasons.append(
            f"category {need.category!r} not in the source's categories "
            f"({', '.join(source.categories)})"
        )
    if not region_ok(source.regions, need.region):
        reasons.append(
            f"region {need.region} outside the source's regions ({', '.join(source.regions)})"
        )
    if not age_ok(source.age_bands, need.age_band):
        reasons.append(
            f"age band {need.age_band!r} not in the source's age bands "
            f"({', '.join(source.age_bands)})"
        )
    return tuple(reasons)
