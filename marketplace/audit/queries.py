"""Reading the audit log: the events auditors browse, filtered, newest first."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select, or_, select

from marketplace.audit.models import AuditEvent
from marketplace.extensions import db

#: views of private data (each recorded as it happens): a case's private part, and a referral's
#: released contact details read by the NGO
PRIVATE_VIEW_ACTIONS = ("case.private.view", "referral.contact.view")
#: what administrators and auditors themselves do on their screens
STAFF_ACTIONS = (
    "user.create",
    "user.role",
    "user.deactivate",
    "user.reactivate",
    "token.create",
    "token.revoke",
    "org.verify",
    "org.unverify",
    "ledger.verify",
)


def events_query(
    actions: Sequence[str],
    actor_id: int | None = None,
    object_ref: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    case_refs: Select[Any] | None = None,
) -> Select[AuditEvent]:
    """Events with one of ``actions``, newest first. ``object_ref`` matches the object's id or
    the case an event names (a referral's contact view names its case); ``case_refs`` (a select
    of case references) keeps only events about those cases; ``since`` is inclusive, ``until``
    exclusive."""
    query = (
        select(AuditEvent)
        .where(AuditEvent.action.in_(list(actions)))
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    )
    if actor_id is not None:
        query = query.where(AuditEvent.actor_id == actor_id)
    if object_ref:
        query = query.where(or_(AuditEvent.object_id == object_ref, _named_case() == object_ref))
    if case_refs is not None:
        query = query.where(
            or_(
                (AuditEvent.object_type == "case") & AuditEvent.object_id.in_(case_refs),
                _named_case().in_(case_refs),
            )
        )
    if since is not None:
        query = query.where(AuditEvent.at >= since)
    if until is not None:
        query = query.where(AuditEvent.at < until)
    return query


def _named_case() -> Any:
    return AuditEvent.data["case"].as_string()


def last_event(action: str) -> AuditEvent | None:
    """The latest event with this action."""
    return db.session.scalar(
        select(AuditEvent)
        .where(AuditEvent.action == action)
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .limit(1)
    )
