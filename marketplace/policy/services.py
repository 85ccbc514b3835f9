"""The policy tables' services: the version in force for a region and date, and adding a
version. The import of a CSV or XLSX file (``flask policy import FILE``) and its format are in
`marketplace.policy.importing`.

The most specific region wins: for county ``421002`` a version of ``421002`` in force on the date
comes before one of ``4210``, which comes before one of ``42``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from marketplace.errors import Conflict, ValidationFailed
from marketplace.extensions import db
from marketplace.policy.entitlement import Band, Policy
from marketplace.policy.models import PolicyVersion

REGION = re.compile(r"^(\d{2}|\d{4}|\d{6})$")


def china_today() -> date:
    """Today's date where the policies apply (Asia/Shanghai): the default date of a look-up."""
    return datetime.now(ZoneInfo("Asia/Shanghai")).date()


def valid_region(code: str) -> bool:
    return bool(REGION.match(code))


def _prefixes(region: str) -> list[str]:
    """``421002`` -> ``["421002", "4210", "42"]``: the most specific first."""
    return [region[:n] for n in (6, 4, 2) if len(region) >= n]


def _in_force(on: date) -> Any:
    return (PolicyVersion.effective_from <= on) & (
        PolicyVersion.effective_to.is_(None) | (PolicyVersion.effective_to > on)
    )


def policy_in_force(region: str, on: date) -> PolicyVersion | None:
    """The version in force on ``on`` for the most specific prefix of ``region`` that has one."""
    if not valid_region(region):
        raise ValidationFailed(
            _l("A region is a code of 2, 4 or 6 digits."), {"region": ["2, 4 or 6 digits"]}
        )
    for prefix in _prefixes(region):
        found = db.session.scalars(
            select(PolicyVersion)
            .where(PolicyVersion.region_prefix == prefix, _in_force(on))
            .order_by(PolicyVersion.effective_from.desc())
        ).first()
        if found is not None:
            return found
    return None


def band_to_json(band: Band) -> dict[str, Any]:
    return {
        "min_multiple": str(band.min_multiple),
        "max_multiple": None if band.max_multiple is None else str(band.max_multiple),
        "min_fen": band.min_fen,
        "max_fen": band.max_fen,
        "joint_meeting": band.joint_meeting,
    }


def _band_from_json(data: Mapping[str, Any]) -> Band:
    top = data.get("max_multiple")
    return Band(
        Fraction(data["min_multiple"]),
        None if top is None else Fraction(top),
        data["min_fen"],
        data.get("max_fen"),
        joint_meeting=bool(data.get("joint_meeting")),
    )


def to_policy(v: PolicyVersion) -> Policy:
    """The pure `entitlement.Policy` of a stored version (its checks run again)."""
    return Policy(
        dibao_fen_per_person_month=v.dibao_fen,
        tekun_fen_per_person_month=v.tekun_fen,
        bands=tuple(_band_from_json(b) for b in v.bands),
        small_sum_limit_fen=v.small_sum_limit_fen,
        emergency_paperwork_days=v.paperwork_days,
    )


def _overlaps(a_from: date, a_to: date | None, b_from: date, b_to: date | None) -> bool:
    return (b_to is None or a_from < b_to) and (a_to is None or b_from < a_to)


def overlap_problem(
    region: str, version: str, start: date, end: date | None, others: Iterable[PolicyVersion]
) -> str | None:
    for other in others:
        if other.region_prefix == region and _overlaps(
            start, end, other.effective_from, other.effective_to
        ):
            return f"overlaps version {other.version} of region {region}"
        if other.version == version:
            return f"version {version} exists already"
    return None


def stored_for(region: str, version: str) -> list[PolicyVersion]:
    return list(
        db.session.scalars(
            select(PolicyVersion).where(
                (PolicyVersion.region_prefix == region) | (PolicyVersion.version == version)
            )
        )
    )


def add_version(
    *,
    region: str,
    version: str,
    effective_from: date,
    effective_to: date | None,
    policy: Policy,
) -> PolicyVersion:
    """Store a version; refuses a bad region or dates, and a version overlapping another one of the
    same region (or reusing a label)."""
    if not valid_region(region):
        raise ValidationFailed(
            _l("A region is a code of 2, 4 or 6 digits."), {"region": ["2, 4 or 6 digits"]}
        )
    if not version.strip() or len(version) > 40:
        raise ValidationFailed(_l("Give the version a label."), {"version": ["1 to 40 characters"]})
    if effective_to is not None and effective_to <= effective_from:
        raise ValidationFailed(
            _l("A version must end after it starts."),
            {"effective_to": ["must be after effective_from"]},
        )
    problem = overlap_problem(
        region, version, effective_from, effective_to, stored_for(region, version)
    )
    if problem:
        raise Conflict(
            _l("This version overlaps another version of the same region."),
            {"effective_from": [problem]},
        )
    row = PolicyVersion(
        region_prefix=region,
        version=version,
        effective_from=effective_from,
        effective_to=effective_to,
        dibao_fen=policy.dibao_fen_per_person_month,
        tekun_fen=policy.tekun_fen_per_person_month,
        bands=[band_to_json(b) for b in policy.bands],
        small_sum_limit_fen=policy.small_sum_limit_fen,
        paperwork_days=policy.emergency_paperwork_days,
    )
    db.session.add(row)
    db.session.flush()
    return row
