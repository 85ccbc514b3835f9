"""NGO projects: creation (with the NGO's own budget booked in the ledger), monthly capacity in
units, track record, listing, and the adapter from a project to the eligibility rule of
:mod:`matching.rules` (does this project fit this case and need line)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from marketplace.accounts.models import Role, User
from marketplace.audit.services import record
from marketplace.cases.models import Case, NeedLine
from marketplace.cases.services import applicant
from marketplace.db_types import local_today, utcnow
from marketplace.errors import NotFound, PermissionDenied, ValidationFailed
from marketplace.extensions import db
from marketplace.ngos.models import Project, ProjectStatus, Referral, ReferralStatus
from marketplace.utils import get_row
from matching.rules import Rule, misfits


def create_project(actor: User, data: dict[str, Any]) -> Project:
    """Create a project for the actor's NGO (validated ``ProjectCreateSchema`` data)."""
    if actor.role != Role.ngo_staff or actor.organization is None:
        raise PermissionDenied(_l("Only NGO staff can create projects."))
    if data.get("starts_on") and data.get("ends_on") and data["ends_on"] < data["starts_on"]:
        raise ValidationFailed(
            _l("The project ends before it starts."), {"ends_on": ["before start"]}
        )
    project = Project(organization_id=actor.organization_id, **data)
    db.session.add(project)
    db.session.flush()
    if project.budget_fen:
        _book_budget(project, actor)
    record(actor, "project.create", "project", project.id)
    return project


def _book_budget(project: Project, actor: User | None) -> None:
    """Record the NGO's own budget for the project in the ledger (the money stays with the NGO;
    plans commit from ``project:<id>`` so the budget cannot be committed twice)."""
    from marketplace.ledger import services as ledger
    from marketplace.ledger.core import (
        EntryDraft,
        EntryKind,
        PostingDraft,
        Side,
        SourceKind,
        SourceRef,
    )

    account = ledger.project_account(project.id).code
    ledger.post_entry(
        EntryDraft(
            kind=EntryKind.project_budget,
            memo=f"project {project.id} budget",
            ref=f"project:{project.id}",
            source=SourceRef(SourceKind.project, project.id),
            postings=(
                PostingDraft(ledger.WORLD_NGOS, Side.credit, project.budget_fen or 0),
                PostingDraft(account, Side.debit, project.budget_fen or 0),
            ),
        ),
        actor.id if actor else None,
    )


def get_project(project_id: int) -> Project:
    project = get_row(Project, project_id)
    if project is None:
        raise NotFound(_l("No such project."))
    return project


def active_projects_query() -> Any:
    today = local_today()
    return select(Project).where(
        Project.status == ProjectStatus.active,
        (Project.ends_on.is_(None)) | (Project.ends_on >= today),
    )


def units_used_this_month(project: Project, now: datetime | None = None) -> int:
    now = now or utcnow()
    start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    used = db.session.scalar(
        select(func.coalesce(func.sum(Referral.units), 0)).where(
            Referral.project_id == project.id,
            Referral.created_at >= start,
            Referral.status.in_(
                (ReferralStatus.pending, ReferralStatus.accepted, ReferralStatus.delivered)
            ),
        )
    )
    return int(used or 0)


def units_left(project: Project) -> int:
    return max((project.monthly_units or 0) - units_used_this_month(project), 0)


def track_record(project: Project) -> float:
    """Share of decided referrals the NGO accepted and of accepted units it delivered (0..1)."""
    rows = db.session.execute(
        select(
            Referral.status,
            func.count(),
            func.coalesce(func.sum(Referral.units), 0),
            func.coalesce(func.sum(Referral.delivered_units), 0),
        )
        .where(Referral.project_id == project.id)
        .group_by(Referral.status)
    ).all()
    counts = {status: (n, units, delivered) for status, n, units, delivered in rows}
    decided = sum(
        counts.get(s, (0, 0, 0))[0]
        for s in (
            ReferralStatus.accepted,
            ReferralStatus.declined,
            ReferralStatus.overdue,
            ReferralStatus.delivered,
        )
    )
    if not decided:
        return 0.5  # no record yet: neutral
    took = sum(
        counts.get(s, (0, 0, 0))[0] for s in (ReferralStatus.accepted, ReferralStatus.delivered)
    )
    return round(took / decided, 3)


def budget_remaining(project: Project) -> int:
    """The project's budget not yet committed to cases (its ledger balance)."""
    from marketplace.ledger import codes
    from marketplace.ledger import services as ledger

    return ledger.balance(codes.project(project.id))


def project_view(project: Project) -> dict[str, Any]:
    org = project.organization
    return {
        "id": project.id,
        "organization_id": project.organization_id,
        "name": project.name,
        "description": project.description,
        "kind": project.kind.value,
        "organization": org.name,
        "organization_verified": bool(org.verified),
        "categories": list(project.categories),
        "regions": list(project.regions),
        "age_bands": list(project.age_bands),
        "per_case_cap_fen": project.per_case_cap_fen,
        "budget_fen": project.budget_fen,
        "budget_remaining_fen": None if project.budget_fen is None else budget_remaining(project),
        "monthly_units": project.monthly_units,
        "units_left_this_month": None if project.monthly_units is None else units_left(project),
        "unit_name": project.unit_name,
        "starts_on": project.starts_on,
        "ends_on": project.ends_on,
        "status": project.status.value,
        "track_record": track_record(project),
    }


def paginate_projects(args: dict[str, Any]) -> dict[str, Any]:
    query = active_projects_query().order_by(Project.id)
    projects = [
        p
        for p in db.session.scalars(query)
        if (not args.get("category") or args["category"] in p.categories)
        and (
            not args.get("region")
            or not p.regions
            or any(args["region"].startswith(r) or r.startswith(args["region"]) for r in p.regions)
        )
    ]
    page, per_page = args.get("page", 1), args.get("per_page", 20)
    start = (page - 1) * per_page
    return {
        "items": [project_view(p) for p in projects[start : start + per_page]],
        "total": len(projects),
        "page": page,
        "per_page": per_page,
    }


def project_rule(project: Any) -> Rule:
    """A project's (or a cached project row's) conditions for the eligibility rule."""
    return Rule(
        categories=tuple(project.categories or ()),
        regions=tuple(project.regions or ()),
        age_bands=tuple(project.age_bands or ()),
        household_min=project.household_min,
        household_max=project.household_max,
        starts_on=project.starts_on,
        ends_on=project.ends_on,
    )


def project_misfits(project: Project, case: Case, line: NeedLine | None = None) -> tuple[str, ...]:
    """Why the project does not fit the case (one need line, or any of the case's categories):
    :func:`matching.rules.misfits` on this day. Empty when it fits."""
    return misfits(project_rule(project), applicant(case, line), local_today())


def project_fits(project: Project, case: Case, line: NeedLine | None = None) -> bool:
    """Hard eligibility of a project for a case (and one need line): category, region, age band,
    household size, dates."""
    return not project_misfits(project, case, line)


def service_projects_for(case: Case, line: NeedLine) -> list[Project]:
    """Active service projects that fit this service need and still have capacity this month."""
    return [
        p
        for p in db.session.scalars(active_projects_query().order_by(Project.id))
        if p.kind.value in ("service", "both") and project_fits(p, case, line) and units_left(p) > 0
    ]
