"""Reading instances and writing results in the format of shared/matching-instance.md.

:func:`load_instance` refuses a malformed instance with an :class:`InstanceError` whose message
names the offending record, e.g. ``needs[3] (id 'n7'): urgency must be an integer 1..5 (got 7)``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any, NoReturn

from matching.types import (
    NEED_KINDS,
    SOURCE_KINDS,
    URGENCY_MAX,
    URGENCY_MIN,
    AllocationResult,
    Need,
    Source,
)

MAX_FEN = 10**12  # ten billion yuan: anything larger is a unit mistake


class InstanceError(ValueError):
    """A malformed instance; the message names the offending record and field."""


def load_instance(obj: object) -> tuple[list[Need], list[Source]]:
    """Validate an instance (parsed JSON) and convert it to engine types.

    Args:
        obj: ``{"needs": [...], "sources": [...]}`` as parsed from JSON.

    Returns:
        The need lines and the sources, in the instance's order.

    Raises:
        InstanceError: on a missing or mistyped field, a negative amount, an urgency outside
            1..5, a duplicate id ... naming the record, e.g. ``sources[2] (id 's3'): ...``.
    """
    if not isinstance(obj, Mapping):
        raise InstanceError("instance: must be an object with 'needs' and 'sources'")
    needs = _records(obj, "needs", _need)
    sources = _records(obj, "sources", _source)
    return needs, sources


def _records(obj: Mapping[str, Any], section: str, parse: Callable[[_Record], Any]) -> list[Any]:
    if section not in obj:
        raise InstanceError(f"instance: missing {section!r}")
    items = obj[section]
    if not isinstance(items, list):
        raise InstanceError(f"instance: {section!r} must be a list")
    out = []
    seen: dict[str, int] = {}
    for i, raw in enumerate(items):
        record = _Record(section, i, raw)
        item = parse(record)
        if item.id in seen:
            record.fail(f"duplicate id (also {section}[{seen[item.id]}])")
        seen[item.id] = i
        out.append(item)
    return out


class _Record:
    """One record being read, so that every error can name it."""

    def __init__(self, section: str, index: int, raw: object):
        self.where = f"{section}[{index}]"
        if not isinstance(raw, Mapping):
            raise InstanceError(f"{self.where}: must be an object")
        self.raw: Mapping[str, Any] = raw
        rid = raw.get("id")
        if isinstance(rid, str) and rid:
            self.where += f" (id {rid!r})"

    def fail(self, message: str) -> NoReturn:
        raise InstanceError(f"{self.where}: {message}")

    def get(self, field: str, required: bool) -> Any:
        if field not in self.raw:
            if required:
                self.fail(f"missing {field!r}")
            return None
        return self.raw[field]

    def text(self, field: str, required: bool = True) -> str | None:
        value = self.get(field, required)
        if value is None and not required:
            return None
        if not isinstance(value, str) or not value:
            self.fail(f"{field} must be a non-empty string")
        return str(value)

    def integer(self, field: str, low: int, high: int, required: bool = True) -> int | None:
        value = self.get(field, required)
        if value is None and not required:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            self.fail(f"{field} must be an integer {low}..{high} (got {value!r})")
        return int(value)

    def texts(
        self, field: str, check: Callable[[str], bool] = bool, what: str = "strings"
    ) -> tuple[str, ...]:
        value = self.get(field, False)
        if value is None:
            return ()
        if not isinstance(value, list) or not all(isinstance(v, str) and check(v) for v in value):
            self.fail(f"{field} must be a list of {what}")
        return tuple(value)


def _division(code: str) -> bool:
    return len(code) == 6 and code.isdigit()


def _prefix(code: str) -> bool:
    return 1 <= len(code) <= 6 and code.isdigit()


def _need(r: _Record) -> Need:
    region = r.text("region")
    if not _division(str(region)):
        r.fail(f"region must be a 6-digit division code (got {region!r})")
    kind = r.get("kind", False) or "cash"
    if kind not in NEED_KINDS:
        r.fail(f"kind must be one of {', '.join(NEED_KINDS)} (got {kind!r})")
    return Need(
        id=str(r.text("id")),
        case=str(r.text("case")),
        amount_fen=int(r.integer("amount_fen", 0, MAX_FEN) or 0),
        urgency=int(r.integer("urgency", URGENCY_MIN, URGENCY_MAX) or 0),
        category=str(r.text("category")),
        region=str(region),
        age_band=r.text("age_band", required=False),
        kind=str(kind),
        units=r.integer("units", 0, MAX_FEN, required=False),
        deadline_days=r.integer("deadline_days", -(10**6), 10**6, required=False),
    )


def _source(r: _Record) -> Source:
    kind = r.get("kind", True)
    if kind not in SOURCE_KINDS:
        r.fail(f"kind must be one of {', '.join(SOURCE_KINDS)} (got {kind!r})")
    track = r.get("track_record", False)
    if track is None:
        track = 0.5
    if (
        isinstance(track, bool)
        or not isinstance(track, int | float)
        or not (0 <= track <= 1)
        or math.isnan(track)
    ):
        r.fail(f"track_record must be a number 0..1 (got {track!r})")
    home = r.text("home_region", required=False)
    if home is not None and not _division(home):
        r.fail(f"home_region must be a 6-digit division code (got {home!r})")
    name = r.get("name", False)
    if name is not None and not isinstance(name, str):
        r.fail("name must be a string")
    return Source(
        id=str(r.text("id")),
        kind=str(kind),
        amount_fen=int(r.integer("amount_fen", 0, MAX_FEN) or 0),
        categories=r.texts("categories", what="category names"),
        regions=r.texts("regions", _prefix, "division code prefixes (1-6 digits)"),
        age_bands=r.texts("age_bands", what="age bands"),
        per_case_cap_fen=r.integer("per_case_cap_fen", 0, MAX_FEN, required=False),
        service_units=r.integer("service_units", 0, MAX_FEN, required=False),
        home_region=home,
        track_record=float(track),
        name=name or "",
    )


def dump_result(result: AllocationResult) -> dict[str, Any]:
    """A result as the contract's JSON object (plus ``cases_fully_covered`` and ``method``).

    Args:
        result: the allocation result.

    Returns:
        ``{"allocations": [...], "objective": ..., "cases_fully_covered": ..., "seconds": ...}``.
    """
    return {
        "allocations": [
            {"source": a.source, "need": a.need, "amount_fen": a.amount_fen}
            for a in result.allocations
        ],
        "objective": result.objective,
        "cases_fully_covered": result.cases_fully_covered,
        "seconds": round(result.seconds, 4),
        "method": result.method,
    }


def dump_instance(needs: Sequence[Need], sources: Sequence[Source]) -> dict[str, Any]:
    """Engine types back to the instance format (inverse of :func:`load_instance`)."""
    return {
        "needs": [
            {
                "id": n.id,
                "case": n.case,
                "amount_fen": n.amount_fen,
                "urgency": n.urgency,
                "category": n.category,
                "region": n.region,
                "age_band": n.age_band,
            }
            | ({"kind": n.kind} if n.kind != "cash" else {})
            | ({"units": n.units} if n.units is not None else {})
            | ({"deadline_days": n.deadline_days} if n.deadline_days is not None else {})
            for n in needs
        ],
        "sources": [
            {
                "id": s.id,
                "kind": s.kind,
                "amount_fen": s.amount_fen,
                "categories": list(s.categories),
                "regions": list(s.regions),
                "age_bands": list(s.age_bands),
                "per_case_cap_fen": s.per_case_cap_fen,
            }
            | ({"service_units": s.service_units} if s.service_units is not None else {})
            | ({"home_region": s.home_region} if s.home_region is not None else {})
            | ({"track_record": s.track_record} if s.track_record != 0.5 else {})
            | ({"name": s.name} if s.name else {})
            for s in sources
        ],
    }
