"""Duplicate aid: other open cases (of any organization) for the same resident ID, found by the
ID's keyed hash and reported as counts only.
"""

from __future__ import annotations

from sqlalchemy import func, select

from marketplace.cases.models import Case
from marketplace.cases.states import OPEN
from marketplace.extensions import db


def duplicate_flags(case: Case) -> list[str]:
    """``["possible_duplicate"]`` when another open case (any organization) has the same ID hash."""
    return ["possible_duplicate"] if duplicate_count(case) else []


def duplicate_count(case: Case) -> dict[str, int] | None:
    """How many other open cases share the resident ID: {"same_org": n, "other_org": m}, or None.

    Reveals counts only, never which organization or any private value.
    """
    if not case.id_hash:
        return None
    rows = db.session.execute(
        select(Case.organization_id, func.count())
        .where(Case.id_hash == case.id_hash, Case.id != case.id, Case.status.in_(OPEN))
        .group_by(Case.organization_id)
    ).all()
    if not rows:
        return None
    same = sum(n for org, n in rows if org == case.organization_id)
    return {"same_org": same, "other_org": sum(n for _, n in rows) - same}
