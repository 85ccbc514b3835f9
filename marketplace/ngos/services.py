"""NGO rules: verification by unified social credit code, projects, referrals (转介) with a time
limit, contact release by the social worker (audited), delivery records."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask import current_app, has_app_context
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from stdnum.cn import uscc

from marketplace.accounts import permissions
from marketplace.accounts import services as accounts
from marketplace.accounts.models import Organization, OrgKind, Role, User
from marketplace.audit.services import record
from marketplace.cases.models import Case, CasePrivate, NeedLine
from marketplace.cases.services import applicant
from marketplace.db_types import local_today, utcnow
from marketplace.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from marketplace.extensions import db
from marketplace.ngos.models import (
    REFERRAL_TRANSITIONS,
    Project,
    ProjectStatus,
    Referral,
    ReferralStatus,
)
from marketplace.notifications.services import notify
from marketplace.state_machine import compare_and_set
from marketplace.utils import get_row
from matching.rules import Rule, misfits


def _hours(name: str, default: int) -> int:
    return int(current_app.config.get(name, default)) if has_app_context() else default


# ---- verification -----------------------------------------------------------------------------


def normalize_uscc(value: str) -> str:
    return "".join(value.split()).upper()


def submit_registration(actor: User, number: str) -> Organization:
    """NGO staff record their organization's unified social credit code (checked, then reviewed)."""
    if actor.role not in (Role.ngo_staff, Role.admin) or actor.organization is None:
        raise PermissionDenied(_l("Only NGO staff can register their organization."))
    org = actor.organization
    if org.kind != OrgKind.ngo:
        raise PermissionDenied(_l("Only NGOs are verified this way."))
    code = normalize_uscc(number)
    if not uscc.is_valid(code):
        raise ValidationFailed(
            _l(
                "This is not a valid unified social credit code "
                "(18 characters with its check character)."
            ),
            {"registration_number": ["invalid"]},
        )
    taken = db.session.scalar(
        select(Organization.id).where(
            Organization.registration_number == code, Organization.id != org.id
        )
    )
    if taken:
        raise Conflict(_l("Another organization is registered with this code."))
    accounts.record_registration(org, code)
    db.session.flush()
    record(actor, "org.registration", "organization", org.id)
    return org


def verify_organization(actor: User, org: Organization) -> Organization:
    """A reviewer of a civil-affairs or platform organization verifies an NGO."""
    permissions.require(permissions.can_review_cases(actor))
    if not org.registration_number:
        raise Conflict(_l("The organization has not given its registration number yet."))
    accounts.mark_verified(org, actor)
    db.session.flush()
    record(actor, "org.verify", "organization", org.id)
    return org


def unverified_ngos() -> list[Organization]:
    return list(
        db.session.scalars(
            select(Organization).where(
                Organization.kind == OrgKind.ngo,
                Organization.verified.is_(False),
                Organization.registration_number.is_not(None),
            )
        )
    )


# ---- projects ---------------------------------------------------------------------------------


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


# ---- referrals --------------------------------------------------------------------------------


def refer(actor: User, case: Case, line: NeedLine, project: Project, units: int) -> Referral:
    """Refer a service need line to a project; the NGO answers before ``due_at``."""
    permissions.require(
        permissions.can_edit_case(actor, case) or permissions.same_org(actor, case), hide=True
    )
    if line.case_id != case.id or line.kind != "service":
        raise ValidationFailed(
            _l("Only service needs of this case can be referred."), {"need_line_id": ["invalid"]}
        )
    if project.status != ProjectStatus.active or project.kind == "money":
        raise Conflict(_l("This project does not take service referrals now."))
    reasons = project_misfits(project, case, line)
    if reasons:
        raise Conflict(
            _l(
                "This project does not serve this need: its category, region, age band, "
                "household size or dates do not fit."
            ),
            {"reasons": list(reasons)},
            code="project_does_not_fit",
        )
    if units < 1 or units > (line.units or 0):
        raise ValidationFailed(
            _l("Refer between 1 unit and what the need asks for."), {"units": ["range"]}
        )
    if units > units_left(project):
        raise Conflict(
            _l("The project has no capacity left this month."), {"units_left": units_left(project)}
        )
    referral = Referral(
        case_id=case.id,
        need_line_id=line.id,
        project_id=project.id,
        units=units,
        status=ReferralStatus.pending,
        due_at=utcnow() + timedelta(hours=_hours("REFERRAL_HOURS", 72)),
        created_by_id=actor.id,
    )
    db.session.add(referral)
    db.session.flush()
    record(actor, "referral.create", "referral", referral.id, case=case.ref, project=project.id)
    for staff in _ngo_staff(project.organization_id):
        notify(
            staff.id,
            str(_l("New referral for %(project)s", project=project.name)),
            f"/ngo/referrals/{referral.id}",
        )
    return referral


def _ngo_staff(org_id: int) -> list[User]:
    return list(
        db.session.scalars(
            select(User).where(User.organization_id == org_id, User.role == Role.ngo_staff)
        )
    )


def _own_referral(actor: User, referral: Referral) -> None:
    if actor.role != Role.ngo_staff or actor.organization_id != referral.project.organization_id:
        raise NotFound(_l("No such referral."))


def decide_referral(
    actor: User, referral: Referral, accept: bool, reason: str | None = None
) -> Referral:
    """The NGO accepts or declines a pending referral (once; not after it became overdue)."""
    _own_referral(actor, referral)
    if not accept and not (reason or "").strip():
        raise ValidationFailed(_l("Say why you decline."), {"reason": ["required"]})
    target = ReferralStatus.accepted if accept else ReferralStatus.declined
    done = compare_and_set(
        referral,
        REFERRAL_TRANSITIONS,
        target,
        decided_at=utcnow(),
        decided_by_id=actor.id,
        decline_reason=None if accept else (reason or "").strip()[:500],
    )
    if not done:
        raise Conflict(_l("This referral was already answered or is overdue."))
    record(actor, f"referral.{target.value}", "referral", referral.id)
    notify(
        referral.case.owner_id,
        str(
            _l(
                "Referral for case %(ref)s was %(status)s.",
                ref=referral.case.ref,
                status=_l("accepted") if accept else _l("declined"),
            )
        ),
        f"/work/cases/{referral.case.ref}",
    )
    return referral


def release_contact(actor: User, referral: Referral) -> Referral:
    """The social worker lets the accepting NGO see the contact details it needs."""
    permissions.require(permissions.can_edit_case(actor, referral.case), hide=True)
    if referral.status not in (ReferralStatus.accepted, ReferralStatus.delivered):
        raise Conflict(_l("Contact details are released only to an NGO that accepted."))
    scope = referral.case.private.consent_scope if referral.case.private else None
    if scope != "anonymized_publication_and_referral":
        raise Conflict(
            _l("The household did not consent to sharing contact details with providers.")
        )
    referral.contact_released_at = utcnow()
    db.session.flush()
    record(actor, "referral.release_contact", "referral", referral.id, case=referral.case.ref)
    return referral


def released_contact(actor: User, referral: Referral) -> CasePrivate:
    """What the NGO may see after release: name, phone, address. Every view is audited."""
    _own_referral(actor, referral)
    if referral.contact_released_at is None:
        raise PermissionDenied(_l("The social worker has not released the contact details."))
    record(actor, "referral.contact.view", "referral", referral.id, case=referral.case.ref)
    return referral.case.private


def record_delivery(actor: User, referral: Referral, units: int) -> Referral:
    _own_referral(actor, referral)
    if referral.status not in (ReferralStatus.accepted, ReferralStatus.delivered):
        raise Conflict(_l("Only accepted referrals can record delivery."))
    if units < 1 or referral.delivered_units + units > referral.units:
        raise ValidationFailed(
            _l("Delivered units cannot exceed the referral."), {"units": ["range"]}
        )
    referral.delivered_units += units
    if referral.delivered_units == referral.units and not compare_and_set(
        referral, REFERRAL_TRANSITIONS, ReferralStatus.delivered
    ):
        raise Conflict(_l("Only accepted referrals can record delivery."))
    db.session.flush()
    record(actor, "referral.delivery", "referral", referral.id, units=units)
    return referral


def mark_overdue_referrals(now: datetime | None = None) -> int:
    """Job: pending referrals past ``due_at`` become overdue; the case owner is alerted once."""
    now = now or utcnow()
    ids = db.session.scalars(
        select(Referral.id).where(Referral.status == ReferralStatus.pending, Referral.due_at <= now)
    ).all()
    count = 0
    for referral_id in ids:
        referral = db.session.get(Referral, referral_id)
        if compare_and_set(referral, REFERRAL_TRANSITIONS, ReferralStatus.overdue):
            notify(
                referral.case.owner_id,
                str(
                    _l(
                        "A referral for case %(ref)s got no answer in time: "
                        "refer the need elsewhere.",
                        ref=referral.case.ref,
                    )
                ),
                f"/work/cases/{referral.case.ref}",
                key=f"referral-overdue-{referral_id}",
            )
            count += 1
    db.session.flush()
    return count


def ngo_referrals(actor: User) -> list[Referral]:
    if actor.organization_id is None:
        return []
    return list(
        db.session.scalars(
            select(Referral)
            .join(Project)
            .where(Project.organization_id == actor.organization_id)
            .order_by(Referral.status, Referral.due_at)
        )
    )


def case_referrals(case: Case) -> list[Referral]:
    return list(
        db.session.scalars(
            select(Referral).where(Referral.case_id == case.id).order_by(Referral.id)
        )
    )


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
