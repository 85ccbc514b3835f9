"""Referrals (转介) of a service need line to an NGO project: refer (within the project's fit and
capacity), the NGO's answer before a time limit, the overdue job, contact release by the social
worker (audited), delivery records, and the lists of a case's and an NGO's referrals."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app, has_app_context
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from marketplace.accounts import permissions
from marketplace.accounts.models import Role, User
from marketplace.audit.services import record
from marketplace.cases.models import Case, CasePrivate, NeedLine
from marketplace.cases.states import CaseStatus
from marketplace.db_types import utcnow
from marketplace.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from marketplace.extensions import db
from marketplace.ngos.models import (
    REFERRAL_TRANSITIONS,
    Project,
    ProjectStatus,
    Referral,
    ReferralStatus,
)
from marketplace.ngos.projects import project_misfits, service_projects_for, units_left
from marketplace.notifications.services import notify
from marketplace.state_machine import compare_and_set


def _hours(name: str, default: int) -> int:
    return int(current_app.config.get(name, default)) if has_app_context() else default


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
    _lock_line(line)
    left = (line.units or 0) - referred_units(line)
    if units > left:
        raise Conflict(
            _l(
                "This need has %(left)d units left to refer: referrals cannot exceed what it "
                "asks for.",
                left=max(left, 0),
            ),
            {"units": units, "units_left": max(left, 0), "need_units": line.units},
            code="referrals_exceed_need",
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


#: referrals that hold a need line's units (a declined or overdue referral gives them back)
LIVE_REFERRAL_STATUSES = (ReferralStatus.pending, ReferralStatus.accepted, ReferralStatus.delivered)


def referred_units(line: NeedLine) -> int:
    """Units of ``line`` that its live referrals hold."""
    return int(
        db.session.scalar(
            select(func.coalesce(func.sum(Referral.units), 0)).where(
                Referral.need_line_id == line.id, Referral.status.in_(LIVE_REFERRAL_STATUSES)
            )
        )
        or 0
    )


def _lock_line(line: NeedLine) -> None:
    """Lock the need line's row (on PostgreSQL; as ``disbursements`` locks a case's row) so
    that two referrals of one line are counted one after the other and cannot both take its
    last units. SQLite, one process for the demo, has no row locks."""
    db.session.execute(select(NeedLine.id).where(NeedLine.id == line.id).with_for_update())


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


def referral_options(case: Case) -> dict[int, list[Project]]:
    """For each service need line of a published case, the projects it can be referred to now
    (none while the case is not published)."""
    if case.status != CaseStatus.published:
        return {}
    return {
        line.id: service_projects_for(case, line)
        for line in case.need_lines
        if line.kind == "service"
    }
