"""Value types of the matching engine: immutable, no behaviour beyond small derived values.

Money is always an integer number of fen. The web app builds these from database rows in
``marketplace/plans/`` and stores what comes back; nothing here knows about storage.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from types import MappingProxyType

from matching.rules import Applicant, Rule

NEED_KINDS = ("cash", "in_kind", "service")
MONEY_KINDS = ("cash", "in_kind")
SOURCE_KINDS = ("pledge", "fund", "project")
URGENCY_MIN, URGENCY_MAX = 1, 5


@dataclass(frozen=True, slots=True)
class Need:
    """One open need line of a case.

    ``amount_fen`` is the residual money need (for ``service`` lines it may be 0 and ``units``
    holds the number of sessions, visits ... still needed). ``household_size`` (``None``:
    unknown) is what a source's household bounds are checked against.
    """

    id: str
    case: str
    amount_fen: int
    urgency: int
    category: str
    region: str
    age_band: str | None = None
    kind: str = "cash"
    units: int | None = None
    deadline_days: int | None = None
    household_size: int | None = None

    def __post_init__(self) -> None:
        if self.kind not in NEED_KINDS:
            raise ValueError(f"need {self.id!r}: kind must be one of {', '.join(NEED_KINDS)}")
        if self.amount_fen < 0:
            raise ValueError(f"need {self.id!r}: amount_fen must be >= 0")
        if not URGENCY_MIN <= self.urgency <= URGENCY_MAX:
            raise ValueError(f"need {self.id!r}: urgency must be 1..5")

    @property
    def is_money(self) -> bool:
        """True for cash and in-kind lines (funded with money), False for service lines."""
        return self.kind in MONEY_KINDS

    @property
    def applicant(self) -> Applicant:
        """What a source's :class:`~matching.rules.Rule` is checked against."""
        return Applicant((self.category,), self.region, self.age_band, self.household_size)


@dataclass(frozen=True, slots=True)
class Source:
    """Something that can meet needs: a donor pledge, a company fund or an NGO project.

    ``amount_fen`` is the money still available; ``service_units`` the service capacity of a
    project (a project may offer money, service, or both). Empty rule tuples mean "any", and so
    do missing household bounds.
    """

    id: str
    kind: str
    amount_fen: int
    categories: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    age_bands: tuple[str, ...] = ()
    per_case_cap_fen: int | None = None
    service_units: int | None = None
    home_region: str | None = None
    track_record: float = 0.5
    name: str = ""
    household_min: int | None = None
    household_max: int | None = None

    def __post_init__(self) -> None:
        if self.kind not in SOURCE_KINDS:
            raise ValueError(f"source {self.id!r}: kind must be one of {', '.join(SOURCE_KINDS)}")
        if self.amount_fen < 0:
            raise ValueError(f"source {self.id!r}: amount_fen must be >= 0")
        if self.per_case_cap_fen is not None and self.per_case_cap_fen < 0:
            raise ValueError(f"source {self.id!r}: per_case_cap_fen must be >= 0")
        if not 0.0 <= self.track_record <= 1.0:
            raise ValueError(f"source {self.id!r}: track_record must be in 0..1")

    @property
    def rule(self) -> Rule:
        """The source's eligibility conditions (see :func:`matching.rules.misfits`)."""
        return Rule(
            self.categories,
            self.regions,
            self.age_bands,
            self.household_min,
            self.household_max,
        )


@dataclass(frozen=True, slots=True)
class Weights:
    """Weights of the scoring factors; each factor's value lies in 0..1."""

    urgency: float = 0.25
    category: float = 0.25
    locality: float = 0.30
    amount_fit: float = 0.10
    track_record: float = 0.05
    deadline: float = 0.05

    @classmethod
    def from_mapping(cls, values: Mapping[str, object]) -> Weights:
        """Build weights from configuration, e.g. ``{"locality": 0.4}``; missing keys keep defaults.

        Args:
            values: factor name -> weight (a finite, non-negative number).

        Returns:
            The weights.

        Raises:
            ValueError: on an unknown factor name or a weight that is not a finite number >= 0.
        """
        known = {f.name for f in fields(cls)}
        parsed: dict[str, float] = {}
        for name, raw in values.items():
            if name not in known:
                raise ValueError(
                    f"unknown scoring factor {name!r} (known: {', '.join(sorted(known))})"
                )
            if isinstance(raw, bool) or not isinstance(raw, int | float):
                raise ValueError(f"weight {name!r} must be a number")
            if not math.isfinite(raw) or raw < 0:
                raise ValueError(f"weight {name!r} must be a finite number >= 0")
            parsed[name] = float(raw)
        return cls(**parsed)


DEFAULT_WEIGHTS = Weights()


@dataclass(frozen=True, slots=True)
class Factor:
    """One named part of a score: ``contribution = weight * value``."""

    name: str
    value: float
    weight: float
    label_zh: str
    label_en: str

    @property
    def contribution(self) -> float:
        """This factor's share of the total score."""
        return self.weight * self.value

    def explain(self, lang: str = "zh") -> str:
        """The factor as people read it, e.g. ``同区县 +0.30``."""
        label = self.label_zh if lang.startswith("zh") else self.label_en
        return f"{label} {self.contribution:+.2f}"


@dataclass(frozen=True, slots=True)
class Score:
    """How well one source fits one need line, with the reasons why (or why not)."""

    source_id: str
    need_id: str
    eligible: bool
    total: float
    factors: tuple[Factor, ...] = ()
    reasons: tuple[str, ...] = ()

    def explain(self, lang: str = "zh") -> str:
        """All factors on one line, largest first: ``同区县 +0.30, 医疗类匹配 +0.25, ...``."""
        if not self.eligible:
            return "; ".join(self.reasons)
        ordered = sorted(self.factors, key=lambda f: -f.contribution)
        return ", ".join(f.explain(lang) for f in ordered if f.contribution)


@dataclass(frozen=True, slots=True)
class PlanItem:
    """One commitment in a plan: money (``amount_fen``) and/or service ``units`` for one line."""

    source_id: str
    need_id: str
    amount_fen: int
    units: int


@dataclass(frozen=True, slots=True)
class Plan:
    """A plan for one case. ``covered`` and ``missing`` are per need line, in fen for money lines
    and in units for service lines."""

    items: tuple[PlanItem, ...]
    covered: Mapping[str, int]
    missing: Mapping[str, int]
    complete: bool

    def __post_init__(self) -> None:
        object.__setattr__(self, "covered", MappingProxyType(dict(self.covered)))
        object.__setattr__(self, "missing", MappingProxyType(dict(self.missing)))

    @property
    def source_ids(self) -> tuple[str, ...]:
        """The distinct sources used, in order of first use."""
        return tuple(dict.fromkeys(item.source_id for item in self.items))


@dataclass(frozen=True, slots=True)
class Allocation:
    """Money from one source to one need line (global allocation)."""

    source: str
    need: str
    amount_fen: int


@dataclass(frozen=True, slots=True)
class AllocationResult:
    """The outcome of a global allocation.

    ``objective`` is the urgency-weighted money placed (sum of ``urgency x amount_fen``);
    ``stats`` holds solver figures (network size, rounds ...) for benchmarks and logs.
    """

    allocations: tuple[Allocation, ...]
    objective: int
    cases_fully_covered: int
    seconds: float
    method: str = "exact"
    stats: Mapping[str, float] = field(default_factory=dict)
