"""Reading accounts for the admin screens: users and organizations an administrator may see,
filtered, and a user's API tokens."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Select, func, select

from marketplace.accounts import permissions
from marketplace.accounts.models import ApiToken, Organization, OrgKind, Role, User
from marketplace.extensions import db


def users_query(
    actor: User,
    role: Role | None = None,
    organization_id: int | None = None,
    active: bool | None = None,
) -> Select[User]:
    """Users ``actor`` administers (a platform admin: everyone; an organization's admin: the
    people of that organization), filtered, by email. Nobody else sees any."""
    query = select(User).order_by(User.email)
    if not permissions.is_platform_admin(actor):
        if not permissions.is_admin(actor):
            return query.where(User.id.is_(None))
        query = query.where(User.organization_id == actor.organization_id)
    if role is not None:
        query = query.where(User.role == role)
    if organization_id is not None:
        query = query.where(User.organization_id == organization_id)
    if active is not None:
        query = query.where(User.active.is_(active))
    return query


def visible_organizations(actor: User) -> list[Organization]:
    """The organizations whose people ``actor`` administers (for filters and the create form)."""
    if permissions.is_platform_admin(actor):
        return list(db.session.scalars(select(Organization).order_by(Organization.name)))
    if permissions.is_admin(actor) and actor.organization is not None:
        return [actor.organization]
    return []


def organizations_query(kind: OrgKind | None = None, unverified: bool = False) -> Select[Any]:
    """Organizations by name, of one kind or not yet verified."""
    query = select(Organization).order_by(Organization.name)
    if kind is not None:
        query = query.where(Organization.kind == kind)
    if unverified:
        query = query.where(Organization.verified.is_(False))
    return query


def member_counts(org_ids: Iterable[int]) -> dict[int, int]:
    """How many accounts each of these organizations has."""
    rows = db.session.execute(
        select(User.organization_id, func.count(User.id))
        .where(User.organization_id.in_(list(org_ids)))
        .group_by(User.organization_id)
    ).all()
    return {int(org): int(n) for org, n in rows if org is not None}


def tokens_of(user: User) -> list[ApiToken]:
    """A user's API tokens, newest first (revoked ones too)."""
    return list(
        db.session.scalars(
            select(ApiToken)
            .where(ApiToken.user_id == user.id)
            .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
        )
    )


def user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == email.strip().lower()))


def emails_of(user_ids: Iterable[int | None]) -> dict[int, str]:
    """The emails of these users by id (to name who did what in a log)."""
    ids = {i for i in user_ids if i is not None}
    if not ids:
        return {}
    return dict(db.session.execute(select(User.id, User.email).where(User.id.in_(ids))).all())
