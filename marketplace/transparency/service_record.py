"""An NGO's service record on its public page, from the referrals to its projects: units
delivered, and referral answers given on time (before the answer was due) against answers given
late or never.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from marketplace.extensions import db
from marketplace.ngos.models import Project, Referral, ReferralStatus
from marketplace.transparency.attribution import chunks


def service_record(project_ids: list[int]) -> dict[str, Any]:
    """Referrals to the NGO's projects: answers on time, late or never (overdue), and units
    delivered, per project and in total; and the cases its services reached."""
    answered = (ReferralStatus.accepted, ReferralStatus.declined, ReferralStatus.delivered)
    per_project: dict[int, dict[str, int]] = {}
    cases: set[int] = set()
    units: dict[int, dict[int, int]] = {}  # case id -> project id -> units delivered
    for chunk in chunks(project_ids):
        for project_id, status, due_at, decided_at, delivered, case_id in db.session.execute(
            select(
                Referral.project_id,
                Referral.status,
                Referral.due_at,
                Referral.decided_at,
                Referral.delivered_units,
                Referral.case_id,
            ).where(Referral.project_id.in_(chunk))
        ):
            row = per_project.setdefault(
                project_id,
                {"referrals": 0, "on_time": 0, "late": 0, "unanswered": 0, "units_delivered": 0},
            )
            row["referrals"] += 1
            if status in answered:
                on_time = decided_at is not None and decided_at <= due_at
                row["on_time" if on_time else "late"] += 1
            elif status == ReferralStatus.overdue:
                row["unanswered"] += 1
            row["units_delivered"] += int(delivered or 0)
            if status in (ReferralStatus.accepted, ReferralStatus.delivered):
                cases.add(case_id)
                if delivered:
                    by_case = units.setdefault(case_id, {})
                    by_case[project_id] = by_case.get(project_id, 0) + int(delivered)
    projects = []
    for chunk in chunks(project_ids):
        for project in db.session.scalars(select(Project).where(Project.id.in_(chunk))):
            row = per_project.get(project.id)
            if row:
                projects.append(
                    {"id": project.id, "name": project.name, "unit_name": project.unit_name, **row}
                )
    projects.sort(key=lambda r: r["id"])
    unit_names = {p["id"]: p["unit_name"] or "" for p in projects}
    delivered_units = {
        case_id: [f"{n} {unit_names.get(pid, '')}".strip() for pid, n in sorted(per.items())]
        for case_id, per in units.items()
    }
    totals = {
        key: sum(r[key] for r in per_project.values())
        for key in ("referrals", "on_time", "late", "unanswered")
    }
    return {**totals, "projects": projects, "cases": cases, "case_units": delivered_units}
