"""Writing the audit log (in the caller's transaction)."""

from __future__ import annotations

from typing import Any

from marketplace.accounts.models import User
from marketplace.audit.models import AuditEvent
from marketplace.extensions import db


def record(
    actor: User | None, action: str, object_type: str, object_id: str | int, **data: Any
) -> AuditEvent:
    """Add an audit event. ``data`` must hold no private values."""
    event = AuditEvent(
        actor_id=actor.id if actor else None,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        data=data,
    )
    db.session.add(event)
    return event
