"""Coarsening of quasi-identifiers for publication."""

from typing import Final

from marketplace.cases.anonymize._base import AGE_BANDS, HOUSEHOLD_BANDS, normalize

# ---- quasi-identifiers ---------------------------------------------------------------------

_AGE_LIMITS: Final = (5, 11, 17, 29, 44, 59, 69, 79)


def age_band(age: int) -> str:
    """Coarsen an age in years to one of :data:`AGE_BANDS` (``80+`` from 80 on).

    Raises :class:`ValueError` for a negative age.
    """
    if age < 0:
        raise ValueError(f"age must not be negative: {age}")
    for limit, band in zip(_AGE_LIMITS, AGE_BANDS, strict=False):
        if age <= limit:
            return band
    return AGE_BANDS[-1]


def household_band(size: int) -> str:
    """Coarsen a household size to one of :data:`HOUSEHOLD_BANDS` (``5+`` from 5 on).

    Raises :class:`ValueError` for a size below one.
    """
    if size < 1:
        raise ValueError(f"household size must be at least 1: {size}")
    return HOUSEHOLD_BANDS[min(size, len(HOUSEHOLD_BANDS)) - 1]


_REGION_LENGTHS: Final = frozenset({6, 9, 12})


def county_code(region: str) -> str:
    """Coarsen a region code to its 6-digit county code.

    Accepts a county (6 digits), township (9) or village (12) code, e.g.
    ``"420111001002"`` -> ``"420111"``. Full-width digits are normalized; surrounding
    whitespace is ignored. Raises :class:`ValueError` for anything else.
    """
    code = normalize(region).strip()
    if not (code.isascii() and code.isdigit()) or len(code) not in _REGION_LENGTHS:
        raise ValueError(f"region code must be 6, 9 or 12 digits: {region!r}")
    return code[:6]
