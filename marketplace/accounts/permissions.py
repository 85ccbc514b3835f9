"""Access checks as plain functions. Each answers False unless a rule says yes (fail closed)."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from marketplace.accounts.models import OrgKind, Role
from marketplace.errors import NotFound, PermissionDenied


def _active(user: Any) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.active)


def same_org(user: Any, obj: Any) -> bool:
    return (
        _active(user)
        and user.organization_id is not None
        and user.organization_id == getattr(obj, "organization_id", None)
    )


def can_create_case(user: Any) -> bool:
    return (
        _active(user)
        and user.role == Role.social_worker
        and user.organization is not None
        and user.organization.kind in (OrgKind.civil_affairs, OrgKind.ngo, OrgKind.platform)
    )


def can_see_case_internals(user: Any, case: Any) -> bool:
    """The case's organization (social workers, reviewers, admins) or a platform reviewer."""
    if same_org(user, case) and user.role in (Role.social_worker, Role.reviewer, Role.admin):
        return True
    return is_platform_reviewer(user)


def can_see_private_text(user: Any, case: Any) -> bool:
    """Whether ``user`` may read what people typed about the household (the summary as typed,
    need-line descriptions, notes, a disbursement's purpose and a beneficiary payee's name) in
    views and lists of ``case``: those who work the case, as for its manage page. Everyone else
    (auditors, donors, NGO staff, custodian staff, other offices) gets the scrubbed public text.
    """
    return can_see_case_internals(user, case)


def can_see_disbursement_text(user: Any, case: Any) -> bool:
    """A disbursement's purpose and its payee's name: those who may read the case's private text,
    and the custodian's reviewers, who decide and execute the payment."""
    return can_see_private_text(user, case) or is_custodian_reviewer(user)


def can_view_private(user: Any, case: Any) -> bool:
    return same_org(user, case) and user.role in (Role.social_worker, Role.reviewer, Role.admin)


def can_edit_case(user: Any, case: Any) -> bool:
    return same_org(user, case) and user.role == Role.social_worker


def is_platform_reviewer(user: Any) -> bool:
    return (
        _active(user)
        and user.role == Role.reviewer
        and user.organization is not None
        and user.organization.kind == OrgKind.platform
    )


def can_review_cases(user: Any) -> bool:
    """Reviewers of a civil-affairs or platform organization."""
    return (
        _active(user)
        and user.role == Role.reviewer
        and user.organization is not None
        and user.organization.kind in (OrgKind.civil_affairs, OrgKind.platform)
    )


def can_review_case(user: Any, case: Any) -> bool:
    """A reviewer of the case's own office or of the platform; never the case's submitter."""
    if not can_review_cases(user):
        return False
    if case.submitted_by_id == user.id or case.owner_id == user.id:
        return False
    return user.organization.kind == OrgKind.platform or same_org(user, case)


def require(allowed: bool, hide: bool = False) -> None:
    """Raise 403 (or 404 when the object's existence is itself private) unless ``allowed``."""
    if not allowed:
        if hide:
            raise NotFound(_l("Not found."))
        raise PermissionDenied(_l("You do not have permission to do this."))


def is_custodian_reviewer(user: Any) -> bool:
    """A reviewer of the custodian charity that holds the money (托管慈善组织)."""
    return (
        _active(user)
        and user.role == Role.reviewer
        and user.organization is not None
        and user.organization.kind == OrgKind.custodian
    )


def can_decide_disbursement(user: Any, disbursement: Any) -> bool:
    """Four eyes: a custodian reviewer who did not request it."""
    return is_custodian_reviewer(user) and disbursement.requested_by_id != user.id


def can_see_disbursements(user: Any, case: Any) -> bool:
    """The case's organization, custodian reviewers, auditors and platform reviewers."""
    return (
        can_see_case_internals(user, case) or is_custodian_reviewer(user) or _auditor_of(user, case)
    )


def _auditor_of(user: Any, case: Any) -> bool:
    """An auditor of the platform, of the custodian, or of the case's own organization."""
    return is_global_auditor(user) or (is_auditor(user) and same_org(user, case))


def is_auditor(user: Any) -> bool:
    """An auditor of some organization (what they see depends on which: see below)."""
    return _active(user) and user.role == Role.auditor and user.organization is not None


def is_global_auditor(user: Any) -> bool:
    """An auditor of the platform or of the custodian: the whole ledger and audit log. An
    auditor of another organization sees only what touches its own cases."""
    return is_auditor(user) and user.organization.kind in (OrgKind.platform, OrgKind.custodian)


# ---- administrators ---------------------------------------------------------------------------


def is_admin(user: Any) -> bool:
    """An administrator of some organization."""
    return _active(user) and user.role == Role.admin and user.organization is not None


def is_platform_admin(user: Any) -> bool:
    """An administrator of the platform: every organization, user and API token."""
    return is_admin(user) and user.organization.kind == OrgKind.platform


def can_manage_user(actor: Any, target: Any) -> bool:
    """A platform admin manages everyone; an organization's admin manages the other people of
    that organization who are not administrators. Nobody changes their own account here."""
    if not is_admin(actor) or target is None or target.id == actor.id:
        return False
    if is_platform_admin(actor):
        return True
    return same_org(actor, target) and target.role != Role.admin


def can_grant_role(actor: Any, role: Any) -> bool:
    """Only a platform admin makes administrators."""
    return is_platform_admin(actor) or (is_admin(actor) and role != Role.admin)


def can_verify_organizations(user: Any) -> bool:
    """Reviewers of a civil-affairs office or of the platform, and platform admins."""
    return can_review_cases(user) or is_platform_admin(user)
