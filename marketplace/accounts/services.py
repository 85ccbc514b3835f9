"""Account rules: password hashing (Argon2id), users, organizations and API tokens."""

from __future__ import annotations

import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from marketplace.accounts.models import ApiToken, Organization, OrgKind, Role, User
from marketplace.db_types import utcnow
from marketplace.errors import Conflict, ValidationFailed
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
