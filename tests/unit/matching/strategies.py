"""Hypothesis strategies for small random instances (a few regions, categories, caps)."""

from __future__ import annotations

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from matching.types import Need, Source

REGIONS = ["421002", "421003", "420102"]
PREFIXES = ["42", "4210", "421002", "420102"]
CATEGORIES = ["medical", "education", "living"]
AGES = ["0-17", "60+"]

FAST = settings(
    derandomize=True,
    database=None,
    deadline=None,
    max_examples=150,
    suppress_health_check=[HealthCheck.too_slow],
)


def subsets(values: list[str], most: int = 2) -> st.SearchStrategy[tuple[str, ...]]:
    """Small subsets (as sorted tuples) of ``values``."""
    return st.lists(st.sampled_from(values), max_size=most, unique=True).map(
        lambda v: tuple(sorted(v))
    )


@st.composite
def needs(draw: st.DrawFn, max_needs: int = 12, kinds: tuple[str, ...] = ("cash",)) -> list[Need]:
    """Need lines spread over a few cases; a case keeps one region and age band mostly."""
    n_cases = draw(st.integers(1, 5))
    out = []
    for i in range(draw(st.integers(0, max_needs))):
        case = draw(st.integers(0, n_cases - 1))
        kind = draw(st.sampled_from(kinds))
        out.append(
            Need(
                id=f"n{i}",
                case=f"c{case}",
                amount_fen=draw(st.integers(0, 400)) if kind != "service" else 0,
                urgency=draw(st.integers(1, 5)),
                category=draw(st.sampled_from(CATEGORIES)),
                region=draw(st.sampled_from([REGIONS[case % 3], *REGIONS])),
                age_band=draw(st.sampled_from([AGES[case % 2], None, *AGES])),
                kind=kind,
                units=draw(st.integers(0, 12)) if kind == "service" else None,
                deadline_days=draw(st.one_of(st.none(), st.integers(-2, 40))),
            )
        )
    return out


@st.composite
def sources(draw: st.DrawFn, max_sources: int = 6) -> list[Source]:
    """Sources with rules, money, some per-case caps and some service capacity."""
    out = []
    for j in range(draw(st.integers(0, max_sources))):
        out.append(
            Source(
                id=f"s{j}",
                kind=draw(st.sampled_from(["pledge", "fund", "project"])),
                amount_fen=draw(st.integers(0, 600)),
                categories=draw(subsets(CATEGORIES)),
                regions=draw(subsets(PREFIXES)),
                age_bands=draw(subsets(AGES, 1)),
                per_case_cap_fen=draw(
                    st.one_of(st.none(), st.integers(0, 300), st.integers(1, 60))
                ),
                service_units=draw(st.one_of(st.none(), st.integers(0, 15))),
                home_region=draw(st.one_of(st.none(), st.sampled_from(REGIONS))),
                track_record=draw(st.floats(0, 1)),
            )
        )
    return out


@st.composite
def instances(
    draw: st.DrawFn, max_needs: int = 12, max_sources: int = 6, kinds: tuple[str, ...] = ("cash",)
) -> tuple[list[Need], list[Source]]:
    """A random instance."""
    return draw(needs(max_needs, kinds)), draw(sources(max_sources))
