"""Account rules: password hashing (Argon2id), users, organizations and API tokens."""

from __future__ import annotations

import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from marketplace.accounts import permissions
from marketplace.accounts.models import ApiToken, Organization, OrgKind, Role, User
from marketplace.audit.services import record
from marketplace.db_types import utcnow
from marketplace.errors import Conflict, PermissionDenied, ValidationFailed
from marketplace.extensions import db

MIN_PASSWORD_LENGTH = 12
_hasher = PasswordHasher()  # Argon2id with argon2-cffi's RFC 9106 low-memory profile

#: roles that may belong to each kind of organization
ROLES_BY_ORG_KIND: dict[OrgKind, set[Role]] = {
    OrgKind.civil_affairs: {Role.social_worker, Role.reviewer, Role.auditor, Role.admin},
    OrgKind.platform: {Role.reviewer, Role.auditor, Role.admin, Role.social_worker},
    OrgKind.custodian: {Role.reviewer, Role.auditor, Role.admin},
    OrgKind.ngo: {Role.ngo_staff, Role.social_worker, Role.admin},
    OrgKind.company: {Role.company_staff, Role.admin},
}
#: roles people may choose when registering themselves; the rest are created by an admin
SELF_SERVICE_ROLES = (Role.donor,)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def check_password(user: User, password: str) -> bool:
    try:
        _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
    return True


def normalize_email(email: str) -> str:
    try:
        return validate_email(email, check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise ValidationFailed(_l("Enter a valid email address."), {"email": [str(exc)]}) from exc


def validate_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationFailed(
            _l("Passwords need at least %(n)d characters.", n=MIN_PASSWORD_LENGTH),
            {"password": ["too short"]},
        )
    if len(password) > 256:
        raise ValidationFailed(_l("That password is too long."), {"password": ["too long"]})


def get_or_create_org(name: str, kind: OrgKind, region: str | None = None) -> Organization:
    org = db.session.scalar(select(Organization).where(Organization.name == name))
    if org is None:
        # NGOs are verified by a reviewer (unified social credit code); other kinds are created
        # by administrators who vouch for them
        org = Organization(name=name, kind=kind, region=region, verified=kind != OrgKind.ngo)
        db.session.add(org)
        db.session.flush()
    elif org.kind != kind:
        raise Conflict(_l("An organization with that name exists with another kind."))
    return org


def record_registration(org: Organization, number: str) -> None:
    """Store the organization's (checked) registration number; it waits for verification again."""
    org.registration_number = number
    org.verified = False
    org.verified_at = None


def mark_verified(org: Organization, reviewer: User) -> None:
    """A reviewer vouched for the organization."""
    org.verified = True
    org.verified_at = utcnow()
    org.verified_by_id = reviewer.id


def create_user(
    email: str,
    password: str,
    role: Role,
    organization: Organization | None = None,
    display_name: str = "",
    locale: str | None = None,
) -> User:
    """Create a user after checking email, password strength and role/organization fit.

    Raises:
        ValidationFailed: bad email, weak password, or a role that does not fit the organization.
        Conflict: the email is taken.
    """
    email = normalize_email(email)
    validate_password(password)
    if role not in (Role.donor,) and organization is None:
        raise ValidationFailed(_l("This role needs an organization."), {"org": ["required"]})
    if organization is not None and role not in ROLES_BY_ORG_KIND[organization.kind] | {Role.donor}:
        raise ValidationFailed(
            _l("That role does not belong in this kind of organization."), {"role": [role.value]}
        )
    if db.session.scalar(select(User.id).where(User.email == email)):
        raise Conflict(_l("An account with this email already exists."), {"email": ["taken"]})
    user = User(
        email=email,
        password_hash=hash_password(password),
        role=role,
        organization=organization,
        display_name=display_name or email.split("@")[0],
        locale=locale,
        session_token=secrets.token_hex(16),
    )
    db.session.add(user)
    db.session.flush()
    return user


def authenticate(email: str, password: str) -> User | None:
    """Return the active user with these credentials, or None (same answer for every failure)."""
    try:
        email = normalize_email(email)
    except ValidationFailed:
        return None
    user = db.session.scalar(select(User).where(User.email == email))
    if user is None:
        _hasher.hash(password)  # similar time whether or not the account exists
        return None
    if not user.active or not check_password(user, password):
        return None
    user.last_login_at = utcnow()
    return user


def load_session_user(session_id: str) -> User | None:
    """Flask-Login loader: ``"<id>:<session_token>"``; a rotated token no longer loads."""
    user_id, _, token = session_id.partition(":")
    if not user_id.isdigit() or not token:
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.active or not secrets.compare_digest(user.session_token, token):
        return None
    return user


def end_sessions(user: User) -> None:
    """Invalidate every session cookie issued to this user (called at logout)."""
    user.session_token = secrets.token_hex(16)


def _token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(user: User) -> str:
    """Create an API token; returns the token (shown once). Only its SHA-256 is stored."""
    token = "jjn_" + secrets.token_urlsafe(32)
    db.session.add(ApiToken(user=user, token_hash=_token_digest(token), prefix=token[:8]))
    db.session.flush()
    return token


def user_for_token(token: str) -> User | None:
    row = db.session.scalar(
        select(ApiToken).where(
            ApiToken.token_hash == _token_digest(token), ApiToken.revoked_at.is_(None)
        )
    )
    if row is None or not row.user.active:
        return None
    row.last_used_at = utcnow()
    return row.user


# ---- administration (the admin screens; every change is audited, never with private values) --


def _require_manage(actor: User, target: User) -> None:
    if not permissions.can_manage_user(actor, target):
        raise PermissionDenied(_l("You may not manage this account."))


def _check_role_fits(role: Role, organization: Organization | None) -> None:
    if role == Role.donor:
        return
    if organization is None:
        raise ValidationFailed(
            _l("This role needs an organization."), {"organization": ["required"]}
        )
    if role not in ROLES_BY_ORG_KIND[organization.kind]:
        raise ValidationFailed(
            _l("That role does not belong in this kind of organization."), {"role": [role.value]}
        )


def admin_create_user(
    actor: User,
    email: str,
    password: str,
    role: Role,
    organization: Organization | None,
    display_name: str = "",
) -> User:
    """An administrator creates an account with a temporary password. A platform admin may
    create any account; an organization's admin only non-admin accounts of that organization."""
    permissions.require(permissions.is_admin(actor))
    if not permissions.can_grant_role(actor, role):
        raise PermissionDenied(_l("Only a platform administrator can make administrators."))
    if not permissions.is_platform_admin(actor) and (
        organization is None or organization.id != actor.organization_id
    ):
        raise PermissionDenied(_l("You may create accounts of your own organization only."))
    if role == Role.donor and organization is not None:
        raise ValidationFailed(
            _l("Donors do not belong to an organization."), {"organization": ["donor"]}
        )
    _check_role_fits(role, organization)
    user = create_user(email, password, role, organization, display_name)
    record(
        actor,
        "user.create",
        "user",
        user.id,
        role=role.value,
        organization=organization.id if organization else None,
    )
    return user


def change_role(actor: User, user: User, role: Role) -> User:
    """Give ``user`` another role that fits their organization."""
    _require_manage(actor, user)
    if not permissions.can_grant_role(actor, role):
        raise PermissionDenied(_l("Only a platform administrator can make administrators."))
    if (role == Role.donor) != (user.role == Role.donor):
        raise ValidationFailed(
            _l("Donors and staff accounts cannot be turned into each other."), {"role": ["kind"]}
        )
    _check_role_fits(role, user.organization)
    if role == user.role:
        return user
    before = user.role
    user.role = role
    record(actor, "user.role", "user", user.id, before=before.value, after=role.value)
    return user


def set_active(actor: User, user: User, active: bool) -> User:
    """Deactivate (every session and API token of the account stops working at once) or
    reactivate an account. Nobody deactivates themself."""
    _require_manage(actor, user)
    if user.active == active:
        return user
    user.active = active
    if not active:
        end_sessions(user)
        now = utcnow()
        for token in db.session.scalars(
            select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        ):
            token.revoked_at = now
    record(actor, "user.reactivate" if active else "user.deactivate", "user", user.id)
    return user


def admin_create_token(actor: User, user: User) -> str:
    """A new API token for ``user`` (returned once; only its hash is kept)."""
    _require_manage(actor, user)
    if not user.active:
        raise Conflict(_l("This account is deactivated."))
    token = create_token(user)
    record(actor, "token.create", "user", user.id, prefix=token[:8])
    return token


def revoke_token(actor: User, token: ApiToken) -> ApiToken:
    """Revoke an API token: requests with it are refused from now on."""
    _require_manage(actor, token.user)
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        record(actor, "token.revoke", "user", token.user_id, prefix=token.prefix)
    return token


def unverify_organization(actor: User, org: Organization) -> Organization:
    """A platform admin withdraws an organization's verification."""
    permissions.require(permissions.is_platform_admin(actor))
    if org.verified:
        org.verified = False
        org.verified_at = None
        org.verified_by_id = None
        record(actor, "org.unverify", "organization", org.id)
    return org


def vouch_for_organization(actor: User, org: Organization) -> Organization:
    """A platform admin verifies an organization other than an NGO (NGOs are verified by their
    unified social credit code: ``ngos.services.verify_organization``)."""
    permissions.require(permissions.is_platform_admin(actor))
    if org.kind == OrgKind.ngo:
        raise Conflict(_l("NGOs are verified by their unified social credit code."))
    mark_verified(org, actor)
    record(actor, "org.verify", "organization", org.id)
    return org
