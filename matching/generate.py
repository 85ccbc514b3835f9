"""Synthetic allocation instances with realistic shapes, reproducible from a seed.

Needs come in cases (households) of 1-4 lines of different categories, all in the case's county
and age band; amounts are log-normal per category (medical and housing bills are large, living
costs small); urgency is set per case (1-5) and varies a little per line. Regions are counties
of four prefecture-level cities of Hubei (GB/T 2260 codes).

Sources: 85% small individual pledges (median 300 yuan, no cap), 10% larger pledges (median
5,000 yuan, a third with a per-case cap), 3% company funds (median 200,000 yuan, mostly capped
per case), 2% NGO money projects (median 80,000 yuan, capped, local). Rules are a category or
none, a city or county prefix or none, sometimes an age band.
"""

from __future__ import annotations

from typing import Any

import numpy as np

REGIONS = {
    "4201": ["420102", "420103", "420104", "420105", "420106", "420111", "420115"],
    "4205": ["420502", "420503", "420504", "420506", "420581"],
    "4210": ["421002", "421003", "421022", "421024", "421081", "421083", "421087"],
    "4211": ["421102", "421121", "421122", "421123", "421181", "421182"],
}
# category: (share of lines, median yuan, log-sigma)
CATEGORIES = {
    "medical": (0.32, 8000, 1.0),
    "education": (0.18, 3000, 0.6),
    "living": (0.22, 2000, 0.5),
    "housing": (0.10, 10000, 0.8),
    "disaster": (0.08, 5000, 0.8),
    "disability": (0.10, 4000, 0.7),
}
AGE_BANDS = ["0-17", "18-59", "60+"]
URGENCY_SHARE = [0.15, 0.25, 0.30, 0.20, 0.10]
# kind label, share, median yuan, sigma, share capped, caps in yuan
SOURCE_MIX = [
    ("pledge", 0.85, 300, 0.9, 0.0, [0]),
    ("pledge", 0.10, 5000, 1.0, 0.33, [1000, 2000, 3000, 5000]),
    ("fund", 0.03, 200000, 0.8, 0.8, [5000, 10000, 20000, 30000]),
    ("project", 0.02, 80000, 0.7, 0.9, [2000, 3000, 5000, 8000]),
]


def generate_instance(
    n_needs: int, n_sources: int, seed: int = 0, cities: int | None = None
) -> dict[str, Any]:
    """A synthetic instance in the format of shared/matching-instance.md.

    Args:
        n_needs: number of need lines.
        n_sources: number of sources.
        seed: random seed (same seed, same instance).
        cities: instead of the 25 counties of four Hubei cities, this many synthetic cities of
            ten counties each (a stress test of many regions, e.g. 100 for 1,000 counties).

    Returns:
        ``{"needs": [...], "sources": [...]}``.
    """
    rng = np.random.default_rng(seed)
    regions = REGIONS if cities is None else _synthetic_regions(cities)
    return {"needs": _needs(rng, n_needs, regions), "sources": _sources(rng, n_sources, regions)}


def _synthetic_regions(cities: int) -> dict[str, list[str]]:
    codes = [f"{11 + c // 30:02d}{c % 30 + 1:02d}" for c in range(cities)]
    return {city: [f"{city}{k + 1:02d}" for k in range(10)] for city in codes}


def _yuan_to_fen(
    rng: np.random.Generator, median: float, sigma: float, low: float, high: float
) -> int:
    yuan = float(np.clip(rng.lognormal(np.log(median), sigma), low, high))
    return int(round(yuan)) * 100


def _needs(
    rng: np.random.Generator, count: int, regions: dict[str, list[str]]
) -> list[dict[str, Any]]:
    cats = list(CATEGORIES)
    shares = np.array([CATEGORIES[c][0] for c in cats])
    medians = np.log(np.array([CATEGORIES[c][1] for c in cats], dtype=float))
    sigmas = np.array([CATEGORIES[c][2] for c in cats])
    counties = [c for city in regions.values() for c in city]
    sizes = rng.choice([1, 2, 3, 4], size=max(count, 1), p=[0.35, 0.35, 0.2, 0.1])
    n_cases = int(np.searchsorted(np.cumsum(sizes), count)) + 1
    sizes = sizes[:n_cases]
    # distinct categories per case, drawn by share (Gumbel top-k)
    picks = np.argsort(-(np.log(shares) + rng.gumbel(size=(n_cases, len(cats)))), axis=1)
    region = rng.integers(len(counties), size=n_cases)
    age = rng.choice(3, size=n_cases, p=[0.25, 0.45, 0.30])
    urgency = rng.choice(5, size=n_cases, p=URGENCY_SHARE) + 1
    case = np.repeat(np.arange(n_cases), sizes)[:count]
    slot = np.arange(count) - (np.cumsum(sizes) - sizes)[case]
    cat = picks[case, slot]
    yuan = np.clip(rng.lognormal(medians[cat], sigmas[cat]), 100, 500000)
    fen = (np.round(yuan) * 100).astype(np.int64)
    line_urgency = np.clip(urgency[case] + rng.choice([-1, 0, 0, 0, 1], size=count), 1, 5)
    return [
        {
            "id": f"n{i + 1}",
            "case": f"c{c + 1}",
            "amount_fen": a,
            "urgency": u,
            "category": cats[k],
            "region": counties[region[c]],
            "age_band": AGE_BANDS[age[c]],
        }
        for i, (c, k, a, u) in enumerate(
            zip(case.tolist(), cat.tolist(), fen.tolist(), line_urgency.tolist(), strict=True)
        )
    ]


def _sources(
    rng: np.random.Generator, count: int, regions: dict[str, list[str]]
) -> list[dict[str, Any]]:
    mix = np.array([m[1] for m in SOURCE_MIX])
    cats = list(CATEGORIES)
    shares = np.array([CATEGORIES[c][0] for c in cats])
    sources: list[dict[str, Any]] = []
    for i in range(count):
        kind, _, median, sigma, capped, caps = SOURCE_MIX[int(rng.choice(len(SOURCE_MIX), p=mix))]
        amount = _yuan_to_fen(rng, median, sigma, 10, 5_000_000)
        sources.append(
            {
                "id": f"s{i + 1}",
                "kind": kind,
                "amount_fen": amount,
                "categories": _rule_categories(rng, kind, cats, shares),
                "regions": _rule_regions(rng, kind, regions),
                "age_bands": [AGE_BANDS[int(rng.integers(3))]] if rng.random() < 0.1 else [],
                "per_case_cap_fen": int(rng.choice(caps)) * 100 if rng.random() < capped else None,
            }
        )
    return sources


def _rule_categories(
    rng: np.random.Generator, kind: str, cats: list[str], shares: Any
) -> list[str]:
    if kind == "pledge" and rng.random() < 0.45:
        return []
    if kind == "fund" and rng.random() < 0.4:
        return [cats[int(k)] for k in rng.choice(len(cats), size=2, replace=False, p=shares)]
    return [cats[int(rng.choice(len(cats), p=shares))]]


def _rule_regions(rng: np.random.Generator, kind: str, regions: dict[str, list[str]]) -> list[str]:
    cities = list(regions)
    city = cities[int(rng.integers(len(cities)))]
    county = regions[city][int(rng.integers(len(regions[city])))]
    roll = rng.random()
    if kind == "fund":
        return [city[:2]] if roll < 0.3 else [city]
    if kind == "project":
        return [city] if roll < 0.3 else [county]
    if roll < 0.3:
        return []
    return [city] if roll < 0.75 else [county]
