"""NGO rules, the package's entry point for other packages: verification by unified social credit
code (here); projects (:mod:`marketplace.ngos.projects`); referrals (转介) with a time limit,
contact release by the social worker (audited) and delivery records
(:mod:`marketplace.ngos.referrals`). The names of those two modules are re-exported below, so
``from marketplace.ngos import services as ngos; ngos.refer(...)`` works."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from stdnum.cn import uscc

from marketplace.accounts import permissions
from marketplace.accounts import services as accounts
from marketplace.accounts.models import Organization, OrgKind, Role, User
from marketplace.audit.services import record
from marketplace.errors import Conflict, PermissionDenied, ValidationFailed
from marketplace.extensions import db
from marketplace.ngos.projects import active_projects_query as active_projects_query
from marketplace.ngos.projects import budget_remaining as budget_remaining
from marketplace.ngos.projects import create_project as create_project
from marketplace.ngos.projects import get_project as get_project
from marketplace.ngos.projects import paginate_projects as paginate_projects
from marketplace.ngos.projects import project_fits as project_fits
from marketplace.ngos.projects import project_misfits as project_misfits
from marketplace.ngos.projects import project_rule as project_rule
from marketplace.ngos.projects import project_view as project_view
from marketplace.ngos.projects import service_projects_for as service_projects_for
from marketplace.ngos.projects import track_record as track_record
from marketplace.ngos.projects import units_left as units_left
from marketplace.ngos.projects import units_used_this_month as units_used_this_month
from marketplace.ngos.referrals import case_referrals as case_referrals
from marketplace.ngos.referrals import decide_referral as decide_referral
from marketplace.ngos.referrals import mark_overdue_referrals as mark_overdue_referrals
from marketplace.ngos.referrals import ngo_referrals as ngo_referrals
from marketplace.ngos.referrals import record_delivery as record_delivery
from marketplace.ngos.referrals import refer as refer
from marketplace.ngos.referrals import referral_options as referral_options
from marketplace.ngos.referrals import release_contact as release_contact
from marketplace.ngos.referrals import released_contact as released_contact

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
    """A reviewer of a civil-affairs or platform organization, or a platform admin, verifies an
    NGO."""
    permissions.require(permissions.can_verify_organizations(actor))
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
